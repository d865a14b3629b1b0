// Text: a unified diff (the `diff` package) for the detail, classification from src/classify.
import { structuredPatch } from 'diff';
import { classifyText } from '../../classify/index.js';
import type { Comparator, ContentContext, ContentFinding } from '../content.js';
import { boundLines } from './shared.js';
import { isText } from './sniff.js';

/** Myers' diff costs O(N·D): only a window after the common prefix is diffed, and never for too long. */
const DIFF_TIMEOUT_MS = 2000;

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * A unified diff bounded in lines AND in work: common leading/trailing lines are skipped, then a window of
 * a few times maxDiffLines is diffed (the detail could not show more anyway), with a timeout.
 */
export function unifiedDiff(a: string, b: string, name: string, ctx: ContentContext): string {
  const la = splitLines(a);
  const lb = splitLines(b);
  let prefix = 0;
  while (prefix < la.length && prefix < lb.length && la[prefix] === lb[prefix]) prefix++;
  let suffix = 0;
  while (suffix < la.length - prefix && suffix < lb.length - prefix && la[la.length - 1 - suffix] === lb[lb.length - 1 - suffix]) suffix++;
  const from = Math.max(0, prefix - 3);
  const window = Math.max(200, ctx.limits.maxDiffLines * 2);
  const endA = Math.min(la.length, la.length - suffix + 3, from + window);
  const endB = Math.min(lb.length, lb.length - suffix + 3, from + window);
  const cut = endA < la.length - suffix || endB < lb.length - suffix;
  const text = (lines: string[], end: number): string => (end > from ? lines.slice(from, end).join('\n') + '\n' : '');
  const patch = structuredPatch(`a/${name}`, `b/${name}`, text(la, endA), text(lb, endB), undefined, undefined, {
    context: 3,
    timeout: DIFF_TIMEOUT_MS,
  });
  if (patch === undefined) return `(diff took longer than ${DIFF_TIMEOUT_MS} ms: not shown)`;
  const out: string[] = [];
  for (const h of patch.hunks) {
    out.push(`@@ -${h.oldStart + from},${h.oldLines} +${h.newStart + from},${h.newLines} @@`, ...h.lines);
  }
  if (cut) out.push(`... diff shown for lines ${from + 1}-${Math.max(endA, endB)} only; the texts differ further`);
  return boundLines(out, ctx);
}

export async function compareTexts(a: string, b: string, name: string, ctx: ContentContext): Promise<ContentFinding[]> {
  if (a === b) return [];
  const { category, facts } = classifyText(a, b, ctx);
  return [{ inner: '', category, code: 'text', facts, detail: unifiedDiff(a, b, name, ctx) }];
}

export const textComparator: Comparator = {
  name: 'text',
  recognizes: (head) => isText(head),
  async compare(a, b, ctx) {
    return compareTexts((await a.bytes()).toString('utf8'), (await b.bytes()).toString('utf8'), a.name, ctx);
  },
};
