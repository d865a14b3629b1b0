// Layer decompression chosen by magic bytes (media types lie: docker save says nothing, some registries
// mislabel). gzip through zlib (off the main thread); zstd through the `zstd` command when it is installed
// (Node 20's zlib has none; native zstd decodes a 100 MB layer in 0.1 s, fzstd's JavaScript takes 1.3 s on
// the main thread), else through fzstd (pure JS, streaming). Both sit behind the same frame guard.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Duplex, Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import type { Compression } from '../core/image.js';
import { findCommand } from '../core/find-command.js';

export function detectCompression(head: Uint8Array): Compression | 'xz' | 'bzip2' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a) return 'xz';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

/** zstd's own decoder refuses windows over 2^27 bytes unless told otherwise (ZSTD_WINDOWLOG_LIMIT_DEFAULT). */
export const ZSTD_MAX_WINDOW = 1 << 27;

/** Walks zstd frame and block headers (RFC 8878 section 3.1) ahead of fzstd, which allocates the window a
 * frame header declares (up to 2 GiB) and copies it once per block: a 20-byte hostile header would cost
 * gigabytes. Frames declaring more than ZSTD_MAX_WINDOW are refused before fzstd sees them. */
class ZstdFrameGuard {
  private state: 'magic' | 'fhd' | 'fhrest' | 'block' | 'skip' | 'skipsize' = 'magic';
  private buf: number[] = [];
  private need = 4;
  private skip = 0;
  private afterSkip: 'magic' | 'block' = 'magic';
  private fhd = 0;
  private frames = 0;

  feed(data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      if (this.state === 'skip') {
        const n = Math.min(this.skip, data.length - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0) this.enter(this.afterSkip);
        continue;
      }
      this.buf.push(data[i++] as number);
      if (this.buf.length === this.need) this.header(this.buf.splice(0));
    }
  }

  end(): void {
    if (this.state !== 'magic' || this.buf.length > 0 || this.frames === 0) throw new Error('stream ends inside a frame');
  }

  private enter(state: 'magic' | 'block', skip = 0): void {
    if (skip > 0) {
      this.state = 'skip';
      this.skip = skip;
      this.afterSkip = state;
      return;
    }
    this.state = state;
    this.need = state === 'magic' ? 4 : 3;
  }

  private header(h: number[]): void {
    const u32 = ((h[0] ?? 0) | ((h[1] ?? 0) << 8) | ((h[2] ?? 0) << 16)) + (h[3] ?? 0) * 2 ** 24;
    switch (this.state) {
      case 'magic':
        if (u32 === 0xfd2fb528) {
          this.state = 'fhd';
          this.need = 1;
        } else if (u32 >>> 4 === 0x184d2a5) {
          this.state = 'skipsize';
          this.need = 4;
        } else throw new Error('data after the last frame is not a zstd frame');
        return;
      case 'skipsize':
        this.frames++;
        this.enter('magic', u32);
        return;
      case 'fhd': {
        this.fhd = h[0] ?? 0;
        if (this.fhd & 8) throw new Error('reserved bit set in frame header');
        const single = (this.fhd >> 5) & 1;
        const dict = [0, 1, 2, 4][this.fhd & 3] ?? 0;
        const fcs = [single, 2, 4, 8][this.fhd >> 6] ?? 0;
        this.state = 'fhrest';
        this.need = (single ? 0 : 1) + dict + fcs;
        if (this.need === 0) this.header([]);
        return;
      }
      case 'fhrest': {
        const single = (this.fhd >> 5) & 1;
        let window: number;
        if (single) {
          // single segment: the window is the whole content, given by the frame content size field
          const fcsBytes = h.slice(h.length - ([1, 2, 4, 8][this.fhd >> 6] ?? 1));
          window = fcsBytes.reduceRight((v, b) => v * 256 + b, 0) + (this.fhd >> 6 === 1 ? 256 : 0);
        } else {
          const wd = h[0] ?? 0;
          const base = 2 ** (10 + (wd >> 3));
          window = base + (base / 8) * (wd & 7);
        }
        if (window > ZSTD_MAX_WINDOW) throw new Error(`frame declares a ${window}-byte window (limit ${ZSTD_MAX_WINDOW})`);
        this.frames++;
        this.enter('block');
        return;
      }
      case 'block': {
        const bh = (h[0] ?? 0) | ((h[1] ?? 0) << 8) | ((h[2] ?? 0) << 16);
        const type = (bh >> 1) & 3;
        if (type === 3) throw new Error('reserved block type');
        const size = bh >>> 3;
        const last = bh & 1;
        const checksum = last && this.fhd & 4 ? 4 : 0;
        this.enter(last ? 'magic' : 'block', (type === 1 ? 1 : size) + checksum);
        return;
      }
      default:
        return;
    }
  }
}

/** fzstd expands every complete block of a push synchronously (an RLE block is 4 bytes in, 128 KiB out), so
 * it gets small slices: with 256-byte slices one push produces at most ~8 MiB whatever the input. */
const ZSTD_SLICE = 256;

/**
 * THE in-process zstd decoder, for layers (ZstdDecompressStream), nested members (the zstd comparator) and
 * input sniffing: the frame guard refuses windows over ZSTD_MAX_WINDOW before fzstd allocates them (two
 * 10-byte frames declaring 1 GiB windows cost 2 GB when a member was decoded without it), input goes in
 * ZSTD_SLICE-byte slices, and output past `maxOutput` bytes is an error. `onData` returning false says the
 * caller has enough: push() then returns false, and the caller stops pushing.
 */
