// compareInputs: the one entry point of the comparison engine. Images (any form the reader takes) are
// compared document by document, then layer by layer (paired by position; the merged filesystems when the
// layer counts differ); single files go straight to the content engine. Both sides are always read at
// once, so decompression of A and B overlaps (zlib runs off the main thread).
import type { Clock } from '../classify/clocks.js';
import { DigestIndex, markDerived } from '../classify/derived.js';
import { stat } from 'node:fs/promises';
import picomatch from 'picomatch';
import { ReproError } from '../core/errors.js';
import { imagePath } from '../core/entry.js';
import type { Category, Finding, Report, ReportInput } from '../core/finding.js';
import type { Image } from '../core/image.js';
import { openImage } from '../image/open.js';
import type { FetchOptions } from '../image/reference.js';
import { uncompressedDigest } from '../image/layer-reader.js';
import { BlobStore, DEFAULT_MEMORY_BUDGET } from './blob-store.js';
import { blobDigest, blobFromFile } from './blob.js';
import { compareContent, newContentContext, toFinding, type ContentLimits } from './content.js';
import type { Variation } from '../core/variation.js';
import { compareImageMeta } from './image-meta.js';
import { inputShape } from './input-shape.js';
import { diffScans, type PairContext } from './layer-compare.js';
import { buildReport } from '../core/report.js';
import { Findings } from '../core/findings.js';
import { SortedRuns } from '../core/sorted-runs.js';
import { DEFAULT_MAX_ENTRIES } from './limits.js';
import { emptyScan, refetch, releaseScan, scanLayer, scanMerged, type EntryTap, type Member, type ScanContext, type ScanProgress, type SideScan } from './side-scan.js';

export interface CompareOptions {
  /** Globs (picomatch) matched against the absolute path; matching entries are not compared. */
  exclude?: string[];
  /** Categories reported but not counted as differences. */
  ignore?: Category[];
  limits?: Partial<ContentLimits>;
  /** os/arch[/variant] for multi-platform indexes. */
  platform?: string;
  /** How to reach registries for image references (docker://...). */
  fetch?: FetchOptions;
  /** Compare the top-level index documents too (default); --all-platforms pairs their entries instead. */
  compareIndex?: boolean;
  variations?: Variation[];
  /** Clocks the builds ran on (check); diff adds the inputs' mtimes and SOURCE_DATE_EPOCH itself. */
  clocks?: Clock[];
  onProgress?: (p: ScanProgress) => void;
  /** Member content kept in memory before spilling to the temp area (bytes). */
  memoryBudget?: number;
  /** Entries one side may hold per comparison unit (a layer, or the merged filesystem): each costs memory. */
  maxEntries?: number;
  /** Sees every entry of B as it is read (images only; not called for two single files). */
  tapB?: EntryTap;
}

export { DEFAULT_MAX_ENTRIES } from './limits.js';

const CONTENT_CONCURRENCY = 4;

/** Within an hour of an input's mtime or of SOURCE_DATE_EPOCH: when the inputs were written, or pinned. */
const INPUT_SLACK = 3600;

/** The clocks a diff knows: the check's, the two inputs' mtimes, SOURCE_DATE_EPOCH. */
async function inputClocks(a: string, b: string, opts: CompareOptions): Promise<Clock[]> {
  const clocks = [...(opts.clocks ?? [])];
  const [sa, sb] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  if (sa && sb) clocks.push({ a: Math.floor(sa.mtimeMs / 1000), b: Math.floor(sb.mtimeMs / 1000), slack: INPUT_SLACK, source: 'input mtimes' });
  const sde = Number(process.env.SOURCE_DATE_EPOCH);
  if (process.env.SOURCE_DATE_EPOCH && Number.isInteger(sde)) clocks.push({ a: sde, b: sde, slack: INPUT_SLACK, source: 'SOURCE_DATE_EPOCH' });
  return clocks;
}

async function compareFiles(a: string, b: string, opts: CompareOptions): Promise<{ findings: Finding[]; inputs: ReportInput[] }> {
  const ba = blobFromFile(a, a);
  const bb = blobFromFile(b, b);
  const [da, db] = await Promise.all([blobDigest(ba), blobDigest(bb)]);
  const inputs = [
    { path: a, kind: 'file', digest: da },
    { path: b, kind: 'file', digest: db },
  ];
  if (da === db) return { findings: [], inputs };
  const ctx = newContentContext({ limits: opts.limits, variations: opts.variations, clocks: await inputClocks(a, b, opts) });
  const found = await compareContent({ ...ba, digest: da }, { ...bb, digest: db }, ctx);
  // The top-level file itself is "" (expect.json convention); a nested member keeps its inner path.
  const findings = found.map((f) => toFinding({ path: '' }, f));
  return { findings, inputs };
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}

function isPlain(img: Image): boolean {
  return img.kind === 'rootfs-tar' || img.kind === 'directory';
}

