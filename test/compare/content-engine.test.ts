import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blobFromBuffer, blobFromFile, type ContentBlob } from '../../src/compare/blob.js';
import { compareContent, DEFAULT_LIMITS, newContentContext } from '../../src/compare/content.js';
import { blobs, ctxWith } from '../helpers/fixtures-content.js';
import { testDirSync } from '../helpers/tmp.js';
import { pairs, type PairName } from '../fixtures/pairs.js';
import { ev } from '../helpers/evidence.js';

test('default limits are the documented ones', () => {
  assert.deepEqual(DEFAULT_LIMITS, { maxDepth: 8, maxDiffLines: 200, maxMemberBytes: 64 * 1024 * 1024, maxTotalBytes: 1024 ** 3 });
  const ctx = newContentContext();
  assert.equal(ctx.budget.bytes, DEFAULT_LIMITS.maxTotalBytes);
  assert.equal(ctx.depth, 0);
});

test('equal content digests are never read', async () => {
  const poisoned = (name: string): ContentBlob => ({
    name,
    size: 10,
    digest: 'sha256:' + 'ab'.repeat(32),
    bytes: () => Promise.reject(new Error('read')),
    stream: () => {
      throw new Error('streamed');
    },
  });
  assert.deepEqual(await compareContent(poisoned('a'), poisoned('b'), ctxWith()), []);
});

test('equal bytes without digests give no findings', async () => {
  assert.deepEqual(await compareContent(...blobs('same\n', 'same\n'), ctxWith()), []);
});

test('members above maxMemberBytes are compared by streamed digest only', async (t) => {
  const dir = testDirSync(t, 'repro-content-');
  writeFileSync(join(dir, 'a'), Buffer.alloc(2048, 1));
  writeFileSync(join(dir, 'b'), Buffer.alloc(2048, 2));
  const a = blobFromFile('a', join(dir, 'a'));
  const b = blobFromFile('b', join(dir, 'b'));
  // bytes() must not be used for large blobs: make it fail loudly.
  a.bytes = () => Promise.reject(new Error('buffered a large member'));
  const f = await compareContent(a, b, ctxWith({ maxMemberBytes: 1024 }));
  assert.equal(f.length, 1);
  assert.equal(f[0]?.category, 'binary');
  assert.equal(f[0]?.warning, 'member larger than 1024 bytes: compared by digest only');
  assert.deepEqual(await compareContent(a, blobFromFile('a2', join(dir, 'a')), ctxWith({ maxMemberBytes: 1024 })), []);
});

test('a comparator failure degrades to bytes and records why', async () => {
  // Valid zip magic, no central directory: the zip parser throws, the engine keeps going.
  const a = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(40, 0)]);
  const b = Buffer.from(a);
  b[30] = 7;
  const f = await compareContent(blobFromBuffer('a', a), blobFromBuffer('b', b), ctxWith());
  assert.equal(f[0]?.category, 'binary');
  assert.match(f[0]?.warning ?? '', /^zip comparator failed \(no end of central directory record\): compared bytes$/);
});

test('different formats on each side fall back to text or bytes', async () => {
  const f = await compareContent(...blobs('{"a":1}', 'plain text\n'), ctxWith());
  assert.equal(f[0]?.category, 'content');
});

const PAIRS: PairName[] = ['gzip-header', 'json-order', 'log-timestamps', 'machine-id', 'text-order', 'zip-times'];

for (const name of PAIRS) {
  test(`pair ${name}: yields the expected category`, async () => {
    const pair = (await pairs())[name];
    const found = await compareContent(blobFromFile('a', pair.a), blobFromFile('b', pair.b), newContentContext());
    assert.ok(pair.expect.length > 0);
    for (const e of pair.expect) {
      assert.ok(
        found.some((f) => f.inner === e.path && f.category === e.category),
        `${name}: expected ${e.category} at "${e.path}", got ${JSON.stringify(found.map((f) => [f.inner, f.category]))}`,
      );
    }
    assert.ok(found.every((f) => ev(f).length > 0 && !ev(f).includes('\n')), 'evidence is one line');
  });
}
