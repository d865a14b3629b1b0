// Two scanned sides (one layer each, or two merged filesystems) → findings: entries on one side only,
// whiteouts on one side only, metadata (compareEntryMeta), order, hardlink pairs stored the other way round,
// and content (compareContent) for the pairs whose digests differ — run last, a few at a time, on content the
// blob store kept because it was still needed.
import type { Clock } from '../classify/clocks.js';
import type { DigestIndex } from '../classify/derived.js';
import { imagePath } from '../core/entry.js';
import type { Fact, Finding } from '../core/finding.js';
import { blobFromBuffer, blobFromFile, type ContentBlob } from './blob.js';
import type { BlobStore } from './blob-store.js';
import { compareContent, toFinding, type ContentContext } from './content.js';
import { compareEntryMeta } from './entry-meta.js';
import { OrderTracker, findHardlinkSwaps, isSwapCandidate, type LinkedPair } from './order.js';
import type { IndexedEntry } from './entry-index.js';
import { OPAQUE_KEY, WHITEOUT_KEY, deletedIn, keyPath, visibleEntries, type Member, type SideScan, type Wanted } from './side-scan.js';
import { mapLimited } from '../core/map-limited.js';

export interface PairContext {
  store: BlobStore;
  content: ContentContext;
  /** The layer a finding is attributed to (undefined for plain tars and directories). */
  layerOf: (a: Member | undefined, b: Member | undefined) => number | undefined;
  /** Content comparisons run at once. */
  concurrency: number;
  /** Digests of every file whose content differs, for the derived-difference pass (src/classify/derived.ts). */
  digests?: DigestIndex;
  /** Merged mode: reads again, per side, the content the pairs need that the store does not hold. */
  refetch?: (wanted: [Wanted, Wanted]) => Promise<void>;
}

/** A differing file's own mtimes are a clock its embedded times may come from (within an hour). */
const MTIME_SLACK = 3600;

interface ContentPair {
  path: string;
  layer: number | undefined;
  a: Member;
  b: Member;
  da: string;
  db: string;
}

/** A hardlink has no body of its own: its content is its target's (`targets`: path → digest of a file). */
function contentDigest(m: Member, targets: ReadonlyMap<string, string | undefined>): string | undefined {
  if (m.entry.type === 'file') return m.digest;
  if (m.entry.type === 'hardlink' && m.entry.linkname !== undefined) return targets.get(m.entry.linkname);
  return undefined;
}

const member = (e: IndexedEntry): Member => ({ entry: e.entry, layer: e.layer, ...(e.entry.digest !== undefined ? { digest: e.entry.digest } : {}) });

/** Both sides' visible entries (the later of one key, or the merged view) joined on key, in key order: [a, b], either missing when only the other holds it. */
async function* joined(a: SideScan, b: SideScan): AsyncGenerator<[IndexedEntry | undefined, IndexedEntry | undefined]> {
  const ia = visibleEntries(a);
  const ib = visibleEntries(b);
  let na = await ia.next();
  let nb = await ib.next();
  while (!na.done || !nb.done) {
    if (nb.done) {
      yield [na.value as IndexedEntry, undefined];
      na = await ia.next();
      continue;
    }
    if (na.done) {
      yield [undefined, nb.value];
      nb = await ib.next();
      continue;
    }
    const x = na.value;
    const y = nb.value;
    const px = keyPath(x.key);
    const py = keyPath(y.key);
    const c = px !== py ? (px < py ? -1 : 1) : x.key !== y.key ? (x.key < y.key ? -1 : 1) : 0;
    if (c <= 0) na = await ia.next();
    if (c >= 0) nb = await ib.next();
    yield c < 0 ? [x, undefined] : c > 0 ? [undefined, y] : [x, y];
  }
}

/** The digests of the files some hardlinks point to, read from a second pass over the side's index. */
async function targetDigests(scan: SideScan, wanted: ReadonlySet<string>): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  if (wanted.size === 0) return out;
  for await (const e of visibleEntries(scan)) {
    if (wanted.has(e.key)) out.set(e.key, e.entry.type === 'file' ? e.entry.digest : undefined);
  }
  return out;
}

/**
 * Facts are read, never changed: one-sided findings share theirs per (side, what). A layer of 120,000 files
 * on one side only is 120,000 findings, and a fresh array and object each cost ~50 MB.
 */
const ONLY_FACTS = new Map<string, Fact[]>();
function onlyFacts(only: 'a' | 'b', what: string): Fact[] {
  const key = `${only}\u0000${what}`;
  let facts = ONLY_FACTS.get(key);
  if (!facts) ONLY_FACTS.set(key, (facts = [{ only, what }]));
  return facts;
}

