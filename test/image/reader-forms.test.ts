// Every input form the reader recognises, built in code: detection by content, digests and diff_ids
// verified and filled, the entries each layer yields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openImage, readLayer } from '../../src/image/index.js';
import type { Image } from '../../src/core/image.js';
import { hostPlatform } from '../../src/image/platform.js';
import { layerTar } from '../helpers/images.js';
import { makeDockerArchive, makeOciArchive, makeOciImage } from '../helpers/images.js';
import { Layout, digestOf, layerOf, zstdRaw, MT } from '../helpers/images-extra.js';
import { testDir } from '../helpers/tmp.js';

async function paths(image: Image, i = 0): Promise<string[]> {
  const out: string[] = [];
  const layer = image.layers[i];
  if (!layer) throw new Error(`no layer ${i}`);
  for await (const { entry } of readLayer(image, layer)) out.push(entry.path);
  return out;
}

const spec = {
  layers: [
    [{ path: 'etc/', type: 'dir' as const }, { path: 'etc/hostname', content: 'box\n' }],
    [{ path: 'etc/.wh.hostname' }, { path: 'usr/bin/tool', content: 'x', mode: 0o755 }],
  ],
};

test('OCI layout directory: digests, diff_ids and entries', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const built = await makeOciImage(join(dir, 'img'), spec);
  const image = await openImage(join(dir, 'img'));
  assert.equal(image.kind, 'oci-dir');
  assert.equal(image.manifestDigest, built.manifestDigest);
  assert.equal(image.configDigest, built.configDigest);
  assert.deepEqual(image.layers.map((l) => l.digest), built.layerDigests);
  assert.deepEqual(image.layers.map((l) => l.diffId), built.diffIds);
  assert.deepEqual(image.layers.map((l) => l.compression), ['gzip', 'gzip']);
  assert.deepEqual(await paths(image, 0), ['etc', 'etc/hostname']);
  const second: string[] = [];
  for await (const { entry } of readLayer(image, image.layers[1]!)) second.push(`${entry.type}:${entry.path}`);
  assert.deepEqual(second, ['whiteout:etc/hostname', 'file:usr/bin/tool']);
});

test('oci-archive and docker-archive (legacy) of the same image agree on diff_ids', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const oci = await makeOciArchive(join(dir, 'x.oci.tar'), spec);
  const dock = await makeDockerArchive(join(dir, 'x.docker.tar'), spec);
  const a = await openImage(join(dir, 'x.oci.tar'));
  const b = await openImage(join(dir, 'x.docker.tar'));
  assert.equal(a.kind, 'oci-archive');
  assert.equal(b.kind, 'docker-archive');
  assert.deepEqual(a.layers.map((l) => l.diffId), oci.diffIds);
  assert.deepEqual(b.layers.map((l) => l.diffId), dock.diffIds);
  assert.deepEqual(oci.diffIds, dock.diffIds);
  for (const l of b.layers) for await (const item of readLayer(b, l)) void item;
  assert.deepEqual(b.layers.map((l) => l.digest), dock.diffIds, 'docker layers are uncompressed: digest = diff_id');
});

test('docker save legacy form with <id>/layer.tar symlinked to ../<diffid>.tar inside the archive', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const tar0 = await layerTar([{ path: 'a.txt', content: 'A' }]);
  const diffId = digestOf(tar0);
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } });
  const configName = `${digestOf(config).slice(7)}.json`;
  const id = 'f'.repeat(64);
  const outer = await layerTar([
    { path: 'manifest.json', content: JSON.stringify([{ Config: configName, RepoTags: ['t:1'], Layers: [`${id}/layer.tar`] }]) },
    { path: configName, content: config },
    { path: `${diffId.slice(7)}.tar`, content: tar0 },
    { path: `${id}/`, type: 'dir' },
    { path: `${id}/layer.tar`, type: 'symlink', linkname: `../${diffId.slice(7)}.tar` },
  ]);
  await writeFile(join(dir, 'd.tar'), outer);
  const image = await openImage(join(dir, 'd.tar'));
  assert.equal(image.kind, 'docker-archive');
  assert.equal(image.layers[0]?.diffId, diffId);
  assert.deepEqual(await paths(image), ['a.txt']);
});

