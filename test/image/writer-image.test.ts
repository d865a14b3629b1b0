import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { entryFrom, type Entry } from '../../src/core/entry.js';
import type { Compression } from '../../src/core/image.js';
import { writeLayer, type LayerSource, type WrittenLayer } from '../../src/image/layer-writer.js';
import { writeImage } from '../../src/image/image-writer.js';
import { openImage, readLayer } from '../../src/image/index.js';
import { testDir, type AfterHook } from '../helpers/tmp.js';
import { requireTools } from '../helpers/tools.js';

function file(path: string, body: string, extra: Partial<Entry> = {}): LayerSource {
  return {
    entry: entryFrom({ path, type: 'file', size: Buffer.byteLength(body), ...extra }),
    content: () => Readable.from([Buffer.from(body)]),
  };
}

async function twoLayers(d: string, compression: Compression): Promise<WrittenLayer[]> {
  return [
    await writeLayer([{ entry: entryFrom({ path: 'etc', type: 'dir' }) }, file('etc/os-release', 'ID=test\n')], { compression, dir: d }),
    await writeLayer([file('etc/motd', 'hello\n'), { entry: entryFrom({ path: 'etc/os-release', type: 'whiteout' }) }], { compression, dir: d }),
  ];
}

const config = { created: '1970-01-01T00:00:00Z', os: 'linux', architecture: 'amd64', config: { Env: ['A=1'], Labels: { z: '1', a: '2' } } };

async function withDir(t: AfterHook, fn: (d: string) => Promise<void>): Promise<void> {
  await fn(await testDir(t, 'image-writer-test-'));
}

test('oci-archive: same spec twice → byte-identical archives; the reader gets back layers and config', (t) =>
  withDir(t, async (d) => {
    const layers = await twoLayers(d, 'gzip');
    const r1 = await writeImage({ layers, config }, join(d, 'one.tar'), 'oci');
    const r2 = await writeImage({ layers, config: { ...config } }, join(d, 'two.tar'), 'oci');
    assert.equal(r1.manifestDigest, r2.manifestDigest);
    assert.deepEqual(await readFile(join(d, 'one.tar')), await readFile(join(d, 'two.tar')));
    const img = await openImage(join(d, 'one.tar'));
    assert.equal(img.kind, 'oci-archive');
    assert.equal(img.manifestDigest, r1.manifestDigest);
    assert.equal(img.configDigest, r1.configDigest);
    assert.deepEqual(img.config?.rootfs?.diff_ids, layers.map((l) => l.diffId));
    assert.deepEqual(img.layers.map((l) => l.digest), layers.map((l) => l.digest));
    const paths: string[] = [];
    for await (const item of readLayer(img, img.layers[1]!)) paths.push(`${item.entry.type}:${item.entry.path}`);
    assert.deepEqual(paths, ['whiteout:etc/os-release', 'file:etc/motd'], 'sorted by member name: .wh.os-release < motd');
    assert.ok(!(await readdir(d)).some((n) => n.endsWith('.tmp')), 'no temp files left');
  }));

