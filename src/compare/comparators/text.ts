// Text: a unified diff (the `diff` package) for the detail, classification from src/classify.
import { createTwoFilesPatch } from 'diff';
import { classifyText } from '../../classify/index.js';
import type { Comparator, ContentContext, ContentFinding } from '../content.js';
import { boundLines } from './shared.js';
import { isText } from './sniff.js';

/** Above this many changed lines the Myers diff gets slow; the detail then says so instead. */
const MAX_EDIT = 20000;

export function unifiedDiff(a: string, b: string, name: string, ctx: ContentContext): string {
  const patch = createTwoFilesPatch(`a/${name}`, `b/${name}`, a, b, undefined, undefined, {
    context: 3,
    maxEditLength: MAX_EDIT,
  });
  if (patch === undefined) return `(texts differ in more than ${MAX_EDIT} lines: no diff shown)`;
  // Drop the "Index:"/"====" preamble createTwoFilesPatch does not write and the "---/+++" header lines.
  const lines = patch.split('\n').filter((l, i) => !(i < 3 && /^(={5,}|--- |\+\+\+ )/.test(l)));
  if (lines[lines.length - 1] === '') lines.pop();
  return boundLines(lines, ctx);
}

export async function compareTexts(a: string, b: string, name: string, ctx: ContentContext): Promise<ContentFinding[]> {
  if (a === b) return [];
  const { category, evidence } = classifyText(a, b, ctx);
  return [{ inner: '', category, evidence, detail: unifiedDiff(a, b, name, ctx) }];
}

export const textComparator: Comparator = {
  name: 'text',
  recognizes: (head) => isText(head),
  async compare(a, b, ctx) {
    return compareTexts((await a.bytes()).toString('utf8'), (await b.bytes()).toString('utf8'), a.name, ctx);
  },
};
