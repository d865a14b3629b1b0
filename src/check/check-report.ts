// The check's report: the repro-report/1 document of `repro diff` (findings of the control build against
// the variant builds) plus what only a check knows — the builds, the variations applied, a per-phase
// summary and the package attribution. Pure data assembly; the words live in render.ts.
import { buildReport } from '../core/report.js';
import { onlyAccepted } from './accept.js';
import type { BuildahReport } from './buildah-offers.js';
import type { FixHistory } from './fix-loop.js';
import type { Category, Finding, Report } from '../core/finding.js';
import { Findings } from '../core/findings.js';
import type { BuildRun } from './builds.js';
import type { Explanation } from './explain.js';
import type { PackageAttribution } from '../packages/dpkg.js';
import type { Variation } from '../core/variation.js';
import { classifierVariations, type BuildPlan } from './variations.js';

export interface CheckBuild {
  label: string;
  manifestDigest: string;
  durationMs: number;
  epoch: number;
  epochSource: string;
  image: string;
  workDir: string;
  env: Record<string, string>;
  umask: string;
  hostname?: string;
  wrap: string[];
  layers: { phase: string; digest: string; diffId: string; size: number }[];
}

export interface PhaseSummary {
  index: number;
  phase: string;
  /** Layer digest of each build, in build order. */
  digests: string[];
  identical: boolean;
  findings: number;
  categories: Partial<Record<Category, number>>;
}

export interface CheckReport extends Report {
  /** When the check started (ISO 8601, UTC): `repro report merge` draws the trend from it. */
  date?: string;
  reproducible: boolean;
  manifest: string;
  builds: CheckBuild[];
  variations: {
    applied: { name: string; summary: string }[];
    skipped: { name: string; reason: string }[];
    /** The values each side saw (control vs first variant), as given to the build-env classifier. */
    values: Variation[];
  };
  phases: PhaseSummary[];
  packages: PackageAttribution | null;
  durationMs: number;
  /** check --explain: the rebuilds and how many findings each cause accounts for (causes are on the findings). */
  explain?: Explanation;
  /** The history of a --fix run: every round, the rules it added, what was accepted and what was left. */
  fix?: FixHistory;
  /** A Containerfile check: what the installed buildah offers against these differences. */
  buildah?: BuildahReport;
}

function findingKey(f: Finding): string {
  return [f.layer ?? '', f.path, f.inner ?? '', f.category].join('\u0000');
}

/** One report from the control-vs-variant comparisons: the first in full, later ones add what is new. */
export function mergeReports(reports: Report[], ignored: Category[]): Report {
  const first = reports[0];
  if (!first) return buildReport({ inputs: [], findings: [], ignored, warnings: [] });
  if (reports.length === 1) return buildReport({ inputs: first.inputs, findings: first.findings, ignored, warnings: [...first.warnings] });
  const seen = new Set<string>();
  const findings = new Findings();
  for (const f of first.findings) {
    seen.add(findingKey(f));
    findings.add(f);
  }
  const warnings = [...first.warnings];
  for (const r of reports.slice(1)) {
    for (const f of r.findings) {
      const key = findingKey(f);
      if (!seen.has(key)) {
        seen.add(key);
        findings.add(f);
      }
    }
    warnings.push(...r.warnings.filter((w) => !warnings.includes(w)));
  }
  const inputs = [...first.inputs, ...reports.slice(1).flatMap((r) => r.inputs.slice(1))];
  return buildReport({ inputs, findings, ignored, warnings });
}

export function phaseSummaries(runs: BuildRun[], findings: Iterable<Finding>): PhaseSummary[] {
  const control = runs[0];
  if (!control) return [];
  const perLayer = control.result.layers.map(() => ({ n: 0, categories: {} as Partial<Record<Category, number>> }));
  for (const f of findings) {
    const mine = f.layer !== undefined && f.category !== 'image-metadata' ? perLayer[f.layer] : undefined;
    if (!mine) continue;
    mine.n++;
    mine.categories[f.category] = (mine.categories[f.category] ?? 0) + 1;
  }
  return control.result.layers.map((layer, index) => {
    const { n, categories } = perLayer[index]!;
    const digests = runs.map((r) => r.result.layers[index]?.digest ?? '');
    return { index, phase: layer.phase, digests, identical: digests.every((d) => d === digests[0]), findings: n, categories };
  });
}

export function describeBuild(run: BuildRun): CheckBuild {
  const { setup, result } = run;
  return {
    label: setup.label,
    manifestDigest: result.manifestDigest,
    durationMs: result.durationMs,
    epoch: result.epoch,
    epochSource: result.epochSource,
    image: result.out,
    workDir: setup.workDir,
    env: setup.env,
    umask: setup.umask,
    ...(setup.hostname !== undefined ? { hostname: setup.hostname } : {}),
    wrap: setup.wrap,
    layers: result.layers,
  };
}

export function assembleCheckReport(parts: {
  manifest: string;
  compared: Report;
  runs: BuildRun[];
  plan: BuildPlan;
  packages: PackageAttribution | undefined;
  startedAt: number;
}): CheckReport {
  const digests = parts.runs.map((r) => r.result.manifestDigest);
  const reproducible = digests.every((d) => d === digests[0]) || onlyAccepted(parts.compared.findings);
  const { schema, ...compared } = parts.compared;
  return {
    // the date and the manifest come first: `repro report merge` learns which image a report is about,
    // and when, from the head of the file, without reading its findings
    schema,
    date: new Date(parts.startedAt).toISOString(),
    manifest: parts.manifest,
    ...compared,
    reproducible,
    builds: parts.runs.map(describeBuild),
    variations: {
      applied: parts.plan.applied,
      skipped: parts.plan.skipped,
      values: parts.runs[0] && parts.runs[1] ? classifierVariations(parts.runs[0].setup, parts.runs[1].setup) : [],
    },
    phases: phaseSummaries(parts.runs, parts.compared.findings),
    packages: parts.packages ?? null,
    durationMs: Date.now() - parts.startedAt,
  };
}