export class GuardedZstd {
  private readonly guard = new ZstdFrameGuard();
  private readonly inner: Decompress;
  private more = true;
  /** Bytes decoded so far. */
  out = 0;
  constructor(onData: (chunk: Buffer) => boolean | void, private readonly maxOutput = Number.MAX_SAFE_INTEGER) {
    this.inner = new Decompress((chunk) => {
      if (chunk.length === 0) return;
      this.out += chunk.length;
      if (this.out > this.maxOutput) throw new Error(`output exceeds the limit of ${this.maxOutput} bytes`);
      if (onData(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)) === false) this.more = false;
    });
  }
  /** Decode one slice of at most ZSTD_SLICE bytes; false when the consumer wants no more for now. */
  pushSlice(slice: Uint8Array): boolean {
    this.guard.feed(slice);
    this.inner.push(slice);
    const more = this.more;
    this.more = true;
    return more;
  }
  /** Decode a chunk of any size; false (rest not decoded) as soon as the consumer says stop. */
  push(chunk: Uint8Array): boolean {
    for (let i = 0; i < chunk.length; i += ZSTD_SLICE) if (!this.pushSlice(chunk.subarray(i, i + ZSTD_SLICE))) return false;
    return true;
  }
  /** The input is complete: throws when it ended inside a frame. */
  end(): void {
    this.guard.end();
    this.inner.push(new Uint8Array(0), true);
  }
}

export class ZstdDecompressStream extends Transform {
  private readonly decoder: GuardedZstd;
  private wake: (() => void) | undefined;
  constructor() {
    super();
    this.decoder = new GuardedZstd((chunk) => this.push(chunk));
  }
  override _read(size: number): void {
    // the consumer wants more: resume a chunk that paused on backpressure, then let Transform go on
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    super._read(size);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    // the next slice waits until the consumer has taken the output of this one
    const step = (from: number): void => {
      try {
        for (let i = from; i < chunk.length; i += ZSTD_SLICE) {
          if (!this.decoder.pushSlice(chunk.subarray(i, i + ZSTD_SLICE))) {
            const next = i + ZSTD_SLICE;
            this.wake = () => step(next);
            return;
          }
        }
        cb();
      } catch (err) {
        cb(new Error(`zstd: ${(err as Error).message}`));
      }
    };
    step(0);
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.decoder.end();
      cb();
    } catch (err) {
      cb(new Error(`zstd: truncated or corrupt stream (${(err as Error).message})`));
    }
  }
}

/**
 * zstd through the `zstd` command: the input passes the frame guard (our limits and messages), then the
 * process's stdin; its stdout is this stream's output. The process starts on first use (a decompressor made
 * and never used leaves nothing running) and is killed when the stream is destroyed early.
 */
export class ZstdProcessStream extends Duplex {
  private readonly guard = new ZstdFrameGuard();
  private child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
  private stderr = '';
  private outEnded = false;
  private exitCode: number | null | undefined;
  /** A write waiting for stdin to drain: failed if the process goes away first. */
  private waiting: ((err?: Error | null) => void) | undefined;

  constructor(private readonly command: string) {
    super();
  }

  private proc(): ChildProcessByStdio<Writable, Readable, Readable> {
    if (this.child) return this.child;
    // the same window limit as the guard, so zstd never allocates more than fzstd would be allowed to
    const child = spawn(this.command, ['-d', '-c', '-q', `--memory=${ZSTD_MAX_WINDOW >> 20}MB`], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdin.on('error', () => undefined); // EPIPE once zstd stopped: its exit status says why
    child.stderr.on('data', (c: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += c.toString();
    });
    child.stdout.on('data', (c: Buffer) => {
      if (!this.push(c)) child.stdout.pause();
    });
    child.stdout.on('end', () => {
      this.outEnded = true;
      this.settle();
    });
    child.on('close', (code) => {
      this.exitCode = code;
      this.settle(); // first: a failure is reported with zstd's own message
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.(code === 0 ? null : new Error('zstd: the decoder stopped'));
    });
    child.on('error', (err) => this.destroy(new Error(`zstd: ${err.message}`)));
    return child;
  }

  private settle(): void {
    if (!this.outEnded || this.exitCode === undefined || this.destroyed) return;
    if (this.exitCode === 0) this.push(null);
    else this.destroy(new Error(`zstd: truncated or corrupt stream (${this.stderr.trim().split('\n')[0] || `exit code ${this.exitCode}`})`));
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      this.guard.feed(chunk);
    } catch (err) {
      cb(new Error(`zstd: ${(err as Error).message}`));
      return;
    }
    if (this.proc().stdin.write(chunk)) cb();
    else {
      this.waiting = cb;
      this.proc().stdin.once('drain', () => {
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting?.();
      });
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      this.guard.end();
    } catch (err) {
      cb(new Error(`zstd: truncated or corrupt stream (${(err as Error).message})`));
      return;
    }
    this.proc().stdin.end();
    cb();
  }

  override _read(): void {
    this.child?.stdout.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.child?.kill();
    cb(err);
  }
}

let zstdCommand: string | null | undefined;

/** The `zstd` command, looked up once per process; null when there is none. */
function findZstd(): string | null {
  if (zstdCommand === undefined) zstdCommand = findCommand('zstd') ?? null;
  return zstdCommand;
}

export function decompressor(kind: Compression): Transform | undefined {
  // zlib's default 16 KiB output chunks make a 2 GiB layer 131072 stream steps; 1 MiB chunks are 5x faster
  if (kind === 'gzip') return createGunzip({ chunkSize: 1 << 20 });
  if (kind === 'zstd') {
    const zstd = findZstd();
    // a Duplex used where a Transform goes: both are written to and read from, nothing else is asked of it
    return zstd ? (new ZstdProcessStream(zstd) as unknown as Transform) : new ZstdDecompressStream();
  }
  return undefined;
}
