// The --fix loop's last resort. When a difference survives a round although a rule was generated for it
// (a regex that cannot see into a gzip member, a pattern holding another run's random value), no further
// generated rule will remove it: the path itself goes, marked for review with the reason, so the loop
// converges and the person reading the rules file sees exactly what was given up. Never for content or
// binary differences (those may be real) nor for mtime or mode differences (never worth a file).
import { evidenceText } from '../report/evidence.js';
import { stringify } from 'yaml';
import type { Category, Finding } from '../core/finding.js';

const NEVER: readonly Category[] = ['content', 'binary', 'mtime', 'metadata', 'image-metadata', 'added', 'removed'];

/** "path + category" of the findings of a round, to see next round which ones persisted. */
export function persistenceKeys(findings: Finding[]): Set<string> {
  return new Set(findings.map((f) => `${f.path}\u0000${f.category}`));
}

/** A rules file deleting the paths whose differences persisted from `before` into `findings`. */
export function fallbackRules(findings: Finding[], before: Set<string>): { text: string; paths: string[] } {
  const needsPerson = new Set(findings.filter((f) => f.category === 'content' || f.category === 'binary').map((f) => f.path));
  const byPath = new Map<string, Finding[]>();
  for (const f of findings) {
    if (!f.path.startsWith('/') || NEVER.includes(f.category) || needsPerson.has(f.path)) continue;
    if (!before.has(`${f.path}\u0000${f.category}`)) continue;
    byPath.set(f.path, [...(byPath.get(f.path) ?? []), f]);
  }
  const paths = [...byPath.keys()].sort();
  const rules = paths.map((path) => {
    const fs = byPath.get(path) ?? [];
    return {
      match: path,
      action: 'delete',
      review: true,
      note: 'the generated rule did not remove this difference (nested in an archive, or values that change every run): deleted instead; better fix the build',
      reason: { category: fs[0]?.category ?? 'content', evidence: fs.map((f) => (f.inner ? `${f.inner}: ${evidenceText(f)}` : evidenceText(f))).slice(0, 3) },
    };
  });
  return { text: stringify({ version: 1, rules }), paths };
}

/**
 * One clamp for every path once any mtime differed: which paths differ by a second depends on when each
 * build ran, so rules naming only the paths seen this time fail the next time (BuildKit's
 * rewrite-timestamp and debuerreotype clamp the whole tree for the same reason).
 */
export function clampAllRule(findings: Finding[]): string | undefined {
  const mtimes = findings.filter((f) => f.category === 'mtime');
  if (mtimes.length === 0) return undefined;
  const rule = {
    match: '/**',
    action: 'clamp-mtime',
    reason: { category: 'mtime', evidence: [`${mtimes.length} paths differed in mtime; which ones depends on when each build ran`] },
  };
  return stringify({ version: 1, rules: [rule] });
}
