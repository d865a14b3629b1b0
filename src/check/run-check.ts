// `repro check`: build the manifest twice (or --runs N times) under variations, compare the control image
// with every variant image layer by layer, attribute differing paths to Debian packages, and say whether
// the manifest is reproducible (all image digests identical).
import { access, mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fixedEnv } from '../builder/containerfile.js';
import { loadManifest } from '../builder/manifest-schema.js';
import type { Clock } from '../classify/clocks.js';
import { compareInputs } from '../compare/engine.js';
import { buildReport } from '../core/report.js';
import { ReproError, UsageError } from '../core/errors.js';
import type { Category, Report } from '../core/finding.js';
import type { FetchOptions } from '../image/reference.js';
import { tempDir } from '../core/temp.js';
import { mapLimited } from '../core/map-limited.js';
import { loadRules, resolveRuleFile } from '../rules/load.js';
import { acceptancesOf, markAccepted, type Acceptance } from './accept.js';
import { coldDownloadCache, defaultCacheDir, runBuilds, type BuildRun } from './builds.js';
import { buildahOffers } from './buildah-offers.js';
import { assembleCheckReport, mergeReports, type CheckReport } from './check-report.js';
import { stageFaketime, type StagedFaketime } from './faketime.js';
import { attributePackages, type PackageAttribution } from '../packages/dpkg.js';
import { variationFindings } from './variation-hits.js';
import { attachSteps } from './steps.js';
import { classifierVariations, parseVary, planBuilds, type PlanContext } from './variations.js';
import { explainFindings, type Explanation } from './explain.js';

export interface CheckOptions {
  /** --vary spec ("none", "all", "time,hostname", "-time"); all variations when absent. */
  vary?: string;
  /** Builds in total (>= 2). */
  runs?: number;
  /** Builds at once; the number of CPUs (at most `runs`) when absent. */
  jobs?: number;
  /** Rule files added to the manifest's own normalize list, for every build. */
  rules?: string[];
  /** Differences a person accepted (--accept GLOB --reason TEXT), besides `accept` rules in the rule files. */
  accept?: Acceptance[];
  /** Keep the built images in this directory (otherwise they go with the temp area). */
  keep?: string;
  exclude?: string[];
  ignore?: Category[];
  cacheDir?: string;
  /** Registry access for a base image given by reference (--creds, --authfile, --tls-verify, --cert-dir). */
  fetch?: FetchOptions;
  /** The check's work area (builds, images); a fresh directory in the temp area when absent. */
  workRoot?: string;
  /** After a non-reproducible result, rebuild once per variation alone and put a cause on every finding. */
  explain?: boolean;
  log?: (line: string) => void;
  onOutput?: (label: string, chunk: Buffer) => void;
  onCompareProgress?: (p: { side: 0 | 1; layer: number; entries: number; bytes: number }) => void;
}

// Staged once per process: the --fix loop runs several checks.
let faketime: Promise<StagedFaketime | undefined> | undefined;

/** A time written during a build lies between its start and its end, on that build's (shifted) clock. */
const CLOCK_MARGIN = 300;

export function buildClock(a: BuildRun, b: BuildRun): Clock[] {
  if (a.startedAt === undefined || b.startedAt === undefined) return [];
  const at = (r: BuildRun, shifted: boolean): number => (r.startedAt ?? 0) + (shifted ? (r.setup.clockOffset ?? 0) : 0) + r.result.durationMs / 2000;
  const slack = Math.round(Math.max(a.result.durationMs, b.result.durationMs) / 2000 + CLOCK_MARGIN);
  const local = { a: zoneOffset(a.setup.env.TZ, at(a, true)), b: zoneOffset(b.setup.env.TZ, at(b, true)) };
  const clocks: Clock[] = [{ a: Math.round(at(a, true)), b: Math.round(at(b, true)), slack, source: 'build clocks', local }];
  // The time variation reaches phase commands only: a base (debootstrap) writes on the real clock.
  if ((a.setup.clockOffset ?? 0) !== 0 || (b.setup.clockOffset ?? 0) !== 0) {
    clocks.push({ a: Math.round(at(a, false)), b: Math.round(at(b, false)), slack, source: 'build clocks (base, real time)', local });
  }
  return clocks;
}

/** Seconds east of UTC of time zone `tz` (a TZ value; unset: this process's zone) at `seconds`. */
function zoneOffset(tz: string | undefined, seconds: number): number {
  try {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: tz || undefined, timeZoneName: 'longOffset' })
      .formatToParts(new Date(seconds * 1000))
      .find((p) => p.type === 'timeZoneName')?.value;
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
  } catch {
    return 0; // a TZ value Intl does not know (a POSIX rule string): times are tried as UTC only
  }
}

/** The control build against one other: the comparison, plus the variations seen inside its findings. */
async function compareTwo(control: BuildRun, v: BuildRun, opts: CheckOptions): Promise<Report> {
  const ignored = opts.ignore ?? [];
  opts.log?.(`comparing build A with build ${v.setup.label}`);
  const variations = classifierVariations(control.setup, v.setup);
  const r = await compareInputs(control.result.out, v.result.out, {
    exclude: opts.exclude ?? [],
    ignore: ignored,
    variations,
    clocks: buildClock(control, v),
    ...(opts.onCompareProgress ? { onProgress: opts.onCompareProgress } : {}),
  });
  const extra = variationFindings(r.findings, variations);
  return extra.length ? buildReport({ inputs: r.inputs, findings: r.findings.mergedWith(extra), ignored, warnings: r.warnings }) : r;
}

