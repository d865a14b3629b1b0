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
import type { BlobStore } from './blob-store.js';

export interface Member {
  entry: Entry;
  /** Content digest (files only; hardlinks get their target's at pairing time). */
  digest?: string;
  /** Index of the layer the entry comes from. */
  layer: number;
  /** True while this member owns a reference in the blob store. */
  held: boolean;
}

export interface SideScan {
  /** Key → member: the path, or WHITEOUT_KEY + path for a whiteout / opaque marker (per-layer mode). */
  members: Map<string, Member>;
  /** Member keys in the order the tar stored them (per-layer mode; empty in merged mode). */
  order: string[];
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

export function emptyScan(): SideScan {
  return { members: new Map(), order: [], deleted: new Map(), entries: 0, bytes: 0 };
}

function dropMember(scan: SideScan, key: string, store: BlobStore): void {
  const m = scan.members.get(key);
  if (!m) return;
  if (m.held && m.digest) store.release(m.digest);
  m.held = false;
  scan.members.delete(key);
}

/** Read one layer into `scan` (per-layer mode) or into a layer-local map (merged mode). */
async function readInto(image: Image, layerIndex: number, target: SideScan, ctx: ScanContext, perLayer: boolean): Promise<void> {
  const layer = image.layers[layerIndex];
  if (!layer) return;
  // the uncompressed stream is hashed only where a diff_id is there to verify (engine: uncompressedDigest)
  for await (const { entry, body } of readLayer(image, layer, { diffId: false })) {
    if (ctx.abort?.stopped) break;
    if (ctx.excluded(entry.path)) continue;
    if (ctx.maxEntries !== undefined && target.entries >= ctx.maxEntries) {
      throw new ReproError(`layer ${layerIndex} has more than ${ctx.maxEntries} entries (raise the limit with --max-entries)`, image.input);
    }
    const key =
      entry.type === 'whiteout' ? WHITEOUT_KEY + entry.path : entry.type === 'opaque' ? OPAQUE_KEY + entry.path : entry.path;
    const member: Member = { entry, layer: layerIndex, held: false };
    if (entry.type === 'file') {
      const { digest, size } = await ctx.store.put(body);
      entry.digest = digest;
      member.digest = digest;
      member.held = true;
      target.bytes += size;
    }
    ctx.tap?.entry(entry, layerIndex, () => contentOf(ctx.store, member.digest));
    // A path stored twice in one tar: the later one wins, as on extraction.
    dropMember(target, key, ctx.store);
    target.members.set(key, member);
    if (perLayer) target.order.push(key);
    target.entries++;
    ctx.onMember?.(key, member);
    ctx.onProgress?.({ side: ctx.side, layer: layerIndex, entries: target.entries, bytes: target.bytes });
  }
}

function contentOf(store: BlobStore, digest: string | undefined): Buffer | undefined {
  const c = digest === undefined ? undefined : store.get(digest);
  if (!c) return undefined;
  return c.kind === 'memory' ? c.data : readFileSync(c.path);
}

/** One layer, whiteouts kept as entries. */
export async function scanLayer(image: Image, layerIndex: number, ctx: ScanContext, scan = emptyScan()): Promise<SideScan> {
  await readInto(image, layerIndex, scan, ctx, true);
  return scan;
}

/**
 * All layers merged (the reader's mergeLayers: whiteouts and opaque markers applied as the runtime would).
 * Content stays held until the end: a path matched early may still be replaced by a higher layer.
 */
export async function scanMerged(image: Image, ctx: ScanContext): Promise<SideScan> {
  const perLayer: SideScan[] = [];
  for (let i = 0; i < image.layers.length; i++) {
    const local = emptyScan();
    await readInto(image, i, local, { ...ctx, onMember: undefined }, false);
    perLayer.push(local);
  }
  const byEntry = new Map<Entry, Member>();
  for (const local of perLayer) for (const m of local.members.values()) byEntry.set(m.entry, m);
  const view = mergeLayers(perLayer.map((l) => [...l.members.values()].map((m) => m.entry)));
  const merged = emptyScan();
  for (const [path, { entry }] of view) {
    const m = byEntry.get(entry);
    if (m) merged.members.set(path, m);
  }
  perLayer.forEach((local, i) => {
    merged.entries += local.entries;
    merged.bytes += local.bytes;
    for (const m of local.members.values()) {
      if (m.entry.type === 'whiteout' || m.entry.type === 'opaque') merged.deleted.set(m.entry.path, i);
      // shadowed or deleted versions are never compared: give their content back now
      else if (merged.members.get(m.entry.path) !== m && m.held && m.digest) {
        ctx.store.release(m.digest);
        m.held = false;
      }
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

/** Give back every reference a scan still holds. */
export function releaseScan(scan: SideScan, store: BlobStore): void {
  for (const m of scan.members.values()) {
    if (m.held && m.digest) store.release(m.digest);
    m.held = false;
  }
}