test('docker save OCI form (index.json + manifest.json, blobs/sha256): read through the OCI index', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const lay = new Layout();
  const l0 = await layerOf([{ path: 'b.txt', content: 'B' }], 'none');
  const m = lay.image([l0]);
  lay.index([m]);
  const manifest = JSON.parse(lay.files.get(`blobs/sha256/${m.digest.slice(7)}`)!.toString()) as { config: { digest: string } };
  lay.files.set(
    'manifest.json',
    Buffer.from(JSON.stringify([{ Config: `blobs/sha256/${manifest.config.digest.slice(7)}`, RepoTags: ['t:1'], Layers: [`blobs/sha256/${digestOf(l0.blob).slice(7)}`] }])),
  );
  await lay.writeArchive(join(dir, 'd.tar'));
  const image = await openImage(join(dir, 'd.tar'));
  assert.equal(image.kind, 'docker-archive');
  assert.equal(image.manifestDigest, m.digest);
  assert.equal(image.layers[0]?.diffId, digestOf(l0.tar));
  assert.deepEqual(await paths(image), ['b.txt']);
});

test('nested index (index → index → manifest) and zstd layers', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const lay = new Layout();
  const l0 = await layerOf([{ path: 'z.txt', content: 'zstd layer' }], 'zstd');
  const m = lay.image([l0]);
  const inner = lay.index([m], 'inner');
  lay.index([inner]);
  await lay.writeDir(join(dir, 'nested'));
  const image = await openImage(join(dir, 'nested'));
  assert.equal(image.manifestDigest, m.digest);
  assert.equal(image.layers[0]?.compression, 'zstd');
  const items: string[] = [];
  for await (const { entry, body } of readLayer(image, image.layers[0]!)) {
    let text = '';
    for await (const c of body) text += (c as Buffer).toString();
    items.push(`${entry.path}=${text}`);
  }
  assert.deepEqual(items, ['z.txt=zstd layer']);
  assert.equal(image.layers[0]?.diffId, digestOf(l0.tar));
});

test('multi-platform index: --platform picks, default is the host, a missing one is a clear error', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const lay = new Layout();
  const amd = lay.image([await layerOf([{ path: 'amd' }])], { architecture: 'amd64' }, { platform: { os: 'linux', architecture: 'amd64' } });
  const arm = lay.image([await layerOf([{ path: 'arm' }])], { architecture: 'arm64' }, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
  const att = lay.json({ schemaVersion: 2, layers: [] }, MT.manifest, { platform: { os: 'unknown', architecture: 'unknown' } });
  lay.index([amd, arm, att, { mediaType: 'application/vnd.example.sbom+json', digest: digestOf('x'), size: 1 }]);
  await lay.writeDir(join(dir, 'multi'));
  const a = await openImage(join(dir, 'multi'), { platform: 'linux/arm64' });
  assert.equal(a.manifestDigest, arm.digest);
  assert.ok(a.warnings.some((w) => w.includes('unknown media type application/vnd.example.sbom+json')), a.warnings.join('\n'));
  const b = await openImage(join(dir, 'multi'), { platform: 'linux/arm64/v8' });
  assert.equal(b.manifestDigest, arm.digest);
  const host = hostPlatform();
  if (host === 'linux/amd64' || host === 'linux/arm64') {
    const c = await openImage(join(dir, 'multi'));
    assert.equal(c.manifestDigest, host === 'linux/amd64' ? amd.digest : arm.digest);
  }
  await assert.rejects(openImage(join(dir, 'multi'), { platform: 'linux/s390x' }), /no image for platform linux\/s390x \(have: linux\/amd64, linux\/arm64\/v8\)/);
});

test('root filesystem tarballs: .tar, .tar.gz, .tar.zst are one layer; digests filled after reading', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const tar0 = await layerTar([{ path: './etc/', type: 'dir' }, { path: './etc/os-release', content: 'ID=test\n' }]);
  const forms: [string, Buffer, string][] = [
    ['root.tar', tar0, 'none'],
    ['root.tgz', gzipSync(tar0), 'gzip'],
    ['root.bin', zstdRaw(tar0), 'zstd'], // recognised by content, not by name
  ];
  for (const [name, bytes, compression] of forms) {
    await writeFile(join(dir, name), bytes);
    const image = await openImage(join(dir, name));
    assert.equal(image.kind, 'rootfs-tar', name);
    assert.equal(image.layers.length, 1);
    assert.equal(image.layers[0]?.compression, compression);
    assert.equal(image.layers[0]?.digest, undefined);
    assert.deepEqual(await paths(image), ['etc', 'etc/os-release'], name);
    assert.equal(image.layers[0]?.digest, digestOf(bytes), name);
    assert.equal(image.layers[0]?.diffId, digestOf(tar0), name);
  }
});

test('a plain directory is one layer, walked in sorted order without following links', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const root = join(dir, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc', 'b'), 'b');
  await writeFile(join(root, 'etc', 'a'), 'a');
  await symlink('/etc/passwd', join(root, 'link'));
  const image = await openImage(root);
  assert.equal(image.kind, 'directory');
  const items: string[] = [];
  for await (const { entry } of readLayer(image, image.layers[0]!)) items.push(`${entry.type}:${entry.path}${entry.linkname ? '->' + entry.linkname : ''}`);
  assert.deepEqual(items, ['dir:etc', 'file:etc/a', 'file:etc/b', 'symlink:link->/etc/passwd']);
});

