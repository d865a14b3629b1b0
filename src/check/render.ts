// The terminal view of a check: the verdict and both image digests first, then counts by category and by
// phase, the findings in the sections of src/report/first-screen.ts (to act on, then metadata and
// ordering, then mtime only, summarised per directory unless --verbose), each grouped by phase, and for
// Debian images "package → files → categories" plus the files no package owns. The JSON report keeps
// everything; this view cuts diffs to a few lines.
import { causeSummaryText, causeText, evidenceText } from '../core/evidence.js';
import type { Finding } from '../core/finding.js';
import { style } from '../report/style.js';
import { categoryAndEvidence, detailAddsNothing, mtimeSummary, SECTIONS, summarisable } from '../report/first-screen.js';
import { categoryTable, table } from '../report/terminal.js';
import { buildahTexts, type BuildahReport } from '../report/buildah-text.js';
import { sectionOf } from '../report/first-screen.js';
import type { CheckReport } from './check-report.js';
import { packageLines } from '../report/packages.js';
import { stepText } from '../core/step.js';
import { printableData } from '../core/printable.js';

export interface CheckRenderOptions {
  /** Detail lines per finding (0 = all). */
  maxDiffLines?: number;
  /** Findings listed per section and phase before "… N more" (not with verbose). */
  maxPerPhase?: number;
  /** List every finding (mtime-only ones are otherwise summarised per directory). */
  verbose?: boolean;
}

export function verdictLines(r: CheckReport): string[] {
  const lines = [r.reproducible ? style.green.bold('REPRODUCIBLE') : style.red.bold('NOT REPRODUCIBLE')];
  for (const b of r.builds) lines.push(`  build ${b.label}: ${b.manifestDigest}  (${(b.durationMs / 1000).toFixed(1)}s)`);
  if (r.variations.applied.length) lines.push(`  variations: ${r.variations.applied.map((v) => `${v.name} (${v.summary})`).join('; ')}`);
  else lines.push('  variations: none (plain double build)');
  for (const s of r.variations.skipped) lines.push(style.yellow(`  variation ${s.name} skipped: ${s.reason}`));
  if (r.buildah) lines.push(...buildahLines(r.buildah));
  return lines;
}

/** What buildah offers against these differences (src/report/buildah-text.ts has the words). */
function buildahLines(b: BuildahReport): string[] {
  const tone = { plain: (t: string) => t, warn: style.yellow, dim: style.dim };
  return [`  buildah ${b.version}:`, ...buildahTexts(b).map((l) => tone[l.tone](`    ${l.text}`))];
}

function phaseTable(r: CheckReport): string {
  const t = table(['layer', 'phase', 'layer digest (A)', 'same', 'findings']);
  for (const p of r.phases) {
    t.push([String(p.index), p.phase, (p.digests[0] ?? '').replace(/^sha256:/, '').slice(0, 16), p.identical ? 'yes' : style.red('no'), String(p.findings)]);
  }
  return t.toString();
}

function cut(detail: string, max: number): string[] {
  const lines = detail.split('\n');
  if (max <= 0 || lines.length <= max) return lines;
  return [...lines.slice(0, max), style.dim(`… ${lines.length - max} more lines (--json FILE keeps everything)`)];
}

function findingLines(f: Finding, maxLines: number): string[] {
  const where = f.inner ? `${f.path || '(image)'} → ${f.inner}` : f.path || '(image)';
  const pkg = f.package ? style.dim(` [${f.package}]`) : '';
  const out = [`    ${style.bold(where)}${pkg}  ${categoryAndEvidence(f.category, evidenceText(f), style.yellow)}`];
  if (f.step) out.push(style.dim(`      made by: ${stepText(f.step)}`));
  const cause = causeText(f);
  if (cause) out.push(`      ${style.magenta(cause)}`);
  if (f.warning) out.push(`      ${style.red('warning:')} ${f.warning}`);
  if (f.detail && !detailAddsNothing(f)) for (const l of cut(f.detail, maxLines)) out.push(`      ${l}`);
  return out;
}

