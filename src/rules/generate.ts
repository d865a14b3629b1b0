// `repro rules`: a report's findings → a rule file. Drafts with the same action (and arguments, category,
// review state) merge into one rule listing the narrowest globs — the exact paths, escaped; only mtime
// rules with very many paths fold them into parent-directory globs. Output is sorted and free of times
// and temp paths, so the same report always gives byte-identical text.
import { evidenceText } from '../core/evidence.js';
import { CATEGORIES, type Finding, type Report } from '../core/finding.js';
import { SortedRuns } from '../core/sorted-runs.js';
import { mapFinding, type Draft, type NoRule } from './generate-map.js';
import { RULE_SCHEMA_VERSION, type RuleAction } from './types.js';

/** Above this many paths, a merged rule's paths are folded into parent-directory globs. */
export const MAX_PATHS_PER_RULE = 24;
const MAX_EVIDENCE = 4;

export interface Group {
  action: RuleAction;
  category: string;
  review: boolean;
  commented: boolean;
  /** The paths the rule names (a clamp names the whole tree: planRules keeps only its first path). */
  paths: Set<string>;
  /** Distinct evidence lines: planRules keeps the first few, and their number in `evidenceCount`. */
  evidence: string[];
  evidenceCount?: number;
  notes: Set<string>;
}

/** picomatch treats these as glob syntax; a literal path must escape them. */
export function escapeGlob(path: string): string {
  return path.replace(/[*?[\]{}()!+@\\]/g, '\\$&');
}

const depth = (p: string): number => p.split('/').length;

/** Fold the deepest paths into `<parent>/**` until at most `max` remain; covered paths are dropped. */
export function collapsePaths(paths: string[], max = MAX_PATHS_PER_RULE): string[] {
  let globs = [...new Set(paths.map(escapeGlob))].sort();
  while (globs.length > max) {
    const deepest = Math.max(...globs.map(depth));
    if (deepest <= 2) return ['/**'];
    globs = [...new Set(globs.map((g) => {
      if (depth(g) < deepest) return g;
      const base = g.endsWith('/**') ? g.slice(0, -3) : g;
      const parent = base.slice(0, base.lastIndexOf('/'));
      return `${parent}/**`;
    }))];
    const trees = globs.filter((g) => g.endsWith('/**')).map((g) => g.slice(0, -2));
    globs = globs.filter((g) => !trees.some((t) => g !== `${t}**` && (g.startsWith(t) || g === t.slice(0, -1)))).sort();
  }
  return globs;
}

/** Plain YAML where it is unambiguous, JSON-quoted (valid YAML) otherwise. */
function scalar(s: string): string {
  return /^\/[A-Za-z0-9_./+@-]*$/.test(s) ? s : JSON.stringify(s);
}