/** Layers are identical without reading them when their stored or uncompressed digests agree. */
function sameLayer(a: Image, b: Image, i: number): boolean {
  const la = a.layers[i];
  const lb = b.layers[i];
  if (!la || !lb) return false;
  return (la.digest !== undefined && la.digest === lb.digest) || (la.diffId !== undefined && la.diffId === lb.diffId);
}

const short = (d: string | undefined): string => (d ?? '?').replace(/^sha256:/, '').slice(0, 12);

/**
 * Differences of the layer streams that no entry shows: the same tar compressed differently (gzip header,
 * level), or tars whose entries all agree but whose bytes do not (header encoding, padding).
 */
function layerStreamFinding(a: Image, b: Image, i: number, entryFindings: number): Finding | undefined {
  const la = a.layers[i];
  const lb = b.layers[i];
  if (!la || !lb || la.digest === undefined || la.digest === lb.digest) return undefined;
  if (la.diffId !== undefined && la.diffId === lb.diffId) {
    return {
      path: '',
      layer: i,
      category: 'compression-metadata',
      code: 'layer-compression',
      facts: [{ note: `layer ${i}: same tar (diff_id ${short(la.diffId)}), compressed differently` }, { field: 'blob', a: short(la.digest), b: short(lb.digest) }],
      detail: `A: ${la.mediaType} ${la.digest}\nB: ${lb.mediaType} ${lb.digest}`,
    };
  }
  if (entryFindings > 0) return undefined;
  return {
    path: '',
    layer: i,
    category: 'metadata',
    code: 'layer-encoding',
    facts: [{ note: `layer ${i}: every entry is equal but the tar streams differ (header encoding or padding)` }, { field: 'diff_id', a: short(la.diffId), b: short(lb.diffId) }],
    detail: '',
  };
}

/** A layer's findings held for sorting before they spill to the temp area (as many as the store holds). */
const SORT_SPILL_FINDINGS = 10_000;

/**
 * One diffScans run with its findings added to `findings` in path order. The join finds a path's entry
 * differences as it goes and its content differences after (content is compared once both sides are seen,
 * several at a time), and a report is read by path: so a layer's findings are sorted first, in bounded
 * memory (sorted runs in the temp area); one path's findings keep the order they were found in.
 */
async function inPathOrder(findings: Findings, run: (emit: (f: Finding) => void) => Promise<number>): Promise<number> {
  const runs = new SortedRuns<Finding>(SORT_SPILL_FINDINGS);
  try {
    const n = await run((f) => runs.add(f.path, f));
    for (const r of runs.sorted()) findings.add(r.value);
    return n;
  } finally {
    runs.close();
  }
}

/** Merged mode: paths whose content waits for the other side, at most (each costs ~150 bytes). */
const MERGED_WAITING = 100_000;

/**
 * Releases content both sides hold under one key with one digest, as the sides stream. Per layer, a path is
 * final once stored: only files not yet seen on the other side wait (both sides stream at once, so in the
 * same order few do). In merged mode a higher layer may still replace a path released here; the content
 * is then read again when the comparison needs it (side-scan.ts refetch), and at most `limit` paths wait.
 */
function releaseMatched(store: BlobStore, limit = Infinity): { on: (s: 0 | 1) => (key: string, m: Member) => void; clear: () => void } {
  const unmatched = new Map<string, { side: 0 | 1; digest: string }>();
  const on = (s: 0 | 1) => (key: string, m: Member): void => {
    if (!m.digest) return;
    const other = unmatched.get(key);
    if (other && other.side !== s) {
      unmatched.delete(key);
      if (other.digest === m.digest) {
        store.release(m.digest);
        store.release(m.digest);
      }
      return;
    }
    // the same path again on this side: the later one wins, the earlier content is not needed
    if (other) {
      store.release(other.digest);
      unmatched.delete(key);
    }
    if (unmatched.size < limit) unmatched.set(key, { side: s, digest: m.digest });
  };
  return { on, clear: () => unmatched.clear() };
}

