// The findings of one comparison, in the order they were found (path order within a layer): held in memory
// up to a threshold, then spilled as NDJSON (one finding per line) to the private temp area, so that a run
// with 100,000+ findings holds only counts and a write buffer. Read back any number of times, in order,
// with `for … of` (synchronous reads: renderers are plain functions) or `for await … of`.
// Counts by category, code, layer and package are kept as findings are added: summaries read those.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Category, Finding, FindingCode } from './finding.js';
import { LineSplitter } from './line-splitter.js';
import { tempRoot } from './temp.js';

/** Findings held in memory before the store spills to disk (REPRO_FINDINGS_SPILL overrides; 0 = spill at once). */
export const DEFAULT_SPILL_AT = 10_000;

/** Lines written at once when spilled. */
const WRITE_BATCH = 1 << 20;
/** Bytes read at once when iterating a spilled store. */
const READ_CHUNK = 1 << 20;

export function spillThreshold(): number {
  const env = process.env.REPRO_FINDINGS_SPILL;
  const n = env === undefined || env === '' ? NaN : Number(env);
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_SPILL_AT;
}

/** What summaries need, counted as findings are added (no finding is held for it). */
export interface FindingCounts {
  category: Map<Category, number>;
  code: Map<FindingCode, number>;
  /** By layer index; findings without one (image documents, plain trees) under -1. */
  layer: Map<number, number>;
  /** By owning package; findings without one under "". */
  package: Map<string, number>;
  /** Findings a person accepted (`accepted` set). */
  accepted: number;
}

function bump<K>(m: Map<K, number>, k: K): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

let spillSeq = 0;

export class Findings implements Iterable<Finding>, AsyncIterable<Finding> {
  readonly counts: FindingCounts = { category: new Map(), code: new Map(), layer: new Map(), package: new Map(), accepted: 0 };
  private held: Finding[] = [];
  private n = 0;
  private file: string | undefined;
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private readonly spillAt: number;

  constructor(opts: { spillAt?: number } = {}) {
    this.spillAt = opts.spillAt ?? spillThreshold();
  }

  /** A store holding `list` (in its order). */
  static from(list: Iterable<Finding>, opts: { spillAt?: number } = {}): Findings {
    const out = new Findings(opts);
    for (const f of list) out.add(f);
    return out;
  }

  /** Number of findings. */
  get length(): number {
    return this.n;
  }

  /** True once the findings live in the temp area rather than in memory. */
  get spilled(): boolean {
    return this.file !== undefined;
  }

  add(f: Finding): void {
    this.n++;
    const c = this.counts;
    bump(c.category, f.category);
    bump(c.code, f.code);
    bump(c.layer, f.layer ?? -1);
    bump(c.package, f.package ?? '');
    if (f.accepted !== undefined) c.accepted++;
    if (this.file === undefined) {
      this.held.push(f);
      if (this.held.length > this.spillAt) this.spill();
      return;
    }
    this.write(JSON.stringify(f) + '\n');
  }

  private spill(): void {
    this.file = join(tempRoot(), `findings-${process.pid}-${++spillSeq}.ndjson`);
    this.fd = openSync(this.file, 'w', 0o600);
    const held = this.held;
    this.held = [];
    for (const f of held) this.write(JSON.stringify(f) + '\n');
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

  *[Symbol.iterator](): Iterator<Finding> {
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
        for (const line of lines.push(buf.subarray(0, got))) yield JSON.parse(line) as Finding;
      }
      for (const line of lines.end()) yield JSON.parse(line) as Finding;
    } finally {
      closeSync(fd);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Finding> {
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
        for (const line of lines.push(buf.subarray(0, bytesRead))) yield JSON.parse(line) as Finding;
      }
      for (const line of lines.end()) yield JSON.parse(line) as Finding;
    } finally {
      await handle.close();
    }
  }

  /** A new store of `fn` applied to each finding, in order (same threshold). */
  map(fn: (f: Finding) => Finding): Findings {
    const out = new Findings({ spillAt: this.spillAt });
    for (const f of this) out.add(fn(f));
    return out;
  }

  /** A new store of the findings `keep` accepts, in order (same threshold). */
  filter(keep: (f: Finding) => boolean): Findings {
    const out = new Findings({ spillAt: this.spillAt });
    for (const f of this) if (keep(f)) out.add(f);
    return out;
  }

  /**
   * A new store: these findings with `more` (few, in any order) put in their places. A store's report
   * order is image-level findings first, then layer by layer, each layer in path order (the engine's).
   */
  mergedWith(more: readonly Finding[]): Findings {
    const out = new Findings({ spillAt: this.spillAt });
    const compare = (x: Finding, y: Finding): number => (x.layer ?? -1) - (y.layer ?? -1) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
    const sorted = [...more].sort(compare);
    let i = 0;
    for (const f of this) {
      while (i < sorted.length && compare(sorted[i]!, f) < 0) out.add(sorted[i++]!);
      out.add(f);
    }
    while (i < sorted.length) out.add(sorted[i++]!);
    return out;
  }

  /** A new store: these findings, then `more`. */
  concat(more: Iterable<Finding>): Findings {
    const out = new Findings({ spillAt: this.spillAt });
    for (const f of this) out.add(f);
    for (const f of more) out.add(f);
    return out;
  }

  /**
   * Change the findings in place, in order: `fn` returns the finding to keep (itself, changed or not, or a
   * new one). A spilled store is rewritten to a new file; the counts follow.
   */
  update(fn: (f: Finding) => Finding): void {
    const next = this.map(fn);
    this.close();
    Object.assign(this, { counts: next.counts, held: next.held, n: next.n, file: next.file, fd: next.fd, pending: next.pending, pendingBytes: next.pendingBytes });
  }

  some(test: (f: Finding) => boolean): boolean {
    for (const f of this) if (test(f)) return true;
    return false;
  }

  every(test: (f: Finding) => boolean): boolean {
    for (const f of this) if (!test(f)) return false;
    return true;
  }

  /** How many findings pass `test` (a full pass; counts by category are in `counts`). */
  count(test: (f: Finding) => boolean): number {
    let n = 0;
    for (const f of this) if (test(f)) n++;
    return n;
  }

  /** Up to `max` findings that pass `test`, in order (a bounded list for views that show the first few). */
  first(max: number, test: (f: Finding) => boolean = () => true): Finding[] {
    const out: Finding[] = [];
    if (max <= 0) return out;
    for (const f of this) {
      if (!test(f)) continue;
      out.push(f);
      if (out.length >= max) break;
    }
    return out;
  }

  /** Every finding in one array: for small stores and tests only (a large one is what the store avoids). */
  toArray(): Finding[] {
    return [...this];
  }

  /** JSON.stringify of a report writes the findings as the array they are (src/report/json.ts streams them). */
  toJSON(): Finding[] {
    return this.toArray();
  }

  /** Close the spill file (it is removed with the temp area); the store is not used after this. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The count of findings whose category is not `ignored`. */
  failing(ignored: readonly string[]): number {
    let n = 0;
    for (const [c, k] of this.counts.category) if (!ignored.includes(c)) n += k;
    return n;
  }
}
