// The last resort: a bounded hexdump diff. If every differing byte sits inside a 4- or 8-byte integer that
// reads as a plausible build time on both sides, the difference is an embedded timestamp (a time_t written
// into a cache or header); anything else is 'binary'.
import { plausibleEpoch } from '../../classify/index.js';
import type { Comparator, ContentContext, ContentFinding } from '../content.js';
import { boundLines } from './shared.js';
import { explainByStrings } from './strings.js';

const ROW = 16;
/** More separate differing spans than this is not "a few embedded times". */
const MAX_SPANS = 64;

interface Span {
  start: number;
  end: number; // exclusive
}

function differingSpans(a: Buffer, b: Buffer): Span[] | null {
  const spans: Span[] = [];
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    const last = spans[spans.length - 1];
    if (last && i - last.end < 4) last.end = i + 1;
    else {
      if (spans.length === MAX_SPANS) return null;
      spans.push({ start: i, end: i + 1 });
    }
  }
  return spans;
}

function epochAt(buf: Buffer, at: number, width: 4 | 8, le: boolean): number | null {
  if (at < 0 || at + width > buf.length) return null;
  if (width === 4) return le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  const v = le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(v);
}

/** A window of 4 or 8 bytes covering the span that decodes to a plausible time on both sides. */
function explainSpan(a: Buffer, b: Buffer, span: Span): string | null {
  for (const width of [4, 8] as const) {
    if (span.end - span.start > width) continue;
    // Aligned windows first, then the one starting where the difference starts: a time_t field is
    // usually aligned, and its low bytes (LE) or high-order end (BE) are where two nearby times differ.
    const starts: number[] = [];
    for (let at = Math.max(0, span.end - width); at <= span.start; at++) starts.push(at);
    starts.sort((x, y) => Number(x % width !== 0) - Number(y % width !== 0) || Math.abs(x - span.start) - Math.abs(y - span.start));
    for (const at of starts) {
      // Four letters of text read as a 2020s time_t ("aaa/" is 1633771823): text is left to the strings check.
      if (allPrintable(a, at, width) && allPrintable(b, at, width)) continue;
      for (const le of [true, false]) {
        const va = epochAt(a, at, width, le);
        const vb = epochAt(b, at, width, le);
        if (va !== null && vb !== null && plausibleEpoch(va) && plausibleEpoch(vb)) {
          return `${va} vs ${vb} at offset 0x${at.toString(16)}`;
        }
      }
    }
  }
  return null;
}

function allPrintable(buf: Buffer, at: number, width: number): boolean {
  for (let i = at; i < at + width && i < buf.length; i++) {
    const x = buf[i] ?? 0;
    if (x < 0x20 || x >= 0x7f) return false;
  }
  return true;
}

function hexRow(buf: Buffer, at: number): string {
  const bytes = buf.subarray(at, at + ROW);
  const hex = [...bytes].map((x) => x.toString(16).padStart(2, '0')).join(' ').padEnd(ROW * 3 - 1);
  const ascii = [...bytes].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
  return `${hex}  ${ascii}`;
}

export function hexdumpDiff(a: Buffer, b: Buffer, ctx: ContentContext): string {
  const lines: string[] = [];
  if (a.length !== b.length) lines.push(`size ${a.length} vs ${b.length} bytes`);
  const rows = Math.ceil(Math.max(a.length, b.length) / ROW);
  for (let r = 0; r < rows; r++) {
    const at = r * ROW;
    if (a.subarray(at, at + ROW).equals(b.subarray(at, at + ROW))) continue;
    const off = at.toString(16).padStart(8, '0');
    lines.push(`-${off}: ${hexRow(a, at)}`, `+${off}: ${hexRow(b, at)}`);
    // Stop scanning once the bound is passed; the count after it is an estimate we do not need exactly.
    if (lines.length > ctx.limits.maxDiffLines + 2) {
      lines.push(`... more differing rows after offset 0x${at.toString(16)}`);
      break;
    }
  }
  return boundLines(lines, ctx);
}

export function compareBytes(a: Buffer, b: Buffer, ctx: ContentContext): ContentFinding[] {
  if (a.equals(b)) return [];
  const detail = hexdumpDiff(a, b, ctx);
  const spans = a.length === b.length ? differingSpans(a, b) : null;
  if (spans && spans.length > 0) {
    const explained = spans.map((s) => explainSpan(a, b, s));
    if (explained.every((e) => e !== null)) {
      const more = spans.length > 1 ? ` (+${spans.length - 1} more)` : '';
      return [{ inner: '', category: 'timestamp', evidence: `embedded epoch ${explained[0]}${more}`, detail }];
    }
  }
  const byStrings = explainByStrings(a, b, ctx);
  if (byStrings) return [{ inner: '', ...byStrings, detail }];
  const first = spans?.[0]?.start ?? firstDiff(a, b);
  const sizes = a.length === b.length ? `${spans?.length ?? 'many'} differing spans` : `size ${a.length} vs ${b.length}`;
  return [{ inner: '', category: 'binary', evidence: `bytes differ from offset 0x${first.toString(16)} (${sizes})`, detail }];
}

function firstDiff(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

export const binaryComparator: Comparator = {
  name: 'binary',
  recognizes: () => true,
  async compare(a, b, ctx) {
    return compareBytes(await a.bytes(), await b.bytes(), ctx);
  },
};
