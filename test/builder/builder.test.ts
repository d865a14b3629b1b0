import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildManifest } from '../../src/builder/index.js';
import { BUILD_HOSTNAME } from '../../src/builder/options.js';
import { openImage, readLayer } from '../../src/image/index.js';
import { ReproError } from '../../src/core/errors.js';
import { testDir, type AfterHook } from '../helpers/tmp.js';
import { layerTar } from '../helpers/images.js';
import { existsSync } from 'node:fs';
import { firstSkip, requireRoot, requireTool } from '../helpers/tools.js';

const CLAMP_RULES = 'version: 1\nrules:\n  - match: ["/**"]\n    action: clamp-mtime\n  - action: image-timestamps\n';

function workspace(t: AfterHook): Promise<string> {
  return testDir(t, 'repro-build-');
}

async function layerPaths(out: string): Promise<string[][]> {
  const image = await openImage(out);
  const layers: string[][] = [];
  for (const layer of image.layers) {
    const names: string[] = [];
    for await (const { entry, body } of readLayer(image, layer)) {
      body.resume();
      names.push(`${entry.type === 'whiteout' ? 'wh ' : ''}${entry.path}`);
    }
    layers.push(names);
  }
  return layers;
}

// Phase 1 is the same in both manifests but leaves a random mtime, so only the rules can make it equal.
const COMMON = [
  'version: 1',
  'epoch: 0',
  'base: scratch',
  'phases:',
  '  - name: common',
  '    files: [{dest: /etc/app.conf, content: "x = 1\\n", mode: "0644"}]',
  '    run:',
  '      - mkdir -p "$ROOTFS/opt/app" && echo app > "$ROOTFS/opt/app/bin"',
  '      - touch -d "@$(od -An -tu4 -N4 /dev/urandom | tr -d \' \')" "$ROOTFS/opt/app/bin"',
].join('\n');

test('layer sharing: same base and first phase give the same first layer once rules are applied', async (t) => {
  const dir = await workspace(t);
  await writeFile(join(dir, 'rules.yml'), CLAMP_RULES);
  const a = `name: a\n${COMMON}\n  - name: more\n    run: ['echo a > "$ROOTFS/opt/app/a"']\nnormalize: [rules.yml]\n`;
  const b = `name: b\n${COMMON}\n  - name: other\n    run: ['echo b > "$ROOTFS/opt/app/b"', 'rm "$ROOTFS/etc/app.conf"']\nnormalize: [rules.yml]\n`;
  await writeFile(join(dir, 'a.yml'), a);
  await writeFile(join(dir, 'b.yml'), b);
  const ra = await buildManifest(join(dir, 'a.yml'), { out: join(dir, 'a.tar') });
  const rb = await buildManifest(join(dir, 'b.yml'), { out: join(dir, 'b.tar') });
  assert.deepEqual(ra.layers.map((l) => l.phase), ['common', 'more']);
  assert.equal(ra.layers[0]!.digest, rb.layers[0]!.digest, 'first layers are shared');
  assert.notEqual(ra.layers[1]!.digest, rb.layers[1]!.digest);
  assert.equal(ra.epochSource, 'manifest');
  const lb = await layerPaths(join(dir, 'b.tar'));
  assert.deepEqual(lb[1], ['etc', 'wh etc/app.conf', 'opt/app', 'opt/app/b']);

  // Control: without the rules the random mtime makes the same phase differ, so the rules did the sharing.
  await writeFile(join(dir, 'a-raw.yml'), a.replace('normalize: [rules.yml]\n', ''));
  const r1 = await buildManifest(join(dir, 'a-raw.yml'), { out: join(dir, 'r1.tar') });
  const r2 = await buildManifest(join(dir, 'a-raw.yml'), { out: join(dir, 'r2.tar') });
  assert.notEqual(r1.layers[0]!.digest, r2.layers[0]!.digest);
});

