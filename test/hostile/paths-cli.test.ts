// Issue 8, item 1 through the CLI: `repro diff`, `normalize` and `inspect` on images whose layers hold
// members that would escape (.., absolute names), links pointing out, hardlinks to missing or outside
// targets, devices, FIFOs and duplicates. Each command finishes, writes nothing outside its REPRO_TMPDIR and
// outputs (snapshot of the sandbox, the cwd included, before/after), and names the odd entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Layout, MT, rawTar, digestOf, type RawMember } from '../helpers/images-extra.js';
import { assertNoStrayWrites, listTree, runMeasured, sandbox, type Sandbox } from '../helpers/hostile.js';

/** The same hostile set on both sides; `variant` changes some bodies so the diff has content to compare. */
function hostileMembers(variant: string): RawMember[] {
  return [
    { name: 'etc/', flag: '5', mode: 0o755 },
    { name: '../../etc/x', body: `escaped ${variant}\n` },
    { name: '/abs/path', body: `absolute ${variant}\n` },
    { name: 'a/../../up', body: 'x' },
    { name: 'link-shadow', flag: '2', linkname: '/etc/shadow' },
    { name: 'link-up', flag: '2', linkname: '../../..' },
    { name: 'link-out', flag: '2', linkname: '../../../../etc/passwd' },
    { name: 'hard-missing', flag: '1', linkname: 'nowhere' },
    { name: 'hard-out', flag: '1', linkname: '../../etc/passwd' },
    { name: 'dev/sda', flag: '4', devmajor: 8, devminor: 0 },
    { name: 'dev/null', flag: '3', devmajor: 1, devminor: 3 },
    { name: 'run/fifo', flag: '6' },
    { name: 'etc/dup', body: `one ${variant}\n` },
    { name: './etc/dup', body: `two ${variant}\n` },
    // a link whose name is then used as a directory: a writer following it would land on the host
    { name: 'escape', flag: '2', linkname: '/tmp' },
    { name: 'escape/planted', body: 'through the link\n' },
  ];
}

async function hostileImage(dir: string, variant: string, keep: (m: RawMember) => boolean = () => true): Promise<void> {
  const tar = rawTar(hostileMembers(variant).filter(keep));
  const lay = new Layout();
  const cfg = lay.json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(tar)] } }, MT.config);
  const layer = lay.blob(gzipSync(tar), MT.layerGzip);
  lay.index([lay.json({ schemaVersion: 2, mediaType: MT.manifest, config: cfg, layers: [layer] }, MT.manifest)]);
  await lay.writeDir(dir);
}

async function prepared(t: Parameters<typeof sandbox>[0]): Promise<Sandbox & { a: string; b: string; before: string[] }> {
  const box = await sandbox(t, 'hostile-paths-');
  const a = join(box.work, 'a');
  const b = join(box.work, 'b');
  await hostileImage(a, 'A');
  await hostileImage(b, 'B');
  return { ...box, a, b, before: await listTree(box.root) };
}

test('repro diff: odd members are findings or warnings, nothing is created outside REPRO_TMPDIR', async (t) => {
  const box = await prepared(t);
  const json = join(box.work, 'out.json');
  const r = await runMeasured(['diff', box.a, box.b, '--json', json], { cwd: box.cwd, env: box.env, measure: false });
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  await assertNoStrayWrites(box, box.before, ['work/out.json']);
  const { readFile } = await import('node:fs/promises');
  const report = JSON.parse(await readFile(json, 'utf8')) as { findings: { path: string; category: string }[]; warnings: string[] };
  const paths = report.findings.map((f) => f.path);
  // content differences inside hostile paths are reported under the stored path, not resolved
  assert.ok(paths.some((p) => p.includes('../../etc/x')), `escaping member reported: ${paths.join(', ')}`);
  assert.ok(paths.includes('/abs/path'));
  assert.ok(paths.includes('/etc/dup'));
  const w = report.warnings.join('\n');
  for (const pattern of [
    /paths leaving the root/,
    /absolute member names: \/abs\/path/,
    /symlinks pointing outside the root: .*link-up -> \.\.\/\.\.\/\.\./,
    /hardlinks to targets not earlier in the layer: hard-missing/,
    /hardlinks to outside targets: hard-out/,
    /device nodes \(recorded, never created\)/,
    /FIFOs \(recorded, never created\): run\/fifo/,
    /duplicate entries: \.\/etc\/dup/,
  ]) {
    assert.match(w, pattern);
  }
  assert.match(w, /^A: /m, 'warnings say which side');
  assert.match(w, /^B: /m);
});

