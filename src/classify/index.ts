// Text classification: which causes explain EVERY difference between two texts? Ordering is tried first (a
// pure permutation); then the masking detectors replace what they recognise; the texts are explained only
// when they are equal once masked AND every differing token pair passes its proof (a bare number near a
// clock of the comparison, a random id that was regenerated rather than edited). What is left is
// 'content'. Used by the text and JSON comparators (and for strings inside other formats).
import type { Category, Fact } from '../core/finding.js';
import { buildEnvDetector } from './build-env.js';
import { clockOfTimes, explainedTimes, type TimePair } from './clocks.js';
import { timeValue } from './time-value.js';
import type { ClassifyContext, TextDetector, Token } from './mask.js';
import { lineOrderingFacts } from './ordering.js';
import { randomIdDetector } from './random-id.js';
import { timestampDetector } from './timestamp.js';

export type { ClassifyContext, TextDetector, Token } from './mask.js';
export type { Clock } from './clocks.js';
export { nearClock } from './clocks.js';
export { lineOrderingFacts, nameOrderingFact } from './ordering.js';
export { plausibleEpoch, timestampPattern } from './timestamp.js';

/** Order matters: build-env values are given facts, so they are masked before shapes are guessed. */
export const TEXT_DETECTORS: TextDetector[] = [buildEnvDetector, timestampDetector, randomIdDetector];

export interface Classification {
  category: Category;
  facts: Fact[];
}

interface Pair {
  d: TextDetector;
  a: Token;
  b: Token;
}

/** Differing token pairs (same position in both masked texts). */
function differing(d: TextDetector, a: Token[], b: Token[]): Pair[] {
  const out: Pair[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const ta = a[i];
    const tb = b[i];
    if (ta && tb && ta.value !== tb.value) out.push({ d, a: ta, b: tb });
  }
  return out;
}

/**
 * A regenerated random id differs almost everywhere; an edited one (a flipped digit, a cut, an insertion)
 * in a few places. Same length: between the first and the last differing character, at least 8 characters
 * and at least half of them must differ. Other lengths: what both share at the ends is under a quarter.
 */
export function regenerated(a: string, b: string): boolean {
  if (a.length !== b.length) {
    // Keys of one type vary a little in length (DER integers); an insertion or a cut keeps the rest.
    let pre = 0;
    while (pre < Math.min(a.length, b.length) && a[pre] === b[pre]) pre++;
    let suf = 0;
    while (suf < Math.min(a.length, b.length) - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
    return Math.min(a.length, b.length) >= 16 && (pre + suf) * 4 < Math.min(a.length, b.length);
  }
  let first = -1;
  let last = -1;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (first < 0) first = i;
    last = i;
    n++;
  }
  const span = last - first + 1;
  return first >= 0 && span >= 8 && n * 2 >= span;
}

/**
 * The proof each detector asks of its differing pairs, beyond their shape: a random id regenerated rather
 * than edited; a time near a clock of the comparison or moved like the other times of the text (clocks.ts).
 * A bare epoch number needs a clock: a count or a size agrees with another as easily as a time does.
 */
function allProven(pairs: Pair[], ctx: ClassifyContext): boolean {
  const clocks = ctx.clocks ?? [];
  const times: TimePair[] = [];
  const epochs: TimePair[] = [];
  for (const p of pairs) {
    if (p.d.category === 'random-id' && !regenerated(p.a.value, p.b.value)) return false;
    if (p.d.category !== 'timestamp') continue;
    const a = p.a.kind === p.b.kind ? timeValue(p.a.kind, p.a.value) : undefined;
    const b = a ? timeValue(p.b.kind, p.b.value) : undefined;
    if (!a || !b) return false;
    (p.a.kind === 'epoch' ? epochs : times).push({ a, b });
  }
  return explainedTimes(times, clocks).every(Boolean) && epochs.every((p) => clockOfTimes(p, clocks) !== undefined);
}

function fact(p: Pair, lineOf: (n: number) => number): Fact {
  if (p.d.category === 'build-env') return { variation: p.a.kind, a: p.a.value, b: p.b.value };
  return { token: p.a.kind, line: lineOf(p.a.line), a: p.a.value, b: p.b.value };
}