test('a reproducible manifest builds bit-for-bit identical twice (the builder adds nothing of its own)', async (t) => {
  const dir = await workspace(t);
  const m = [
    'name: same', 'epoch: 1700000000', 'base: scratch', 'phases:',
    '  - name: p',
    '    env: {GREETING: hello}',
    '    files: [{dest: /etc/greeting, content: "hi\\n"}]',
    '    run: [\'echo "$GREETING $SOURCE_DATE_EPOCH $TZ" > "$ROOTFS/etc/env" && touch -d @1700000000 "$ROOTFS/etc/env" "$ROOTFS/etc/greeting" "$ROOTFS/etc"\']',
  ].join('\n');
  await writeFile(join(dir, 'm.yml'), m);
  const x = await buildManifest(join(dir, 'm.yml'), { out: join(dir, 'x.tar') });
  const y = await buildManifest(join(dir, 'm.yml'), { out: join(dir, 'y.tar'), workDir: join(dir, 'elsewhere') });
  assert.equal(x.manifestDigest, y.manifestDigest);
  const image = await openImage(join(dir, 'x.tar'));
  assert.equal(image.config?.created, '2023-11-14T22:13:20Z');
  for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
    if (entry.path !== 'etc/env') {
      body.resume();
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'hello 1700000000 UTC\n');
  }
});

test('umask and env options reach phase commands (variations for repro check)', async (t) => {
  const dir = await workspace(t);
  await writeFile(join(dir, 'm.yml'), 'name: u\nepoch: 0\nbase: scratch\nphases:\n  - name: p\n    run: [\'touch "$ROOTFS/f" && echo "$LANG" > "$ROOTFS/lang"\']\n');
  const a = await buildManifest(join(dir, 'm.yml'), { out: join(dir, 'a.tar'), umask: '0002', env: { LANG: 'fr_FR.UTF-8' } });
  const image = await openImage(a.out);
  const modes: Record<string, number> = {};
  for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
    body.resume();
    modes[entry.path] = entry.mode;
  }
  assert.equal(modes.f, 0o664);
});

test('a failing phase names the phase, the command, its exit code and its last output lines', async (t) => {
  const dir = await workspace(t);
  await writeFile(join(dir, 'm.yml'), 'name: f\nbase: scratch\nphases:\n  - name: ok\n    run: [true]\n  - name: broken\n    run:\n      - echo about to fail; echo detail >&2; exit 3\n');
  const err = await buildManifest(join(dir, 'm.yml'), { out: join(dir, 'f.tar') }).catch((e: unknown) => e);
  assert.ok(err instanceof ReproError);
  assert.equal(err.where, `${join(dir, 'm.yml')}:8`, 'the line of the failing command itself');
  assert.match(err.message, /phase "broken" failed: `echo about to fail; echo detail >&2; exit 3` exited with code 3/);
  assert.match(err.message, /about to fail\n.*detail/);
  assert.throws(() => execFileSync('test', ['-e', join(dir, 'f.tar')]), 'no partial output');
});

test('image base keeps its layers byte for byte; tarball base becomes a rewritten first layer', async (t) => {
  const dir = await workspace(t);
  await writeFile(join(dir, 'base.yml'), 'name: base\nepoch: 0\nbase: scratch\nphases:\n  - name: one\n    run: [\'mkdir "$ROOTFS/etc" && echo 1 > "$ROOTFS/etc/one"\']\n');
  const base = await buildManifest(join(dir, 'base.yml'), { out: join(dir, 'base.tar') });
  await writeFile(join(dir, 'top.yml'), 'name: top\nepoch: 0\nbase: {image: base.tar}\nphases:\n  - name: two\n    files: [{dest: /etc/two, content: "2\\n"}]\n    run: [\'rm "$ROOTFS/etc/one"\']\n');
  const top = await buildManifest(join(dir, 'top.yml'), { out: join(dir, 'top.tar'), format: 'docker' });
  assert.equal(top.layers.length, 2);
  assert.equal(top.layers[0]!.digest, base.layers[0]!.digest);
  const layers = await layerPaths(join(dir, 'top.tar'));
  assert.deepEqual(layers[1], ['etc', 'wh etc/one', 'etc/two']);

  const src = join(dir, 'src');
  await mkdir(join(src, 'usr/bin'), { recursive: true });
  await writeFile(join(src, 'usr/bin/tool'), 'tool');
  execFileSync('tar', ['-czf', join(dir, 'root.tar.gz'), '-C', src, '.']);
  await writeFile(join(dir, 'tb.yml'), 'name: tb\nepoch: 0\nbase: {tarball: root.tar.gz}\nphases: []\n');
  const tb = await buildManifest(join(dir, 'tb.yml'), { out: join(dir, 'tb.tar') });
  assert.deepEqual(tb.layers.map((l) => l.phase), ['base']);
  assert.deepEqual((await layerPaths(tb.out))[0], ['usr', 'usr/bin', 'usr/bin/tool']);
});

