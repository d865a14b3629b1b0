// Issue 8, broken inputs: truncated streams, bad JSON, missing blobs, digest mismatches, wrong shapes.
// Each is a ReproError naming the file and what is wrong; through the CLI, one "repro: " line and exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openImage, readLayer } from '../../src/image/index.js';
import { ReproError } from '../../src/core/errors.js';
import { runRepro } from '../helpers/cli.js';
import { makeOciImage, makeDockerArchive, layerTar } from '../helpers/images.js';
import { Layout, layerOf, rawTar, zstdRaw, digestOf, MT } from '../helpers/images-extra.js';
import { testDir } from '../helpers/tmp.js';

/** Open and read everything; resolves with the error (which must be a ReproError). */
async function failure(path: string): Promise<ReproError> {
  try {
    const image = await openImage(path);
    for (const layer of image.layers) for await (const item of readLayer(image, layer)) void item;
  } catch (err) {
    assert.ok(err instanceof ReproError, `not a ReproError: ${String((err as Error).stack)}`);
    return err;
  }
  assert.fail(`${path} was read without error`);
}

const oneLayer = { layers: [[{ path: 'etc/hostname', content: 'h\n' }, { path: 'etc/motd', content: 'hello '.repeat(200) }]] };
const blobFile = (dir: string, digest: string): string => join(dir, 'blobs', 'sha256', digest.slice(7));

test('truncated gzip, zstd and tar layers name the layer and the problem', async (t) => {
  const dir = await testDir(t, 'hostile-broken-');
  const tar0 = rawTar([{ name: 'a', body: 'x'.repeat(5000) }, { name: 'b', body: 'y'.repeat(5000) }]);
  const gz = gzipSync(tar0);
  await writeFile(join(dir, 'cut.tar.gz'), gz.subarray(0, gz.length - 40));
  assert.match((await failure(join(dir, 'cut.tar.gz'))).message, /cannot read layer 0 \(cut\.tar\.gz\): truncated gzip stream/);
  const zs = zstdRaw(tar0);
  await writeFile(join(dir, 'cut.tar.zst'), zs.subarray(0, zs.length - 100));
  assert.match((await failure(join(dir, 'cut.tar.zst'))).message, /cannot read layer 0 \(cut\.tar\.zst\): zstd: truncated or corrupt stream/);
  await writeFile(join(dir, 'cut-tar.gz'), gzipSync(tar0.subarray(0, 3000)));
  assert.match((await failure(join(dir, 'cut-tar.gz'))).message, /truncated tar \(unexpected end of data\)/);
  const corrupt = Buffer.from(tar0);
  corrupt[512 * 11 + 3] = 0x41; // second member's header
  await writeFile(join(dir, 'bad-header.tar.gz'), gzipSync(corrupt));
  assert.match((await failure(join(dir, 'bad-header.tar.gz'))).message, /corrupt tar header/);
  const badGz = Buffer.from(gz);
  badGz[20] = (badGz[20] ?? 0) ^ 0xff;
  badGz[21] = (badGz[21] ?? 0) ^ 0xff;
  await writeFile(join(dir, 'flipped.tar.gz'), badGz);
  assert.match((await failure(join(dir, 'flipped.tar.gz'))).message, /cannot read layer 0 \(flipped\.tar\.gz\): (corrupt gzip stream|corrupt tar header|truncated)/);
});

test('bad JSON in index, manifest or config names the document', async (t) => {
  const dir = await testDir(t, 'hostile-broken-');
  const img = join(dir, 'img');
  await makeOciImage(img, oneLayer);
  await writeFile(join(img, 'index.json'), '{"manifests": [');
  assert.match((await failure(img)).message, /^index\.json is not valid JSON/);
  await writeFile(join(img, 'index.json'), 'null');
  assert.match((await failure(img)).message, /^index\.json is not a JSON object/);
  await writeFile(join(img, 'index.json'), '{"manifests": {"a": 1}}');
  assert.match((await failure(img)).message, /index\.json has no "manifests" array/);
  await writeFile(join(img, 'index.json'), JSON.stringify({ manifests: [{ mediaType: MT.manifest, digest: 'sha256:../../etc', size: 1 }] }));
  assert.match((await failure(img)).message, /index entry 0 has no valid digest/);
  // manifest and config: rewrite the blob and the index so digests still match
  const lay = new Layout();
  const cfg = lay.blob('{"rootfs": ', MT.config);
  const m = lay.json({ schemaVersion: 2, config: cfg, layers: [] }, MT.manifest);
  lay.index([m]);
  await lay.writeDir(join(dir, 'badcfg'));
  const err = await failure(join(dir, 'badcfg'));
  assert.match(err.message, new RegExp(`^config ${cfg.digest} is not valid JSON`));
  assert.equal(err.where, join(dir, 'badcfg'));
  const lay2 = new Layout();
  const m2 = lay2.blob('[1,2', MT.manifest);
  lay2.index([m2]);
  await lay2.writeDir(join(dir, 'badman'));
  assert.match((await failure(join(dir, 'badman'))).message, new RegExp(`^manifest ${m2.digest} is not valid JSON`));
});

