// `repro check --explain`: which variation makes each difference. After a check that is not reproducible,
// the control build A is built again with no variation (in A's own directory: nothing differs but what
// differs by itself) and once per applied variation with that variation alone, up to --jobs at a time;
// each is compared with A, which is reused, never rebuilt. A finding of the check is then caused by every
// variation whose build shows it, or by none when the rebuild with no variation shows it too (random ids,
// keys, the build's own clock). The cause goes on the finding as data (Finding.cause); causeText
// (src/core/evidence.ts) says it in words.
import { join } from 'node:path';
import type { Cause, Finding } from '../core/finding.js';
import { Findings } from '../core/findings.js';
import { tempDir } from '../core/temp.js';
import type { BuildRun } from './builds.js';
import { withVariations, type BuildSetup, type PlanContext, type VariationName } from './variations.js';

/** One rebuild of the explanation: the control with these variations (none: the control again). */
export interface ExplainBuild {
  label: string;
  variations: string[];
  manifestDigest: string;
  /** Same image digest as the control build. */
  identical: boolean;
  /** The build failed (a variation the build cannot take): its error; it then counts for nothing. */
  failed?: string;
  /** Findings of its comparison with the control build. */
  findings: number;
  durationMs: number;
}

/** The findings one cause accounts for: a variation, the rebuild with no variation, or no single variation. */
export interface CauseSummary {
  kind: 'variation' | 'without-variation' | 'unexplained';
  /** The variation's name (kind `variation`). */
  variation?: string;
  findings: number;
  /** The first few paths, for the summary line. */
  paths: string[];
}

export interface Explanation {
  builds: ExplainBuild[];
  causes: CauseSummary[];
}

export interface ExplainInput {
  control: BuildRun;
  /** The variations the check applied, in order: one rebuild each. */
  variations: VariationName[];
  ctx: PlanContext;
  /** The check's findings (control against every variant). */
  findings: Findings;
  /** Every setup built, up to --jobs at a time; a build that fails gives its error, the others go on. */
  build: (setups: BuildSetup[]) => Promise<(BuildRun | Error)[]>;
  /** The findings of control against another build (what the check's comparison gives). */
  compare: (control: BuildRun, other: BuildRun) => Promise<Findings>;
  log?: (line: string) => void;
}

const PATHS_SHOWN = 5;

const pathKey = (f: Finding): string => [f.layer ?? '', f.path, f.inner ?? ''].join('\u0000');
const findingKey = (f: Finding): string => [pathKey(f), f.category].join('\u0000');

/** What one rebuild showed, by finding and by path. */
export interface Shown {
  findings: Set<string>;
  paths: Set<string>;
}

export function shownBy(findings: Iterable<Finding>): Shown {
  const shown: Shown = { findings: new Set(), paths: new Set() };
  for (const f of findings) {
    shown.findings.add(findingKey(f));
    shown.paths.add(pathKey(f));
  }
  return shown;
}

/**
 * The cause of one finding from what each rebuild showed. The same finding (path and category) counts
 * first; a rebuild that shows the path only in another category (a file whose commonest difference is
 * another one there) counts when no rebuild shows the same finding.
 */
export function causeOf(f: Finding, none: Shown, single: Map<string, Shown>): Cause {
  const fk = findingKey(f);
  const pk = pathKey(f);
  if (none.findings.has(fk)) return { variations: [], withoutVariation: true, match: 'finding' };
  const exact = [...single].filter(([, s]) => s.findings.has(fk)).map(([v]) => v);
  if (exact.length) return elimination({ variations: exact, withoutVariation: false, match: 'finding' }, single.size);
  if (none.paths.has(pk)) return { variations: [], withoutVariation: true, match: 'path' };
  const byPath = [...single].filter(([, s]) => s.paths.has(pk)).map(([v]) => v);
  if (byPath.length) return elimination({ variations: byPath, withoutVariation: false, match: 'path' }, single.size);
  return { variations: [], withoutVariation: false, match: 'none' };
}