/** A build-env fact has no line: the same value seen on many lines says one thing, so it is kept once. */
function distinctFacts(facts: Fact[]): Fact[] {
  const seen = new Set<string>();
  return facts.filter((f) => {
    if (!('variation' in f)) return true;
    const key = JSON.stringify([f.variation, f.a, f.b]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function firstDifferingLine(a: string, b: string): number {
  const la = a.split('\n');
  const lb = b.split('\n');
  const n = Math.max(la.length, lb.length);
  for (let i = 0; i < n; i++) if (la[i] !== lb[i]) return i + 1;
  return n;
}

const content = (a: string, b: string, lineOf: (n: number) => number = (n) => n): Classification => ({
  category: 'content',
  facts: [{ at: `line ${lineOf(firstDifferingLine(a, b))}` }],
});

/** Classify the difference between two texts (which must differ). */
export function classifyText(a: string, b: string, ctx: ClassifyContext): Classification {
  const ordering = lineOrderingFacts(a, b);
  if (ordering) return { category: 'ordering', facts: [ordering] };
  // With lines aligned, only the differing lines need masking: a 20 MB file with three changed lines costs
  // three lines of regex work. Line numbers in the facts are mapped back to the whole text.
  const la = a.split('\n');
  const lb = b.split('\n');
  // PEM blocks span lines and are only recognised whole, so texts holding them are masked whole.
  if (la.length === lb.length && la.length > 1 && !a.includes('-----BEGIN ') && !b.includes('-----BEGIN ')) {
    const keep: number[] = [];
    la.forEach((line, i) => {
      if (line !== lb[i]) keep.push(i);
    });
    if (keep.length < la.length) {
      const pick = (lines: string[]): string => keep.map((i) => lines[i]).join('\n');
      return classifyMasked(pick(la), pick(lb), ctx, (n) => (keep[n - 1] ?? 0) + 1);
    }
  }
  return classifyMasked(a, b, ctx, (n) => n);
}

/** Mask every detector in turn; explained only if the masked texts are equal and every pair is proven. */
function classifyMasked(a: string, b: string, ctx: ClassifyContext, lineOf: (n: number) => number): Classification {
  let ta = a;
  let tb = b;
  const pairs: Pair[] = [];
  for (const d of TEXT_DETECTORS) {
    const ma = d.mask(ta, 'a', ctx);
    const mb = d.mask(tb, 'b', ctx);
    pairs.push(...differing(d, ma.tokens, mb.tokens));
    ta = ma.text;
    tb = mb.text;
  }
  if (pairs.length === 0 || !allProven(pairs, ctx)) return content(a, b, lineOf);
  const facts = distinctFacts(pairs.map((p) => fact(p, lineOf)));
  if (ta === tb) return { category: mainCategory(pairs), facts };
  // Lines moved AND their tokens differ (a log appended to by parallel jobs): ordering once masked, but
  // only when every line that is not a permutation of the other side is explained by a token.
  const reordered = lineOrderingFacts(ta, tb);
  if (reordered) {
    const masked = [...new Set(pairs.map((p) => PLURAL[p.d.category] ?? p.d.category))];
    return { category: 'ordering', facts: [{ ...reordered, masked }, ...facts] };
  }
  return content(a, b, lineOf);
}

const PLURAL: Partial<Record<Category, string>> = {
  'build-env': 'build environment values',
  timestamp: 'timestamps',
  'random-id': 'random ids',
};

/** The cause behind most differing tokens names the finding; the facts list them all. */
function mainCategory(pairs: Pair[]): Category {
  const counts = new Map<Category, number>();
  for (const p of pairs) counts.set(p.d.category, (counts.get(p.d.category) ?? 0) + 1);
  return [...counts.entries()].sort((x, y) => y[1] - x[1])[0]![0];
}

/** Classify two short values (JSON leaves, PNG text chunks): same rules, no ordering. */
export function classifyValue(a: string, b: string, ctx: ClassifyContext): Classification {
  const c = classifyText(a, b, ctx);
  return c.category === 'ordering' ? content(a, b) : c;
}
