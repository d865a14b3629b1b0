// Words and colours for the categories, shared by the HTML and Markdown reports. The report model
// (src/core/finding.ts) is data only; everything a human reads about a category lives here.
import { CATEGORIES, type Category, type Finding } from '../core/finding.js';

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

/** Finding indexes, most interesting first (stable within a category, so the engine's order is kept). */
export function rankFindings(findings: readonly Finding[]): number[] {
  return findings
    .map((_, i) => i)
    .sort((a, b) => categoryRank(findings[a]!.category) - categoryRank(findings[b]!.category) || a - b);
}

/** Counts per category in CATEGORIES order, only the ones present. */
export function countByCategory(findings: readonly Finding[]): { category: Category; count: number }[] {
  const counts = new Map<Category, number>();
  for (const f of findings) counts.set(f.category, (counts.get(f.category) ?? 0) + 1);
  return CATEGORIES.filter((c) => counts.has(c)).map((c) => ({ category: c, count: counts.get(c)! }));
}

/** Counts by an optional string key (layer, package), biggest first; findings without one are `none`. */
export function countBy(
  findings: readonly Finding[],
  key: (f: Finding) => string | undefined,
  none: string,
): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const f of findings) {
    const k = key(f) ?? none;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, count]) => ({ key: k, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/** How a suggested-rule option is given: a map by finding index, or a function of the finding. */
export type RuleSuggester = Map<number, string> | ((f: Finding) => string | undefined);

export function ruleLookup(s: RuleSuggester | undefined): (f: Finding, index: number) => string | undefined {
  if (!s) return () => undefined;
  if (s instanceof Map) return (_f, i) => s.get(i);
  return (f) => s(f);
}
