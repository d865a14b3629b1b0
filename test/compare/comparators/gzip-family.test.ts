import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { blobFromBuffer } from '../../../src/compare/blob.js';
import { compareContent } from '../../../src/compare/content.js';
import { blobs, compressWith, ctxBuiltAround, ctxWith, gzip, tarOf } from '../../helpers/fixtures-content.js';
import { requireTool } from '../../helpers/tools.js';
import { ev } from '../../helpers/evidence.js';

const TEXT = 'line one\nline two\nline three\n'.repeat(20);

test('gzip with equal payload and different header → compression-metadata naming the fields', async () => {
  const [a, b] = blobs(gzip(TEXT, { mtime: 1700000000, name: 'a.txt' }), gzip(TEXT, { mtime: 1700259200, name: 'b.txt' }));
  const f = await compareContent(a, b, ctxWith());
  assert.equal(f.length, 1);
  assert.equal(f[0]?.category, 'compression-metadata');
  assert.equal(f[0]?.inner, '');
  assert.match(ev(f[0]) ?? '', /^gzip header mtime 1700000000 vs 1700259200; name a\.txt vs b\.txt/);
});

test('gzip with a different compression level only → compression-metadata without header fields', async () => {
  const data = 'abcabcabd'.repeat(500) + 'xyz'.repeat(300);
  const [a, b] = blobs(gzip(data, { level: 1 }), gzip(data, { level: 9 }));
  const f = await compareContent(a, b, ctxWith());
  assert.equal(f[0]?.category, 'compression-metadata');
});

test('gzip payload difference recurses into the payload (timestamp inside)', async () => {
  const [a, b] = blobs(gzip('built 2026-11-27 18:14:19\n'), gzip('built 2026-11-28 08:00:00\n'));
  const f = await compareContent(a, b, ctxBuiltAround());
  assert.deepEqual(f.map((x) => [x.inner, x.category]), [['', 'timestamp']]);
});

test('nested gzip in tar in gzip reaches the innermost text', async () => {
  const inner = (id: string): Buffer => gzip(`machine ${id}\n`, { mtime: 5 });
  const outer = async (id: string): Promise<Buffer> =>
    gzipSync(await tarOf([{ name: 'etc/', type: 'directory' }, { name: 'etc/id.gz', data: inner(id) }]));
  const [a, b] = blobs(await outer('5f0c2a9e8b7d4e1fa3c6b9d2e5f80714'), await outer('0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e'));
  const f = await compareContent(a, b, ctxWith());
  assert.deepEqual(f.map((x) => [x.inner, x.category]), [['etc/id.gz', 'random-id']]);
  assert.match(ev(f[0]) ?? '', /32-hex token differs on line 1/);
});

test('depth limit: containers below maxDepth are compared as bytes with a warning', async () => {
  const [a, b] = blobs(gzip(gzip('one\n')), gzip(gzip('two\n')));
  const f = await compareContent(a, b, ctxWith({ maxDepth: 1 }));
  assert.equal(f.length, 1);
  assert.equal(f[0]?.category, 'binary');
  assert.match(f[0]?.warning ?? '', /depth limit 1 reached/);
});

test('a gzip bomb stops at the decompression budget with a warning', async () => {
  const zeros = Buffer.alloc(64 * 1024 * 1024);
  const bombA = gzipSync(zeros, { level: 9 });
  const bombB = gzipSync(Buffer.concat([zeros, Buffer.from('x')]), { level: 9 });
  assert.ok(bombA.length < 200 * 1024, 'fixture is a real bomb (small on disk)');
  const ctx = ctxWith({ maxMemberBytes: 1024 * 1024, maxTotalBytes: 8 * 1024 * 1024 });
  const before = process.memoryUsage().rss;
  const f = await compareContent(blobFromBuffer('a', bombA), blobFromBuffer('b', bombB), ctx);
  assert.equal(f.length, 1);
  assert.equal(f[0]?.category, 'binary');
  assert.match(f[0]?.warning ?? '', /decompression budget of 8388608 bytes exhausted/);
  assert.equal(ctx.budget.bytes, 0);
  assert.ok(process.memoryUsage().rss - before < 48 * 1024 * 1024, 'did not inflate the bomb into memory');
});