test('wrong shapes: diff_ids not digests, layers not descriptors, history not a list', async (t) => {
  const dir = await testDir(t, 'hostile-broken-');
  const lay = new Layout();
  const l0 = await layerOf([{ path: 'a', content: 'a' }]);
  const cfg = lay.json({ rootfs: { type: 'layers', diff_ids: 'sha256:abc' } }, MT.config);
  lay.index([lay.json({ schemaVersion: 2, config: cfg, layers: [lay.blob(l0.blob, l0.mediaType)] }, MT.manifest)]);
  await lay.writeDir(join(dir, 'a'));
  assert.match((await failure(join(dir, 'a'))).message, /rootfs\.diff_ids is not a list of digests/);
  const lay2 = new Layout();
  const cfg2 = lay2.json({ rootfs: { type: 'layers', diff_ids: [] } }, MT.config);
  lay2.index([lay2.json({ schemaVersion: 2, config: cfg2, layers: ['blobs/sha256/x'] }, MT.manifest)]);
  await lay2.writeDir(join(dir, 'b'));
  assert.match((await failure(join(dir, 'b'))).message, /layer 0 is not a descriptor object/);
  const lay3 = new Layout();
  lay3.index([lay3.image([l0], { history: 'yesterday', created: 12 })]);
  await lay3.writeDir(join(dir, 'c'));
  const image = await openImage(join(dir, 'c'));
  assert.ok(image.warnings.some((w) => /history is not a list of objects \(ignored\)/.test(w)));
  assert.ok(image.warnings.some((w) => /created is not a string \(ignored\)/.test(w)));
});

test('missing blobs and digest mismatches name the blob', async (t) => {
  const dir = await testDir(t, 'hostile-broken-');
  const img = join(dir, 'img');
  const built = await makeOciImage(img, oneLayer);
  await rm(blobFile(img, built.layerDigests[0]!));
  assert.match((await failure(img)).message, new RegExp(`layer blob ${built.layerDigests[0]} is missing`));
  await rm(img, { recursive: true });
  await makeOciImage(img, oneLayer);
  await writeFile(blobFile(img, built.layerDigests[0]!), gzipSync(await layerTar([{ path: 'other', content: 'o' }])));
  assert.match((await failure(img)).message, new RegExp(`blob ${built.layerDigests[0]} does not match its digest \\(content hashes to sha256:`));
  await rm(img, { recursive: true });
  await makeOciImage(img, oneLayer);
  await writeFile(blobFile(img, built.configDigest), '{"tampered": true}');
  assert.match((await failure(img)).message, new RegExp(`config blob ${built.configDigest} does not match its digest`));
  await rm(img, { recursive: true });
  await makeOciImage(img, oneLayer);
  await rm(blobFile(img, built.manifestDigest));
  assert.match((await failure(img)).message, new RegExp(`manifest blob ${built.manifestDigest} is missing`));
});

test('diff_id mismatch (config lies about the uncompressed layer) is an error naming the layer', async (t) => {
  const dir = await testDir(t, 'hostile-broken-');
  const lay = new Layout();
  const l0 = await layerOf([{ path: 'a', content: 'a' }]);
  const cfg = lay.json({ rootfs: { type: 'layers', diff_ids: [digestOf('not the tar')] } }, MT.config);
  lay.index([lay.json({ schemaVersion: 2, config: cfg, layers: [lay.blob(l0.blob, l0.mediaType)] }, MT.manifest)]);
  await lay.writeDir(join(dir, 'x'));
  assert.match((await failure(join(dir, 'x'))).message, new RegExp(`layer 0 diff_id mismatch: config says ${digestOf('not the tar')}, content is ${digestOf(l0.tar)}`));
});

test('docker archive: tampered layer, missing layer, config not matching its name', async (t) => {
  const dir = await testDir(t, 'hostile-broken-');
  const file = join(dir, 'd.tar');
  const built = await makeDockerArchive(file, oneLayer);
  const bytes = await readFile(file);
  const at = bytes.indexOf('hello hello');
  const tampered = Buffer.from(bytes);
  tampered[at] = 0x4a; // same size, other content: the tar still parses
  await writeFile(join(dir, 't.tar'), tampered);
  assert.match((await failure(join(dir, 't.tar'))).message, new RegExp(`blob ${built.diffIds[0]} does not match its digest`));
  const cfgAt = bytes.indexOf('"architecture":"amd64"');
  const badCfg = Buffer.from(bytes);
  badCfg.write('"architecture":"arm64"', cfgAt);
  // the header checksum does not cover the body, so this is still a valid tar
  await writeFile(join(dir, 'c.tar'), badCfg);
  assert.match((await failure(join(dir, 'c.tar'))).message, /config [0-9a-f]{64}\.json does not match its digest/);
});

