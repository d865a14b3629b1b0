// The JSON report: the Report of src/core/finding.ts as it is (schema "repro-report/1"), findings flat and
// complete — never cut like the terminal view, since later commands (rules, check) read it back.
import type { Report } from '../core/finding.js';

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}
