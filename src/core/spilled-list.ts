// A list of plain JSON values held in memory up to a threshold, then spilled as NDJSON (one item per line)
// to the private temp area, so that 100,000+ items cost a write buffer: the findings store keeps its findings
// in one (findings.ts), and the --fix history its per-finding lists (check/fix-loop.ts), which would
// otherwise grow with findings × rounds. Read back in order any number of times, with `for … of`
// (synchronous reads: renderers are plain functions) or `for await … of`; the JSON writer streams it.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { LineSplitter } from './line-splitter.js';
import { tempRoot } from './temp.js';

/** Items held in memory before a list spills to disk (REPRO_FINDINGS_SPILL overrides; 0 = spill at once). */
export const DEFAULT_SPILL_AT = 10_000;

export function spillThreshold(): number {
  const env = process.env.REPRO_FINDINGS_SPILL;
  const n = env === undefined || env === '' ? NaN : Number(env);
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_SPILL_AT;
}

/** Lines written at once when spilled. */
const WRITE_BATCH = 1 << 20;
/** Bytes read at once when iterating a spilled list. */
const READ_CHUNK = 1 << 20;

let spillSeq = 0;

export class SpilledList<T> implements Iterable<T>, AsyncIterable<T> {
  private held: T[] = [];
  private n = 0;
  private file: string | undefined;
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private readonly spillAt: number;

  constructor(opts: { spillAt?: number } = {}) {
    this.spillAt = opts.spillAt ?? spillThreshold();
  }

  static from<T>(items: Iterable<T>, opts: { spillAt?: number } = {}): SpilledList<T> {
    const out = new SpilledList<T>(opts);
    for (const x of items) out.add(x);
    return out;
  }

  get length(): number {
    return this.n;
  }

  /** True once the items live in the temp area rather than in memory. */
  get spilled(): boolean {
    return this.file !== undefined;
  }

  add(item: T): void {
    this.n++;
    if (this.file === undefined) {
      this.held.push(item);
      if (this.held.length > this.spillAt) this.spill();
      return;
    }
    this.write(JSON.stringify(item) + '\n');
  }

  private spill(): void {
    this.file = join(tempRoot(), `list-${process.pid}-${++spillSeq}.ndjson`);
    this.fd = openSync(this.file, 'w', 0o600);
    const held = this.held;
    this.held = [];
    for (const x of held) this.write(JSON.stringify(x) + '\n');
  }

  private write(line: string): void {
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= WRITE_BATCH) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    const buf = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
  }

  *[Symbol.iterator](): Iterator<T> {
    if (this.file === undefined) {
      // a copy of the length: what is added while iterating is not seen (like the spilled file's end)
      const held = this.held;
      const end = held.length;
      for (let i = 0; i < end; i++) yield held[i]!;
      return;
    }
    this.flush();
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      const lines = new LineSplitter();
      let pos = 0;
      for (;;) {
        const got = readSync(fd, buf, 0, READ_CHUNK, pos);
        if (got === 0) break;
        pos += got;
        for (const line of lines.push(buf.subarray(0, got))) yield JSON.parse(line) as T;
      }
      for (const line of lines.end()) yield JSON.parse(line) as T;
    } finally {
      closeSync(fd);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.file === undefined) {
      yield* this.held.slice();
      return;
    }
    this.flush();
    const handle = await open(this.file, 'r');
    try {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      const lines = new LineSplitter();
      let pos = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, READ_CHUNK, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        for (const line of lines.push(buf.subarray(0, bytesRead))) yield JSON.parse(line) as T;
      }
      for (const line of lines.end()) yield JSON.parse(line) as T;
    } finally {
      await handle.close();
    }
  }

  /** JSON.stringify writes the list as the array it is (report/json.ts streams it instead). */
  toJSON(): T[] {
    return [...this];
  }

  /** Write what waits and close the spill file (it goes with the temp area); reading still works. */
  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
