// Reading one side of a comparison: stream its layers, hash every file while streaming (keeping its bytes in
// the blob store while the other side may still need them) and record entries, keyed by path.
// Two modes: per layer (a whiteout is an entry of its own, so "deleted here, not there" can be reported), and
// merged (whiteouts applied, the top-most version of every path kept), used when layer counts differ.
import { readFileSync } from 'node:fs';
import type { Entry } from '../core/entry.js';
import { ReproError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { readLayer } from '../image/layer-reader.js';
import { mergeLayers } from '../image/merged.js';
import { EntryIndex } from './entry-index.js';
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
  /** Merged mode: path of each whiteout / opaque marker → the layer holding it. */
  deleted: Map<string, number>;
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

/** Merged mode reads each layer into a map first (the merge needs every layer's entries). */
interface LayerMembers {
  members: Map<string, Member>;
  entries: number;
  bytes: number;
}

type Target = { kind: 'index'; scan: SideScan } | { kind: 'map'; layer: LayerMembers };

/** Read one layer into `scan`'s index (per-layer mode) or into a layer-local map (merged mode). */
async function readInto(image: Image, layerIndex: number, target: Target, ctx: ScanContext): Promise<void> {
  const layer = image.layers[layerIndex];
  if (!layer) return;
  const counts = target.kind === 'index' ? target.scan : target.layer;
  // the uncompressed stream is hashed only where a diff_id is there to verify (engine: uncompressedDigest)
  for await (const item of readLayer(image, layer, { diffId: false })) {
    const entry = item.entry;
    if (ctx.abort?.stopped) break;
    if (ctx.excluded(entry.path)) continue;
    if (ctx.maxEntries !== undefined && counts.entries >= ctx.maxEntries) {
      throw new ReproError(`layer ${layerIndex} has more than ${ctx.maxEntries} entries (raise the limit with --max-entries)`, image.input);
    }
    const key =
      entry.type === 'whiteout' ? WHITEOUT_KEY + entry.path : entry.type === 'opaque' ? OPAQUE_KEY + entry.path : entry.path;
    const member: Member = { entry, layer: layerIndex };
    if (entry.type === 'file') {
      const put = item.data ? ctx.store.putBuffer(item.data) : ctx.store.put(item.body);
      const { digest, size } = put instanceof Promise ? await put : put;
      entry.digest = digest;
      member.digest = digest;
      counts.bytes += size;
    }
    ctx.tap?.entry(entry, layerIndex, () => contentOf(ctx.store, member.digest));
    // A path stored twice in one tar: the later one wins, as on extraction (the index keeps both, its
    // reader the later; the map replaces).
    if (target.kind === 'index') {
      const spilling = target.scan.index.add(key, layerIndex, entry);
      if (spilling) await spilling;
    }
    else target.layer.members.set(key, member);
    counts.entries++;
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
  await readInto(image, layerIndex, { kind: 'index', scan }, ctx);
  return scan;
}

/**
 * All layers merged (the reader's mergeLayers: whiteouts and opaque markers applied as the runtime would).
 * The merge needs every layer's entries at once, so this mode holds them as objects before packing the
 * result; content stays held until the end (a path matched early may still be replaced by a higher layer).
 */
export async function scanMerged(image: Image, ctx: ScanContext): Promise<SideScan> {
  const perLayer: LayerMembers[] = [];
  for (let i = 0; i < image.layers.length; i++) {
    const local: LayerMembers = { members: new Map(), entries: 0, bytes: 0 };
    await readInto(image, i, { kind: 'map', layer: local }, { ...ctx, onMember: undefined });
    perLayer.push(local);
  }
  const view = mergeLayers(perLayer.map((l) => [...l.members.values()].map((m) => m.entry)));
  const merged = emptyScan(false);
  for (const [path, { entry, layer }] of view) await merged.index.add(path, layer, entry);
  perLayer.forEach((local, i) => {
    merged.entries += local.entries;
    merged.bytes += local.bytes;
    for (const m of local.members.values()) {
      if (m.entry.type === 'whiteout' || m.entry.type === 'opaque') merged.deleted.set(m.entry.path, i);
    }
  });
  return merged;
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
