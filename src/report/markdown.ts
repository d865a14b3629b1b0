// A Markdown summary short enough for a CI job page (GitHub step summary, GitLab MR note): verdict,
// digests, counts by category, the top findings, the suggested rules. Everything from the images is
// escaped, because a job summary renders HTML and a path may be `<img onerror=...>`.
import { causeSummaryText, evidenceWithCause } from '../core/evidence.js';
import type { Finding, Report } from '../core/finding.js';
import { CATEGORY_INFO, categoryRank, countByCategory, rankFindings, ruleLookup, type RuleSuggester } from './html-categories.js';
import { dirOf } from '../core/report.js';
import { asBuildahReport, buildahTexts } from './buildah-text.js';
import { isCheckReport } from './html-check.js';
import { packageMarkdown, packagesOf } from './packages.js';
import { rulesFile } from './html-rules.js';
import { fixHistoryMarkdown } from './fix-history.js';
import { printableData } from '../core/printable.js';

export interface MarkdownOptions {
  /** Rules by finding; default: the merged rules file from src/rules/generate.ts; `false`: no section. */
  suggestedRules?: RuleSuggester | false;
  /** Lines of the generated rules file shown (default 60). */
  maxRuleLines?: number;
  /** Findings listed in the table (default 15). */
  maxFindings?: number;
  /** Distinct rules listed (default 20). */
  maxRules?: number;
  /** Heading text (default "repro"). */
  title?: string;
}