interface Shown {
  /** Per category, in the section's order: the first findings (all with --verbose) and how many. */
  byCategory: Map<string, { first: Finding[]; n: number }>;
}

/**
 * Section → phase → category → the first `max` findings and a count, in one pass over the findings: a
 * check can have 100k+ of them, and only the first few of each group are shown.
 */
function groupByPhase(r: CheckReport, max: number, verbose: boolean): Map<string, Shown>[] {
  const out: Map<string, Shown>[] = SECTIONS.map(() => new Map());
  const title = (f: Finding): string => {
    if (f.category === 'image-metadata' || f.layer === undefined) return 'image';
    const phase = r.phases[f.layer]?.phase;
    return phase ? `layer ${f.layer} — phase ${phase}` : `layer ${f.layer}`;
  };
  for (const f of r.findings) {
    if (!verbose && summarisable(f)) continue;
    const groups = out[sectionOf(f.category)]!;
    const t = title(f);
    let g = groups.get(t);
    if (!g) groups.set(t, (g = { byCategory: new Map(SECTIONS[sectionOf(f.category)]!.categories.map((c) => [c, { first: [], n: 0 }])) }));
    const c = g.byCategory.get(f.category)!;
    c.n++;
    if (verbose || c.first.length < max) c.first.push(f);
  }
  return out;
}

/** check --explain: the rebuilds, then how many findings each cause accounts for. */
export function explainLines(r: CheckReport): string[] {
  const e = r.explain;
  if (!e) return [];
  const lines = [style.bold('causes (check --explain: A rebuilt with no variation, and with each variation alone)')];
  for (const b of e.builds) {
    const what = b.variations.length ? b.variations.join(', ') + ' alone' : 'no variation';
    const result = b.failed !== undefined ? style.red(`failed (${b.failed}): counts for nothing`) : b.identical ? 'identical to A' : `${b.findings} findings against A`;
    lines.push(`  build ${b.label}: ${what}: ${result}`);
  }
  for (const c of e.causes) {
    const shown = c.paths.join(', ') + (c.findings > c.paths.length ? ', …' : '');
    lines.push(`  ${causeSummaryText(c)}: ${c.findings} finding${c.findings === 1 ? '' : 's'} (${shown})`);
  }
  return lines;
}

export function renderCheck(raw: CheckReport, opts: CheckRenderOptions = {}): string {
  const r = printableData(raw);
  const maxLines = opts.maxDiffLines ?? 6;
  const maxPer = opts.maxPerPhase ?? 40;
  const lines = [...verdictLines(r), ''];
  if (r.findings.length) lines.push(categoryTable(r.findings.counts.category, r.ignored));
  if (r.phases.length) lines.push(phaseTable(r));
  const verbose = opts.verbose === true;
  groupByPhase(r, maxPer, verbose).forEach((groups, s) => {
    if (groups.size === 0) return;
    lines.push('', style.bold(SECTIONS[s]!.title));
    for (const [title, g] of groups) {
      lines.push(style.cyan(`  ${title}`));
      // categories in the section's order, each in the order found
      const all = [...g.byCategory.values()];
      const total = all.reduce((n, c) => n + c.n, 0);
      const shown = all.flatMap((c) => c.first).slice(0, verbose ? undefined : maxPer);
      for (const f of shown) lines.push(...findingLines(printableData(f), maxLines));
      if (shown.length < total) lines.push(style.dim(`    … ${total - shown.length} more in this phase (--verbose or --json FILE lists all)`));
    }
  });
  if (!verbose) {
    const summary = mtimeSummary(r.findings);
    if (summary.length) lines.push('', ...summary);
  }
  if (r.explain) lines.push('', ...explainLines(r));
  if (r.packages) lines.push('', ...packageLines(r.packages));
  for (const w of r.warnings) lines.push(`${style.yellow('warning:')} ${w}`);
  lines.push('', r.reproducible ? style.green('reproducible: all image digests are identical') : style.red(`not reproducible: ${r.findings.length} findings`));
  return lines.join('\n') + '\n';
}