test('repro normalize: hostile members are refused or kept as data, never written to disk', async (t) => {
  const box = await prepared(t);
  const out = join(box.work, 'norm.tar');
  const r = await runMeasured(['normalize', box.a, '--rules', 'common', '-o', out], { cwd: box.cwd, env: box.env, measure: false });
  assert.doesNotMatch(r.stderr, /\n\s+at /, r.stderr);
  if (r.code === 0) {
    await assertNoStrayWrites(box, box.before, ['work/norm.tar']);
  } else {
    // refusing the image is fine as long as it is one line naming what, and leaves nothing behind
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trimEnd().split('\n').at(-1) ?? '', /^repro: .*(\.\.|leav|outside|absolute)/);
    await assertNoStrayWrites(box, box.before);
  }
  t.diagnostic(`normalize exit ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
  assert.equal(existsSync('/tmp/planted'), false, 'nothing written through a link');
});

test('repro normalize: links out, missing hardlinks, devices, FIFOs and duplicates stay data in the output', async (t) => {
  const box = await sandbox(t, 'hostile-norm-');
  const img = join(box.work, 'img');
  // no ".." names or hardlink targets this time (the writer refuses those, test above): it takes the image,
  // and the odd entries must pass through as entries
  const writable = (m: RawMember): boolean => {
    const name = m.name.toString();
    return !name.includes('..') && !name.startsWith('/') && !name.startsWith('escape/') && !(m.flag === '1' && m.linkname?.includes('..'));
  };
  await hostileImage(img, 'A', writable);
  const before = await listTree(box.root);
  const out = join(box.work, 'norm.tar');
  const r = await runMeasured(['normalize', img, '--rules', 'common', '-o', out], { cwd: box.cwd, env: box.env, measure: false });
  assert.equal(r.code, 0, r.stderr);
  await assertNoStrayWrites(box, before, ['work/norm.tar']);
  const info = await runMeasured(['diff', img, out, '--json', '-'], { cwd: box.cwd, env: box.env, measure: false });
  const report = JSON.parse(info.stdout) as { findings: { path: string; category: string }[] };
  // nothing the normalizer did may add or remove an entry: links, devices and FIFOs are written as entries
  const lost = report.findings.filter((f) => f.category === 'added' || f.category === 'removed').map((f) => f.path);
  assert.deepEqual(lost, [], `entries kept: ${lost.join(', ')}`);
});

test('repro inspect: lists the layer and the warnings, writes nothing', async (t) => {
  const box = await prepared(t);
  const r = await runMeasured(['inspect', box.a, '--json'], { cwd: box.cwd, env: box.env, measure: false });
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { layers: { entries: number }[]; warnings: string[] };
  assert.equal(info.layers[0]?.entries, hostileMembers('A').length);
  const w = info.warnings.join('\n');
  assert.match(w, /paths leaving the root/);
  assert.match(w, /symlinks pointing outside the root/);
  assert.match(w, /FIFOs/);
  await assertNoStrayWrites(box, box.before);
});

test('rootfs tarballs and directories: the same through diff (paired by path, links not followed)', async (t) => {
  const box = await prepared(t);
  const ta = join(box.work, 'a.tar');
  const tb = join(box.work, 'b.tar');
  await writeFile(ta, rawTar(hostileMembers('A')));
  await writeFile(tb, rawTar(hostileMembers('B')));
  box.before = await listTree(box.root);
  const r = await runMeasured(['diff', ta, tb, '--json', '-'], { cwd: box.cwd, env: box.env, measure: false });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { findings: { path: string }[]; warnings: string[] };
  assert.ok(report.findings.length >= 3);
  assert.ok(report.warnings.some((w) => /symlinks pointing outside the root/.test(w)));
  await assertNoStrayWrites(box, box.before);
});
