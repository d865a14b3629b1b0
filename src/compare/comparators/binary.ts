// The last resort: a bounded hexdump diff. A difference in raw bytes is a timestamp only with proof of
// structure: the .pyc header's source mtime, or aligned 4- or 8-byte fields whose two values both sit near
// one clock of the comparison (src/classify/clocks.ts), so that their delta is the clocks' delta. Any
// other byte difference is 'binary' unless the embedded strings explain it (strings.ts).
import { nearClock } from '../../classify/index.js';
import type { Fact } from '../../core/finding.js';
import type { Comparator, ContentContext, ContentFinding } from '../content.js';
import { boundLines } from './shared.js';
import { explainByStrings } from './strings.js';

const ROW = 16;
/** More separate differing spans than this is not "a few embedded times". */
const MAX_SPANS = 64;

type EpochFact = Extract<Fact, { kind: 'epoch' }>;

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

/** How many bytes of the field at `at` differ. */
function bytesDiffering(a: Buffer, b: Buffer, at: number, width: number): number {
  let n = 0;
  for (let i = at; i < at + width; i++) if (a[i] !== b[i]) n++;
  return n;
}

/**
 * An aligned 4- or 8-byte field covering the span whose values sit near one clock on each side. A field
 * that differs in one byte only is what a single flipped byte makes: changing the low byte (or the next
 * one by a few units) of a value that sits near a clock keeps it there, with a delta inside any slack,
 * so such a pair is never evidence of a time (src/classify/clocks.ts).
 */
function explainSpan(a: Buffer, b: Buffer, span: Span, ctx: ContentContext): EpochFact | null {
  for (const width of [4, 8] as const) {
    const at = span.start - (span.start % width);
    if (span.end > at + width) continue;
    if (bytesDiffering(a, b, at, width) < 2) continue;
    for (const le of [true, false]) {
      const va = epochAt(a, at, width, le);
      const vb = epochAt(b, at, width, le);
      if (va === null || vb === null) continue;
      const clock = nearClock(va, vb, ctx.clocks);
      if (clock) return { kind: 'epoch', offset: at, width, a: va, b: vb, source: `${width * 8}-bit ${le ? 'LE' : 'BE'} field near the ${clock.source}` };
    }
  }
  return null;
}

/**
 * CPython's .pyc header (PEP 552): magic (2 bytes + \r\n), flags 0 = timestamp-based, then the source
 * file's mtime (32-bit LE) and size. The mtime is a time by the format's definition.
 */
function pycHeaderTime(a: Buffer, b: Buffer, spans: Span[]): EpochFact | null {
  const isPyc = (x: Buffer): boolean => x.length >= 16 && x[2] === 0x0d && x[3] === 0x0a && x.readUInt32LE(4) === 0;
  if (!isPyc(a) || !isPyc(b) || a.readUInt16LE(0) !== b.readUInt16LE(0)) return null;
  if (!spans.every((s) => s.start >= 8 && s.end <= 12)) return null;
  return { kind: 'epoch', offset: 8, width: 4, a: a.readUInt32LE(8), b: b.readUInt32LE(8), source: '.pyc header source mtime' };
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
    const pyc = pycHeaderTime(a, b, spans);
    if (pyc) return [{ inner: '', category: 'timestamp', code: 'bytes', facts: [pyc], detail }];
    const explained = spans.map((s) => explainSpan(a, b, s, ctx));
    if (explained.every((e): e is EpochFact => e !== null)) {
      return [{ inner: '', category: 'timestamp', code: 'bytes', facts: explained, detail }];
    }
  }
  const byStrings = explainByStrings(a, b, ctx);
  if (byStrings) return [{ inner: '', category: byStrings.category, code: 'strings', facts: byStrings.facts, detail }];
  const first = spans?.[0]?.start ?? firstDiff(a, b);
  const at = `offset 0x${first.toString(16)}${a.length === b.length ? ` (${spans?.length ?? 'many'} differing spans)` : ''}`;
  return [{ inner: '', category: 'binary', code: 'bytes', facts: [a.length === b.length ? { at } : { at, size: [a.length, b.length] }], detail }];
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