test('builder: an external command writes $REPRO_OUT and its layers go through the manifest rules', async (t) => {
  const dir = await workspace(t);
  await writeFile(join(dir, 'base.yml'), 'name: base\nbase: scratch\nphases:\n  - name: one\n    run: [\'echo 1 > "$ROOTFS/one"\']\n');
  await buildManifest(join(dir, 'base.yml'), { out: join(dir, 'ext.tar') });
  await writeFile(join(dir, 'rules.yml'), CLAMP_RULES);
  await writeFile(join(dir, 'ext.yml'), 'name: ext\nepoch: 5\nbuilder: {command: cp ext.tar "$REPRO_OUT"}\nnormalize: [rules.yml]\n');
  const r = await buildManifest(join(dir, 'ext.yml'), { out: join(dir, 'out.tar') });
  assert.equal(r.layers.length, 1);
  const image = await openImage(r.out);
  for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
    body.resume();
    assert.equal(entry.mtime, 5, `${entry.path} clamped to the epoch`);
  }
  await writeFile(join(dir, 'bad.yml'), 'name: bad\nbuilder: {command: "true"}\n');
  await assert.rejects(buildManifest(join(dir, 'bad.yml'), { out: join(dir, 'bad.tar') }), /wrote nothing to \$REPRO_OUT/);
});

test('files: src copies, owners by name from the tree, env carried to later phases, hostname option', async (t) => {
  const dir = await workspace(t);
  await mkdir(join(dir, 'conf/sub'), { recursive: true });
  await writeFile(join(dir, 'conf/sub/a.txt'), 'A');
  await writeFile(join(dir, 'motd'), 'M');
  const m = [
    'name: f', 'epoch: 0', 'base: scratch', 'phases:',
    '  - name: users',
    '    env: {ROLE: web}',
    '    run: [\'mkdir -p "$ROOTFS/etc" && echo "app:x:1234:4321::/:/bin/sh" > "$ROOTFS/etc/passwd" && echo "app:x:4321:" > "$ROOTFS/etc/group"\']',
    '  - name: files',
    '    files:',
    '      - {src: conf, dest: /srv/conf, owner: "app:app"}',
    '      - {src: motd, dest: /etc/, mode: "0600"}',
    '    run: [\'echo "$ROLE $(hostname)" > "$ROOTFS/etc/role"\']',
  ].join('\n');
  await writeFile(join(dir, 'm.yml'), m);
  const isRoot = process.getuid?.() === 0;
  const r = await buildManifest(join(dir, 'm.yml'), { out: join(dir, 'f.tar'), ...(isRoot ? { hostname: 'variation-host' } : {}) });
  const image = await openImage(r.out);
  const seen: Record<string, { uid: number; gid: number; mode: number; text?: string }> = {};
  for await (const { entry, body } of readLayer(image, image.layers[1]!)) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    seen[entry.path] = { uid: entry.uid, gid: entry.gid, mode: entry.mode, text: Buffer.concat(chunks).toString() };
  }
  assert.equal(seen['srv/conf']?.uid, 1234);
  assert.equal(seen['srv/conf']?.gid, 4321);
  assert.equal(seen['srv/conf/sub/a.txt']?.text, 'A');
  assert.equal(seen['srv/conf/sub/a.txt']?.uid, 1234, 'owner applies to the whole copied tree');
  assert.equal(seen['etc/motd']?.mode, 0o600);
  assert.match(seen['etc/role']?.text ?? '', isRoot ? /^web variation-host\n$/ : /^web /);
  if (isRoot) {
    // Without the option, the build's own fixed name: never the machine's (it would make the image depend on it).
    const plain = await buildManifest(join(dir, 'm.yml'), { out: join(dir, 'plain.tar') });
    const img = await openImage(plain.out);
    let role = '';
    for await (const { entry, body } of readLayer(img, img.layers[1]!)) {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      if (entry.path === 'etc/role') role = Buffer.concat(chunks).toString();
    }
    assert.equal(role, `web ${BUILD_HOSTNAME}\n`);
  }
  const config = image.config?.config as { Env: string[] };
  assert.ok(config.Env.includes('ROLE=web'));
});

