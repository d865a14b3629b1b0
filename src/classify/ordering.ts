// Same lines, another order: readdir order, hash-map iteration, parallel jobs appending to one file.
// Proven by comparing the sorted line multisets.
import type { Fact } from '../core/finding.js';

type OrderFact = Extract<Fact, { order: string }>;

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/** The fact when both texts hold the same multiset of lines in another order, else null. */
export function lineOrderingFacts(a: string, b: string): OrderFact | null {
  if (a === b) return null;
  const la = lines(a);
  const lb = lines(b);
  if (la.length < 2 || la.length !== lb.length) return null;
  // Lines in the same place cancel out; only the others need to be the same multiset.
  const sa: string[] = [];
  const sb: string[] = [];
  la.forEach((line, i) => {
    if (line !== lb[i]) {
      sa.push(line);
      sb.push(lb[i] ?? '');
    }
  });
  if (sa.length === 0) return null;
  sa.sort();
  sb.sort();
  for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return null;
  return { order: 'lines', count: la.length, moved: sa.length };
}

/** The fact when two lists hold the same names in another order (archive members, JSON keys), else null. */
export function nameOrderingFact(a: string[], b: string[], what: string): OrderFact | null {
  if (a.length !== b.length || a.every((x, i) => x === b[i])) return null;
  const sa = [...a].sort();
  const sb = [...b].sort();
  if (!sa.every((x, i) => x === sb[i])) return null;
  return { order: what, count: a.length };
}