function oneSided(key: string, m: Member, only: 'A' | 'B', other: SideScan, ctx: PairContext): Finding {
  const path = keyPath(key);
  const layer = only === 'A' ? ctx.layerOf(m, undefined) : ctx.layerOf(undefined, m);
  const base = { path: imagePath(path), ...(layer !== undefined ? { layer } : {}), detail: '' };
  if (key.startsWith(WHITEOUT_KEY) || key.startsWith(OPAQUE_KEY)) {
    // A deletion on one side only: what it deletes is there on the other side.
    const what = key.startsWith(WHITEOUT_KEY) ? 'deleted by whiteout' : 'lower contents hidden by opaque whiteout';
    return { ...base, category: only === 'A' ? 'added' : 'removed', code: 'only-in', facts: onlyFacts(only === 'A' ? 'a' : 'b', `${what} in layer ${m.layer}`) };
  }
  const gone = deletedIn(other, path);
  const side = only === 'A' ? 'a' : 'b';
  const what = gone !== undefined ? `${m.entry.type} (deleted by whiteout in layer ${gone} of ${only === 'A' ? 'B' : 'A'})` : m.entry.type;
  return { ...base, category: only === 'A' ? 'removed' : 'added', code: 'only-in', facts: onlyFacts(side, what) };
}

function metaFindings(path: string, a: Member, b: Member, layer: number | undefined): Finding[] {
  return compareEntryMeta(a.entry, b.entry).map((d) => ({
    path: imagePath(path),
    ...(layer !== undefined ? { layer } : {}),
    category: d.category,
    code: 'entry-fields' as const,
    facts: d.facts,
    detail: d.detail,
  }));
}

function blobOf(store: BlobStore, digest: string, name: string): ContentBlob | undefined {
  const c = store.get(digest);
  if (!c) return undefined;
  return c.kind === 'memory' ? blobFromBuffer(name, c.data, digest) : blobFromFile(name, c.path, digest);
}

async function contentFindings(p: ContentPair, ctx: PairContext): Promise<Finding[]> {
  const base = { path: imagePath(p.path), ...(p.layer !== undefined ? { layer: p.layer } : {}) };
  const ba = blobOf(ctx.store, p.da, p.a.entry.path);
  const bb = blobOf(ctx.store, p.db, p.b.entry.path);
  if (!ba || !bb) {
    return [{ ...base, category: 'content', code: 'digest', facts: [{ field: 'digest', a: p.da, b: p.db }], detail: '', warning: 'content no longer available for a detailed comparison' }];
  }
  if (ctx.digests && ba.size <= ctx.content.limits.maxMemberBytes && bb.size <= ctx.content.limits.maxMemberBytes) {
    const [ca, cb] = await Promise.all([ba.bytes(), bb.bytes()]);
    ctx.digests.add(imagePath(p.path), 'a', ca);
    ctx.digests.add(imagePath(p.path), 'b', cb);
  }
  const clock: Clock = { a: p.a.entry.mtime, b: p.b.entry.mtime, slack: MTIME_SLACK, source: 'file mtimes' };
  const found = await compareContent(ba, bb, { ...ctx.content, clocks: [...ctx.content.clocks, clock] });
  return found.map((f) => toFinding(base, f));
}

/** The content the pairs compare that the store does not hold, by side (a hardlink's is its target's). */
function missing(pairs: ContentPair[], store: BlobStore): [Wanted, Wanted] {
  const out: [Wanted, Wanted] = [
    { paths: new Map(), layers: new Set() },
    { paths: new Map(), layers: new Set() },
  ];
  const want = (w: Wanted, m: Member, digest: string): void => {
    if (store.get(digest)) return;
    const link = m.entry.type === 'hardlink' && m.entry.linkname !== undefined;
    const path = link ? (m.entry.linkname as string) : m.entry.path;
    w.paths.set(path, (w.paths.get(path) ?? new Set<string>()).add(digest));
    if (link) w.layers = undefined;
    else w.layers?.add(m.layer);
  };
  for (const p of pairs) {
    want(out[0], p.a, p.da);
    want(out[1], p.b, p.db);
  }
  return out;
}

/**
 * Findings of two scanned sides, emitted as they are found: one-sided and metadata findings in key order
 * (a merge-join of the two sorted indexes), then hardlink swaps and pairs that need a hardlink's target,
 * member order, and content last. Returns how many findings were emitted.
 */