test('files and shell detection follow symlinks the way the tree sees them, never to the host', async (t) => {
  const dir = await workspace(t);
  const hostFile = join(dir, 'host-secret');
  await writeFile(hostFile, 'untouched');
  const m = [
    'name: s', 'epoch: 0', 'base: scratch', 'phases:',
    '  - name: links',
    `    run: ['mkdir -p "$ROOTFS/usr/lib" && ln -s /usr/lib "$ROOTFS/lib" && ln -s ${hostFile} "$ROOTFS/trap"']`,
    '  - name: files',
    '    files:',
    '      - {content: "in tree\\n", dest: /lib/conf}',
    '      - {content: "replaced\\n", dest: /trap}',
  ].join('\n');
  await writeFile(join(dir, 'm.yml'), m);
  const r = await buildManifest(join(dir, 'm.yml'), { out: join(dir, 's.tar') });
  const layers = await layerPaths(r.out);
  assert.deepEqual(layers[1], ['trap', 'usr/lib', 'usr/lib/conf']);
  assert.equal(execFileSync('cat', [hostFile], { encoding: 'utf8' }), 'untouched');
});

// cap_setuid,cap_net_raw+ep (VFS_CAP_REVISION_2): its 0x80 byte is what a UTF-8 round trip destroyed.
const CAP = '0100000280200000000000000000000000000000';

async function layerXattrs(out: string): Promise<Record<string, Record<string, string>>[]> {
  const image = await openImage(out);
  const layers: Record<string, Record<string, string>>[] = [];
  for (const layer of image.layers) {
    const m: Record<string, Record<string, string>> = {};
    for await (const { entry, body } of readLayer(image, layer)) {
      body.resume();
      m[entry.path] = Object.fromEntries(Object.entries(entry.xattrs).map(([k, v]) => [k, v.toString('hex')]));
    }
    layers.push(m);
  }
  return layers;
}

test('xattrs a phase sets reach its layer byte for byte, an xattr alone is a change, and an image base keeps them in the tree', { skip: firstSkip(requireRoot('security.* xattrs'), requireTool('setfattr', 'attr')) }, async (t) => {
  const dir = await workspace(t);
  await writeFile(join(dir, 'caps.yml'), [
    'version: 1', 'name: caps', 'epoch: 0', 'base: scratch', 'phases:',
    '  - name: set',
    `    run: ['echo tool > "$ROOTFS/tool" && echo g > "$ROOTFS/g" && setfattr -n security.capability -v 0x${CAP} "$ROOTFS/tool" && setfattr -n user.bin -v 0xff00fe "$ROOTFS/tool"']`,
    '  - name: only-an-xattr',
    '    run: [\'setfattr -n user.note -v 0x80 "$ROOTFS/g"\']',
  ].join('\n') + '\n');
  await writeFile(join(dir, 'rules.yml'), CLAMP_RULES);
  const caps = await buildManifest(join(dir, 'caps.yml'), { out: join(dir, 'caps.tar'), extraRules: [join(dir, 'rules.yml')] });
  const [set, only] = await layerXattrs(caps.out);
  assert.deepEqual(set!.tool, { 'security.capability': CAP, 'user.bin': 'ff00fe' });
  assert.deepEqual(only, { g: { 'user.note': '80' } }, 'a change of xattrs alone puts the entry in the layer');
  const again = await buildManifest(join(dir, 'caps.yml'), { out: join(dir, 'again.tar'), extraRules: [join(dir, 'rules.yml')] });
  assert.equal(again.manifestDigest, caps.manifestDigest);

  // The base image's xattrs are set in the tree, so a phase that only changes the mode keeps them.
  await writeFile(join(dir, 'top.yml'), 'version: 1\nname: top\nepoch: 0\nbase: {image: caps.tar}\nphases:\n  - name: mode\n    run: [\'chmod 700 "$ROOTFS/tool"\']\n');
  const top = await buildManifest(join(dir, 'top.yml'), { out: join(dir, 'top.tar') });
  const topLayers = await layerXattrs(top.out);
  assert.deepEqual(topLayers[2], { tool: { 'security.capability': CAP, 'user.bin': 'ff00fe' } });
});

