// The static top of the page, rendered in Node: verdict, input digests, the summary by category /
// layer / package with a small chart. It is plain HTML so it shows even before (or without) the script.
import type { Report } from '../core/finding.js';
import { CATEGORY_INFO, countBy, countByCategory, hasPackages } from './html-categories.js';
import { CHECK_KEYS, checkVerdict, isCheckReport, renderCheckSections } from './html-check.js';
import { packageHtml, packagesOf } from './packages.js';
import { escapeHtml as h, formatCount } from './html-escape.js';

const KNOWN_KEYS = new Set(['schema', 'identical', 'inputs', 'findings', 'ignored', 'warnings', 'packages']);
const MAX_PACKAGES = 12;
const MAX_EXTRA_CHARS = 20_000;

function verdict(report: Report): string {
  const n = report.findings.length;
  const counted = report.findings.failing(report.ignored);
  const check = checkVerdict(report);
  if (check) {
    const sub = check.good
      ? 'The builds produced bit-for-bit identical images.'
      : `${formatCount(n)} finding${n === 1 ? '' : 's'} between the builds${h(n - counted > 0 ? ` (${formatCount(n - counted)} in ignored categories)` : '')}.`;
    return `<div class="verdict ${check.good ? 'good' : 'bad'}" data-verdict="${check.good ? 'reproducible' : 'not-reproducible'}"><span class="mark">${check.good ? '✓' : '✗'}</span> ${check.text}</div>
<div class="verdict-sub">${sub}</div>`;
  }
  if (report.identical) {
    const note = n > 0 ? ` · ${formatCount(n)} finding${n === 1 ? '' : 's'} in ignored categories` : '';
    return `<div class="verdict good" data-verdict="identical"><span class="mark">✓</span> Identical</div>
<div class="verdict-sub">The inputs are bit-for-bit identical${h(note)}.</div>`;
  }
  const cats = report.findings.counts.category.size;
  const ign = n - counted > 0 ? ` (${formatCount(n - counted)} in ignored categories)` : '';
  return `<div class="verdict bad" data-verdict="different"><span class="mark">✗</span> Differences found</div>
<div class="verdict-sub">${formatCount(n)} finding${n === 1 ? '' : 's'} in ${cats} categor${cats === 1 ? 'y' : 'ies'}${h(ign)}.</div>`;
}

function inputs(report: Report): string {
  const digests = report.inputs.map((i) => i.digest).filter((d): d is string => Boolean(d));
  const same = digests.length === 2 && digests[0] === digests[1];
  const rows = report.inputs.map((inp, i) => {
    const label = report.inputs.length === 2 ? (i === 0 ? 'A' : 'B') : String(i + 1);
    const digest = inp.digest ? `<code class="digest">${h(inp.digest)}</code>` : '<span class="muted">no digest</span>';
    return `<tr><th>${label}</th><td class="path">${h(inp.path)}</td><td><span class="kind">${h(inp.kind)}</span></td><td>${digest}</td></tr>`;
  });
  const note = digests.length === 2 ? `<p class="muted small">${same ? 'Same digest.' : 'Digests differ.'}</p>` : '';
  return `<table class="inputs"><tbody>${rows.join('')}</tbody></table>${note}`;
}

/** One stacked bar (inline SVG: no fonts or images to load) showing the share of each category. */
function stackedBar(counts: { category: string; count: number }[], total: number): string {
  if (total === 0) return '';
  let x = 0;
  const rects = counts.map(({ category, count }) => {
    const w = (count / total) * 1000;
    const color = CATEGORY_INFO[category as keyof typeof CATEGORY_INFO].color;
    const r = `<rect x="${x.toFixed(2)}" y="0" width="${Math.max(w, 2).toFixed(2)}" height="18" fill="${color}"><title>${h(category)}: ${count}</title></rect>`;
    x += w;
    return r;
  });
  return `<svg class="stack" viewBox="0 0 1000 18" preserveAspectRatio="none" role="img" aria-label="findings by category">${rects.join('')}</svg>`;
}

