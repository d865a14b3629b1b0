// The recursive content engine: given two blobs whose digests differ, find the comparator that recognises
// both by their bytes (first match wins, hexdump last — diffoscope's comparators/__init__.py), let it
// explain the difference, and fall back to a byte comparison (recording why) when it cannot.
import type { Clock } from '../classify/clocks.js';
import type { Category, Fact, Finding, FindingCode } from '../core/finding.js';
import type { Variation } from '../core/variation.js';
import { blobDigest, blobFromBuffer, type ContentBlob } from './blob.js';
import { COMPARATORS, FALLBACK_BINARY, FALLBACK_TEXT } from './comparators/index.js';
import { isText } from './comparators/sniff.js';
import { DEFAULT_LIMITS, type ContentLimits } from './limits.js';

export { DEFAULT_LIMITS, type ContentLimits };


export interface ContentContext {
  depth: number;
  limits: ContentLimits;
  variations: Variation[];
  /** Clocks a number in a file must sit near to count as a time (src/classify/clocks.ts). */
  clocks: Clock[];
  /** Bytes of decompression still allowed; shared (same object) by every nested context of one run. */
  budget: { bytes: number };
}

export interface ContentFinding {
  /** Path inside the compared file: "" for the file itself, "data.tar.gz/usr/bin/x" for a nested member. */
  inner: string;
  category: Category;
  code: FindingCode;
  /** Why this category, as data. */
  facts: Fact[];
  /** Bounded diff text. */
  detail: string;
  /** Set when a comparator failed or a limit was reached and a cruder comparison was used. */
  warning?: string;
}

/** A content finding as a report finding of the file at `at` (its path, and its layer when there is one). */
export function toFinding(at: Pick<Finding, 'path' | 'layer'>, f: ContentFinding): Finding {
  return {
    ...at,
    category: f.category,
    code: f.code,
    facts: f.facts,
    detail: f.detail,
    ...(f.inner ? { inner: f.inner } : {}),
    ...(f.warning ? { warning: f.warning } : {}),
  };
}

export interface Comparator {
  name: string;
  /** Sniff the first bytes (up to 8 KiB); never the name. */
  recognizes(head: Buffer, blob: ContentBlob): boolean;
  compare(a: ContentBlob, b: ContentBlob, ctx: ContentContext): Promise<ContentFinding[]>;
}

/** A fresh context for one comparison run (the budget is shared by everything nested below it). */
export function newContentContext(opts: { limits?: Partial<ContentLimits>; variations?: Variation[]; clocks?: Clock[] } = {}): ContentContext {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  return { depth: 0, limits, variations: opts.variations ?? [], clocks: opts.clocks ?? [], budget: { bytes: limits.maxTotalBytes } };
}

/** The context for members of a container one level down (same budget object). */
export function nested(ctx: ContentContext): ContentContext {
  return { ...ctx, depth: ctx.depth + 1 };
}

/** Findings of a member, re-rooted under the member's name. */
export function within(member: string, findings: ContentFinding[]): ContentFinding[] {
  return findings.map((f) => ({ ...f, inner: f.inner ? `${member}/${f.inner}` : member }));
}

function shortDigest(d: string): string {
  return d.replace(/^sha256:/, '').slice(0, 12);
}

/** Compare two blobs; [] when their content is equal. Never throws for odd input (only for I/O errors). */
export async function compareContent(a: ContentBlob, b: ContentBlob, ctx: ContentContext): Promise<ContentFinding[]> {
  if (a.digest && b.digest && a.digest === b.digest) return [];
  const max = ctx.limits.maxMemberBytes;
  if (a.size > max || b.size > max) {
    const [da, db] = await Promise.all([blobDigest(a), blobDigest(b)]);
    if (da === db) return [];
    return [
      {
        inner: '',
        category: 'binary',
        code: 'digest',
        facts: [{ field: 'digest', a: shortDigest(da), b: shortDigest(db) }, { field: 'size', a: String(a.size), b: String(b.size) }],
        detail: '',
        warning: `member larger than ${max} bytes: compared by digest only`,
      },
    ];
  }
  const [bufA, bufB] = await Promise.all([a.bytes(), b.bytes()]);
  if (bufA.equals(bufB)) return [];
  const ma = blobFromBuffer(a.name, bufA);
  const mb = blobFromBuffer(b.name, bufB);
  const fallback = isText(bufA) && isText(bufB) ? FALLBACK_TEXT : FALLBACK_BINARY;
  if (ctx.depth >= ctx.limits.maxDepth) {
    return warnAll(await fallback.compare(ma, mb, ctx), `depth limit ${ctx.limits.maxDepth} reached: compared bytes only`);
  }
  const headA = bufA.subarray(0, 8192);
  const headB = bufB.subarray(0, 8192);
  const comparator = COMPARATORS.find((c) => c.recognizes(headA, ma) && c.recognizes(headB, mb)) ?? fallback;
  try {
    const found = await comparator.compare(ma, mb, ctx);
    // The bytes differ (checked above), so "no difference" means the comparator skipped something (trailing
    // garbage after an ar/zip/tar end, a cut header): say so rather than report the blobs as equal.
    if (found.length > 0 || comparator === FALLBACK_BINARY) return found;
    return warnAll(await FALLBACK_BINARY.compare(ma, mb, ctx), `${comparator.name} comparator saw no difference in differing bytes: compared bytes`);
  } catch (err) {
    // diffoscope's rule: a comparator that chokes degrades to a byte diff and says why; the run goes on.
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const safe = comparator === fallback ? FALLBACK_BINARY : fallback;
    return warnAll(await safe.compare(ma, mb, ctx), `${comparator.name} comparator failed (${why}): compared bytes`);
  }
}

function warnAll(findings: ContentFinding[], warning: string): ContentFinding[] {
  return findings.map((f) => ({ ...f, warning: f.warning ? `${warning}; ${f.warning}` : warning }));
}
