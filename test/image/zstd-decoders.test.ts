// The two zstd decoders behind decompressor('zstd'): the `zstd` command (used when installed) and fzstd (the
// fallback). Same bytes out, same one-line errors, and the process never outlives its stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZstdDecompressStream, ZstdProcessStream, decompressor } from '../../src/image/decompress.js';
import { zstdBomb } from '../helpers/images-extra.js';
import { requireTool } from '../helpers/tools.js';

const zstdBin = spawnSync('sh', ['-c', 'command -v zstd'], { encoding: 'utf8' }).stdout.trim();
const skip = requireTool('zstd', 'zstd');

async function decode(decoder: Transform | ZstdProcessStream, input: Buffer, chunk = 64 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  const chunks = Array.from({ length: Math.ceil(input.length / chunk) }, (_, i) => input.subarray(i * chunk, (i + 1) * chunk));
  await pipeline(Readable.from(chunks), decoder, async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) parts.push(c);
  });
  return Buffer.concat(parts);
}

/** Pids of running `zstd -d` processes (to see none is left behind). */
function zstdDecoders(): string[] {
  const r = spawnSync('pgrep', ['-f', '^/\\S*zstd -d -c -q'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

test('decompressor("zstd") uses the zstd command when it is installed', { skip }, () => {
  assert.ok(decompressor('zstd') instanceof ZstdProcessStream);
});

test('both decoders give the same bytes (a real multi-block, multi-frame zstd stream)', { skip }, async () => {
  const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(700_000, 7), Buffer.from('end\n')]);
  const one = execFileSync(zstdBin, ['-q', '-c', '-3'], { input: data });
  const stream = Buffer.concat([one, execFileSync(zstdBin, ['-q', '-c', '-19'], { input: Buffer.from('second frame') })]);
  const expected = Buffer.concat([data, Buffer.from('second frame')]);
  assert.ok((await decode(new ZstdProcessStream(zstdBin), stream)).equals(expected));
  assert.ok((await decode(new ZstdDecompressStream(), stream)).equals(expected));
});

test('truncated and oversized-window streams fail with the same one-line messages; corrupt data fails in both', { skip }, async () => {
  const text = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `line ${i} ${(i * 7919) % 1000}\n`).join(''));
  const good = execFileSync(zstdBin, ['-q', '-c'], { input: text });
  const cut = good.subarray(0, good.length - 100);
  const corrupt = Buffer.from(good);
  // inside the first compressed block: the frame guard cannot see it, each decoder does
  corrupt.fill(0xff, 200, 260);
  const hugeWindow = zstdBomb(Buffer.from('x'), 0, 31);
  for (const make of [() => new ZstdProcessStream(zstdBin), () => new ZstdDecompressStream()]) {
    await assert.rejects(decode(make(), cut), /^Error: zstd: truncated or corrupt stream/);
    await assert.rejects(decode(make(), corrupt), /^Error: zstd: /);
    await assert.rejects(decode(make(), hugeWindow), /zstd: frame declares a 2147483648-byte window \(limit 134217728\)/);
  }
});

test('a zstd process is started only when used and killed when its stream is destroyed early', { skip, timeout: 20_000 }, async () => {
  const before = new Set(zstdDecoders());
  const unused = new ZstdProcessStream(zstdBin);
  unused.destroy();
  // a consumer that stops after the first chunk of a large stream
  const big = execFileSync(zstdBin, ['-q', '-c', '-1'], { input: randomBytes(8 << 20), maxBuffer: 64 << 20 });
  const d = new ZstdProcessStream(zstdBin);
  const src = Readable.from([big]);
  src.pipe(d);
  for await (const _ of d) break; // leaving the loop destroys the stream
  src.destroy();
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(zstdDecoders().filter((p) => !before.has(p)), []);
});