export async function diffScans(a: SideScan, b: SideScan, ctx: PairContext, emit: (f: Finding) => void, orderPath = ''): Promise<number> {
  let emitted = 0;
  const out = (f: Finding): void => {
    emitted++;
    emit(f);
  };
  const pairs: ContentPair[] = [];
  /** Paths that may be half of a hardlink swap: decided once both halves are seen. */
  const candidates = new Map<string, LinkedPair & { seqA: number }>();
  /** Pairs where a hardlink's content is its target's, resolved after the join. */
  const linked: { path: string; layer: number | undefined; a: Member; b: Member }[] = [];
  const order = a.ordered && b.ordered ? new OrderTracker() : undefined;
  let countA = 0;
  let countB = 0;
  let firstA: Member | undefined;
  let firstB: Member | undefined;
  for await (const [ea, eb] of joined(a, b)) {
    if (ea) countA++;
    if (eb) countB++;
    if (ea && !firstA) firstA = member(ea);
    if (eb && !firstB) firstB = member(eb);
    if (!eb) {
      out(oneSided((ea as IndexedEntry).key, member(ea as IndexedEntry), 'A', b, ctx));
      continue;
    }
    if (!ea) {
      out(oneSided(eb.key, member(eb), 'B', a, ctx));
      continue;
    }
    order?.add(ea.seq, eb.seq);
    // equal packed entries (not hardlinks: their content is their targets') are equal: nothing to decode
    if (ea.rest === eb.rest && !ea.rest.includes('"hardlink"')) continue;
    const ma = member(ea);
    const mb = member(eb);
    if (isSwapCandidate(ma, mb)) {
      candidates.set(ea.key, { key: ea.key, a: ma, b: mb, seqA: ea.seq });
      continue;
    }
    pairOf(ea.key, ma, mb);
  }

  function pairOf(key: string, ma: Member, mb: Member): void {
    const path = keyPath(key);
    const layer = ctx.layerOf(ma, mb);
    for (const f of metaFindings(path, ma, mb, layer)) out(f);
    if (ma.entry.type === 'hardlink' || mb.entry.type === 'hardlink') linked.push({ path, layer, a: ma, b: mb });
    else if (ma.digest && mb.digest && ma.digest !== mb.digest) pairs.push({ path, layer, a: ma, b: mb, da: ma.digest, db: mb.digest });
  }

  const skip = new Set<string>();
  for (const s of findHardlinkSwaps(candidates)) {
    skip.add(s.path).add(s.other);
    const cp = candidates.get(s.path) as LinkedPair & { seqA: number };
    const co = candidates.get(s.other) as LinkedPair & { seqA: number };
    order?.remove(cp.seqA);
    order?.remove(co.seqA);
    // A stores s.path as the file, B stores s.other: compare those two as the one file they both are.
    const ma = cp.a.entry.type === 'file' ? cp.a : co.a;
    const mb = cp.b.entry.type === 'file' ? cp.b : co.b;
    const layer = ctx.layerOf(ma, mb);
    out({
      path: imagePath(s.path),
      ...(layer !== undefined ? { layer } : {}),
      category: 'ordering',
      code: 'hardlink-order',
      facts: [{ note: `${imagePath(s.path)} ↔ ${imagePath(s.other)}` }],
      detail: `A: ${imagePath(ma.entry.path)} is the file, ${imagePath(mb.entry.path)} links to it\nB: ${imagePath(mb.entry.path)} is the file, ${imagePath(ma.entry.path)} links to it`,
    });
    for (const f of metaFindings(s.path, ma, mb, layer)) out(f);
    if (ma.digest && mb.digest && ma.digest !== mb.digest) pairs.push({ path: s.path, layer, a: ma, b: mb, da: ma.digest, db: mb.digest });
  }
  for (const [key, c] of candidates) if (!skip.has(key)) pairOf(key, c.a, c.b);

  if (linked.length) {
    const want = (side: 'a' | 'b'): Set<string> => new Set(linked.flatMap((l) => (l[side].entry.type === 'hardlink' && l[side].entry.linkname !== undefined ? [l[side].entry.linkname as string] : [])));
    const [ta, tb] = await Promise.all([targetDigests(a, want('a')), targetDigests(b, want('b'))]);
    for (const l of linked) {
      const da = contentDigest(l.a, ta);
      const db = contentDigest(l.b, tb);
      if (da && db && da !== db) pairs.push({ ...l, da, db });
    }
  }

  const moved = order?.result(countA - skip.size, countB - skip.size);
  if (moved) {
    let first = '';
    for await (const e of visibleEntries(a)) {
      if (e.seq === moved.firstSeq) {
        first = e.key;
        break;
      }
    }
    const layer = ctx.layerOf(firstA, firstB);
    out({
      path: orderPath,
      ...(layer !== undefined ? { layer } : {}),
      category: 'ordering',
      code: 'member-order',
      facts: [{ order: moved.sameSet ? 'members' : 'members common to both', count: moved.common }],
      detail: `first member out of place: ${imagePath(keyPath(first))}`,
    });
  }
  if (ctx.refetch) await ctx.refetch(missing(pairs, ctx.store));
  const content = await mapLimited(pairs, ctx.concurrency, (p) => contentFindings(p, ctx));
  for (const f of content.flat()) out(f);
  return emitted;
}
