// sha256 helpers: a pass-through stream that hashes what flows through it.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export function sha256(data: string | Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** Hashes and counts every chunk passing through; `digest()` is valid after 'end'. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private result: string | undefined;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.result = 'sha256:' + this.hash.digest('hex');
    cb();
  }
  digest(): string {
    if (!this.result) throw new Error('digest read before the stream ended');
    return this.result;
  }
}