async function compareImages(a: Image, b: Image, opts: CompareOptions): Promise<{ findings: Findings; warnings: string[]; digests: DigestIndex }> {
  const plain = isPlain(a) && isPlain(b);
  const findings = Findings.from(compareImageMeta(a, b, opts.compareIndex !== false));
  // The reader's warnings are read at the end: most (escaping paths, devices, duplicates) are only known
  // once the layers have streamed.
  const own: string[] = [];
  const all = (): string[] => [...a.warnings.map((w) => `A: ${w}`), ...b.warnings.map((w) => `B: ${w}`), ...own];
  const exclude = opts.exclude?.length ? picomatch(opts.exclude, { dot: true }) : undefined;
  const excluded = (path: string): boolean => exclude !== undefined && exclude(imagePath(path));
  const store = new BlobStore(opts.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
  const content = newContentContext({ limits: opts.limits, variations: opts.variations, clocks: await inputClocks(a.input, b.input, opts) });
  const merged = a.layers.length !== b.layers.length;
  const ctx: PairContext = {
    store,
    content,
    digests: new DigestIndex(),
    layerOf: plain ? () => undefined : merged ? (ma, mb) => (mb ?? ma)?.layer : (ma, mb) => (ma ?? mb)?.layer,
    concurrency: CONTENT_CONCURRENCY,
    ...(merged ? { refetch: ([wa, wb]) => Promise.all([refetch(a, wa, store), refetch(b, wb, store)]).then(() => undefined) } : {}),
  };
  const abort = { stopped: false };
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const side = (s: 0 | 1): ScanContext => ({
    store,
    side: s,
    excluded,
    abort,
    maxEntries,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(s === 1 && opts.tapB ? { tap: opts.tapB } : {}),
  });
  // with --exclude some entries were never shown to the tap
  let readAll = !opts.exclude?.length;
  /** Both sides at once; when one fails the other stops, and the first error is what the user sees. */
  async function both<T>(work: [Promise<T>, Promise<T>]): Promise<[T, T]> {
    const stopOnError = (p: Promise<T>): Promise<T> =>
      p.catch((err: unknown) => {
        abort.stopped = true;
        throw err;
      });
    const settled = await Promise.allSettled(work.map(stopOnError));
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<T>).value) as [T, T];
  }
  try {
    if (merged) {
      own.push(`layer counts differ (A: ${a.layers.length}, B: ${b.layers.length}): compared the merged filesystems`);
      const matched = releaseMatched(store, MERGED_WAITING);
      const [sa, sb] = await both([scanMerged(a, { ...side(0), onMember: matched.on(0) }), scanMerged(b, { ...side(1), onMember: matched.on(1) })]);
      matched.clear();
      try {
        await inPathOrder(findings, (emit) => diffScans(sa, sb, ctx, emit));
        opts.tapB?.done(readAll);
      } finally {
        await releaseScan(sa, store);
        await releaseScan(sb, store);
      }
      return { findings, warnings: all(), digests: ctx.digests ?? new DigestIndex() };
    }
    for (let i = 0; i < a.layers.length; i++) {
      if (sameLayer(a, b, i)) {
        readAll = false;
        const f = layerStreamFinding(a, b, i, 0);
        if (f) findings.add(f);
        continue;
      }
      const scans: [SideScan, SideScan] = [emptyScan(), emptyScan()];
      const matched = releaseMatched(store);
      await both([
        scanLayer(a, i, { ...side(0), onMember: matched.on(0) }, scans[0]),
        scanLayer(b, i, { ...side(1), onMember: matched.on(1) }, scans[1]),
      ]);
      try {
        matched.clear();
        const layerFindings = await inPathOrder(findings, (emit) => diffScans(scans[0], scans[1], ctx, emit));
        // with --exclude, "every entry is equal" cannot be claimed: excluded entries may differ
        const entryFindings = opts.exclude?.length ? 1 : layerFindings;
        const [la, lb] = [a.layers[i], b.layers[i]];
        if (entryFindings === 0 && la && lb && la.digest !== lb.digest) {
          // same entries, different blobs: the diff_ids (not hashed while scanning rootfs tarballs) say why
          await Promise.all([uncompressedDigest(a, la), uncompressedDigest(b, lb)]);
        }
        const f = layerStreamFinding(a, b, i, entryFindings);
        if (f) findings.add(f);
      } finally {
        await releaseScan(scans[0], store);
        await releaseScan(scans[1], store);
      }
    }
    opts.tapB?.done(readAll);
    return { findings, warnings: all(), digests: ctx.digests ?? new DigestIndex() };
  } finally {
    await store.close();
  }
}

function describeInput(img: Image): ReportInput {
  const digest = img.manifestDigest ?? (img.layers.length === 1 ? img.layers[0]?.digest : undefined);
  return { path: img.input, kind: img.kind, ...(digest ? { digest } : {}) };
}

/** Compare two inputs; the Report lists every difference found (ignored categories included, marked). */
export async function compareInputs(a: string, b: string, opts: CompareOptions = {}): Promise<Report> {
  const [shapeA, shapeB] = await Promise.all([inputShape(a), inputShape(b)]);
  const ignored = opts.ignore ?? [];
  if (shapeA !== shapeB && (await isDirectory(shapeA === 'file' ? b : a))) {
    throw new ReproError('cannot compare a directory with a single file', shapeA === 'file' ? a : b);
  }
  if (shapeA === 'file' || shapeB === 'file') {
    // A tarball against a text file is still two byte streams: the content engine says how they differ.
    const { findings, inputs } = await compareFiles(a, b, opts);
    return buildReport({ inputs, findings, ignored, warnings: [] });
  }
  const open = { platform: opts.platform, ...(opts.fetch ? { fetch: opts.fetch } : {}) };
  const [ia, ib] = await Promise.all([openImage(a, open), openImage(b, open)]);
  const { findings, warnings, digests } = await compareImages(ia, ib, opts);
  return buildReport({ inputs: [describeInput(ia), describeInput(ib)], findings: markDerived(findings, digests), ignored, warnings });
}
