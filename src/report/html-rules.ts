// Suggested rules for the reports, from the one rule generator (src/rules/generate.ts): per finding for
// the HTML page (the rule sits next to the diff it removes), and the merged rules file for Markdown.
// generateRules works on a Report, so a finding's own rule is the generator run on a one-finding report;
// that keeps one source of truth for what a rule looks like instead of a second formatter here.
import { REPORT_SCHEMA, type Finding, type Report } from '../core/finding.js';
import { generateRules } from '../rules/generate.js';

const EMPTY: Report = {
  schema: REPORT_SCHEMA,
  identical: false,
  inputs: [],
  findings: [],
  tree: { name: '', children: [], findings: [] },
  ignored: [],
  warnings: [],
};

/** The YAML body of a generated file: rule items and comments, without the header and `version:`. */
function ruleBody(generated: string): string[] {
  const lines = generated.split('\n');
  const start = lines.findIndex((l) => l.startsWith('rules:'));
  return lines.slice(start + 1).filter((l) => l.trim() !== '' && !l.startsWith('# ----'));
}

/**
 * The rule that removes this finding, as a YAML list item (or a "# ... needs no rule: why" comment).
 * Commented-out rules (content, binary) stay commented: the page must not make them look applicable.
 */
export function suggestRule(f: Finding): string | undefined {
  const body = ruleBody(generateRules({ ...EMPTY, findings: [f] }));
  if (body.length === 0) return undefined;
  return body
    .map((l) => (l.startsWith('#   ') ? `# ${l.slice(4)}` : l.startsWith('  ') ? l.slice(2) : l))
    .filter((l) => l !== '# Findings that need no rule:')
    .join('\n');
}

export interface RulesExcerpt {
  text: string;
  /** Lines left out to keep the summary short. */
  omitted: number;
}

/** The merged rules file for a whole report, from `version:` on, capped at `maxLines`. */
export function rulesFile(report: Report, maxLines: number): RulesExcerpt | undefined {
  if (report.findings.length === 0) return undefined;
  const lines = generateRules(report).split('\n');
  const start = lines.findIndex((l) => l.startsWith('version:'));
  const body = lines.slice(Math.max(start, 0)).filter((l, i, all) => !(l === '' && i === all.length - 1));
  const kept = body.slice(0, maxLines);
  return { text: kept.join('\n'), omitted: body.length - kept.length };
}
