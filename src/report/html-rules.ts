// Suggested rules for the reports, from the one rule generator (src/rules/generate.ts): per finding for
// the HTML page (the rule sits next to the diff it removes: the generator's plan for that finding, as the
// generator writes each rule), and the merged rules file for Markdown.
import type { Finding, Report } from '../core/finding.js';
import { generateRules, noRuleLines, planRules, ruleText } from '../rules/generate.js';

/**
 * The rule that removes this finding, as a YAML list item (or a "# ... needs no rule: why" comment).
 * Commented-out rules (content, binary) stay commented: the page must not make them look applicable.
 */
export function suggestRule(f: Finding): string | undefined {
  const plan = planRules([f]);
  const lines = [
    ...[...plan.active, ...plan.toReview].flatMap((g) => ruleText(g).map((l) => l.slice(2))),
    ...noRuleLines(plan.noRule).map((l) => `# ${l.slice(4)}`),
  ];
  return lines.length ? lines.join('\n') : undefined;
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