test('names that are not UTF-8 (Latin-1 bytes) go through phases, snapshots, xattrs and an image base intact', { skip: requireTool('setfattr', 'attr') }, async (t) => {
  const dir = await workspace(t);
  await writeFile(join(dir, 'mk.sh'), [
    'N="$ROOTFS/caf$(printf \'\\351\')"',
    'printf x > "$N"',
    'setfattr -n user.k -v 0x80 "$N"',
    'ln -s "caf$(printf \'\\351\')" "$ROOTFS/link"',
    'mkfifo "$ROOTFS/p$(printf \'\\351\')"',
  ].join('\n') + '\n');
  await writeFile(join(dir, 'latin.yml'), `version: 1\nname: latin\nepoch: 0\nbase: scratch\nphases:\n  - name: make\n    run: ['sh ${join(dir, 'mk.sh')}']\n`);
  const base = await buildManifest(join(dir, 'latin.yml'), { out: join(dir, 'latin.tar') });
  const cafe = 'caf\udce9'; // Entry's form of the bytes 63 61 66 e9
  assert.deepEqual(await layerPaths(base.out), [[cafe, 'link', 'p\udce9']]);
  assert.deepEqual((await layerXattrs(base.out))[0]![cafe], { 'user.k': '80' });

  await writeFile(join(dir, 'top.yml'), `version: 1\nname: top\nepoch: 0\nbase: {image: latin.tar}\nphases:\n  - name: mode\n    run: ['chmod 600 "$ROOTFS/link"']\n`);
  const top = await buildManifest(join(dir, 'top.yml'), { out: join(dir, 'top.tar') });
  const layers = await layerXattrs(top.out);
  assert.deepEqual(layers[1], { [cafe]: { 'user.k': '80' } }, 'the file through the symlink, xattr and all');
});

test('a sparse member (GNU format 1.0) of an image base is unpacked into the tree as the file it stands for', async (t) => {
  const dir = await workspace(t);
  const root = join(dir, 'root');
  await mkdir(root);
  const file = await open(join(root, 'holes'), 'w');
  for (const [at, text] of [[0, 'start'], [1_500_000, 'middle'], [3 * 1024 * 1024 - 3, 'end']] as const) await file.write(text, at);
  await file.close();
  const expected = createHash('sha256').update(await readFile(join(root, 'holes'))).digest('hex');
  execFileSync('tar', ['--sparse', '--sparse-version=1.0', '--format=posix', '--numeric-owner', '-cf', join(dir, 'rootfs.tar'), '-C', root, '.']);
  await writeFile(join(dir, 'm.yml'), 'version: 1\nname: sparse\nepoch: 0\nbase: {image: rootfs.tar}\nphases:\n  - name: copy\n    run: [\'cp "$ROOTFS/holes" "$ROOTFS/copy"\']\n');
  const r = await buildManifest(join(dir, 'm.yml'), { out: join(dir, 'out.tar') });
  const image = await openImage(r.out);
  const last = image.layers[image.layers.length - 1]!;
  let digest: string | undefined;
  for await (const { entry, body } of readLayer(image, last)) {
    if (entry.path !== 'copy') {
      body.resume();
      continue;
    }
    const hash = createHash('sha256');
    for await (const c of body) hash.update(c as Buffer);
    digest = hash.digest('hex');
  }
  assert.equal(digest, expected);
});

test('a tarball base (xz) goes through the jailed extractor: device nodes as placeholders, xattrs kept, the first layer has them', { skip: firstSkip(requireRoot('device numbers and owners'), requireTool('xz', 'xz-utils'), requireTool('getfattr', 'attr')) }, async (t) => {
  const dir = await workspace(t);
  const tarball = await layerTar([
    { path: 'dev/', type: 'dir' },
    { path: 'dev/mem', type: 'char', devmajor: 1, devminor: 1, mode: 0o640 },
    { path: 'out', type: 'symlink', linkname: dir },
    { path: 'out/pwned', content: 'x' },
    { path: 'tool', content: 'tool', pax: { 'SCHILY.xattr.user.k': 'v' } },
  ]);
  await writeFile(join(dir, 'root.tar.xz'), execFileSync('xz', ['-c'], { input: tarball }));
  await writeFile(join(dir, 'm.yml'), 'version: 1\nname: tb\nepoch: 0\nbase: {tarball: root.tar.xz}\nphases:\n  - name: look\n    run: [\'test -f "$ROOTFS/dev/mem" && test ! -c "$ROOTFS/dev/mem" && touch "$ROOTFS/seen"\']\n');
  const r = await buildManifest(join(dir, 'm.yml'), { out: join(dir, 'out.tar') });
  assert.equal(existsSync(join(dir, 'pwned')), false, 'nothing written through the symlink to the host');
  const image = await openImage(r.out);
  const first: string[] = [];
  for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
    body.resume();
    first.push(`${entry.type} ${entry.path}${entry.devmajor !== undefined ? ` ${entry.devmajor}:${entry.devminor}` : ''}${Object.keys(entry.xattrs).length ? ' ' + JSON.stringify(Object.fromEntries(Object.entries(entry.xattrs).map(([k, v]) => [k, v.toString()]))) : ''}`);
  }
  const inTree = dir.slice(1); // where out/pwned landed: the tree's own copy of the host path
  const parents = inTree.split('/').map((_, i, a) => 'dir ' + a.slice(0, i + 1).join('/'));
  assert.deepEqual(first, ['dir dev', 'char dev/mem 1:1', 'symlink out', 'file tool {"user.k":"v"}', ...parents, `file ${inTree}/pwned`].sort((a, b) => (a.split(' ')[1]! < b.split(' ')[1]! ? -1 : 1)));
  assert.deepEqual((await layerPaths(r.out))[1], ['seen']);
});

