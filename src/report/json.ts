// The JSON report: the Report of src/core/finding.ts (schema "repro-report/2"), findings flat and complete
// — never cut like the terminal view, since later commands (rules, check) read it back. Each finding keeps
// its code and facts (what programs read) and gains its evidence line (what people read).
import type { Finding, Report } from '../core/finding.js';
import { evidenceText } from '../core/evidence.js';

export function renderJson(report: Report): string {
  // A replacer, not a copy of every finding: a report can hold hundreds of thousands of them.
  const findings = report.findings;
  return JSON.stringify(report, function (this: unknown, _key: string, value: unknown) {
    return this === findings ? { ...(value as Finding), evidence: evidenceText(value as Finding) } : value;
  }, 2) + '\n';
}
