// Words and colours for the categories, shared by the HTML and Markdown reports. The report model
// (src/core/finding.ts) is data only; everything a human reads about a category lives here.
import { CATEGORIES, type Category, type Finding } from '../core/finding.js';
import type { Findings } from '../core/findings.js';

export interface CategoryInfo {
  label: string;
  /** One line for a legend: what the category means and what usually fixes it. */
  meaning: string;
  /** Chart colour; picked to stay distinguishable for the common colour-vision deficiencies. */
  color: string;
}

export const CATEGORY_INFO: Record<Category, CategoryInfo> = {
  mtime: { label: 'mtime', meaning: 'only the modification time differs (clamp to SOURCE_DATE_EPOCH)', color: '#8c96a3' },
  metadata: { label: 'metadata', meaning: 'mode, owner, xattrs or other entry fields differ', color: '#6b7ec7' },
  ordering: { label: 'ordering', meaning: 'same items in another order (sort, or pick one hardlink convention)', color: '#2a9d8f' },
  timestamp: { label: 'timestamp', meaning: 'dates or times embedded in the content', color: '#e9a23b' },
  'random-id': { label: 'random-id', meaning: 'a random token, key or id generated during the build', color: '#d1495b' },
  'compression-metadata': { label: 'compression-metadata', meaning: 'compressed container headers (gzip mtime/name, zip times)', color: '#8f5fbf' },
  'build-env': { label: 'build-env', meaning: 'something copied from the build host (hostname, user, paths)', color: '#c0712f' },
  'image-metadata': { label: 'image-metadata', meaning: 'image config, manifest or history fields', color: '#3f88c5' },
  added: { label: 'added', meaning: 'present only in the second input', color: '#3aa655' },
  removed: { label: 'removed', meaning: 'present only in the first input', color: '#b5563c' },
  binary: { label: 'binary', meaning: 'binary content differs; no known cause recognised', color: '#5c5c5c' },
  content: { label: 'content', meaning: 'content differs; no known cause recognised', color: '#a4243b' },
};

/**
 * Order for "top findings": differences nobody has explained yet first, then the ones rules fix, and
 * mtime last because a build usually has thousands of them and they say little on their own.
 */
const PRIORITY: readonly Category[] = [
  'content',
  'binary',
  'added',
  'removed',
  'random-id',
  'build-env',
  'timestamp',
  'ordering',
  'compression-metadata',
  'metadata',
  'image-metadata',
  'mtime',
];

export function categoryRank(c: Category): number {
  const i = PRIORITY.indexOf(c);
  return i < 0 ? PRIORITY.length : i;
}

/** A finding with its index in the report. */
export interface Indexed {
  f: Finding;
  i: number;
}

/**
 * The first `max` findings, most interesting first (stable within a category, so the engine's order is
 * kept), in one pass that holds at most `max` per category.
 */
export function rankFindings(findings: Iterable<Finding>, max: number): Indexed[] {
  const per = new Map<number, Indexed[]>();
  let i = 0;
  for (const f of findings) {
    const r = categoryRank(f.category);
    let list = per.get(r);
    if (!list) per.set(r, (list = []));
    if (list.length < max) list.push({ f, i });
    i++;
  }
  return [...per.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, list]) => list).slice(0, max);
}

/** Counts per category in CATEGORIES order, only the ones present. */
export function countByCategory(findings: Findings): { category: Category; count: number }[] {
  const counts = findings.counts.category;
  return CATEGORIES.filter((c) => counts.has(c)).map((c) => ({ category: c, count: counts.get(c)! }));
}

/** Counts of the store (by layer, by package) under display keys, biggest first. */
export function countBy<K>(by: ReadonlyMap<K, number>, key: (k: K) => string): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const [k, n] of by) counts.set(key(k), (counts.get(key(k)) ?? 0) + n);
  return [...counts.entries()].map(([k, count]) => ({ key: k, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/** True when some finding names its package (attribution ran on a Debian image). */
export function hasPackages(report: { findings: Findings }): boolean {
  const none = report.findings.counts.package.get('') ?? 0;
  return report.findings.length > none;
}

/** How a suggested-rule option is given: a map by finding index, or a function of the finding. */
export type RuleSuggester = Map<number, string> | ((f: Finding) => string | undefined);

export function ruleLookup(s: RuleSuggester | undefined): (f: Finding, index: number) => string | undefined {
  if (!s) return () => undefined;
  if (s instanceof Map) return (_f, i) => s.get(i);
  return (f) => s(f);
}
