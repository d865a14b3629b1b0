// Issue 8, paths: members that would escape, links that point out, devices, duplicates are recorded in the
// entries and named in image.warnings, never acted upon; nothing is written anywhere while reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { openImage, readLayer } from '../../src/image/index.js';
import type { Entry } from '../../src/core/entry.js';
import { layerTar } from '../helpers/images.js';
import { rawTar, digestOf } from '../helpers/images-extra.js';
import { assertNoStrayWrites, inSandbox, listTree, sandbox } from '../helpers/hostile.js';
import { testDir } from '../helpers/tmp.js';

const hostile = rawTar([
  { name: '../../../../tmp/escaped', body: 'pwned' },
  { name: '/etc/cron.d/evil', body: '* * * * * root sh\n' },
  { name: 'a/../../up', body: 'x' },
  { name: 'link-out', flag: '2', linkname: '../../../../etc/shadow' },
  { name: 'sub/rel-out', flag: '2', linkname: '../../x' },
  { name: 'abs-ok', flag: '2', linkname: '/usr/bin/env' },
  { name: 'hard-missing', flag: '1', linkname: 'nowhere' },
  { name: 'hard-out', flag: '1', linkname: '../../etc/passwd' },
  { name: 'dev/sda', flag: '4', devmajor: 8, devminor: 0 },
  { name: 'dev/kmsg', flag: '3', devmajor: 1, devminor: 11 },
  { name: 'run/fifo', flag: '6' },
  { name: 'etc/dup', body: 'one' },
  { name: './etc/dup', body: 'two' },
]);

test('hostile members are surfaced in entries and warnings, and nothing is written', async (t) => {
  const box = await sandbox(t, 'hostile-paths-');
  const evil = join(box.work, 'evil.tar');
  await writeFile(evil, hostile);
  const before = await listTree(box.root);
  const entries: Entry[] = [];
  // REPRO_TMPDIR and the cwd in the sandbox: a member written under its own name would land there
  const image = await inSandbox(box, async () => {
    const image = await openImage(evil);
    for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
      entries.push(entry);
      for await (const c of body) void c;
    }
    return image;
  });
  await assertNoStrayWrites(box, before); // no file appeared (or vanished) anywhere under the sandbox
  // fields keep what was stored
  const byName = new Map(entries.map((e) => [e.name, e]));
  assert.equal(byName.get('../../../../tmp/escaped')?.path, '../../../../tmp/escaped');
  assert.equal(byName.get('/etc/cron.d/evil')?.path, 'etc/cron.d/evil');
  assert.equal(byName.get('link-out')?.linkname, '../../../../etc/shadow');
  assert.equal(byName.get('hard-out')?.linkname, '../../etc/passwd');
  assert.equal(byName.get('dev/sda')?.type, 'block');
  assert.equal(byName.get('run/fifo')?.type, 'fifo');
  const w = image.warnings.join('\n');
  assert.match(w, /layer 0: 2 paths leaving the root \(".."\): \.\.\/\.\.\/\.\.\/\.\.\/tmp\/escaped, a\/\.\.\/\.\.\/up/);
  assert.match(w, /layer 0: 1 absolute member names: \/etc\/cron\.d\/evil/);
  assert.match(w, /layer 0: 2 symlinks pointing outside the root: link-out -> \.\.\/\.\.\/\.\.\/\.\.\/etc\/shadow, sub\/rel-out -> \.\.\/\.\.\/x/);
  assert.doesNotMatch(w, /abs-ok/, 'absolute symlink targets stay inside the image root');
  assert.match(w, /layer 0: 1 hardlinks to targets not earlier in the layer: hard-missing => nowhere/);
  assert.match(w, /layer 0: 1 hardlinks to outside targets: hard-out => \.\.\/\.\.\/etc\/passwd/);
  assert.match(w, /layer 0: 2 device nodes \(recorded, never created\): dev\/sda, dev\/kmsg/);
  assert.match(w, /layer 0: 1 FIFOs \(recorded, never created\): run\/fifo/);
  assert.match(w, /layer 0: 1 duplicate entries: \.\/etc\/dup/);
});