test('a rule that cannot apply is reported by the build (own phases and an external builder), not dropped', async (t) => {
  const dir = await workspace(t);
  await writeFile(join(dir, 'rules.yml'), 'version: 1\nrules:\n  - match: [/opt/*.gz]\n    action: gzip-normalize\n');
  await writeFile(join(dir, 'm.yml'), 'name: m\nepoch: 0\nbase: scratch\nphases:\n  - name: one\n    run: [\'mkdir "$ROOTFS/opt" && echo plain > "$ROOTFS/opt/notgzip.gz"\']\nnormalize: [rules.yml]\n');
  const warnings: string[] = [];
  await buildManifest(join(dir, 'm.yml'), { out: join(dir, 'm.tar'), warn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /^\/opt\/notgzip\.gz: gzip-normalize .* not applied/);
  await writeFile(join(dir, 'ext.yml'), 'name: ext\nepoch: 5\nbuilder: {command: cp m.tar "$REPRO_OUT"}\nnormalize: [rules.yml]\n');
  const external: string[] = [];
  await buildManifest(join(dir, 'ext.yml'), { out: join(dir, 'ext.tar'), warn: (m) => external.push(m) });
  assert.deepEqual(external, warnings);
});

test('rewritten contents over the held limit are spooled into the work dir, and the layer holds the rewritten bytes', async (t) => {
  const dir = await workspace(t);
  // Three 12 MiB files a rule rewrites: 36 MiB, over the 32 MiB held in memory per layer.
  await writeFile(join(dir, 'rules.yml'), 'version: 1\nrules:\n  - match: "/data/*.txt"\n    action: regex-replace\n    pattern: "abc"\n    flags: g\n    replacement: "xyz"\n');
  const manifest = [
    'version: 1',
    'name: spool',
    'epoch: 0',
    'base: scratch',
    'phases:',
    '  - name: data',
    '    run:',
    '      - mkdir -p "$ROOTFS/data"',
    '      - for i in 1 2 3; do yes abc | head -c 12582912 > "$ROOTFS/data/f$i.txt"; done',
    'normalize: [rules.yml]',
  ].join('\n');
  await writeFile(join(dir, 'm.yml'), manifest + '\n');
  const work = join(dir, 'work');
  const spooled: string[] = [];
  await buildManifest(join(dir, 'm.yml'), {
    out: join(dir, 'x.tar'),
    workDir: work,
    onProgress: (e) => {
      if (e.kind === 'phase-done') spooled.push(...execFileSync('ls', [join(work, 'spool')], { encoding: 'utf8' }).split('\n').filter(Boolean));
    },
  });
  assert.ok(spooled.length >= 1, 'at least one rewritten file went to the spool');
  const image = await openImage(join(dir, 'x.tar'));
  let checked = 0;
  for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
    if (!entry.path.endsWith('.txt')) {
      body.resume();
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    const data = Buffer.concat(chunks);
    assert.equal(data.length, 12582912, entry.path);
    assert.equal(data.subarray(0, 8).toString(), 'xyz\nxyz\n', entry.path);
    assert.ok(!data.includes('abc'), entry.path);
    checked++;
  }
  assert.equal(checked, 3);
});