test('unknown media types: index entries and layers are warnings, not failures', async (t) => {
  const dir = await testDir(t, 'hostile-broken-');
  const lay = new Layout();
  const l0 = await layerOf([{ path: 'a', content: 'a' }]);
  const m = lay.image([{ ...l0, mediaType: 'application/x-weird-layer' }]);
  lay.index([m, { mediaType: 'application/vnd.in-toto+json', digest: digestOf('att'), size: 3 }]);
  await lay.writeDir(join(dir, 'x'));
  const image = await openImage(join(dir, 'x'));
  let n = 0;
  for await (const item of readLayer(image, image.layers[0]!)) if (item) n++;
  assert.equal(n, 1);
  assert.ok(image.warnings.some((w) => w.includes('skipped index entry') && w.includes('application/vnd.in-toto+json')));
  assert.ok(image.warnings.some((w) => w.includes('unknown media type "application/x-weird-layer": read by its magic bytes')));
});

test('through the CLI: one "repro: " line on stderr, exit 2, no stack trace', async (t) => {
  const dir = await testDir(t, 'hostile-broken-');
  const img = join(dir, 'img');
  const built = await makeOciImage(img, oneLayer);
  await writeFile(blobFile(img, built.layerDigests[0]!), gzipSync(await layerTar([{ path: 'x' }])));
  await writeFile(join(dir, 'garbage.bin'), Buffer.alloc(600, 0x41));
  const cut = gzipSync(rawTar([{ name: 'a', body: 'z'.repeat(4000) }]));
  await writeFile(join(dir, 'cut.tgz'), cut.subarray(0, cut.length - 30));
  for (const [input, pattern] of [
    [img, new RegExp(`^repro: ${img}: blob ${built.layerDigests[0]} does not match its digest`)],
    [join(dir, 'garbage.bin'), /^repro: .*garbage\.bin: not an image, tar archive or directory/],
    [join(dir, 'cut.tgz'), /^repro: .*cut\.tgz: cannot read layer 0 \(cut\.tgz\): truncated gzip stream/],
    [join(dir, 'absent'), /^repro: .*absent: no such file or directory/],
  ] as const) {
    const r = await runRepro(['inspect', input]);
    assert.equal(r.code, 2, `${input}: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('names from the input are shown with control characters escaped and their length bounded', async (t) => {
  const dir = await testDir(t, 'hostile-broken-');
  const evil = 'x\u001b]0;pwned\u0007' + 'y'.repeat(5000);
  await writeFile(join(dir, 'd.tar'), await layerTar([
    { path: 'manifest.json', content: JSON.stringify([{ Config: evil, Layers: [] }]) },
  ]));
  const err = await failure(join(dir, 'd.tar'));
  assert.doesNotMatch(err.message, /[\u0000-\u001f]/);
  assert.ok(err.message.length < 400, `${err.message.length} chars`);
  assert.match(err.message, /^config x\\x1b\]0;pwned\\x07y+\.\.\. named by manifest\.json is missing$/);
});

test('sha512 digests are verified too; unknown algorithms are read with a warning', async (t) => {
  const dir = await testDir(t, 'hostile-broken-');
  const l0 = await layerOf([{ path: 's', content: 'sha512' }]);
  const build = async (name: string, alg: string, tamper: boolean): Promise<string> => {
    const lay = new Layout();
    const d512 = (b: Buffer | string): string => `${alg}:${createHash(alg === 'sha512' ? 'sha512' : 'sha256').update(b).digest('hex')}`;
    const put = (b: Buffer | string, mediaType: string): { mediaType: string; digest: string; size: number } => {
      const digest = d512(b);
      lay.files.set(`blobs/${alg}/${digest.slice(alg.length + 1)}`, Buffer.from(tamper && mediaType === MT.layerGzip ? Buffer.concat([Buffer.from(b), Buffer.alloc(1)]) : b));
      return { mediaType, digest, size: Buffer.from(b).length };
    };
    const cfg = put(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(l0.tar)] } }), MT.config);
    const layer = put(l0.blob, MT.layerGzip);
    lay.index([lay.json({ schemaVersion: 2, config: cfg, layers: [layer] }, MT.manifest)]);
    await lay.writeDir(join(dir, name));
    return join(dir, name);
  };
  const good = await openImage(await build('good', 'sha512', false));
  for await (const item of readLayer(good, good.layers[0]!)) void item;
  assert.match(good.layers[0]?.digest ?? '', /^sha512:[0-9a-f]{128}$/);
  assert.equal(good.layers[0]?.diffId, digestOf(l0.tar));
  assert.match((await failure(await build('bad', 'sha512', true))).message, /blob sha512:[0-9a-f]+ does not match its digest \(content hashes to sha512:/);
  const odd = await openImage(await build('odd', 'blake3', false));
  for await (const item of readLayer(odd, odd.layers[0]!)) void item;
  assert.ok(odd.warnings.some((w) => w.includes('digest algorithm "blake3" is not supported')), odd.warnings.join('\n'));
  assert.equal(odd.layers[0]?.diffId, digestOf(l0.tar), 'the diff_id is still checked');
});
