// The JSON report: the Report of src/core/finding.ts (schema "repro-report/2"), findings flat and complete
// — never cut like the terminal view, since later commands (rules, check) read it back. Each finding keeps
// its code and facts (what programs read) and gains its evidence line (what people read).
import type { Report } from '../core/finding.js';
import { evidenceText } from './evidence.js';

export function renderJson(report: Report): string {
  const findings = report.findings.map((f) => ({ ...f, evidence: evidenceText(f) }));
  return JSON.stringify({ ...report, findings }, null, 2) + '\n';
}
