// Text classification: which single cause explains every difference between two texts? Ordering is tried
// first (a pure permutation), then each masking detector alone, then all masks together; what is left
// unexplained is 'content'. Used by the text and JSON comparators (and for strings inside other formats).
import type { Category } from '../core/finding.js';
import { buildEnvDetector } from './build-env.js';
import type { ClassifyContext, TextDetector, Token } from './mask.js';
import { lineOrderingEvidence } from './ordering.js';
import { randomIdDetector } from './random-id.js';
import { timestampDetector } from './timestamp.js';

export type { ClassifyContext, TextDetector, Token } from './mask.js';
export { lineOrderingEvidence, nameOrderingEvidence } from './ordering.js';
export { plausibleEpoch } from './timestamp.js';

/** Order matters: build-env values are given facts, so they are masked before shapes are guessed. */
export const TEXT_DETECTORS: TextDetector[] = [buildEnvDetector, timestampDetector, randomIdDetector];

export interface Classification {
  category: Category;
  evidence: string;
}

const PLURAL: Partial<Record<Category, string>> = {
  'build-env': 'build environment values',
  timestamp: 'timestamps',
  'random-id': 'random ids',
};

function clip(s: string, max = 40): string {
  const one = s.replace(/\n/g, '\\n');
  return one.length <= max ? one : one.slice(0, max - 2) + '..';
}

/** Differing token pairs (same position in both masked texts). */
function differing(a: Token[], b: Token[]): [Token, Token][] {
  const out: [Token, Token][] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const ta = a[i];
    const tb = b[i];
    if (ta && tb && ta.value !== tb.value) out.push([ta, tb]);
  }
  return out;
}

function describe(d: TextDetector, pairs: [Token, Token][]): string {
  const [ta, tb] = pairs[0] ?? [];
  if (!ta || !tb) return `${PLURAL[d.category] ?? d.category} differ`;
  let text = `${ta.kind} differs on line ${ta.line}`;
  if (d.showValues) text += ` (${clip(ta.value)} vs ${clip(tb.value)})`;
  if (pairs.length > 1) {
    const lines = new Set(pairs.map(([t]) => t.line)).size;
    text += `; ${pairs.length} differ on ${lines} line${lines === 1 ? '' : 's'}`;
  }
  return text;
}

function firstDifferingLine(a: string, b: string): number {
  const la = a.split('\n');
  const lb = b.split('\n');
  const n = Math.max(la.length, lb.length);
  for (let i = 0; i < n; i++) if (la[i] !== lb[i]) return i + 1;
  return n;
}

/** Classify the difference between two texts (which must differ). */
export function classifyText(a: string, b: string, ctx: ClassifyContext): Classification {
  const ordering = lineOrderingEvidence(a, b);
  if (ordering) return { category: 'ordering', evidence: ordering };
  // With lines aligned, only the differing lines need masking: a 20 MB file with three changed lines costs
  // three lines of regex work. Line numbers in the evidence are mapped back to the whole text.
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
      const c = classifyMasked(pick(la), pick(lb), ctx);
      const evidence = c.evidence.replace(/\b(on|from) line (\d+)\b/g, (_m, w: string, n: string) => `${w} line ${(keep[Number(n) - 1] ?? 0) + 1}`);
      return { category: c.category, evidence };
    }
  }
  return classifyMasked(a, b, ctx);
}

/** The masking detectors, alone and then together, and line-level attribution. */
function classifyMasked(a: string, b: string, ctx: ClassifyContext): Classification {

  for (const d of TEXT_DETECTORS) {
    const ma = d.mask(a, 'a', ctx);
    const mb = d.mask(b, 'b', ctx);
    if (ma.text === mb.text && ma.tokens.length > 0) {
      return { category: d.category, evidence: describe(d, differing(ma.tokens, mb.tokens)) };
    }
  }

  // Several causes at once (a log line with a date and a pid file id): mask them all in turn.
  let ta = a;
  let tb = b;
  const found: { d: TextDetector; pairs: [Token, Token][] }[] = [];
  for (const d of TEXT_DETECTORS) {
    const ma = d.mask(ta, 'a', ctx);
    const mb = d.mask(tb, 'b', ctx);
    const pairs = differing(ma.tokens, mb.tokens);
    if (pairs.length > 0) found.push({ d, pairs });
    ta = ma.text;
    tb = mb.text;
  }
  if (ta === tb && found.length > 0) {
    // The cause behind most differing tokens names the finding; the evidence lists them all.
    const main = [...found].sort((x, y) => y.pairs.length - x.pairs.length)[0]!;
    const others = found.filter((f) => f !== main).map((f) => `${PLURAL[f.d.category]} (${f.pairs.length})`);
    return { category: main.d.category, evidence: `${describe(main.d, main.pairs)}; also ${others.join(', ')}` };
  }
  const perLine = everyLineExplained(a, b, ctx);
  if (perLine) return perLine;
  const reordered = lineOrderingEvidence(ta, tb);
  if (reordered && found.length > 0) {
    return { category: 'ordering', evidence: `${reordered} once ${found.map((f) => PLURAL[f.d.category]).join(', ')} are masked` };
  }
  return { category: 'content', evidence: `content differs from line ${firstDifferingLine(a, b)}` };
}

/** Classify two short values (JSON leaves, PNG text chunks): same rules, no ordering. */
export function classifyValue(a: string, b: string, ctx: ClassifyContext): Classification {
  const c = classifyText(a, b, ctx);
  return c.category === 'ordering' ? { category: 'content', evidence: c.evidence } : c;
}

/**
 * Line-level attribution for time-stamped records (logs): when every differing line carries a differing
 * token of one detector, that detector names the cause even if other words on those lines differ too
 * (the evidence says so). Only for texts with the same number of lines, compared line by line.
 */
function everyLineExplained(a: string, b: string, ctx: ClassifyContext): Classification | null {
  const la = a.split('\n');
  const lb = b.split('\n');
  if (la.length !== lb.length) return null;
  const differingLines = new Set<number>();
  la.forEach((line, i) => {
    if (line !== lb[i]) differingLines.add(i + 1);
  });
  if (differingLines.size === 0) return null;
  for (const d of TEXT_DETECTORS) {
    const pairs = differing(d.mask(a, 'a', ctx).tokens, d.mask(b, 'b', ctx).tokens).filter(([x, y]) => x.line === y.line);
    const covered = new Set(pairs.map(([x]) => x.line));
    if ([...differingLines].every((n) => covered.has(n))) {
      const residue = [...differingLines].filter((n) => {
        const ma = d.mask(la[n - 1] ?? '', 'a', ctx).text;
        const mb = d.mask(lb[n - 1] ?? '', 'b', ctx).text;
        return ma !== mb;
      }).length;
      return {
        category: d.category,
        evidence: `${describe(d, pairs)}; every differing line has one (other text differs too on ${residue} line${residue === 1 ? '' : 's'})`,
      };
    }
  }
  return null;
}
