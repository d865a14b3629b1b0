// Findings → Report: the findings (a store that spills when large) with the verdict. Renderers that show
// structure group them themselves as they read them: "image" for image-level documents, "layer N" for
// layer findings, "files" for plain tars, directories and single files, then by directory.
import { REPORT_SCHEMA, type Category, type Finding, type Report, type ReportInput } from '../core/finding.js';
import { Findings } from './findings.js';

export function groupOf(f: Pick<Finding, 'category' | 'layer' | 'platform'>): string {
  const group = f.category === 'image-metadata' ? 'image' : f.layer !== undefined ? `layer ${f.layer}` : f.platform ? 'index' : 'files';
  return f.platform ? `${f.platform} ${group}` : group;
}

/** The directory a finding is listed under: "/usr/bin" for "/usr/bin/gunzip", "" for top-level findings. */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '';
  return i === 0 ? '/' : path.slice(0, i);
}

/** True when some finding is in a category that counts (not ignored). */
export function hasFailing(findings: Findings, ignored: readonly string[]): boolean {
  return findings.failing(ignored) > 0;
}

export function buildReport(parts: { inputs: ReportInput[]; findings: Findings | Finding[]; ignored: Category[]; warnings: string[] }): Report {
  const findings = parts.findings instanceof Findings ? parts.findings : Findings.from(parts.findings);
  return {
    schema: REPORT_SCHEMA,
    // identical = nothing that counts differs; ignored categories are still listed in findings
    identical: !hasFailing(findings, parts.ignored),
    inputs: parts.inputs,
    findings,
    ignored: [...parts.ignored],
    warnings: parts.warnings,
  };
}