function argLines(action: RuleAction): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(action)) {
    if (k === 'action' || v === undefined) continue;
    if (k === 'flags' && v === 'gm') continue;
    if (k === 'mode') out.push(`mode: '${(v as number).toString(8).padStart(4, '0')}'`);
    else out.push(`${k}: ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  }
  return out;
}

function ruleLines(g: Group): string[] {
  const lines: string[] = [];
  // Only timestamps are folded into directory globs: clamping an mtime too many is harmless, deleting or
  // rewriting a path nobody reported is not. A clamp covers the whole tree: which entries get a new
  // mtime depends on where each build step crossed a second boundary, so the paths seen in one run are
  // not the paths that differ in the next (clamping only moves times later than the epoch).
  const match =
    g.action.action === 'clamp-mtime' ? ['/**'] : g.action.action === 'set-mtime' ? collapsePaths([...g.paths]) : [...g.paths].map(escapeGlob).sort();
  if (g.action.action !== 'image-timestamps') {
    if (match.length === 1) lines.push(`match: ${scalar(match[0] ?? '')}`);
    else lines.push('match:', ...match.map((m) => `  - ${scalar(m)}`));
  }
  lines.push(`action: ${g.action.action}`, ...argLines(g.action));
  if (g.review) lines.push('review: true');
  if (g.notes.size > 0) lines.push(`note: ${JSON.stringify([...g.notes].sort().join('; '))}`);
  const shown = g.evidence.slice(0, MAX_EVIDENCE);
  const count = g.evidenceCount ?? g.evidence.length;
  if (count > MAX_EVIDENCE) shown.push(`(+${count - MAX_EVIDENCE} more)`);
  lines.push('reason:', `  category: ${g.category}`, '  evidence:', ...shown.map((e) => `    - ${JSON.stringify(e)}`));
  const [first, ...rest] = lines;
  const prefix = g.commented ? '  # ' : '  ';
  return [`${prefix}- ${first ?? ''}`, ...rest.map((l) => `${prefix}  ${l}`)];
}

function groupKey(d: Draft): string {
  return JSON.stringify([d.action, d.category, d.review, d.commented]);
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The findings in a fixed order (path, category, evidence, inner), whatever order they were found in:
 * sorted runs in the temp area past a threshold (core/sorted-runs.ts), so a report of any size is sorted
 * in bounded memory. NUL, below every character and in no path, separates the fields of the key.
 */
function* sortedFindings(findings: Iterable<Finding>): Generator<Finding> {
  const runs = new SortedRuns<Finding>();
  try {
    for (const f of findings) runs.add(`${f.path}\0${f.category}\0${evidenceText(f)}\0${f.inner ?? ''}`, f);
    for (const r of runs.sorted()) yield r.value;
  } finally {
    runs.close();
  }
}

/** What rules the findings call for, as data: rules to apply, rules to review (commented out), and findings that need none. */
export interface RulePlan {
  active: Group[];
  toReview: Group[];
  noRule: NoRule[];
}

export function planRules(findings: Iterable<Finding>): RulePlan {
  const groups = new Map<string, Group & { evidenceCount: number; first: string; seen: Set<string> }>();
  const noRule = new Map<string, NoRule>();
  for (const f of sortedFindings(findings)) {
    for (const m of mapFinding(f)) {
      if ('why' in m) {
        // one per distinct line (noRuleLines): a big run of content findings is not held finding by finding
        const line = noRuleLine(m);
        if (!noRule.has(line)) noRule.set(line, m);
        continue;
      }
      const key = groupKey(m);
      let g = groups.get(key);
      if (!g) {
        g = { action: m.action, category: m.category, review: m.review, commented: m.commented, paths: new Set(), first: m.path, evidence: [], evidenceCount: 0, notes: new Set(), seen: new Set() };
        groups.set(key, g);
      }
      if (m.path && (m.action.action !== 'clamp-mtime' || g.paths.size === 0)) g.paths.add(m.path);
      if (g.first === '') g.first = m.path;
      if (!g.seen.has(m.evidence)) {
        g.seen.add(m.evidence);
        g.evidenceCount++;
        if (g.evidence.length < MAX_EVIDENCE) g.evidence.push(m.evidence);
      }
      if (m.note) g.notes.add(m.note);
    }
  }
  const rank = (c: string): number => (CATEGORIES as readonly string[]).indexOf(c);
  // a group's first path is the least: the findings come in path order
  const sorted = [...groups.values()].sort((a, b) =>
    Number(a.commented) - Number(b.commented) || rank(a.category) - rank(b.category) ||
    byText(a.action.action, b.action.action) || byText(JSON.stringify(a.action), JSON.stringify(b.action)) ||
    byText(a.first, b.first)).map(({ seen: _seen, first: _first, ...g }): Group => g);
  return { active: sorted.filter((g) => !g.commented), toReview: sorted.filter((g) => g.commented), noRule: [...noRule.values()] };
}

/** One rule as YAML list-item lines, at the indent of the file's `rules:` list ("  - " or "  # - "). */
export function ruleText(g: Group): string[] {
  return ruleLines(g);
}

const noRuleLine = (n: NoRule): string => `#   ${n.path || '(image)'} [${n.category}]: ${n.why}`;

/** "#   path [category]: why" for each distinct finding that needs no rule. */
export function noRuleLines(noRule: NoRule[]): string[] {
  return [...new Set(noRule.map(noRuleLine))];
}

export function generateRules(report: Report): string {
  const { active, toReview, noRule } = planRules(report.findings);
  const out: string[] = [
    '# Normalization rules generated by `repro rules` from a repro report comparing:',
    ...report.inputs.map((i, n) => `#   ${n === 0 ? 'A' : 'B'}: ${i.path}`),
    `# ${report.findings.length} findings → ${active.length} rules, ${toReview.length} commented out for review, ${noRule.length} needing no rule.`,
    '# Review before committing: rules with `review: true` hide a difference that may be real, and commented-out',
    '# rules (content, binary) are never applied until a person uncomments them.',
    `version: ${RULE_SCHEMA_VERSION}`,
    active.length === 0 && toReview.length === 0 ? 'rules: []' : 'rules:',
  ];
  for (const g of active) out.push(...ruleLines(g));
  if (toReview.length > 0) {
    out.push('# ---- To review: uncomment a rule (remove "# " after the indent) only once you know the difference does not matter ----');
    for (const g of toReview) out.push(...ruleLines(g));
  }
  if (noRule.length > 0) {
    out.push('# Findings that need no rule:', ...noRuleLines(noRule));
  }
  return out.join('\n') + '\n';
}