test('warnings name a few examples and then count', async (t) => {
  const dir = await testDir(t, 'hostile-paths-');
  const members = Array.from({ length: 50 }, (_, i) => ({ name: `../x${i}`, body: 'x' }));
  await writeFile(join(dir, 'many.tar'), rawTar(members));
  const image = await openImage(join(dir, 'many.tar'));
  for await (const item of readLayer(image, image.layers[0]!)) void item;
  const w = image.warnings.filter((x) => x.includes('leaving the root'));
  assert.equal(w.length, 1);
  assert.match(w[0] ?? '', /50 paths leaving the root \(".."\): \.\.\/x0, \.\.\/x1, \.\.\/x2, \.\.\.$/);
});

test('docker layer.tar symlinks resolve inside the archive only, clamped at its root', async (t) => {
  const dir = await testDir(t, 'hostile-paths-');
  // a real file on the host that an escaping link would reach
  await writeFile(join(dir, 'secret.tar'), await layerTar([{ path: 'stolen', content: 'host file' }]));
  const inner = await layerTar([{ path: 'inside', content: 'i' }]);
  const config = JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [digestOf(inner)] } });
  const build = async (target: string): Promise<Buffer> =>
    layerTar([
      { path: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['x/layer.tar'] }]) },
      { path: 'c.json', content: config },
      { path: 'secret.tar', content: inner }, // what "../secret.tar" means once clamped at the archive root
      { path: 'x/layer.tar', type: 'symlink', linkname: target },
    ]);
  await writeFile(join(dir, 'a.tar'), await build('../../../../../secret.tar'));
  const image = await openImage(join(dir, 'a.tar'));
  const names: string[] = [];
  for await (const { entry } of readLayer(image, image.layers[0]!)) names.push(entry.path);
  assert.deepEqual(names, ['inside'], 'the member inside the archive, never the host file');
  // an absolute target is clamped the same way; a target absent from the archive is "missing"
  await writeFile(join(dir, 'b.tar'), await build(join(dir, 'secret.tar')));
  await assert.rejects(openImage(join(dir, 'b.tar')), /layer x\/layer\.tar is missing/);
  // link loops end
  await writeFile(join(dir, 'c.tar'), await layerTar([
    { path: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['l1'] }]) },
    { path: 'c.json', content: config },
    { path: 'l1', type: 'symlink', linkname: 'l2' },
    { path: 'l2', type: 'symlink', linkname: 'l1' },
  ]));
  await assert.rejects(openImage(join(dir, 'c.tar')), /layer l1 is missing/);
});

test('an OCI layout directory whose blob is a symlink out of the layout is refused', async (t) => {
  const dir = await testDir(t, 'hostile-paths-');
  await writeFile(join(dir, 'outside.json'), '{}');
  const lay = join(dir, 'layout');
  await mkdir(join(lay, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(lay, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const d = digestOf('{}');
  await symlink(join(dir, 'outside.json'), join(lay, 'blobs', 'sha256', d.slice(7)));
  await writeFile(join(lay, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d, size: 2 }] }));
  await assert.rejects(openImage(lay), /manifest blob sha256:[0-9a-f]+ is missing/);
});

test('a directory input: symlinks leading out are warnings, never followed', async (t) => {
  const dir = await testDir(t, 'hostile-paths-');
  const root = join(dir, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(dir, 'host-secret'), 'secret');
  await symlink('../../host-secret', join(root, 'etc', 'leak'));
  await symlink('/etc/passwd', join(root, 'etc', 'abs'));
  const image = await openImage(root);
  const items: string[] = [];
  for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
    let text = '';
    for await (const c of body) text += (c as Buffer).toString();
    items.push(`${entry.type}:${entry.path}:${text}`);
  }
  assert.deepEqual(items, ['dir:etc:', 'symlink:etc/abs:', 'symlink:etc/leak:']);
  assert.ok(image.warnings.some((w) => w === 'layer 0: 1 symlinks pointing outside the root: etc/leak -> ../../host-secret'), image.warnings.join('\n'));
});
