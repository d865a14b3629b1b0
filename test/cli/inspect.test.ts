// `repro inspect`: the table a user reads, the stable --json shape, --platform, --max-layer-bytes, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runRepro } from '../helpers/cli.js';
import { makeOciImage, makeDockerArchive, makeRootfsTar } from '../helpers/images.js';
import { Layout, layerOf } from '../helpers/images-extra.js';
import { testDir } from '../helpers/tmp.js';

const spec = {
  layers: [
    [{ path: 'etc/', type: 'dir' as const }, { path: 'etc/motd', content: 'x'.repeat(3000) }],
    [{ path: 'etc/.wh.motd' }, { path: 'etc/issue', content: 'Debian\n' }],
  ],
  config: { history: [{ created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c apt-get install \u001b[31mred' }, { created_by: 'COPY', empty_layer: true }] },
};

test('the table shows digests, diff_ids, human sizes, entries with whiteouts, history and warnings', async (t) => {
  const dir = await testDir(t, 'cli-inspect-');
  const built = await makeOciImage(join(dir, 'img'), spec);
  const r = await runRepro(['inspect', join(dir, 'img')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = r.stdout;
  assert.match(out, /img {2}\(oci-dir\)/);
  assert.match(out, new RegExp(`manifest {3}${built.manifestDigest}`));
  assert.match(out, new RegExp(`config {5}${built.configDigest}`));
  assert.match(out, /platform linux\/amd64/);
  for (const [i, d] of built.layerDigests.entries()) {
    assert.ok(out.includes(d.slice(7, 23)), `layer ${i} digest`);
    assert.ok(out.includes(built.diffIds[i]!.slice(7, 23)), `layer ${i} diff_id`);
  }
  assert.match(out, /oci\.image\.layer\.v1\.tar\+gzip/);
  assert.match(out, /\b\d+ B\b/);
  assert.match(out, /│ 2 \(1 wh\) +│/);
  assert.match(out, /history:\n {2}2024-01-01T00:00:00Z {2}\/bin\/sh -c apt-get install \\x1b\[31mred\n {2}- {2}\(empty\) COPY/);
  assert.doesNotMatch(out, /\u001b/, 'escape sequences from the image are not sent to the terminal');
});

test('--json has a stable shape: every key present, null when absent', async (t) => {
  const dir = await testDir(t, 'cli-inspect-');
  await makeOciImage(join(dir, 'img'), spec);
  await makeDockerArchive(join(dir, 'd.tar'), spec);
  await makeRootfsTar(join(dir, 'r.tgz'), [{ path: 'a', content: 'a' }], { gzip: true });
  const keys = ['schema', 'input', 'kind', 'manifestDigest', 'configDigest', 'created', 'architecture', 'os', 'history', 'layers', 'warnings'];
  const layerKeys = ['index', 'mediaType', 'digest', 'diffId', 'size', 'entries', 'whiteouts'];
  const shapes: Record<string, unknown>[] = [];
  await mkdir(join(dir, 'plain'));
  await writeFile(join(dir, 'plain', 'f'), 'f');
  for (const input of [join(dir, 'img'), join(dir, 'd.tar'), join(dir, 'r.tgz'), join(dir, 'plain')]) {
    const r = await runRepro(['inspect', '--json', input]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown> & { layers: Record<string, unknown>[]; history: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(j), keys, input);
    assert.equal(j.schema, 'repro-inspect/1');
    for (const l of j.layers) assert.deepEqual(Object.keys(l), layerKeys);
    for (const h of j.history) assert.deepEqual(Object.keys(h), ['created', 'createdBy', 'emptyLayer']);
    shapes.push(j);
  }
  assert.equal(shapes[1]?.manifestDigest, null, 'docker legacy has no manifest');
  assert.equal(shapes[2]?.configDigest, null, 'a rootfs tarball has no config');
  assert.equal(shapes[2]?.kind, 'rootfs-tar');
  const plain = shapes[3] as { kind: string; layers: { digest: unknown; diffId: unknown; size: unknown; entries: number }[] };
  assert.equal(plain.kind, 'directory');
  assert.deepEqual(plain.layers.map((l) => [l.digest, l.diffId, l.size, l.entries]), [[null, null, null, 1]], 'a directory has no blob');
  const img = shapes[0] as { history: { emptyLayer: boolean; created: string | null }[]; layers: { size: number; whiteouts: number }[] };
  assert.deepEqual(img.history.map((h) => h.emptyLayer), [false, true]);
  assert.equal(img.history[1]?.created, null);
  assert.deepEqual(img.layers.map((l) => l.whiteouts), [0, 1]);
});

test('--platform chooses from a multi-platform index; a missing or ambiguous platform is exit 2', async (t) => {
  const dir = await testDir(t, 'cli-inspect-');
  const lay = new Layout();
  const amd = lay.image([await layerOf([{ path: 'amd' }])], { architecture: 'amd64' }, { platform: { os: 'linux', architecture: 'amd64' } });
  const ppc = lay.image([await layerOf([{ path: 'ppc' }])], { architecture: 'ppc64le' }, { platform: { os: 'linux', architecture: 'ppc64le' } });
  const mips = lay.image([await layerOf([{ path: 'mips' }])], { architecture: 'mips64le' }, { platform: { os: 'linux', architecture: 'mips64le' } });
  lay.index([amd, ppc, mips]);
  await lay.writeDir(join(dir, 'multi'));
  const r = await runRepro(['inspect', '--json', '--platform', 'linux/ppc64le', join(dir, 'multi')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { manifestDigest: string }).manifestDigest, ppc.digest);
  const missing = await runRepro(['inspect', '--platform', 'windows/amd64', join(dir, 'multi')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^repro: .*multi: no image for platform windows\/amd64 \(have: linux\/amd64, linux\/ppc64le, linux\/mips64le\)\n$/);
  // without --platform: the host's if listed (amd64 here on amd64 hosts), else an error naming the choices
  const lay2 = new Layout();
  lay2.index([ppc, mips]);
  for (const [k, v] of lay.files) if (k.startsWith('blobs/')) lay2.files.set(k, v);
  await lay2.writeDir(join(dir, 'multi2'));
  const ambiguous = await runRepro(['inspect', join(dir, 'multi2')]);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, /several images \(linux\/ppc64le, linux\/mips64le\) and none for linux\/.*: choose one with --platform/);
});

test('--max-layer-bytes stops a big layer; a bad value is a usage error', async (t) => {
  const dir = await testDir(t, 'cli-inspect-');
  await makeRootfsTar(join(dir, 'r.tgz'), [{ path: 'big', content: Buffer.alloc(200_000) }], { gzip: true });
  const ok = await runRepro(['inspect', '--max-layer-bytes', '1M', join(dir, 'r.tgz')]);
  assert.equal(ok.code, 0, ok.stderr);
  const stopped = await runRepro(['inspect', '--max-layer-bytes', '64K', join(dir, 'r.tgz')]);
  assert.equal(stopped.code, 2);
  assert.match(stopped.stderr, /^repro: .*r\.tgz: cannot read layer 0 \(r\.tgz\): uncompressed content exceeds the limit of 65536 bytes/);
  const bad = await runRepro(['inspect', '--max-layer-bytes', 'lots', join(dir, 'r.tgz')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--max-layer-bytes: expected a size like 4G, 512M/);
  const env = await runRepro(['inspect', join(dir, 'r.tgz')], { env: { REPRO_MAX_LAYER_BYTES: '1000' } });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /exceeds the limit of 1000 bytes/);
});