/** Text in a table cell or a sentence: no Markdown or HTML syntax survives, no line breaks, no pipes. */
export function mdText(s: string): string {
  return s
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    // only what is syntax mid-line: the text never starts a line, so list and heading marks are inert
    .replace(/[\\`*_[\]|~]/g, (c) => '\\' + c)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** A path as inline code that survives backticks inside it and sits safely in a table cell. */
export function mdCode(s: string): string {
  const flat = s.replace(/[\r\n\u2028\u2029]+/g, ' ');
  if (flat === '') return '*(image)*';
  // Code spans are literal in a compliant renderer, but not every CI page renders Markdown by the spec;
  // a name with HTML characters is given as escaped text instead, which is safe everywhere.
  if (/[<>&]/.test(flat)) return mdText(flat);
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  // GFM splits table cells on "|" even inside code spans; "\|" is the escape it honours there
  return `${fence}${pad}${flat.replace(/\|/g, '\\|')}${pad}${fence}`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** A fenced block whose fence is longer than any backtick run inside the content. */
export function fenced(content: string, lang: string): string {
  const longest = Math.max(2, ...(content.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${content.replace(/\n$/, '')}\n${fence}`;
}

function verdictLines(report: Report, title: string): string[] {
  const n = report.findings.length;
  if (isCheckReport(report)) return checkLines(report, title);
  const head = report.identical
    ? `## ✅ ${mdText(title)}: identical`
    : `## ❌ ${mdText(title)}: ${n} difference${n === 1 ? '' : 's'} found`;
  const lines = [head, ''];
  if (report.inputs.length > 0) {
    lines.push('| | input | kind | digest |', '|---|---|---|---|');
    report.inputs.forEach((inp, i) => {
      const label = report.inputs.length === 2 ? (i === 0 ? 'A' : 'B') : String(i + 1);
      lines.push(`| ${label} | ${mdCode(inp.path)} | ${mdText(inp.kind)} | ${inp.digest ? mdCode(inp.digest) : '—'} |`);
    });
    lines.push('');
  }
  return lines;
}

/** `repro check`: reproducibility, the two builds and which phase (layer) first differs. */
function checkLines(report: Report, title: string): string[] {
  const n = report.findings.length;
  const lines = [
    report.reproducible === true
      ? `## ✅ ${mdText(title)}: reproducible`
      : `## ❌ ${mdText(title)}: not reproducible (${n} finding${n === 1 ? '' : 's'})`,
    '',
  ];
  const builds = (report.builds as { label?: unknown; manifestDigest?: unknown; durationMs?: unknown }[]).filter((b) => b && typeof b === 'object');
  if (builds.length > 0) {
    lines.push('| build | image digest | time |', '|---|---|---:|');
    for (const b of builds) {
      const ms = typeof b.durationMs === 'number' ? `${(b.durationMs / 1000).toFixed(1)} s` : '';
      lines.push(`| ${mdText(String(b.label ?? ''))} | ${mdCode(String(b.manifestDigest ?? ''))} | ${ms} |`);
    }
    lines.push('');
  }
  lines.push(...variationLines(report));
  const buildah = asBuildahReport(report.buildah);
  if (buildah) lines.push(`**buildah ${mdText(buildah.version)}**`, '', ...buildahTexts(buildah).map((l) => `- ${mdText(l.text)}`), '');
  const phases = Array.isArray(report.phases) ? (report.phases as { index?: unknown; phase?: unknown; identical?: unknown; findings?: unknown }[]) : [];
  if (phases.length > 0 && report.reproducible !== true) {
    lines.push('| layer | phase | same | findings |', '|---:|---|---|---:|');
    for (const p of phases) {
      const same = p.identical === true ? 'yes' : '**no**';
      lines.push(`| ${String(p.index ?? '')} | ${mdText(String(p.phase ?? ''))} | ${same} | ${typeof p.findings === 'number' ? p.findings : ''} |`);
    }
    lines.push('');
  }
  return lines;
}

/** The variations the builds differed in, and those that could not apply with the reason. */
function variationLines(report: Report): string[] {
  const v = (report.variations ?? {}) as { applied?: unknown; skipped?: unknown };
  const named = (x: unknown, key: 'summary' | 'reason'): [string, string] => {
    const o = (x ?? {}) as Record<string, unknown>;
    return [String(o.name ?? ''), String(o[key] ?? '')];
  };
  const applied = Array.isArray(v.applied) ? v.applied.map((x) => named(x, 'summary')) : [];
  const skipped = Array.isArray(v.skipped) ? v.skipped.map((x) => named(x, 'reason')) : [];
  if (applied.length + skipped.length === 0) return [];
  return [
    `**Variations:** ${applied.length ? applied.map(([n, s]) => `${mdText(n)} (${mdText(s)})`).join('; ') : 'none (plain double build)'}`,
    '',
    ...skipped.map(([n, r]) => `- variation ${mdText(n)} skipped: ${mdText(r)}`),
    ...(skipped.length ? [''] : []),
  ];
}

/** check --explain: how many findings each cause accounts for (src/check/explain.ts's CauseSummary). */
function causeLines(report: Report): string[] {
  const causes = (report.explain as { causes?: unknown } | undefined)?.causes;
  if (!Array.isArray(causes) || causes.length === 0) return [];
  const lines = ['### Causes (`check --explain`)', '', '| cause | findings | paths |', '|---|---:|---|'];
  for (const c of causes as { kind: string; variation?: string; findings?: unknown; paths?: unknown }[]) {
    const paths = Array.isArray(c.paths) ? c.paths.map((p) => mdCode(String(p))).join(', ') : '';
    lines.push(`| ${mdText(causeSummaryText(c))} | ${typeof c.findings === 'number' ? c.findings : ''} | ${paths} |`);
  }
  lines.push('');
  return lines;
}

function categoryLines(report: Report): string[] {
  const counts = countByCategory(report.findings).sort((a, b) => b.count - a.count);
  if (counts.length === 0) return [];
  const ignored = new Set(report.ignored);
  const lines = ['### By category', '', '| category | findings | what it means |', '|---|---:|---|'];
  for (const { category, count } of counts) {
    const note = ignored.has(category) ? ' (ignored)' : '';
    lines.push(`| ${category}${note} | ${count} | ${mdText(CATEGORY_INFO[category].meaning)} |`);
  }
  lines.push('');
  return lines;
}

function findingLines(report: Report, max: number): string[] {
  if (report.findings.length === 0) return [];
  const top = rankFindings(report.findings, max);
  const more = report.findings.length - top.length;
  const lines = [
    more > 0 ? `### Top findings (${top.length} of ${report.findings.length})` : '### Findings',
    '',
    '| path | category | layer | evidence |',
    '|---|---|---:|---|',
  ];
  for (const { f: raw } of top) {
    const f: Finding = printableData(raw);
    const where = f.inner ? `${mdCode(f.path)} → ${mdCode(f.inner)}` : mdCode(f.path);
    const layer = f.layer === undefined ? '' : String(f.layer);
    lines.push(`| ${where} | ${f.category} | ${layer} | ${mdText(truncate(evidenceWithCause(f), 200))} |`);
  }
  if (more > 0) lines.push('', `…and ${more} more; the HTML or JSON report has them all.`, '', ...directoryLines(report));
  lines.push('');
  return lines;
}

/** The directories with most findings (a run too large to list), counted in one pass. */
function directoryLines(report: Report, max = 10): string[] {
  const counts = new Map<string, number>();
  for (const f of report.findings) {
    const dir = dirOf(f.path);
    counts.set(dir, (counts.get(dir) ?? 0) + 1);
  }
  const dirs = [...counts].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
  const lines = ['| directory | findings |', '|---|---:|'];
  for (const [dir, n] of dirs.slice(0, max)) lines.push(`| ${dir ? mdCode(printableData(dir)) : '*(image)*'} | ${n} |`);
  if (dirs.length > max) lines.push(`| …${dirs.length - max} more directories | |`);
  return lines;
}

function ruleLines(report: Report, opts: MarkdownOptions): string[] {
  if (opts.suggestedRules === false) return [];
  if (opts.suggestedRules === undefined) return generatedRuleLines(report, opts.maxRuleLines ?? 60);
  const rule = ruleLookup(opts.suggestedRules);
  // each distinct rule once, ordered by the first finding (most interesting first) that calls for it
  const seen = new Map<string, { rank: number; i: number }>();
  let i = 0;
  for (const f of report.findings) {
    const r = rule(printableData(f), i)?.trim();
    const at = { rank: categoryRank(f.category), i };
    const had = r ? seen.get(r) : undefined;
    if (r && (!had || at.rank < had.rank)) seen.set(r, at);
    i++;
  }
  if (seen.size === 0) return [];
  const max = opts.maxRules ?? 20;
  const rules = [...seen.entries()].sort((a, b) => a[1].rank - b[1].rank || a[1].i - b[1].i).slice(0, max).map(([r]) => r);
  const lines = ['### Suggested rules', '', fenced(rules.join('\n'), 'yaml')];
  if (seen.size > rules.length) lines.push('', `…and ${seen.size - rules.length} more rules.`);
  lines.push('');
  return lines;
}

function generatedRuleLines(report: Report, maxLines: number): string[] {
  const file = rulesFile(report, maxLines);
  if (!file) return [];
  const lines = ['### Suggested rules', '', fenced(file.text, 'yaml')];
  if (file.omitted > 0) lines.push('', `…and ${file.omitted} more lines: \`repro rules\` writes the whole file.`);
  lines.push('');
  return lines;
}

function packagesMarkdown(report: Report): string[] {
  const p = packagesOf(report.packages);
  return p ? packageMarkdown(p, mdText, mdCode) : [];
}

export function renderMarkdown(raw: Report, opts: MarkdownOptions = {}): string {
  const report = printableData(raw);
  const lines = [
    ...verdictLines(report, opts.title ?? 'repro'),
    ...categoryLines(report),
    ...packagesMarkdown(report),
    ...causeLines(report),
    ...fixHistoryMarkdown(report, mdText, mdCode),
    ...findingLines(report, opts.maxFindings ?? 15),
    ...ruleLines(report, opts),
  ];
  if (report.warnings.length > 0) {
    lines.push('### Warnings', '', ...report.warnings.slice(0, 10).map((w) => `- ${mdText(truncate(w, 200))}`));
    if (report.warnings.length > 10) lines.push(`- …and ${report.warnings.length - 10} more`);
    lines.push('');
  }
  return lines.join('\n').replace(/\n+$/, '\n');
}
