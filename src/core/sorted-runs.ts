// Records sorted by a string key in bounded memory: each record is one JSON line, held in memory up to a
// threshold, then sorted and written as a run to the private temp area; reading merges the runs and the
// in-memory tail in (key, insertion) order. Synchronous (a run is a few tens of MB, written and read in
// 1 MiB blocks), so plain functions such as rules generation can sort too. Below the threshold nothing touches the disk, and the same
// merge serves both cases. Keys compare as JS strings (UTF-16 units): callers that need byte order give
// Latin-1 keys (one char per byte). Used by the layer writer (normalize, build) and rules generation.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { positiveIntEnv } from './env-number.js';
import { LineSplitter } from './line-splitter.js';
import { tempRoot } from './temp.js';

/** Bytes read from or written to a run at once. */
const READ_BLOCK = 1 << 20;

/** Records held in memory before a sorted run is written (REPRO_SORT_SPILL_RECORDS overrides). */
export const DEFAULT_SPILL_RECORDS = 25_000;

export function spillRecords(): number {
  return positiveIntEnv('REPRO_SORT_SPILL_RECORDS', DEFAULT_SPILL_RECORDS);
}

export interface SortedRecord<T> {
  key: string;
  /** Insertion order: of two records with one key, the earlier comes first. */
  seq: number;
  value: T;
}

/** A line waiting in a sort, or at the head of a run: its sort key, its insertion order, the line. */
export interface RunLine {
  key: string;
  seq: number;
  line: string;
}

/** A SortedRuns line: `[key,seq,value]` as JSON (JSON escapes newlines and lone surrogates: one line per record). */
interface Pending extends RunLine {
  /** The record parsed (a run's head: parsed once for its key and seq). */
  record?: SortedRecord<unknown>;
}

function before(x: RunLine, y: RunLine): number {
  if (x.key !== y.key) return x.key < y.key ? -1 : 1;
  return x.seq - y.seq;
}

function parse<T>(line: string): SortedRecord<T> {
  const [key, seq, value] = JSON.parse(line) as [string, number, T];
  return { key, seq, value };
}

/** A sorted batch's lines as the blocks a run file is written in (about READ_BLOCK bytes each). */
export function* runBlocks(batch: readonly RunLine[]): Generator<string> {
  let chunk: string[] = [];
  let size = 0;
  for (const r of batch) {
    chunk.push(r.line);
    size += r.line.length + 1;
    if (size >= READ_BLOCK) {
      yield chunk.join('\n') + '\n';
      chunk = [];
      size = 0;
    }
  }
  if (chunk.length) yield chunk.join('\n') + '\n';
}

/** A run file's lines, read a block at a time; `head` is the current one as `headOf` reads it. */
class RunReader<H> {
  head: H | undefined;
  private lines: string[] = [];
  private at = 0;
  private readonly split = new LineSplitter();
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(READ_BLOCK);
  private ended = false;
  constructor(
    path: string,
    private readonly headOf: (line: string) => H,
  ) {
    this.fd = openSync(path, 'r');
  }
  advance(): void {
    while (this.at >= this.lines.length) {
      if (this.ended) {
        this.head = undefined;
        return;
      }
      const n = readSync(this.fd, this.buf, 0, READ_BLOCK, null);
      this.ended = n === 0;
      this.lines = n === 0 ? this.split.end() : this.split.push(this.buf.subarray(0, n));
      this.at = 0;
    }
    this.head = this.headOf(this.lines[this.at++] as string);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/**
 * The k-way merge: the sorted in-memory lines and the run files (each sorted by `before`), in `before`
 * order. `headOf` reads a run's line into the form `before` compares (the memory's lines are in it already).
 */
export function* mergeRuns<H>(memory: readonly H[], runs: readonly string[], headOf: (line: string) => H, before: (x: H, y: H) => number): Generator<H> {
  const readers = runs.map((r) => new RunReader(r, headOf));
  try {
    for (const r of readers) r.advance();
    let m = 0;
    for (;;) {
      let best: RunReader<H> | undefined;
      for (const r of readers) if (r.head && (!best || before(r.head, best.head as H) < 0)) best = r;
      const mem = memory[m];
      if (mem && (!best || before(mem, best.head as H) < 0)) {
        m++;
        yield mem;
        continue;
      }
      if (!best) return;
      const head = best.head as H;
      best.advance();
      yield head;
    }
  } finally {
    for (const r of readers) r.close();
  }
}

const runHead = (line: string): Pending => {
  const record = parse<unknown>(line);
  return { key: record.key, seq: record.seq, line, record };
};

export class SortedRuns<T> {
  private pending: Pending[] = [];
  private runs: string[] = [];
  private dir: string | undefined;
  private seq = 0;

  constructor(private readonly threshold = spillRecords()) {}

  /** Records added. */
  get count(): number {
    return this.seq;
  }

  /** Runs written so far (0 when everything stayed in memory). */
  get spilledRuns(): number {
    return this.runs.length;
  }

  /** Record `value` under `key` (a run is written, synchronously, when the threshold is reached). */
  add(key: string, value: T): void {
    this.addJson(key, JSON.stringify(value) ?? 'null');
  }

  /** Record a value given as its JSON text (by a caller that writes it itself, such as a packed entry's). */
  addJson(key: string, json: string): void {
    const seq = this.seq++;
    this.pending.push({ key, seq, line: ['[' + JSON.stringify(key), seq, json + ']'].join(',') });
    if (this.pending.length >= this.threshold) this.spill();
  }

  private spill(): void {
    const batch = this.pending.sort(before);
    this.pending = [];
    this.dir ??= mkdtempSync(join(tempRoot(), 'sort-'));
    const path = join(this.dir, `run-${this.runs.length}`);
    this.runs.push(path);
    const fd = openSync(path, 'w');
    try {
      for (const block of runBlocks(batch)) {
        const data = Buffer.from(block);
        for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Every record in key order, then insertion order; may be read any number of times. */
  *sorted(): Generator<SortedRecord<T>> {
    for (const h of mergeRuns(this.pending.sort(before), this.runs, runHead, before)) yield (h.record ?? parse(h.line)) as SortedRecord<T>;
  }

  /** Forget every record and remove the runs. */
  close(): void {
    this.pending = [];
    this.runs = [];
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
