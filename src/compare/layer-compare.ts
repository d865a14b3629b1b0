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
import { compareOrder, findHardlinkSwaps } from './order.js';
import { OPAQUE_KEY, WHITEOUT_KEY, deletedIn, keyPath, type Member, type SideScan } from './side-scan.js';
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

/** A hardlink has no body of its own: its content is its target's. */
function contentDigest(scan: SideScan, m: Member): string | undefined {
  if (m.entry.type === 'file') return m.digest;
  if (m.entry.type === 'hardlink' && m.entry.linkname !== undefined) {
    const target = scan.members.get(m.entry.linkname);
    return target?.entry.type === 'file' ? target.digest : undefined;
  }
  return undefined;
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

export async function diffScans(a: SideScan, b: SideScan, ctx: PairContext, orderPath = ''): Promise<Finding[]> {
  const findings: Finding[] = [];
  const pairs: ContentPair[] = [];
  const skip = new Set<string>();
  for (const s of findHardlinkSwaps(a, b)) {
    skip.add(s.path).add(s.other);
    // A stores s.path as the file, B stores s.other: compare those two as the one file they both are.
    const ma = (a.members.get(s.path)?.entry.type === 'file' ? a.members.get(s.path) : a.members.get(s.other)) as Member;
    const mb = (b.members.get(s.path)?.entry.type === 'file' ? b.members.get(s.path) : b.members.get(s.other)) as Member;
    const layer = ctx.layerOf(ma, mb);
    findings.push({
      path: imagePath(s.path),
      ...(layer !== undefined ? { layer } : {}),
      category: 'ordering',
      code: 'hardlink-order',
      facts: [{ note: `${imagePath(s.path)} ↔ ${imagePath(s.other)}` }],
      detail: `A: ${imagePath(ma.entry.path)} is the file, ${imagePath(mb.entry.path)} links to it\nB: ${imagePath(mb.entry.path)} is the file, ${imagePath(ma.entry.path)} links to it`,
    });
    findings.push(...metaFindings(s.path, ma, mb, layer));
    if (ma.digest && mb.digest && ma.digest !== mb.digest) pairs.push({ path: s.path, layer, a: ma, b: mb, da: ma.digest, db: mb.digest });
  }
  const order = compareOrder(a.order, b.order, skip);
  if (order) {
    const layer = ctx.layerOf(a.members.values().next().value, b.members.values().next().value);
    findings.push({
      path: orderPath,
      ...(layer !== undefined ? { layer } : {}),
      category: 'ordering',
      code: 'member-order',
      facts: [{ order: order.sameSet ? 'members' : 'members common to both', count: order.common }],
      detail: `first member out of place: ${imagePath(keyPath(order.first))}`,
    });
  }
  const keys = [...new Set([...a.members.keys(), ...b.members.keys()])].filter((k) => !skip.has(k));
  keys.sort((x, y) => (keyPath(x) < keyPath(y) ? -1 : keyPath(x) > keyPath(y) ? 1 : 0));
  for (const key of keys) {
    const ma = a.members.get(key);
    const mb = b.members.get(key);
    if (!mb) findings.push(oneSided(key, ma as Member, 'A', b, ctx));
    else if (!ma) findings.push(oneSided(key, mb, 'B', a, ctx));
    else {
      const path = keyPath(key);
      const layer = ctx.layerOf(ma, mb);
      findings.push(...metaFindings(path, ma, mb, layer));
      const da = contentDigest(a, ma);
      const db = contentDigest(b, mb);
      if (da && db && da !== db) pairs.push({ path, layer, a: ma, b: mb, da, db });
    }
  }
  const content = await mapLimited(pairs, ctx.concurrency, (p) => contentFindings(p, ctx));
  return findings.concat(content.flat());
}