/**
 * Every one-variation build shows it and the rebuild in the control's own directory does not: what they
 * all share is a work directory of their own, so the build path is the cause (with three builds or more;
 * with fewer, each variation is as likely).
 */
function elimination(c: Cause, tried: number): Cause {
  if (tried < 3 || c.variations.length < tried) return c;
  return { variations: ['build-path'], withoutVariation: false, match: c.match, byElimination: true };
}

export function summarise(findings: Iterable<Finding>, variations: readonly string[]): CauseSummary[] {
  const groups = new Map<string, CauseSummary>();
  const add = (key: string, make: () => CauseSummary, f: Finding): void => {
    const g = groups.get(key) ?? make();
    groups.set(key, g);
    g.findings++;
    if (g.paths.length < PATHS_SHOWN && !g.paths.includes(f.path)) g.paths.push(f.path);
  };
  for (const f of findings) {
    const c = f.cause;
    if (!c) continue;
    if (c.withoutVariation) add('\u0000none', () => ({ kind: 'without-variation', findings: 0, paths: [] }), f);
    else if (c.variations.length === 0) add('\u0000unexplained', () => ({ kind: 'unexplained', findings: 0, paths: [] }), f);
    for (const v of c.variations) add(v, () => ({ kind: 'variation', variation: v, findings: 0, paths: [] }), f);
  }
  const order = (g: CauseSummary): number =>
    g.kind === 'variation' ? (variations.indexOf(g.variation ?? '') + 1 || variations.length + 1) : g.kind === 'without-variation' ? 1000 : 1001;
  return [...groups.values()].sort((a, b) => order(a) - order(b));
}

/** Rebuild, compare, and put a cause on every finding of the check. */
export async function explainFindings(input: ExplainInput): Promise<{ findings: Findings; explanation: Explanation }> {
  const { control, ctx } = input;
  // The control again, in its own directory (its tree is gone, the directory is free): no variation at all.
  const setups: BuildSetup[] = [{ ...control.setup, label: 'A+none' }];
  for (const v of input.variations) {
    // Each its own directory, of the control's length (the temp area's names are of one length).
    const dir = join(await tempDir('check-'), control.setup.workDir.split('/').at(-1) ?? 'a');
    const workDir = v === 'build-path' ? join(dir, 'variant-build-path', 'deeper') : dir;
    setups.push(withVariations(control.setup, [v], `A+${v}`, workDir, ctx));
  }
  input.log?.(`explain: rebuilding A with no variation and with each of ${input.variations.length} variations alone`);
  const runs = await input.build(setups);
  const shown = new Map<string, Shown>();
  const builds: ExplainBuild[] = [];
  for (const [i, run] of runs.entries()) {
    const variations = i === 0 ? [] : [input.variations[i - 1] ?? ''];
    if (run instanceof Error) {
      input.log?.(`explain: build ${setups[i]?.label ?? ''} failed: ${run.message.split('\n')[0] ?? ''}`);
      builds.push({ label: setups[i]?.label ?? '', variations, manifestDigest: '', identical: false, findings: 0, durationMs: 0, failed: run.message.split('\n')[0] ?? '' });
      continue;
    }
    const identical = run.result.manifestDigest === control.result.manifestDigest;
    const found = identical ? new Findings() : await input.compare(control, run);
    shown.set(i === 0 ? '' : (input.variations[i - 1] ?? ''), shownBy(found));
    builds.push({
      label: run.setup.label,
      variations,
      manifestDigest: run.result.manifestDigest,
      identical,
      findings: found.length,
      durationMs: run.result.durationMs,
    });
  }
  const none = shown.get('') ?? shownBy([]);
  shown.delete('');
  const findings = input.findings.map((f) => ({ ...f, cause: causeOf(f, none, shown) }));
  return { findings, explanation: { builds, causes: summarise(findings, input.variations) } };
}
