// The classifier's promise: a harmless category only with evidence that explains the whole difference.
// Random mutations (byte flips, block rewrites, insertions, deletions; raw and inside text, JSON, gzip, zip
// and tar) are never called harmless; real build-time differences planted where they live still are; and
// the false-positive set (real changes that look like noise) stays content or binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { blobFromBuffer } from '../../src/compare/blob.js';
import { compareContent, newContentContext } from '../../src/compare/content.js';
import { compareInputs } from '../../src/compare/engine.js';
import type { Category } from '../../src/core/finding.js';
import { CLOCKS, POSITIVE_KINDS, falsePositives, mutatedPair, positivePair } from '../fixtures/honesty.js';
import { ev } from '../helpers/evidence.js';
import { testDir } from '../helpers/tmp.js';

const REAL: readonly Category[] = ['content', 'binary', 'added', 'removed'];

async function categories(a: Buffer, b: Buffer, opts: Parameters<typeof newContentContext>[0] = {}): Promise<{ category: Category; evidence: string }[]> {
  const found = await compareContent(blobFromBuffer('f', a), blobFromBuffer('f', b), newContentContext(opts));
  return found.map((f) => ({ category: f.category, evidence: ev(f) }));
}

test('property: a random mutation, raw or inside text, JSON, gzip, zip or tar, is never harmless', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
      const p = await mutatedPair(seed);
      fc.pre(!p.a.equals(p.b));
      // with the clocks of a check around: a time field near them would be taken for one
      const found = await categories(p.a, p.b, { clocks: CLOCKS });
      assert.ok(found.length > 0, `${p.carrier}/${p.mutation}: no finding`);
      assert.ok(found.some((f) => REAL.includes(f.category)), `${p.carrier}/${p.mutation} (seed ${seed}) called harmless: ${JSON.stringify(found)}`);
    }),
    { numRuns: 300 },
  );
});

test('property: real timestamps and ids planted in known formats are still harmless', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...POSITIVE_KINDS), fc.integer({ min: 0, max: 10_000 }), async (kind, seed) => {
      const p = await positivePair(kind, seed);
      const found = await categories(p.a, p.b, { clocks: p.clocks ?? [], variations: p.variations ?? [] });
      assert.ok(found.some((f) => f.category === p.expect), `${kind} (seed ${seed}): expected ${p.expect}, got ${JSON.stringify(found)}`);
      assert.ok(!found.some((f) => REAL.includes(f.category)), `${kind} (seed ${seed}): ${JSON.stringify(found)}`);
    }),
    { numRuns: 200 },
  );
});

test('a random byte flip in a field that held a time is never a time: no clock, a clamped clock, or far from it', async () => {
  const a = Buffer.alloc(64, 0);
  a.writeUInt32LE(1_795_800_000, 16);
  for (const [at, x] of [[16, 0x01], [18, 0x40], [19, 0x10]] as const) {
    const b = Buffer.from(a);
    b[at] = (b[at] ?? 0) ^ x;
    assert.equal((await categories(a, b))[0]?.category, 'binary', 'no clock: no proof');
    assert.equal((await categories(a, b, { clocks: [{ a: 0, b: 0, slack: 1 << 30, source: 'epoch 0' }] }))[0]?.category, 'binary', 'a clamped clock is no clock');
  }
  // bytes 2 and 3 of a little-endian time move it by days to years: outside the build clocks
  const b = Buffer.from(a);
  b[18] = (b[18] ?? 0) ^ 0x40;
  assert.equal((await categories(a, b, { clocks: [{ a: 1_795_800_000, b: 1_795_800_000, slack: 600, source: 'build clocks' }] }))[0]?.category, 'binary');
});

test('a flipped byte of a time sitting on a clock is never a time, whatever byte, bit, width or clock delta', async () => {
  const T = 1_795_800_000;
  const clocks = [
    { a: T, b: T, slack: 3600, source: 'file mtimes' },
    // a clock delta a flip can reach: 4 * 65536 s is within the slack of -3 days
    { a: T, b: T - 4 * 65536, slack: 3600, source: 'build clocks' },
  ];
  for (const [width, at, le] of [[4, 16, true], [4, 16, false], [8, 24, true], [8, 24, false]] as const) {
    const a = Buffer.alloc(64, 0);
    if (width === 8) a[le ? 'writeBigUInt64LE' : 'writeBigUInt64BE'](BigInt(T), at);
    else a[le ? 'writeUInt32LE' : 'writeUInt32BE'](T, at);
    for (let byte = at; byte < at + width; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = Buffer.from(a);
        b[byte] = (b[byte] ?? 0) ^ (1 << bit);
        const found = await categories(a, b, { clocks });
        assert.equal(found[0]?.category, 'binary', `${width * 8}-bit ${le ? 'LE' : 'BE'} field, byte ${byte - at}, bit ${bit}: ${found[0]?.evidence}`);
      }
    }
  }
  // the same field holding two builds' times (two bytes differ) still is one
  const a = Buffer.alloc(64, 0);
  const b = Buffer.alloc(64, 0);
  a.writeUInt32LE(T, 16);
  b.writeUInt32LE(T + 1000, 16);
  assert.equal((await categories(a, b, { clocks }))[0]?.category, 'timestamp');
});

test('false positives: real changes that look like noise stay content or binary', async (t) => {
  const dir = await testDir(t, 'repro-honesty-');
  for (const [i, fp] of falsePositives().entries()) {
    const root = join(dir, String(i));
    for (const [side, tree] of [['a', fp.a], ['b', fp.b]] as const) {
      for (const [path, data] of Object.entries(tree)) {
        await mkdir(dirname(join(root, side, path)), { recursive: true });
        await writeFile(join(root, side, path), data);
      }
    }
    const report = await compareInputs(join(root, 'a'), join(root, 'b'));
    const mine = report.findings.toArray().filter((f) => f.path === fp.path && f.category !== 'mtime');
    assert.ok(mine.length > 0, `${fp.name}: no finding on ${fp.path}: ${JSON.stringify(report.findings.toArray().map((f) => [f.path, f.category]))}`);
    for (const f of mine) assert.ok(REAL.includes(f.category), `${fp.name}: ${f.category} (${ev(f)})`);
    if (fp.evidence) assert.ok(mine.some((f) => fp.evidence!.test(ev(f))), `${fp.name}: ${mine.map((f) => ev(f)).join(' | ')}`);
  }
});
