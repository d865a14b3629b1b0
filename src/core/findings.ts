// The findings of one comparison, in the order they were found (path order within a layer): held in memory
// up to a threshold, then spilled as NDJSON (one finding per line) to the private temp area, so that a run
// with 100,000+ findings holds only counts and a write buffer. Read back any number of times, in order,
// with `for … of` (synchronous reads: renderers are plain functions) or `for await … of`.
// Counts by category, code, layer and package are kept as findings are added: summaries read those.
import type { Category, Finding, FindingCode } from './finding.js';
import { SpilledList, spillThreshold } from './spilled-list.js';

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

export class Findings implements Iterable<Finding>, AsyncIterable<Finding> {
  readonly counts: FindingCounts = { category: new Map(), code: new Map(), layer: new Map(), package: new Map(), accepted: 0 };
  /** The findings themselves: in memory up to the threshold, then one JSON line each in the temp area. */
  private items: SpilledList<Finding>;
  private readonly spillAt: number;

  constructor(opts: { spillAt?: number } = {}) {
    this.spillAt = opts.spillAt ?? spillThreshold();
    this.items = new SpilledList<Finding>({ spillAt: this.spillAt });
  }

  /** A store holding `list` (in its order). */
  static from(list: Iterable<Finding>, opts: { spillAt?: number } = {}): Findings {
    const out = new Findings(opts);
    for (const f of list) out.add(f);
    return out;
  }

  /** Number of findings. */
  get length(): number {
    return this.items.length;
  }

  /** True once the findings live in the temp area rather than in memory. */
  get spilled(): boolean {
    return this.items.spilled;
  }

  add(f: Finding): void {
    const c = this.counts;
    bump(c.category, f.category);
    bump(c.code, f.code);
    bump(c.layer, f.layer ?? -1);
    bump(c.package, f.package ?? '');
    if (f.accepted !== undefined) c.accepted++;
    this.items.add(f);
  }

  [Symbol.iterator](): Iterator<Finding> {
    return this.items[Symbol.iterator]();
  }

  [Symbol.asyncIterator](): AsyncIterator<Finding> {
    return this.items[Symbol.asyncIterator]();
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
    Object.assign(this.counts, next.counts);
    this.items = next.items;
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
    this.items.close();
  }

  /** The count of findings whose category is not `ignored`. */
  failing(ignored: readonly string[]): number {
    let n = 0;
    for (const [c, k] of this.counts.category) if (!ignored.includes(c)) n += k;
    return n;
  }
}
