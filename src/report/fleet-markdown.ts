// The fleet view as Markdown, short enough for a CI job page ($GITHUB_STEP_SUMMARY holds 1 MiB): the
// verdict counts, the images that are not reproducible, and the rankings. Text from images is escaped.
import { printable, printableData } from '../core/printable.js';
import type { FleetReport, ImageRow, Ranked } from './fleet.js';
import { fenced, mdCode, mdText } from './markdown.js';

/** Image rows listed (the ones that fail first); the reproducible rest is counted. */
const MAX_ROWS = 50;
const MAX_RULES_SHOWN = 8;

/** An exact count, or the range Space-Saving guarantees once keys were dropped. */
export function countText(r: Ranked): string {
  return r.uncertain === 0 ? String(r.images) : `${r.images - r.uncertain}–${r.images}`;
}

export function verdictHeadline(r: FleetReport): string {
  const s = r.summary;
  const parts = [`${s.reproducible} reproducible`, `${s.differs} not reproducible`, ...(s.error ? [`${s.error} error${s.error === 1 ? '' : 's'}`] : [])];
  return `${s.images} image${s.images === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

const ICON = { reproducible: '✅', differs: '❌', error: '⚠️' } as const;

function categoriesText(row: ImageRow): string {
  if (row.error !== undefined) return mdText(row.error);
  return Object.entries(row.categories).map(([c, n]) => `${c} ${n}`).join(', ') || '—';
}

export function renderFleetMarkdown(fleet: FleetReport): string {
  const r = printableData(fleet);
  const s = r.summary;
  const ok = s.differs === 0 && s.error === 0;
  const lines = [`## ${ok ? '✅' : '❌'} repro fleet: ${verdictHeadline(r)}`, ''];
  lines.push(`${s.reports} report${s.reports === 1 ? '' : 's'} merged.`, '');

  lines.push('| | image | findings | categories |', '|---|---|---|---|');
  for (const row of r.images.slice(0, MAX_ROWS)) {
    lines.push(`| ${ICON[row.verdict]} | ${mdCode(row.image)} | ${row.findings}${row.accepted ? ` (${row.accepted} accepted)` : ''} | ${categoriesText(row)} |`);
  }
  if (r.images.length > MAX_ROWS) lines.push('', `… and ${r.images.length - MAX_ROWS} more (${s.reproducible} reproducible in all).`);

  if (r.paths.length) {
    lines.push('', '### Paths that differ in most images', '', '| images | path | package | categories | findings |', '|---|---|---|---|---|');
    for (const p of r.paths) lines.push(`| ${countText(p)} | ${mdCode(p.path)} | ${p.package ? mdText(p.package) : ''} | ${p.categories.join(', ')} | ${p.findings} |`);
  }
  if (r.packages.length) {
    lines.push('', '### Packages', '', '| images | package | findings |', '|---|---|---|');
    for (const p of r.packages) lines.push(`| ${countText(p)} | ${mdText(p.package)} | ${p.findings} |`);
  }
  if (r.categories.length) {
    lines.push('', '### Categories', '', '| category | images | findings |', '|---|---|---|');
    for (const c of r.categories) lines.push(`| ${c.category} | ${c.images} | ${c.findings} |`);
  }
  if (r.causes.length) {
    lines.push('', '### Causes (`check --explain`)', '', '| cause | images | findings |', '|---|---|---|');
    for (const c of r.causes) lines.push(`| ${mdText(c.cause)} | ${countText(c)} | ${c.findings} |`);
  }
  if (r.rules.length) {
    lines.push('', '### Rules that fix the most images', '', '| images | action | match | category |', '|---|---|---|---|');
    for (const rule of r.rules) lines.push(`| ${countText(rule)} | ${rule.action}${rule.review ? ' (review)' : ''} | ${rule.match ? mdCode(rule.match) : '*(image)*'} | ${rule.category} |`);
    // from the unescaped report: a rule's YAML keeps its lines
    const shown = fleet.rules.slice(0, MAX_RULES_SHOWN).map((x) => printable(x.text, { multiline: true }).replace(/^/gm, '  ')).join('\n');
    lines.push('', fenced(`version: 1\nrules:\n${shown}\n`, 'yaml'));
  }
  if (r.trend.length) {
    lines.push('', '### Trend', '', '| date | images | reproducible | not reproducible | errors |', '|---|---|---|---|---|');
    for (const t of r.trend) lines.push(`| ${t.date} | ${t.images} | ${t.reproducible} | ${t.differs} | ${t.error} |`);
  }
  return lines.join('\n') + '\n';
}