test('config keys are serialised in a fixed order whatever order they were given in', (t) =>
  withDir(t, async (d) => {
    const layers = await twoLayers(d, 'none');
    const reordered = { config: { Labels: { a: '2', z: '1' }, Env: ['A=1'] }, architecture: 'amd64', os: 'linux', created: '1970-01-01T00:00:00Z' };
    const a = await writeImage({ layers, config }, join(d, 'a.tar'), 'oci');
    const b = await writeImage({ layers, config: reordered }, join(d, 'b.tar'), 'oci');
    assert.equal(a.configDigest, b.configDigest);
    const img = await openImage(join(d, 'a.tar'));
    assert.match(img.configBytes?.toString() ?? '', /^\{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":/);
  }));

test('oci-dir replaces an existing layout atomically and reads back', (t) =>
  withDir(t, async (d) => {
    const layers = await twoLayers(d, 'gzip');
    const out = join(d, 'layout');
    await writeImage({ layers, config }, out, 'oci-dir');
    const again = await writeImage({ layers, config: { ...config, created: '2000-01-01T00:00:00Z' } }, out, 'oci-dir', { refName: 'v2' });
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    assert.equal(index.manifests[0]?.digest, again.manifestDigest);
    assert.equal(index.manifests[0]?.annotations['org.opencontainers.image.ref.name'], 'v2');
    assert.deepEqual((await readdir(d)).filter((n) => n.startsWith('.')), []);
    const img = await openImage(out);
    assert.equal(img.kind, 'oci-dir');
    assert.equal(img.config?.created, '2000-01-01T00:00:00Z');
  }));

test('oci-dir (build and normalize) refuses a directory holding other files, or a file, and leaves them as they were', (t) =>
  withDir(t, async (d) => {
    const layers = await twoLayers(d, 'gzip');
    const work = join(d, 'mywork');
    await mkdir(work);
    await writeFile(join(work, 'notes.txt'), 'mine');
    await assert.rejects(writeImage({ layers, config }, work, 'oci-dir'), /not an OCI layout \(holds "notes.txt"\)/);
    assert.deepEqual(await readdir(work), ['notes.txt']);
    const file = join(d, 'a-file');
    await writeFile(file, 'data');
    await assert.rejects(writeImage({ layers, config }, file, 'oci-dir'), /not a directory/);
    assert.equal(await readFile(file, 'utf8'), 'data');
    // an empty directory is fine
    await mkdir(join(d, 'empty'));
    await writeImage({ layers, config }, join(d, 'empty'), 'oci-dir');
  }));

test('docker archive: uncompressed <diff_id>.tar layers, readable back with the same diff_ids', (t) =>
  withDir(t, async (d) => {
    const layers = await twoLayers(d, 'gzip');
    const out = join(d, 'img.docker.tar');
    await writeImage({ layers, config }, out, 'docker', { refName: 'repro/test:1' });
    const img = await openImage(out);
    assert.equal(img.kind, 'docker-archive');
    assert.deepEqual(img.config?.rootfs?.diff_ids, layers.map((l) => l.diffId));
    for (const l of img.layers) for await (const _ of readLayer(img, l)) void _;
    assert.deepEqual(img.layers.map((l) => l.diffId), layers.map((l) => l.diffId));
    assert.deepEqual(img.layers.map((l) => l.compression), ['none', 'none']);
  }));

test('skopeo and umoci accept what the writer produces', { skip: requireTools(['skopeo', 'skopeo'], ['umoci', 'umoci']) }, (t) =>
  withDir(t, async (d) => {
    const layers = await twoLayers(d, 'gzip');
    const r = await writeImage({ layers, config }, join(d, 'img.oci.tar'), 'oci');
    const info = JSON.parse(execFileSync('skopeo', ['inspect', `oci-archive:${join(d, 'img.oci.tar')}`], { encoding: 'utf8' })) as { Digest: string; Layers: string[] };
    assert.equal(info.Digest, r.manifestDigest);
    assert.deepEqual(info.Layers, layers.map((l) => l.digest));
    const dk = await writeImage({ layers, config }, join(d, 'img.docker.tar'), 'docker', { refName: 'repro/test:1' });
    const dinfo = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${join(d, 'img.docker.tar')}`], { encoding: 'utf8' })) as { Layers: string[] };
    assert.deepEqual(dinfo.Layers, layers.map((l) => l.diffId));
    const raw = execFileSync('skopeo', ['inspect', '--raw', `docker-archive:${join(d, 'img.docker.tar')}`]);
    assert.equal(dk.manifestDigest, 'sha256:' + createHash('sha256').update(raw).digest('hex'), 'the digest skopeo derives');
    await writeImage({ layers, config }, join(d, 'layout'), 'oci-dir');
    execFileSync('umoci', ['unpack', '--rootless', '--image', `${join(d, 'layout')}:latest`, join(d, 'bundle')], { stdio: 'pipe' });
    assert.equal(await readFile(join(d, 'bundle', 'rootfs', 'etc', 'motd'), 'utf8'), 'hello\n');
    assert.deepEqual(await readdir(join(d, 'bundle', 'rootfs', 'etc')), ['motd'], 'the whiteout removed os-release');
  }));
