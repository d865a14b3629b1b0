// Reading one side of a comparison: stream its layers, hash every file while streaming (keeping its bytes in
// the blob store while the other side may still need them) and record entries, keyed by path.
// Two modes: per layer (a whiteout is an entry of its own, so "deleted here, not there" can be reported), and
// merged (whiteouts applied, the top-most version of every path kept), used when layer counts differ.
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Entry } from '../core/entry.js';
import { ReproError } from '../core/errors.js';
import type { Image, LayerRef } from '../core/image.js';
import { readLayer } from '../image/layer-reader.js';
import { EntryIndex, type IndexedEntry } from './entry-index.js';
import { MergedCuts, mergedView } from './merged-view.js';
import type { BlobStore } from './blob-store.js';

export interface Member {
  entry: Entry;
  /** Content digest (files only; hardlinks get their target's at pairing time). */
  digest?: string;
  /** Index of the layer the entry comes from. */
  layer: number;
}

export interface SideScan {
  /** Every entry, packed (entry-index.ts), keyed by path, or WHITEOUT_KEY + path for a whiteout / opaque
   * marker (per-layer mode). */
  index: EntryIndex;
  /** Per-layer mode: the index's stream order is the tar's, compared for member order. */
  ordered: boolean;
  /** Merged mode: path of each whiteout / opaque marker → the (highest) layer holding it. */
  deleted: Map<string, number>;
  /** Merged mode: the deletions of the layers, applied when the index is read (merged-view.ts). */
  cuts?: MergedCuts;
  entries: number;
  bytes: number;
}

/** Whiteout markers live beside real paths: a layer may delete a directory's lower contents and refill it. */
export const WHITEOUT_KEY = '\0wh:';
export const OPAQUE_KEY = '\0opq:';

export function keyPath(key: string): string {
  if (key.startsWith(WHITEOUT_KEY)) return key.slice(WHITEOUT_KEY.length);
  if (key.startsWith(OPAQUE_KEY)) return key.slice(OPAQUE_KEY.length);
  return key;
}

export interface ScanProgress {
  side: 0 | 1;
  layer: number;
  entries: number;
  bytes: number;
}

export interface ScanContext {
  store: BlobStore;
  side: 0 | 1;
  /** True for excluded paths: their entries are skipped, their bodies left to the reader to drain. */
  excluded: (path: string) => boolean;
  /** Called after each member is recorded (the pairing releases content both sides share). */
  onMember?: (key: string, member: Member) => void;
  onProgress?: (p: ScanProgress) => void;
  /** Set when the other side failed: stop reading (leaving the loop closes the layer stream). */
  abort?: { stopped: boolean };
  /** More entries than this (a tar of millions of empty files: cheap to make, costly to hold) is an error. */
  maxEntries?: number;
  /** Sees every entry of this side as it streams (package attribution reads the dpkg database here). */
  tap?: EntryTap;
}

/**
 * A reader riding along the scan, so what it needs costs no second read of the input: every entry in layer
 * order (whiteouts and opaque markers included), then whether every layer was read (identical layers are
 * skipped, so a tap that saw only some must fall back to reading the image itself).
 */
export interface EntryTap {
  /** `content()` gives a file's bytes; call it during the call only (the content may be released after). */
  entry(entry: Entry, layer: number, content: () => Buffer | undefined): void;
  done(complete: boolean): void;
}

export function emptyScan(ordered = true): SideScan {
  return { index: new EntryIndex(keyPath), ordered, deleted: new Map(), entries: 0, bytes: 0 };
}

/** The index key of an entry: its path, or a whiteout / opaque marker key beside it. */
export function keyOf(entry: Entry): string {
  return entry.type === 'whiteout' ? WHITEOUT_KEY + entry.path : entry.type === 'opaque' ? OPAQUE_KEY + entry.path : entry.path;
}