async function compareRuns(runs: BuildRun[], opts: CheckOptions): Promise<Report> {
  const [control, ...variants] = runs;
  if (!control) throw new Error('no builds');
  const ignored = opts.ignore ?? [];
  const reports: Report[] = [];
  for (const v of variants) {
    if (v.result.manifestDigest === control.result.manifestDigest) continue;
    reports.push(await compareTwo(control, v, opts));
  }
  if (reports.length === 0) {
    const inputs = runs.map((r) => ({ path: r.result.out, kind: 'oci-archive', digest: r.result.manifestDigest }));
    return buildReport({ inputs, findings: [], ignored, warnings: [] });
  }
  return mergeReports(reports, ignored);
}

async function attribute(runs: BuildRun[], report: Report, log?: (line: string) => void): Promise<PackageAttribution | undefined> {
  const control = runs[0];
  if (!control || report.findings.length === 0) return undefined;
  log?.('attributing differing paths to Debian packages');
  return attributePackages(control.result.out, report.findings);
}

export async function runCheck(manifestPath: string, opts: CheckOptions = {}): Promise<CheckReport> {
  const startedAt = Date.now();
  const runs = opts.runs ?? 2;
  if (!Number.isInteger(runs) || runs < 2) throw new UsageError(`--runs: expected a whole number >= 2, got ${runs}`);
  const manifestFile = resolve(manifestPath);
  await access(manifestFile).catch(() => {
    throw new ReproError('no such manifest file', manifestPath);
  });
  const manifest = await loadManifest(manifestFile);
  // Built-in set names ("debian") become their files here: the builder resolves paths against the cwd.
  const ruleFiles = (opts.rules ?? []).map((r) => resolve(resolveRuleFile(r)));
  for (const [i, r] of ruleFiles.entries()) {
    await access(r).catch(() => {
      throw new ReproError('no such rule file', opts.rules?.[i] ?? r);
    });
  }
  const names = parseVary(opts.vary);
  faketime ??= names.includes('time') ? stageFaketime() : undefined;
  const root = opts.workRoot ?? (await tempDir('check-'));
  const planCtx: PlanContext = {
    root,
    faketime: names.includes('time') ? await faketime : undefined,
    canSetHostname: process.getuid?.() === 0,
    builder: manifest.builder?.kind === 'containerfile' ? 'containerfile' : 'phases',
    manifest: {
      external: manifest.builder?.kind === 'command',
      phases: manifest.builder !== undefined || manifest.phases.length > 0,
      userPhases: manifest.phases.some((p) => p.user !== undefined),
      // unreadable: the build says so, with the manifest line
      ...(manifest.builder?.kind === 'containerfile' ? { containerfileEnv: Object.fromEntries(await fixedEnv(await readFile(manifest.builder.containerfile, 'utf8').catch(() => ''), manifest.builder.context)) } : {}),
    },
  };
  const plan = planBuilds(names, runs, planCtx);
  for (const s of plan.skipped) opts.log?.(`variation ${s.name} skipped: ${s.reason}`);
  const outDir = opts.keep ? resolve(opts.keep) : root;
  await mkdir(outDir, { recursive: true });
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const jobs = opts.jobs ?? Math.min(runs, availableParallelism());
  const cold = await coldDownloadCache(manifest, cacheDir);
  if (cold && jobs > 1) opts.log?.('package cache is empty: the variant builds start once build A has downloaded the base');

  const buildOpts = {
    outDir,
    extraRules: ruleFiles,
    jobs,
    cacheDir,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
  };
  const built = await runBuilds(manifestFile, plan.setups, buildOpts, cold);

  const t0 = Date.now();
  const acceptances = [...(opts.accept ?? []), ...acceptancesOf((await loadRules(ruleFiles)).rules)];
  const raw = await compareRuns(built, opts);
  let compared: Report = { ...raw, findings: markAccepted(raw.findings, acceptances) };
  let explanation: Explanation | undefined;
  const control = built[0];
  if (opts.explain && control && compared.findings.length > 0) {
    const explained = await explainFindings({
      control,
      variations: plan.applied.map((v) => v.name),
      ctx: planCtx,
      findings: compared.findings,
      // one at a time through runBuilds, so that a build the variation breaks does not stop the others
      build: (setups) =>
        mapLimited(setups, jobs, (s) =>
          runBuilds(manifestFile, [s], { ...buildOpts, jobs: 1 }, false).then(
            (r) => r[0] ?? new Error('no build'),
            (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
          ),
        ),
      compare: async (a, b) => (await compareTwo(a, b, { ...opts, log: undefined })).findings,
      ...(opts.log ? { log: opts.log } : {}),
    });
    compared = { ...compared, findings: explained.findings };
    explanation = explained.explanation;
  }
  const t1 = Date.now();
  const packages = await attribute(built, compared, opts.log);
  attachSteps(built, compared.findings, packages);
  opts.log?.(`compared in ${((t1 - t0) / 1000).toFixed(1)}s, attributed in ${((Date.now() - t1) / 1000).toFixed(1)}s`);
  const report = assembleCheckReport({ manifest: manifestFile, compared, runs: built, plan, packages, startedAt });
  if (explanation) report.explain = explanation;
  if (manifest.builder?.kind === 'containerfile') {
    const offers = await buildahOffers(manifest.builder, built[0]?.result.epoch ?? 0, compared.findings, plan.applied.map((v) => v.name));
    if (offers) report.buildah = offers;
  }
  if (!report.reproducible && report.findings.length === 0) {
    report.warnings.push('the image digests differ but the comparison found no difference (excluded paths?)');
  }
  return report;
}