function barRow(attr: string, value: string, label: string, count: number, max: number, color: string, title = ''): string {
  const pct = max > 0 ? Math.max((count / max) * 100, 1.5) : 0;
  return `<tr class="pick" ${attr}="${h(value)}" tabindex="0" title="${h(title || 'show only these')}">
<td class="lbl"><span class="sw" style="background:${color}"></span>${h(label)}</td>
<td class="num">${formatCount(count)}</td>
<td class="barcell"><span class="bar" style="width:${pct.toFixed(1)}%;background:${color}"></span></td></tr>`;
}

function categoryCard(report: Report): string {
  // biggest first, so the chart reads as "where most of the work is"
  const counts = countByCategory(report.findings).sort((a, b) => b.count - a.count);
  const max = Math.max(0, ...counts.map((c) => c.count));
  const ignored = new Set(report.ignored);
  const rows = counts.map(({ category, count }) => {
    const info = CATEGORY_INFO[category];
    const label = ignored.has(category) ? `${info.label} (ignored)` : info.label;
    return barRow('data-pick-cat', category, label, count, max, info.color, info.meaning);
  });
  const body = rows.length > 0 ? `<table class="bars">${rows.join('')}</table>` : '<p class="muted">No findings.</p>';
  return `<div class="card"><h2>By category</h2>${stackedBar(counts, report.findings.length)}${body}</div>`;
}

function layerCard(report: Report): string {
  const counts = countBy(report.findings.counts.layer, (layer) => (layer < 0 ? 'image' : String(layer)));
  counts.sort((a, b) => (a.key === 'image' ? -1 : b.key === 'image' ? 1 : Number(a.key) - Number(b.key)));
  if (counts.length === 0) return '';
  const max = Math.max(...counts.map((c) => c.count));
  const rows = counts.map((c) =>
    barRow('data-pick-layer', c.key, c.key === 'image' ? 'image (no layer)' : `layer ${c.key}`, c.count, max, '#3f88c5'),
  );
  return `<div class="card"><h2>By layer</h2><table class="bars">${rows.join('')}</table></div>`;
}

function packageCard(report: Report): string {
  if (!hasPackages(report)) return '';
  const counts = countBy(report.findings.counts.package, (p) => p || '(no package)');
  const max = Math.max(...counts.map((c) => c.count));
  const shown = counts.slice(0, MAX_PACKAGES);
  const rows = shown.map((c) => barRow('data-pick-pkg', c.key, c.key, c.count, max, '#2a9d8f'));
  const more = counts.length > shown.length ? `<p class="muted small">and ${counts.length - shown.length} more packages (use the package filter)</p>` : '';
  return `<div class="card"><h2>By package</h2><table class="bars">${rows.join('')}</table>${more}</div>`;
}

function notes(report: Report): string {
  const parts: string[] = [];
  if (report.warnings.length > 0) {
    parts.push(`<div class="warnings"><h2>Warnings</h2><ul>${report.warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul></div>`);
  }
  const handled = isCheckReport(report) ? new Set(CHECK_KEYS) : new Set<string>();
  const extras = Object.keys(report).filter((k) => !KNOWN_KEYS.has(k) && !handled.has(k));
  if (extras.length > 0) {
    let json = JSON.stringify(Object.fromEntries(extras.map((k) => [k, report[k]])), null, 2) ?? '';
    if (json.length > MAX_EXTRA_CHARS) json = json.slice(0, MAX_EXTRA_CHARS) + '\n… (capped)';
    parts.push(`<details class="extras"><summary>More sections: ${h(extras.join(', '))}</summary><pre>${h(json)}</pre></details>`);
  }
  return parts.join('');
}

/** The package view (check and diff alike), when the report has one. */
function packagesSection(report: Report): string {
  const p = packagesOf(report.packages);
  return p ? `<section class="check">${packageHtml(p)}</section>` : '';
}

export function renderSummary(report: Report): string {
  return `<header class="top">
<div class="brand">repro report</div>
${verdict(report)}
${inputs(report)}
</header>
<section class="summary">${categoryCard(report)}${layerCard(report)}${packageCard(report)}</section>
${renderCheckSections(report)}
${packagesSection(report)}
${notes(report)}`;
}
