// Issue 8, limits: decompression bombs (gzip and zstd) stream in bounded memory and time, the per-layer
// byte limit stops them early, zstd window declarations are capped, index walks and documents are bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openImage, readLayer } from '../../src/image/index.js';
import { maxLayerBytes, DEFAULT_MAX_LAYER_BYTES } from '../../src/image/layer-reader.js';
import { ReproError } from '../../src/core/errors.js';
import { gzipBomb, zstdBomb, rawHeader, rawTar, Layout, MT, digestOf } from '../helpers/images-extra.js';
import { testDir } from '../helpers/tmp.js';

const GIB = 2 ** 30;

/**
 * Read every layer; returns entries seen, elapsed ms, CPU ms (user + system, every thread of this process)
 * and the process's peak RSS in MiB. Bounded time is asserted as CPU time: wall time on the shared CI
 * machine grows with its load, while a bomb that is not stopped burns CPU whatever the load.
 */
async function drain(path: string, maxBytes?: number): Promise<{ entries: number; ms: number; cpuMs: number; rssMiB: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const image = await openImage(path);
  let entries = 0;
  for (const layer of image.layers) for await (const item of readLayer(image, layer, maxBytes ? { maxBytes } : {})) {
    void item;
    entries++;
  }
  const cpu = process.cpuUsage(c0);
  return { entries, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, rssMiB: process.resourceUsage().maxRSS / 1024 };
}

/** A tar member header announcing a file of `size` bytes, to be followed by that many zeros. */
const bigHeader = (size: number): Buffer => rawHeader({ name: 'big', size });

test('a 2 MB gzip expanding to 2 GiB streams in seconds and bounded memory', { timeout: 600_000 }, async (t) => {
  const dir = await testDir(t, 'hostile-limits-');
  const total = 2 * GIB;
  const bomb = gzipBomb(bigHeader(total - 2048), total - 512);
  assert.ok(bomb.length < 3_000_000, `bomb is ${bomb.length} bytes`);
  await writeFile(join(dir, 'bomb.tar.gz'), bomb);
  const r = await drain(join(dir, 'bomb.tar.gz'));
  t.diagnostic(`gzip bomb ${bomb.length} B → 2 GiB: ${Math.round(r.ms)} ms (CPU ${Math.round(r.cpuMs)} ms), peak RSS ${Math.round(r.rssMiB)} MiB`);
  assert.equal(r.entries, 1);
  assert.ok(r.cpuMs < 60_000, `used ${r.cpuMs} ms of CPU (${r.ms} ms of wall time)`);
  assert.ok(r.rssMiB < 700, `peak RSS ${r.rssMiB} MiB`);
});

test('a zstd bomb (RLE blocks: 4 bytes → 128 KiB) streams in bounded memory', { timeout: 600_000 }, async (t) => {
  const dir = await testDir(t, 'hostile-limits-');
  const total = GIB;
  const bomb = zstdBomb(bigHeader(total - 2048), total - 512);
  assert.ok(bomb.length < 100_000);
  await writeFile(join(dir, 'bomb.tar.zst'), bomb);
  const r = await drain(join(dir, 'bomb.tar.zst'));
  t.diagnostic(`zstd bomb ${bomb.length} B → 1 GiB: ${Math.round(r.ms)} ms (CPU ${Math.round(r.cpuMs)} ms), peak RSS ${Math.round(r.rssMiB)} MiB`);
  assert.equal(r.entries, 1);
  assert.ok(r.cpuMs < 60_000, `used ${r.cpuMs} ms of CPU (${r.ms} ms of wall time)`);
  assert.ok(r.rssMiB < 700, `peak RSS ${r.rssMiB} MiB`);
});

test('the per-layer limit stops a bomb early with an error naming the layer', async (t) => {
  const dir = await testDir(t, 'hostile-limits-');
  await writeFile(join(dir, 'g.tar.gz'), gzipBomb(bigHeader(GIB), GIB));
  await writeFile(join(dir, 'z.tar.zst'), zstdBomb(bigHeader(GIB), GIB));
  for (const name of ['g.tar.gz', 'z.tar.zst']) {
    const t0 = performance.now();
    await assert.rejects(drain(join(dir, name), 8 << 20), (err: unknown) => {
      assert.ok(err instanceof ReproError);
      assert.match(err.message, /cannot read layer 0 \(.*\): uncompressed content exceeds the limit of 8388608 bytes/);
      return true;
    });
    assert.ok(performance.now() - t0 < 5000, `${name}: limit hit late`);
  }
});

