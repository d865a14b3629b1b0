// What the terminal views of diff and check show first. A real Debian check has hundreds of mtime-only
// differences; listed in path order they push the few findings a person must act on (host keys, machine
// ids, logs, caches) off the screen. So findings come in three sections — to act on, then metadata and
// ordering, then mtime only — and mtime-only differences are one line per directory with the rule that
// removes them, unless --verbose. The JSON, Markdown and HTML reports keep every finding as it is.
import type { Category, Finding } from '../core/finding.js';
import { dirOf } from '../core/report.js';
import { evidenceText } from '../core/evidence.js';
import { style } from './style.js';

export interface Section {
  title: string;
  categories: readonly Category[];
}

export const SECTIONS: readonly Section[] = [
  { title: 'to act on', categories: ['content', 'binary', 'added', 'removed', 'random-id', 'timestamp', 'build-env'] },
  { title: 'metadata and ordering', categories: ['compression-metadata', 'metadata', 'ordering', 'image-metadata'] },
  { title: 'mtime only', categories: ['mtime'] },
];

/** The section a category is listed in. */
export function sectionOf(category: Category): number {
  return SECTIONS.findIndex((s) => s.categories.includes(category));
}

/** An entry-level mtime finding: summarised per directory unless --verbose (an archive member's is listed). */
export function summarisable(f: Pick<Finding, 'category' | 'inner'>): boolean {
  return f.category === 'mtime' && !f.inner;
}

/**
 * mtime-only findings as one line per directory (most first, `maxDirs` of them), headed by the rule that
 * removes them all: clamp-mtime (rules/common.yml has it for `/**`; --emit-rules writes it).
 */
export function mtimeSummary(findings: Iterable<Pick<Finding, 'path' | 'category' | 'inner'>>, maxDirs = 10): string[] {
  const counts = new Map<string, number>();
  for (const f of findings) {
    const dir = dirOf(f.path) || '(top level)';
    if (summarisable(f)) counts.set(dir, (counts.get(dir) ?? 0) + 1);
  }
  if (counts.size === 0) return [];
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const dirs = [...counts].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
  const lines = [
    `${style.bold(`${total} mtime-only difference${total === 1 ? '' : 's'}`)} in ${dirs.length} director${dirs.length === 1 ? 'y' : 'ies'}` +
      style.dim(' — removed by the clamp-mtime rule (--rules common, or the one --emit-rules writes); --verbose lists them'),
  ];
  const width = Math.max(...dirs.slice(0, maxDirs).map(([d]) => d.length));
  for (const [dir, n] of dirs.slice(0, maxDirs)) lines.push(`    ${dir.padEnd(width)}  ${n}`);
  if (dirs.length > maxDirs) lines.push(style.dim(`    … ${dirs.length - maxDirs} more directories`));
  return lines;
}

/**
 * The words after the path: "category: evidence", or the evidence alone when it already starts with the
 * category's name ("mtime 1 vs 2", not "mtime: mtime 1 vs 2").
 */
export function categoryAndEvidence(category: string, evidence: string, paint: (s: string) => string): string {
  return evidence.startsWith(`${category} `) ? `${paint(category)}${evidence.slice(category.length)}` : `${paint(category)}: ${evidence}`;
}

/** The evidence line already says everything the detail would ("mode 0755 vs 0775"), unless it was cut. */
export function detailAddsNothing(f: Finding): boolean {
  if (f.category === 'mtime' || f.category === 'added' || f.category === 'removed') return true;
  return (f.category === 'metadata' || f.category === 'image-metadata') && !evidenceText(f).includes('…');
}