test('payload above maxMemberBytes is compared by digest only', async () => {
  const big = Buffer.alloc(3 * 1024 * 1024, 1);
  const other = Buffer.from(big);
  other[5] = 2;
  const [a, b] = blobs(gzip(big), gzip(other));
  const f = await compareContent(a, b, ctxWith({ maxMemberBytes: 1024 * 1024 }));
  assert.equal(f[0]?.category, 'binary');
  assert.match(f[0]?.warning ?? '', /member larger than 1048576 bytes: compared by digest only/);
});

test('a truncated gzip falls back to bytes with a warning, not an exception', async () => {
  const good = gzip(TEXT);
  const [a, b] = blobs(good, good.subarray(0, good.length - 20));
  const f = await compareContent(a, b, ctxWith());
  assert.equal(f[0]?.category, 'binary');
  assert.match(f[0]?.warning ?? '', /gzip comparator failed/);
});

test('zstd: frame header difference with equal payload, then payload difference', { skip: requireTool('zstd', 'zstd') }, async () => {
  const withSum = compressWith('zstd', ['-q', '-c', '--check'], TEXT);
  const noSum = compressWith('zstd', ['-q', '-c', '--no-check'], TEXT);
  const f = await compareContent(...blobs(withSum, noSum), ctxWith());
  assert.equal(f[0]?.category, 'compression-metadata');
  assert.match(ev(f[0]) ?? '', /zstd header checksum yes vs no/);
  const other = compressWith('zstd', ['-q', '-c', '--check'], TEXT.replace('two', 'TWO'));
  const g = await compareContent(...blobs(withSum, other), ctxWith());
  assert.deepEqual(g.map((x) => x.category), ['content']);
});

test('zstd bomb stops at the budget', { skip: requireTool('zstd', 'zstd') }, async () => {
  const bomb = compressWith('zstd', ['-q', '-c', '-19'], Buffer.alloc(32 * 1024 * 1024));
  const bomb2 = compressWith('zstd', ['-q', '-c', '-1'], Buffer.alloc(32 * 1024 * 1024));
  const ctx = ctxWith({ maxMemberBytes: 1 << 20, maxTotalBytes: 4 << 20 });
  const f = await compareContent(...blobs(bomb, bomb2), ctx);
  const stopped = f.find((x) => x.warning);
  assert.equal(stopped?.category, 'binary');
  assert.match(stopped?.warning ?? '', /decompression budget of 4194304 bytes exhausted/);
  assert.equal(ctx.budget.bytes, 0);
});

test('xz: check type difference with equal payload; payload differences recurse', { skip: requireTool('xz', 'xz-utils') }, async () => {
  const crc32 = compressWith('xz', ['-c', '--check=crc32'], TEXT);
  const crc64 = compressWith('xz', ['-c', '--check=crc64'], TEXT);
  const f = await compareContent(...blobs(crc32, crc64), ctxWith());
  assert.equal(f[0]?.category, 'compression-metadata');
  assert.match(ev(f[0]) ?? '', /xz header check CRC32 vs CRC64/);
  const other = compressWith('xz', ['-c', '--check=crc32'], TEXT.split('\n').filter(Boolean).sort().join('\n') + '\n');
  const g = await compareContent(...blobs(crc32, other), ctxWith());
  assert.deepEqual(g.map((x) => x.category), ['ordering']);
});

test('xz without the xz binary: byte comparison with a warning naming the failure', { skip: requireTool('xz', 'xz-utils') }, async () => {
  const x = compressWith('xz', ['-c'], TEXT);
  const y = compressWith('xz', ['-c'], TEXT + 'more\n');
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    const f = await compareContent(...blobs(x, y), ctxWith());
    assert.equal(f.length, 1);
    assert.equal(f[0]?.category, 'binary');
    assert.match(f[0]?.warning ?? '', /^xz comparator failed \(.*ENOENT.*\): compared bytes$/);
  } finally {
    process.env.PATH = saved;
  }
});
