// One side's entries of a comparison unit (a layer, or a merged filesystem), packed: each entry is one
// JSON line (~200 bytes) instead of an Entry object graph (~2 KB), kept in memory up to a threshold, then
// sorted and written as a run to the private temp area. Reading merges the runs in key order, so memory
// stays bounded by the threshold whatever the entry count; below it nothing touches the disk, and the same
// merge serves both cases (one code path: the report is the same whether runs were spilled or not).
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { positiveIntEnv } from '../core/env-number.js';
import type { Entry, EntryType } from '../core/entry.js';
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
  /** The packed fields after key, seq and layer: two sides' entries with equal `rest` are equal entries. */
  rest: string;
  /** Decoded on first use (most entries of a big pair are equal on both sides and never need it). */
  readonly entry: Entry;
}

/** Sort order of keys: by path (keyPath), then the key itself (a whiteout beside a path of the same name). */
export type KeyPath = (key: string) => string;

interface Pending {
  /** keyPath(key), the primary sort key. */
  p: string;
  key: string;
  seq: number;
  line: string;
  /** The line unpacked (a run's head: read once for its sort keys). */
  unpacked?: Unpacked;
}

type Packed = [
  key: string,
  seq: number,
  layer: number,
  name: string | 0,
  type: EntryType,
  mode: number,
  uid: number,
  gid: number,
  uname: string,
  gname: string,
  mtime: number,
  size: number,
  linkname: string | null,
  dev: [number, number] | null,
  xattrs: Record<string, string> | 0,
  pax: Record<string, string> | 0,
  digest: string | null,
];

const noBuffers = (r: Record<string, Buffer>): Record<string, string> | 0 => {
  const keys = Object.keys(r);
  if (keys.length === 0) return 0;
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = (r[k] as Buffer).toString('base64');
  return out;
};

const buffers = (r: Record<string, string> | 0): Record<string, Buffer> => {
  const out: Record<string, Buffer> = {};
  if (r) for (const k of Object.keys(r)) out[k] = Buffer.from(r[k] as string, 'base64');
  return out;
};

/** A number as JSON writes it (NaN and infinities, which a hostile header can give, as null). */
const num = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

const noBuffersJson = (r: Record<string, Buffer>): string => {
  for (const _ in r) return JSON.stringify(noBuffers(r));
  return '0';
};

/** The JSON of the Packed array, written field by field. JSON escapes every control character and lone surrogate, so a line never holds a raw
 * newline. */
function pack(key: string, seq: number, layer: number, e: Entry): string {
  // joined, not concatenated: a string built with + is a rope of ~35 pieces until something flattens it,
  // and a side's pending lines would hold every piece
  return [
    '[' + JSON.stringify(key),
    seq,
    layer,
    e.name === e.path ? '0' : JSON.stringify(e.name),
    '"' + e.type + '"',
    num(e.mode),
    num(e.uid),
    num(e.gid),
    JSON.stringify(e.uname),
    JSON.stringify(e.gname),
    num(e.mtime),
    num(e.size),
    e.linkname === undefined ? 'null' : JSON.stringify(e.linkname),
    e.devmajor !== undefined || e.devminor !== undefined ? `[${num(e.devmajor ?? 0)},${num(e.devminor ?? 0)}]` : 'null',
    noBuffersJson(e.xattrs),
    noBuffersJson(e.pax),
    (e.digest === undefined ? 'null' : JSON.stringify(e.digest)) + ']',
  ].join(',');
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
    return (this.decoded ??= decode(this.keyPath(this.key), this.rest));
  }
}

type Rest = Packed extends [string, number, number, ...infer R] ? R : never;

function decode(path: string, rest: string): Entry {
  const [name, type, mode, uid, gid, uname, gname, mtime, size, linkname, dev, xattrs, pax, digest] = JSON.parse('[' + rest) as Rest;
  const entry: Entry = { path, name: name === 0 ? path : name, type, mode, uid, gid, uname, gname, mtime, size, xattrs: buffers(xattrs), pax: buffers(pax) };
  if (linkname !== null) entry.linkname = linkname;
  if (dev) [entry.devmajor, entry.devminor] = dev;
  if (digest !== null) entry.digest = digest;
  return entry;
}

/** A packed line's key, seq and layer, read without parsing the rest: `["key",seq,layer,...]`. */
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
  return new Unpacked(key, Number(line.slice(i + 2, c1)), Number(line.slice(c1 + 1, c2)), line.slice(c2 + 1), keyPath);
}

function before(x: Pending, y: Pending): number {
  if (x.p !== y.p) return x.p < y.p ? -1 : 1;
  if (x.key !== y.key) return x.key < y.key ? -1 : 1;
  return x.seq - y.seq;
}

/** Lines of a run file, read a block at a time. */
class RunReader {
  head: Pending | undefined;
  private lines: string[] = [];
  private at = 0;
  private rest = '';
  private readonly it: AsyncIterator<Buffer>;
  constructor(path: string, private readonly keyPath: KeyPath) {
    this.it = createReadStream(path, { highWaterMark: 1 << 20 })[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }
  async advance(): Promise<void> {
    while (this.at >= this.lines.length) {
      const n = await this.it.next();
      if (n.done) {
        this.head = undefined;
        return;
      }
      const text = this.rest + n.value.toString('utf8');
      const cut = text.lastIndexOf('\n');
      this.lines = text.slice(0, cut + 1).split('\n');
      this.lines.pop();
      this.rest = text.slice(cut + 1);
      this.at = 0;
    }
    const line = this.lines[this.at++] as string;
    const unpacked = unpack(line, this.keyPath);
    this.head = { p: this.keyPath(unpacked.key), key: unpacked.key, seq: unpacked.seq, line, unpacked };
  }
  async close(): Promise<void> {
    await this.it.return?.();
  }
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

  /** Record an entry; a promise only when a run must wait for the one being written (backpressure). */
  add(key: string, layer: number, entry: Entry): Promise<void> | undefined {
    const seq = this.seq++;
    this.pending.push({ p: this.keyPath(key), key, seq, line: pack(key, seq, layer, entry) });
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
      let chunk: string[] = [];
      let size = 0;
      for (const r of batch) {
        chunk.push(r.line);
        size += r.line.length + 1;
        if (size >= 1 << 20) {
          await fh.write(chunk.join('\n') + '\n');
          chunk = [];
          size = 0;
        }
      }
      if (chunk.length) await fh.write(chunk.join('\n') + '\n');
    } finally {
      await fh.close();
    }
  }

  /** Every entry in key order (then stream order): the in-memory tail and the spilled runs, merged. */
  async *sorted(): AsyncGenerator<IndexedEntry> {
    await this.writing;
    const memory = this.pending.sort(before);
    const readers = this.runs.map((r) => new RunReader(r, this.keyPath));
    try {
      await Promise.all(readers.map((r) => r.advance()));
      let m = 0;
      for (;;) {
        let best: RunReader | undefined;
        for (const r of readers) if (r.head && (!best || before(r.head, best.head as Pending) < 0)) best = r;
        const mem = memory[m];
        if (mem && (!best || before(mem, best.head as Pending) < 0)) {
          m++;
          yield unpack(mem.line, this.keyPath);
          continue;
        }
        if (!best) return;
        const next = (best.head as Pending).unpacked as Unpacked;
        await best.advance();
        yield next;
      }
    } finally {
      await Promise.all(readers.map((r) => r.close()));
    }
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
