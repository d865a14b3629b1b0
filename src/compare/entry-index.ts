// One side's entries of a comparison unit (a layer, or a merged filesystem), packed: each entry is one
// JSON line (~200 bytes; core/packed-entry.ts) instead of an Entry object graph (~2 KB), kept in memory up to
// a threshold, then sorted and written as a run to the private temp area. Reading merges the runs in key
// order (core/sorted-runs.ts: the merge the layer writer's and the rules' sorts use), so memory stays bounded
// by the threshold whatever the entry count; below it nothing touches the disk, and the same merge serves
// both cases (one code path: the report is the same whether runs were spilled or not).
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { positiveIntEnv } from '../core/env-number.js';
import type { Entry } from '../core/entry.js';
import { packEntry, unpackEntry } from '../core/packed-entry.js';
import { mergeRuns, runBlocks, type RunLine } from '../core/sorted-runs.js';
import { tempDir } from '../core/temp.js';

/** Entries a side holds in memory before they are written as a sorted run (REPRO_INDEX_SPILL_ENTRIES). */
export const DEFAULT_SPILL_ENTRIES = 100_000;

export function spillEntries(): number {
  return positiveIntEnv('REPRO_INDEX_SPILL_ENTRIES', DEFAULT_SPILL_ENTRIES);
}

export interface IndexedEntry {
  /** The path, or a whiteout / opaque marker key (side-scan.ts). */
  key: string;
  /** Position in the side's stream: the later of two entries with one key wins, as on extraction. */
  seq: number;
  layer: number;
  /** The packed entry (packEntry's text): two sides' entries with equal `rest` are equal entries. */
  rest: string;
  /** Decoded on first use (most entries of a big pair are equal on both sides and never need it). */
  readonly entry: Entry;
}

/** Sort order of keys: by path (keyPath), then the key itself (a whiteout beside a path of the same name). */
export type KeyPath = (key: string) => string;

/** A line `[key,seq,layer,<packed entry>]`, sorted by keyPath(key), then key, then seq. */
interface Pending extends RunLine {
  /** keyPath(key), the primary sort key. */
  p: string;
  /** The line unpacked (a run's head: read once for its sort keys). */
  unpacked?: Unpacked;
}

class Unpacked implements IndexedEntry {
  private decoded: Entry | undefined;
  constructor(
    readonly key: string,
    readonly seq: number,
    readonly layer: number,
    readonly rest: string,
    private readonly keyPath: KeyPath,
  ) {}
  get entry(): Entry {
    return (this.decoded ??= unpackEntry(this.keyPath(this.key), this.rest));
  }
}

/** A line's key, seq and layer, read without parsing the rest: `["key",seq,layer,...]`. */
function unpack(line: string, keyPath: KeyPath): Unpacked {
  let i = 2;
  let escaped = false;
  for (let c = line.charCodeAt(i); c !== 0x22; c = line.charCodeAt(i)) {
    if (c === 0x5c) {
      escaped = true;
      i += 2;
    } else i++;
  }
  // a key without escapes is its JSON text (most are): no parse
  const key = escaped ? (JSON.parse(line.slice(1, i + 1)) as string) : line.slice(2, i);
  const c1 = line.indexOf(',', i + 2);
  const c2 = line.indexOf(',', c1 + 1);
  return new Unpacked(key, Number(line.slice(i + 2, c1)), Number(line.slice(c1 + 1, c2)), line.slice(c2 + 1, -1), keyPath);
}

function before(x: Pending, y: Pending): number {
  if (x.p !== y.p) return x.p < y.p ? -1 : 1;
  if (x.key !== y.key) return x.key < y.key ? -1 : 1;
  return x.seq - y.seq;
}

export class EntryIndex {
  private pending: Pending[] = [];
  private runs: string[] = [];
  private dir: Promise<string> | undefined;
  private seq = 0;
  /** The run being written, if any. The reader goes on meanwhile: a side that stopped for every run let the
   * other side run ahead, holding content and entries that wait for their match (a million-entry pair
   * peaked ~90 MB higher). Only a second run waits for the first. */
  private writing: Promise<void> | undefined;
  /** Entries added (duplicates included). */
  count = 0;

  constructor(
    private readonly keyPath: KeyPath,
    private readonly threshold = spillEntries(),
  ) {}

  /** A run's line as the merge compares it. */
  private readonly head = (line: string): Pending => {
    const unpacked = unpack(line, this.keyPath);
    return { p: this.keyPath(unpacked.key), key: unpacked.key, seq: unpacked.seq, line, unpacked };
  };

  /** Record an entry; a promise only when a run must wait for the one being written (backpressure). */
  add(key: string, layer: number, entry: Entry): Promise<void> | undefined {
    const seq = this.seq++;
    // joined, not concatenated (see packEntry)
    this.pending.push({ p: this.keyPath(key), key, seq, line: ['[' + JSON.stringify(key), seq, layer, packEntry(entry) + ']'].join(',') });
    this.count++;
    return this.pending.length >= this.threshold ? this.spill() : undefined;
  }

  /** Runs written so far (0 when everything stayed in memory). */
  get spilledRuns(): number {
    return this.runs.length;
  }

  private spill(): Promise<void> | undefined {
    const batch = this.pending.sort(before);
    this.pending = [];
    const prev = this.writing;
    const run = (prev ?? Promise.resolve()).then(() => this.writeRun(batch));
    run.catch(() => undefined); // its failure is thrown where `writing` is awaited: the next add, sorted()
    this.writing = run;
    return prev;
  }

  private async writeRun(batch: Pending[]): Promise<void> {
    this.dir ??= tempDir('index-');
    const path = join(await this.dir, `run-${this.runs.length}`);
    this.runs.push(path);
    const fh = await open(path, 'w');
    try {
      for (const block of runBlocks(batch)) await fh.write(block);
    } finally {
      await fh.close();
    }
  }

  /** Every entry in key order (then stream order): the in-memory tail and the spilled runs, merged. */
  async *sorted(): AsyncGenerator<IndexedEntry> {
    await this.writing;
    for (const h of mergeRuns(this.pending.sort(before), this.runs, this.head, before)) yield h.unpacked ?? unpack(h.line, this.keyPath);
  }

  /** Forget every entry and remove the runs. */
  async close(): Promise<void> {
    await this.writing?.catch(() => undefined);
    this.writing = undefined;
    this.pending = [];
    this.runs = [];
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