test('unrecognised content and unsupported compression are clear errors', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  await writeFile(join(dir, 'notes.txt'), 'hello world, not an image\n'.repeat(40));
  await assert.rejects(openImage(join(dir, 'notes.txt')), /not an image, tar archive or directory/);
  await writeFile(join(dir, 'x.tar.xz'), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 0, 0]));
  await assert.rejects(openImage(join(dir, 'x.tar.xz')), /xz-compressed tarballs are not supported/);
  await assert.rejects(openImage(join(dir, 'absent')), /no such file or directory/);
});

test('an extracted docker save directory is read like the archive', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const built = await makeDockerArchive(join(dir, 'd.tar'), spec);
  const out = join(dir, 'extracted');
  await mkdir(out);
  execFileSync('tar', ['-xf', join(dir, 'd.tar'), '-C', out]);
  const image = await openImage(out);
  assert.equal(image.kind, 'docker-archive');
  assert.deepEqual(image.layers.map((l) => l.diffId), built.diffIds);
  assert.deepEqual(await paths(image, 0), ['etc', 'etc/hostname']);
});

test('compressed image archives (docker save | gzip, oci-archive | zstd) are images, not rootfs tarballs', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const built = await makeDockerArchive(join(dir, 'd.tar'), spec);
  await makeOciArchive(join(dir, 'o.tar'), spec);
  await writeFile(join(dir, 'd.tar.gz'), gzipSync(await readFile(join(dir, 'd.tar'))));
  await writeFile(join(dir, 'o.tar.zst'), zstdRaw(await readFile(join(dir, 'o.tar'))));
  const d = await openImage(join(dir, 'd.tar.gz'));
  assert.equal(d.kind, 'docker-archive');
  assert.deepEqual(d.layers.map((l) => l.diffId), built.diffIds);
  assert.deepEqual(await paths(d, 1), ['etc/hostname', 'usr/bin/tool']);
  assert.ok(d.warnings.some((w) => w.startsWith('gzip-compressed image archive')));
  const o = await openImage(join(dir, 'o.tar.zst'));
  assert.equal(o.kind, 'oci-archive');
  assert.deepEqual(o.layers.map((l) => l.diffId), built.diffIds);
  // a gzipped root filesystem whose first member is "./" stays one layer
  await writeFile(join(dir, 'r.tgz'), gzipSync(await layerTar([{ path: './', type: 'dir' }, { path: './manifest.json', content: '[]' }])));
  assert.equal((await openImage(join(dir, 'r.tgz'))).kind, 'rootfs-tar');
});

test('a layer whose media type says gzip but whose bytes are zstd is read by its bytes, with a warning', async (t) => {
  const dir = await testDir(t, 'reader-forms-');
  const lay = new Layout();
  const l0 = await layerOf([{ path: 'm', content: 'mislabelled' }], 'zstd');
  lay.index([lay.image([{ ...l0, mediaType: MT.layerGzip }])]);
  await lay.writeDir(join(dir, 'x'));
  const image = await openImage(join(dir, 'x'));
  assert.deepEqual(await paths(image), ['m']);
  assert.ok(image.warnings.some((w) => w.includes('media type says gzip, content is zstd')), image.warnings.join('\n'));
});

test('uncompressed tars: a rootfs is known from its first members, an image archive by its layout names wherever tar put "./"', async (t) => {
  const dir = await testDir(t, 'repro-forms-sniff-');
  // a root filesystem with many more members than are looked at: read whole as one layer
  const tree = join(dir, 'tree');
  for (let i = 0; i < 60; i++) {
    await mkdir(join(tree, `d${i}`), { recursive: true });
    await writeFile(join(tree, `d${i}`, 'f'), `${i}\n`);
  }
  execFileSync('tar', ['-C', tree, '-cf', join(dir, 'rootfs.tar'), '.']);
  const rootfs = await openImage(join(dir, 'rootfs.tar'));
  assert.equal(rootfs.kind, 'rootfs-tar');
  assert.equal((await paths(rootfs)).filter((p) => p.endsWith('/f')).length, 60);
  // an OCI layout packed with `tar -C layout -cf x.tar .`: "./", "./blobs/", ... still an image archive
  await makeOciImage(join(dir, 'layout'), spec);
  execFileSync('tar', ['-C', join(dir, 'layout'), '-cf', join(dir, 'oci.tar'), '.']);
  const oci = await openImage(join(dir, 'oci.tar'));
  assert.equal(oci.kind, 'oci-archive');
  assert.deepEqual(await paths(oci, 1), ['etc/hostname', 'usr/bin/tool']);
});
