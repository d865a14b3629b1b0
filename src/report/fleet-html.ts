// The fleet view as one self-contained HTML page: no script, no fetch (the CSP forbids both), tables a
// person scans from the top: the verdict counts, the trend, the images that fail, then what they share.
import { printable, printableData } from '../core/printable.js';
import type { FleetReport, ImageRow } from './fleet.js';
import { countText, verdictHeadline } from './fleet-markdown.js';
import { escapeHtml as h } from './html-escape.js';
import { pageStart } from './html-page.js';

const FLEET_STYLE = `
section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 18px; margin-top: 16px; }
table.t { border-collapse: collapse; width: 100%; }
table.t th, table.t td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.t th { color: var(--muted); font-weight: 600; font-size: 12px; }
table.t .n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.v-differs td.v { color: var(--bad); } tr.v-error td.v { color: #b35900; } tr.v-reproducible td.v { color: var(--good); }
.bar { display: flex; height: 14px; width: 160px; border-radius: 3px; overflow: hidden; }
.bar span { display: block; height: 100%; }
.bar .ok { background: var(--good); } .bar .bad { background: var(--bad); } .bar .err { background: #b35900; }
pre.rule { margin: 0; white-space: pre-wrap; }
td.d { white-space: nowrap; }
`;

const VERDICT_WORDS = { reproducible: 'reproducible', differs: 'not reproducible', error: 'error' } as const;

function table(id: string, head: string[], rows: string[][], numeric: number[] = []): string {
  const th = head.map((x, i) => `<th${numeric.includes(i) ? ' class="n"' : ''}>${h(x)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table class="t" id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function section(title: string, body: string): string {
  return `<section><h2>${h(title)}</h2>${body}</section>`;
}

function imageRow(r: ImageRow): string {
  const cats = r.error !== undefined ? h(r.error) : Object.entries(r.categories).map(([c, n]) => `${h(c)} ${n}`).join(', ') || '—';
  return `<tr class="v-${r.verdict}" data-verdict="${r.verdict}"><td class="v">${VERDICT_WORDS[r.verdict]}</td><td><code>${h(r.image)}</code></td><td class="n">${r.findings}${r.accepted ? ` (${r.accepted} accepted)` : ''}</td><td>${cats}</td><td class="d">${r.date ? h(r.date.slice(0, 10)) : ''}</td><td class="muted small"><code>${h(r.report)}</code></td></tr>`;
}

function trendBar(t: FleetReport['trend'][number]): string {
  const pct = (n: number): string => `${((100 * n) / Math.max(1, t.images)).toFixed(1)}%`;
  return `<div class="bar" title="${t.reproducible} reproducible, ${t.differs} not, ${t.error} errors"><span class="ok" style="width:${pct(t.reproducible)}"></span><span class="bad" style="width:${pct(t.differs)}"></span><span class="err" style="width:${pct(t.error)}"></span></div>`;
}

/** A rule's YAML keeps its lines (printableData would escape them with the rest). */
function ruleText(fleet: FleetReport, i: number): string {
  return printable(fleet.rules[i]?.text ?? '', { multiline: true });
}

export function renderFleetHtml(fleet: FleetReport): string {
  const r = printableData(fleet);
  const s = r.summary;
  const ok = s.differs === 0 && s.error === 0;
  const parts: string[] = [];
  parts.push(`<div class="top"><div class="brand">repro fleet</div><div class="verdict ${ok ? 'good' : 'bad'}">${h(verdictHeadline(r))}</div><div class="verdict-sub">${s.reports} report${s.reports === 1 ? '' : 's'} merged</div></div>`);
  if (r.trend.length) {
    parts.push(section('Trend', table('trend', ['date', 'images', 'reproducible', 'not reproducible', 'errors', ''],
      r.trend.map((t) => [h(t.date), String(t.images), String(t.reproducible), String(t.differs), String(t.error), trendBar(t)]), [1, 2, 3, 4])));
  }
  const head = '<thead><tr><th>verdict</th><th>image</th><th class="n">findings</th><th>categories</th><th>date</th><th>report</th></tr></thead>';
  parts.push(section('Images', `<table class="t" id="images">${head}<tbody>\n${r.images.map(imageRow).join('\n')}\n</tbody></table>`));
  if (r.paths.length) {
    parts.push(section('Paths that differ in most images', table('paths', ['images', 'path', 'package', 'categories', 'findings'],
      r.paths.map((p) => [countText(p), `<code>${h(p.path || '(image)')}</code>`, h(p.package ?? ''), h(p.categories.join(', ')), String(p.findings)]), [0, 4])));
  }
  if (r.packages.length) {
    parts.push(section('Packages', table('packages', ['images', 'package', 'findings'], r.packages.map((p) => [countText(p), h(p.package), String(p.findings)]), [0, 2])));
  }
  if (r.categories.length) {
    parts.push(section('Categories', table('categories', ['category', 'images', 'findings'], r.categories.map((c) => [h(c.category), String(c.images), String(c.findings)]), [1, 2])));
  }
  if (r.causes.length) {
    parts.push(section('Causes (check --explain)', table('causes', ['cause', 'images', 'findings'], r.causes.map((c) => [h(c.cause), countText(c), String(c.findings)]), [1, 2])));
  }
  if (r.rules.length) {
    parts.push(section('Rules that fix the most images', table('rules', ['images', 'rule', 'findings'],
      r.rules.map((x, i) => [countText(x), `<pre class="rule">${h(ruleText(fleet, i))}</pre>`, String(x.findings)]), [0, 2])));
  }
  const start = pageStart({ title: `repro fleet: ${verdictHeadline(r)}`, csp: "default-src 'none'; style-src 'unsafe-inline'", style: FLEET_STYLE });
  return `${start}<main>
${parts.join('\n')}
</main></body>
</html>
`;
}
