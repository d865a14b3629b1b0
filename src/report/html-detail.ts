// Turns a finding's `detail` text into what the page draws: a unified diff becomes rows of paired
// old/new lines with the differing words marked (diffWordsWithSpace, computed here once rather than in
// every browser), anything else (hexdumps, field lists) stays text. Everything is capped so one huge diff
// cannot make the page unusable; the cap is said in a note.
import { diffWordsWithSpace } from 'diff';

/**
 * A line as segments: even indexes are unchanged text, odd indexes are changed text. A plain string
 * means "the whole line, no word-level detail" (context lines, or pairs too different to be worth it).
 */
export type Segs = string[];

/** Row kinds: h hunk header, c context, m modified pair, d deleted only, a added only. */
export type Row =
  | ['h', string]
  | ['c', string, number | null, number | null]
  | ['m', Segs, Segs, number | null, number | null]
  | ['d', Segs, number | null]
  | ['a', Segs, number | null];

export type DetailView =
  | { t: 'diff'; rows: Row[]; note?: string }
  | { t: 'text'; s: string; note?: string };

export interface DetailLimits {
  /** Lines of detail kept per finding. */
  maxLines: number;
  /** Characters of detail kept per finding. */
  maxChars: number;
}

/** Lines longer than this are not word-diffed: the O(ND) diff would cost more than it shows. */
const WORD_DIFF_MAX_LINE = 2000;
/** diffWordsWithSpace gives up (returns undefined) past this many edits; the line is then shown whole. */
const WORD_DIFF_MAX_EDITS = 200;

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

function isUnifiedDiff(lines: readonly string[]): 'hunks' | 'bare' | false {
  if (lines.some((l) => HUNK.test(l))) return 'hunks';
  // Field lists ("config.created:" then "- old" / "+ new") and hexdump diffs come without a hunk header;
  // they read as diffs when both signs occur and most lines carry one. Unmarked lines become labels.
  const nonEmpty = lines.filter((l) => l !== '');
  const minus = nonEmpty.filter((l) => l.startsWith('-')).length;
  const plus = nonEmpty.filter((l) => l.startsWith('+')).length;
  if (minus > 0 && plus > 0 && (minus + plus) * 2 >= nonEmpty.length) return 'bare';
  return false;
}

/** Word-level segments for a changed pair, or undefined when the pair is better shown whole. */
export function wordSegments(oldLine: string, newLine: string): [Segs, Segs] | undefined {
  if (oldLine.length > WORD_DIFF_MAX_LINE || newLine.length > WORD_DIFF_MAX_LINE) return undefined;
  const changes = diffWordsWithSpace(oldLine, newLine, { maxEditLength: WORD_DIFF_MAX_EDITS });
  if (!changes) return undefined;
  const oldSegs: Segs = [];
  const newSegs: Segs = [];
  const push = (segs: Segs, text: string, changed: boolean): void => {
    if (text === '') return;
    const last = segs.length - 1;
    // merge with the previous segment when it has the same kind (odd index = changed)
    if (last >= 0 && (last % 2 === 1) === changed) {
      segs[last] += text;
      return;
    }
    if ((segs.length % 2 === 1) !== changed) segs.push('');
    segs.push(text);
  };
  let unchanged = 0;
  for (const c of changes) {
    if (c.added) push(newSegs, c.value, true);
    else if (c.removed) push(oldSegs, c.value, true);
    else {
      push(oldSegs, c.value, false);
      push(newSegs, c.value, false);
      unchanged += c.value.length;
    }
  }
  // Mostly-different lines highlighted word by word are noise; show them whole.
  if (unchanged * 2 < Math.max(oldLine.length, newLine.length)) return undefined;
  return [oldSegs, newSegs];
}

function pairBlock(rows: Row[], dels: [string, number | null][], adds: [string, number | null][], words: boolean): void {
  const n = Math.max(dels.length, adds.length);
  for (let i = 0; i < n; i++) {
    const d = dels[i];
    const a = adds[i];
    if (d && a) {
      const segs = words ? wordSegments(d[0], a[0]) : undefined;
      // without word-level detail the row colour says it all; marking the whole line would only shout
      rows.push(['m', segs ? segs[0] : [d[0]], segs ? segs[1] : [a[0]], d[1], a[1]]);
    } else if (d) rows.push(['d', [d[0]], d[1]]);
    else if (a) rows.push(['a', [a[0]], a[1]]);
  }
  dels.length = 0;
  adds.length = 0;
}

function diffRows(lines: readonly string[], numbered: boolean, words: boolean): Row[] {
  const rows: Row[] = [];
  const dels: [string, number | null][] = [];
  const adds: [string, number | null][] = [];
  let oldNo = numbered ? 0 : null;
  let newNo = numbered ? 0 : null;
  for (const line of lines) {
    const hunk = HUNK.exec(line);
    if (hunk) {
      pairBlock(rows, dels, adds, words);
      rows.push(['h', line]);
      oldNo = Number(hunk[1]);
      newNo = Number(hunk[2]);
      continue;
    }
    // file headers of a unified diff ("--- a/x", "+++ b/x") are labels, not changed lines
    if (/^(---|\+\+\+) /.test(line) && rows.length === 0 && dels.length === 0 && adds.length === 0) {
      rows.push(['h', line]);
      continue;
    }
    const mark = line[0];
    const text = line.slice(1);
    if (mark === '-') {
      if (adds.length > 0) pairBlock(rows, dels, adds, words);
      dels.push([text, oldNo]);
      if (oldNo !== null) oldNo++;
    } else if (mark === '+') {
      adds.push([text, newNo]);
      if (newNo !== null) newNo++;
    } else if (mark === '\\') {
      pairBlock(rows, dels, adds, words);
      rows.push(['h', line]); // "\ No newline at end of file"
    } else if (mark !== ' ' && !numbered) {
      pairBlock(rows, dels, adds, words);
      rows.push(['h', line]);
    } else {
      pairBlock(rows, dels, adds, words);
      rows.push(['c', mark === ' ' ? text : line, oldNo, newNo]);
      if (oldNo !== null) oldNo++;
      if (newNo !== null) newNo++;
    }
  }
  pairBlock(rows, dels, adds, words);
  return rows;
}

/** Cap by lines and characters, cutting at a line boundary; returns the kept lines and a note. */
function cap(detail: string, limits: DetailLimits): { lines: string[]; note?: string } {
  let text = detail;
  let cutChars = false;
  if (text.length > limits.maxChars) {
    const cut = text.lastIndexOf('\n', limits.maxChars);
    text = text.slice(0, cut > 0 ? cut : limits.maxChars);
    cutChars = true;
  }
  const all = text.split('\n');
  if (all.length > 1 && all[all.length - 1] === '') all.pop();
  const totalLines = detail.split('\n').length;
  if (all.length > limits.maxLines || cutChars) {
    const kept = all.slice(0, limits.maxLines);
    return { lines: kept, note: `detail capped: showing ${kept.length} of ${totalLines} lines (${detail.length} characters)` };
  }
  return { lines: all };
}

/** `words: false` skips the word-level marks (the page computes them only for its first few thousand diffs). */
export function detailView(detail: string, limits: DetailLimits, words = true): DetailView | undefined {
  if (detail === '') return undefined;
  const { lines, note } = cap(detail, limits);
  const kind = isUnifiedDiff(lines);
  const view: DetailView = kind ? { t: 'diff', rows: diffRows(lines, kind === 'hunks', words) } : { t: 'text', s: lines.join('\n') };
  if (note) view.note = note;
  return view;
}
