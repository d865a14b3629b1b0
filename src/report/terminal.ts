// The terminal view: a summary table by category, then the findings in the order of src/report/first-screen.ts
// (to act on, then metadata and ordering, then mtime only, summarised per directory unless --verbose), each
// section grouped by layer and directory, each finding with its evidence and a diff cut to a few lines (the
// JSON report keeps everything). Colour comes from src/report/style.ts: only on a TTY, never with NO_COLOR.
import { evidenceText } from '../core/evidence.js';
import Table from 'cli-table3';
import { CATEGORIES, type Finding, type Report } from '../core/finding.js';
import { dirOf, groupOf } from '../core/report.js';
import { categoryAndEvidence, detailAddsNothing, mtimeSummary, sectionOf, SECTIONS, summarisable } from './first-screen.js';
import { style } from './style.js';
import { printable, printableData } from '../core/printable.js';

export interface TerminalOptions {
  /** Detail lines shown per finding; 0 = all. */
  maxDiffLines?: number;
  /** List every finding (mtime-only ones are otherwise one line per directory). */
  verbose?: boolean;
  /** Findings listed per section before the rest are summarised by directory (default DEFAULT_LISTED). */
  maxListed?: number;
}

export const DEFAULT_DIFF_LINES = 20;

/** A compact table, coloured like the rest of the view (headers cyan, borders grey) on a TTY. */
export function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: style.level > 0 ? ['cyan'] : [], border: style.level > 0 ? ['grey'] : [], compact: true } });
}

/** Findings counted by category, in the vocabulary's order; a third column marks ignored categories. */
export function categoryTable(counts: ReadonlyMap<string, number>, ignored: readonly string[]): string {
  const anyIgnored = ignored.some((c) => counts.has(c));
  const t = table(anyIgnored ? ['category', 'findings', ''] : ['category', 'findings']);
  for (const c of CATEGORIES) {
    const n = counts.get(c);
    if (n) t.push(anyIgnored ? [c, String(n), ignored.includes(c) ? 'ignored' : ''] : [c, String(n)]);
  }
  return t.toString();
}

function cut(detail: string, max: number): string[] {
  const lines = detail.split('\n');
  if (max <= 0 || lines.length <= max) return lines;
  return [
    ...lines.slice(0, max),
    style.dim(`… ${lines.length - max} more lines (--max-diff-lines 0 shows all; --json FILE keeps everything)`),
  ];
}

function finding(f: Finding, ignored: readonly string[], maxLines: number): string[] {
  const paint = ignored.includes(f.category) ? (c: string) => style.dim(`${c} (ignored)`) : style.yellow;
  const where = f.inner ? `${f.path} → ${f.inner}` : f.path;
  const out = [`    ${where ? style.bold(where) + '  ' : ''}${categoryAndEvidence(f.category, evidenceText(f), paint)}`];
  if (f.warning) out.push(`      ${style.red('warning:')} ${f.warning}`);
  if (f.detail && !detailAddsNothing(f)) for (const line of cut(f.detail, maxLines)) out.push(`      ${line}`);
  return out;
}

/** Findings listed per section before the rest are counted by directory (not with --verbose). */
export const DEFAULT_LISTED = 200;

const byText = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

export function renderTerminal(report: Report, opts: TerminalOptions = {}): string {
  const maxLines = opts.maxDiffLines ?? DEFAULT_DIFF_LINES;
  const [a, b] = printableData(report.inputs);
  const head = `A: ${a?.path ?? '?'} (${a?.kind ?? '?'})\nB: ${b?.path ?? '?'} (${b?.kind ?? '?'})`;
  if (report.findings.length === 0) {
    return `${head}\n${style.green('identical')}: no differences\n${warnings(report)}`;
  }
  const lines = [head, '', categoryTable(report.findings.counts.category, report.ignored)];
  sectionTexts(report, opts.verbose === true, maxLines, opts.maxListed ?? DEFAULT_LISTED).forEach((text, s) => {
    if (text) lines.push('', style.bold(SECTIONS[s]!.title), text);
  });
  if (!opts.verbose) {
    const summary = mtimeSummary(report.findings);
    if (summary.length) lines.push('', ...summary.map((l) => printable(l)));
  }
  const verdict = report.identical
    ? style.green(`no differences that count (${report.findings.length} in ignored categories)`)
    : style.red(plural(report.findings.failing(report.ignored), 'difference'));
  lines.push('', verdict);
  return lines.join('\n') + '\n' + warnings(report);
}

interface Listed {
  f: Finding;
  group: string;
  dir: string;
  /** Order of the finding's group (layer) as first seen. */
  rank: number;
}

/**
 * The listed findings of each section (src/report/first-screen.ts), grouped by layer (or group) and
 * directory, as one text per section. One pass over the findings: each section keeps its first `max`
 * (all with --verbose) and counts the rest per directory, so a run of 100k+ findings prints a summary.
 */
function sectionTexts(report: Report, verbose: boolean, maxLines: number, max: number): string[] {
  const listed: Listed[][] = SECTIONS.map(() => []);
  const rest = SECTIONS.map(() => new Map<string, number>());
  const ranks = new Map<string, number>();
  for (const f of report.findings) {
    if (!verbose && summarisable(f)) continue;
    const s = sectionOf(f.category);
    const group = groupOf(f);
    const dir = dirOf(f.path);
    if (!ranks.has(group)) ranks.set(group, ranks.size);
    if (verbose || listed[s]!.length < max) listed[s]!.push({ f, group, dir, rank: ranks.get(group)! });
    else rest[s]!.set(dir || '(top level)', (rest[s]!.get(dir || '(top level)') ?? 0) + 1);
  }
  return listed.map((items, s) => {
    // stable: within a directory, the order found (path order)
    items.sort((x, y) => x.rank - y.rank || byText(x.dir, y.dir) || byText(x.f.path, y.f.path));
    const lines: string[] = [];
    let group: string | undefined;
    let dir: string | undefined;
    for (const it of items) {
      if (it.group !== group) {
        lines.push(style.cyan(it.group));
        group = it.group;
        dir = undefined;
      }
      if (it.dir !== dir) {
        if (it.dir) lines.push(`  ${style.cyan(printable(it.dir))}`);
        dir = it.dir;
      }
      for (const line of finding(printableData(it.f), report.ignored, maxLines)) lines.push(line);
    }
    lines.push(...moreLines(rest[s]!));
    return lines.join('\n');
  });
}

/** "… N more in M directories" with the directories that have most, for a section cut at its first findings. */
function moreLines(rest: Map<string, number>, maxDirs = 10): string[] {
  if (rest.size === 0) return [];
  const total = [...rest.values()].reduce((x, y) => x + y, 0);
  const dirs = [...rest].sort((x, y) => y[1] - x[1] || byText(x[0], y[0]));
  const out = [style.dim(`  … ${total} more in ${plural(dirs.length, 'directory').replace(/directorys$/, 'directories')} (--verbose lists them; --json FILE keeps everything):`)];
  const width = Math.max(...dirs.slice(0, maxDirs).map(([d]) => d.length));
  for (const [d, n] of dirs.slice(0, maxDirs)) out.push(`    ${printable(d).padEnd(width)}  ${n}`);
  if (dirs.length > maxDirs) out.push(style.dim(`    … ${dirs.length - maxDirs} more directories`));
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function warnings(report: Report): string {
  return report.warnings.map((w) => `${style.yellow('warning:')} ${printable(w)}\n`).join('');
}
