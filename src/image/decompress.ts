// Layer decompression chosen by magic bytes (media types lie: docker save says nothing, some registries
// mislabel). gzip through zlib (off the main thread), zstd through fzstd (pure JS, streaming).
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import type { Compression } from '../core/image.js';

export function detectCompression(head: Uint8Array): Compression | 'xz' | 'bzip2' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a) return 'xz';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

/** fzstd expands a whole block synchronously; feeding it small slices keeps one step's output bounded. */
const ZSTD_SLICE = 4096;

export class ZstdDecompressStream extends Transform {
  private readonly inner: Decompress;
  constructor() {
    super();
    this.inner = new Decompress((chunk) => {
      this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      for (let i = 0; i < chunk.length; i += ZSTD_SLICE) this.inner.push(chunk.subarray(i, i + ZSTD_SLICE));
      cb();
    } catch (err) {
      cb(new Error(`zstd: ${(err as Error).message}`));
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.inner.push(new Uint8Array(0), true);
      cb();
    } catch (err) {
      cb(new Error(`zstd: truncated or corrupt stream (${(err as Error).message})`));
    }
  }
}

export function decompressor(kind: Compression): Transform | undefined {
  if (kind === 'gzip') return createGunzip();
  if (kind === 'zstd') return new ZstdDecompressStream();
  return undefined;
}