/** Read one layer into `scan`'s index; in merged mode record its deletions in `cuts`. */
async function readInto(image: Image, layerIndex: number, scan: SideScan, ctx: ScanContext, cuts?: MergedCuts): Promise<void> {
  const layer = image.layers[layerIndex];
  if (!layer) return;
  cuts?.startLayer(layerIndex, scan.index.count);
  const counts = { entries: 0, bytes: 0 };
  // the uncompressed stream is hashed only where a diff_id is there to verify (engine: uncompressedDigest)
  for await (const item of readLayer(image, layer, { diffId: false })) {
    const entry = item.entry;
    if (ctx.abort?.stopped) break;
    if (ctx.excluded(entry.path)) continue;
    if (ctx.maxEntries !== undefined && counts.entries >= ctx.maxEntries) {
      throw new ReproError(`layer ${layerIndex} has more than ${ctx.maxEntries} entries (raise the limit with --max-entries)`, image.input);
    }
    const key = keyOf(entry);
    const member: Member = { entry, layer: layerIndex };
    if (entry.type === 'file') {
      // Merged mode holds content until the end (a path matched and released early may still be replaced
      // by a higher layer): it keeps a small file's content only while the store has room (a larger file's
      // is kept, spilled to a file of its own past the budget), and what a differing file needs and the
      // store does not hold is read again once the comparison knows it (refetch).
      const data = item.data;
      const kept = !cuts || !data || ctx.store.fits(data.length);
      const put = !kept ? { digest: 'sha256:' + hash('sha256', data, 'hex'), size: data.length } : data ? ctx.store.putBuffer(data) : ctx.store.put(item.body);
      const { digest, size } = put instanceof Promise ? await put : put;
      entry.digest = digest;
      if (kept) member.digest = digest;
      counts.bytes += size;
      scan.bytes += size;
    }
    const data = item.data;
    ctx.tap?.entry(entry, layerIndex, () => (data && entry.type === 'file' ? data : contentOf(ctx.store, member.digest)));
    if (cuts && (entry.type === 'whiteout' || entry.type === 'opaque')) {
      cuts.marker(entry, layerIndex);
      scan.deleted.set(entry.path, layerIndex);
    }
    // A path stored twice in one tar: the later one wins, as on extraction (the index keeps both, its
    // reader the later).
    const spilling = scan.index.add(key, layerIndex, entry);
    if (spilling) await spilling;
    counts.entries++;
    scan.entries++;
    ctx.onMember?.(key, member);
    ctx.onProgress?.({ side: ctx.side, layer: layerIndex, entries: counts.entries, bytes: counts.bytes });
  }
}

function contentOf(store: BlobStore, digest: string | undefined): Buffer | undefined {
  const c = digest === undefined ? undefined : store.get(digest);
  if (!c) return undefined;
  return c.kind === 'memory' ? c.data : readFileSync(c.path);
}

/** One layer, whiteouts kept as entries. */
export async function scanLayer(image: Image, layerIndex: number, ctx: ScanContext, scan = emptyScan()): Promise<SideScan> {
  await readInto(image, layerIndex, scan, ctx);
  return scan;
}

/**
 * All layers merged (whiteouts and opaque markers applied as the runtime would): every layer's entries go
 * into one index and the merged view is a filter over its sorted stream (merged-view.ts), so memory does
 * not grow with the entry count. Content is held within the store's budget (readInto); what the
 * comparison needs and the store no longer holds is read again (refetch).
 */
export async function scanMerged(image: Image, ctx: ScanContext): Promise<SideScan> {
  const scan: SideScan = { ...emptyScan(false), cuts: new MergedCuts() };
  for (let i = 0; i < image.layers.length; i++) await readInto(image, i, scan, ctx, scan.cuts);
  return scan;
}

/** A side's entries as compared: the last of each key (per layer), or the merged view. */
export function visibleEntries(scan: SideScan): AsyncGenerator<IndexedEntry> {
  return scan.cuts ? mergedView(scan.index, scan.cuts) : lastOfEachKey(scan.index);
}

async function* lastOfEachKey(index: EntryIndex): AsyncGenerator<IndexedEntry> {
  let prev: IndexedEntry | undefined;
  for await (const e of index.sorted()) {
    if (prev && prev.key !== e.key) yield prev;
    prev = e;
  }
  if (prev) yield prev;
}

/** Content one side must read again (refetch): the path of a file holding it → digests, and where to look. */
export interface Wanted {
  paths: Map<string, Set<string>>;
  /** The layers the wanted files were read from; undefined: any (a hardlink's target, whose layer is not known). */
  layers: Set<number> | undefined;
}

/**
 * The content the comparison needs that the store does not hold (merged mode: not kept, or released as
 * matched before a higher layer replaced the path), read again: the layers named are read from the top
 * down until every digest is found; any file with the digest serves.
 */
export async function refetch(image: Image, wanted: Wanted, store: BlobStore): Promise<void> {
  const { paths, layers } = wanted;
  for (let i = image.layers.length - 1; i >= 0 && paths.size > 0; i--) {
    if (layers && !layers.has(i)) continue;
    for await (const item of readLayer(image, image.layers[i] as LayerRef, { diffId: false })) {
      const path = item.entry.path;
      const digests = paths.get(path);
      if (!digests || item.entry.type !== 'file') continue;
      const put = item.data ? store.putBuffer(item.data) : store.put(item.body);
      const { digest } = put instanceof Promise ? await put : put;
      if (!digests.delete(digest)) {
        store.release(digest);
        continue;
      }
      if (digests.size === 0) paths.delete(path);
      if (paths.size === 0) break;
    }
  }
}

/** The layer of the whiteout (or opaque marker) that deleted `path` or a directory above it, if any. */
export function deletedIn(scan: SideScan, path: string): number | undefined {
  for (let p = path; ; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') {
    const layer = scan.deleted.get(p);
    if (layer !== undefined) return layer;
    if (p === '') return undefined;
  }
}

/** Give back what a scan holds: its index's runs, and every content reference (the store is per unit). */
export async function releaseScan(scan: SideScan, store: BlobStore): Promise<void> {
  store.releaseAll();
  await scan.index.close();
}