test('the limit defaults to 64 GiB and REPRO_MAX_LAYER_BYTES changes it; garbage there is an error', () => {
  const saved = process.env.REPRO_MAX_LAYER_BYTES;
  try {
    delete process.env.REPRO_MAX_LAYER_BYTES;
    assert.equal(maxLayerBytes(), DEFAULT_MAX_LAYER_BYTES);
    assert.equal(DEFAULT_MAX_LAYER_BYTES, 64 * GIB);
    process.env.REPRO_MAX_LAYER_BYTES = '1048576';
    assert.equal(maxLayerBytes(), 1048576);
    process.env.REPRO_MAX_LAYER_BYTES = 'lots';
    assert.throws(() => maxLayerBytes(), /REPRO_MAX_LAYER_BYTES must be a positive integer/);
  } finally {
    if (saved === undefined) delete process.env.REPRO_MAX_LAYER_BYTES;
    else process.env.REPRO_MAX_LAYER_BYTES = saved;
  }
});

test('a zstd frame declaring a 2 GiB window is refused before any allocation', async (t) => {
  const dir = await testDir(t, 'hostile-limits-');
  await writeFile(join(dir, 'w.tar.zst'), zstdBomb(rawTar([{ name: 'a', body: 'a' }]), 0, 31));
  const t0 = performance.now();
  await assert.rejects(drain(join(dir, 'w.tar.zst')), /zstd: frame declares a 2147483648-byte window \(limit 134217728\)/);
  assert.ok(performance.now() - t0 < 2000);
  assert.ok(process.resourceUsage().maxRSS / 1024 < 1500);
});

test('index nesting deeper than 8 levels and fan-out bombs are refused', async (t) => {
  const dir = await testDir(t, 'hostile-limits-');
  const deep = new Layout();
  let desc = deep.image([]);
  for (let i = 0; i < 10; i++) desc = deep.index([desc], `level-${i}`)!;
  deep.index([desc]);
  await deep.writeDir(join(dir, 'deep'));
  await assert.rejects(openImage(join(dir, 'deep')), /index nesting deeper than 8 levels/);

  // 40 entries per level, 4 levels: 2.5 million visits without a budget
  const wide = new Layout();
  let level = wide.image([]);
  for (let i = 0; i < 3; i++) level = wide.index(Array(40).fill(level), `wide-${i}`)!;
  wide.index(Array(40).fill(level));
  await wide.writeDir(join(dir, 'wide'));
  const t0 = performance.now();
  await assert.rejects(openImage(join(dir, 'wide')), /index lists more than 1024 manifests and indexes/);
  assert.ok(performance.now() - t0 < 10_000);
});

test('oversized documents are refused by size, without being read', async (t) => {
  const dir = await testDir(t, 'hostile-limits-');
  const lay = new Layout();
  lay.index([]);
  lay.files.set('index.json', Buffer.alloc(17 << 20, 0x20));
  await lay.writeDir(join(dir, 'big-index'));
  await assert.rejects(openImage(join(dir, 'big-index')), /index\.json is 17825792 bytes: too large for an image document/);
  // in an archive too (a manifest blob that is 17 MiB)
  const arc = new Layout();
  const blob = Buffer.alloc(17 << 20, 0x20);
  arc.blob(blob, MT.manifest);
  arc.index([{ mediaType: MT.manifest, digest: digestOf(blob), size: blob.length }]);
  await arc.writeArchive(join(dir, 'big.tar'));
  await assert.rejects(openImage(join(dir, 'big.tar')), /is 17825792 bytes: too large for an image document/);
});

test('an index of thousands of unknown entries gives a bounded list of warnings', async (t) => {
  const dir = await testDir(t, 'hostile-limits-');
  const lay = new Layout();
  const m = lay.image([]);
  lay.index([...Array.from({ length: 5000 }, (_, i) => ({ mediaType: `application/x-junk-${i}`, digest: digestOf(String(i)), size: 1 })), m]);
  await lay.writeDir(join(dir, 'junk'));
  const image = await openImage(join(dir, 'junk'));
  assert.equal(image.manifestDigest, m.digest);
  assert.equal(image.warnings.filter((w) => w.startsWith('skipped index entry')).length, 4);
});
