// The terminal view: a summary table by category, then the findings in the order of src/report/first-screen.ts
// (to act on, then metadata and ordering, then mtime only, summarised per directory unless --verbose), each
// section grouped by layer and directory, each finding with its evidence and a diff cut to a few lines (the
// JSON report keeps everything). Colour comes from src/report/style.ts: only on a TTY, never with NO_COLOR.
import { evidenceText } from '../core/evidence.js';
import Table from 'cli-table3';
import { CATEGORIES, type Finding, type Report, type TreeNode } from '../core/finding.js';
import { categoryAndEvidence, detailAddsNothing, mtimeSummary, sectionOf, SECTIONS, summarisable } from './first-screen.js';
import { style } from './style.js';
import { printableData } from '../core/printable.js';

export interface TerminalOptions {
  /** Detail lines shown per finding; 0 = all. */
  maxDiffLines?: number;
  /** List every finding (mtime-only ones are otherwise one line per directory). */
  verbose?: boolean;
}

export const DEFAULT_DIFF_LINES = 20;

/** A compact table, coloured like the rest of the view (headers cyan, borders grey) on a TTY. */
export function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: style.level > 0 ? ['cyan'] : [], border: style.level > 0 ? ['grey'] : [], compact: true } });
}

/** Findings counted by category, in the vocabulary's order; a third column marks ignored categories. */
export function categoryTable(findings: readonly Finding[], ignored: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.category, (counts.get(f.category) ?? 0) + 1);
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

const byName = (x: TreeNode, y: TreeNode): number => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

function collect(node: TreeNode): number[] {
  return [...node.findings, ...node.children.flatMap(collect)];
}

export function renderTerminal(raw: Report, opts: TerminalOptions = {}): string {
  const report = printableData(raw);
  const maxLines = opts.maxDiffLines ?? DEFAULT_DIFF_LINES;
  const [a, b] = report.inputs;
  const head = `A: ${a?.path ?? '?'} (${a?.kind ?? '?'})\nB: ${b?.path ?? '?'} (${b?.kind ?? '?'})`;
  if (report.findings.length === 0) {
    return `${head}\n${style.green('identical')}: no differences\n${warnings(report)}`;
  }
  const lines = [head, '', categoryTable(report.findings, report.ignored)];
  sectionTexts(report, opts.verbose === true, maxLines).forEach((text, s) => {
    if (text) lines.push('', style.bold(SECTIONS[s]!.title), text);
  });
  if (!opts.verbose) {
    const summary = mtimeSummary(report.findings);
    if (summary.length) lines.push('', ...summary);
  }
  const verdict = report.identical
    ? style.green(`no differences that count (${report.findings.length} in ignored categories)`)
    : style.red(plural(report.findings.filter((f) => !report.ignored.includes(f.category)).length, 'difference'));
  lines.push('', verdict);
  return lines.join('\n') + '\n' + warnings(report);
}

/**
 * The listed findings of each section (src/report/first-screen.ts), each grouped by the report's tree
 * (layer or group, then directory), as one text per section. One walk of the tree, lines written straight
 * into their section: a report can hold 100k+ findings.
 */
function sectionTexts(report: Report, verbose: boolean, maxLines: number): string[] {
  const out: string[][] = SECTIONS.map(() => []);
  const at = SECTIONS.map(() => ({ group: undefined as TreeNode | undefined, dir: undefined as TreeNode | undefined }));
  for (const group of report.tree.children) {
    for (const dir of [...group.children].sort(byName)) {
      for (const i of [...dir.children].sort(byName).flatMap(collect)) {
        const f = report.findings[i];
        if (!f || (!verbose && summarisable(f))) continue;
        const s = sectionOf(f.category);
        const lines = out[s]!;
        const where = at[s]!;
        if (where.group !== group) {
          lines.push(style.cyan(group.name));
          where.group = group;
          where.dir = undefined;
        }
        if (where.dir !== dir) {
          if (dir.name) lines.push(`  ${style.cyan(dir.name)}`);
          where.dir = dir;
        }
        for (const line of finding(f, report.ignored, maxLines)) lines.push(line);
      }
    }
  }
  return out.map((lines) => lines.join('\n'));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function warnings(report: Report): string {
  return report.warnings.map((w) => `${style.yellow('warning:')} ${w}\n`).join('');
}
