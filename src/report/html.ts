// The self-contained HTML report: one file, no external scripts, styles, fonts or images, so it works
// from file:// offline and can be attached to a CI run. The static summary is rendered here; the findings
// travel as JSON islands (what the tree and filters need; details and rules, parsed on the first expand)
// and the inline script draws them on demand, which keeps 10,000 findings fast.
import { stepText } from '../core/step.js';
import { evidenceWithCause } from '../core/evidence.js';
import { createHash } from 'node:crypto';
import { CATEGORIES, type Finding, type Report } from '../core/finding.js';
import { CATEGORY_INFO, countByCategory, hasPackages, ruleLookup, type RuleSuggester } from './html-categories.js';
import { checkVerdict } from './html-check.js';
import { detailView, type DetailLimits, type DetailView } from './html-detail.js';
import { escapeHtml as h, formatCount, jsonForScript } from './html-escape.js';
import { suggestRule } from './html-rules.js';
import { PAGE_SCRIPT } from './html-script.js';
import { PAGE_STYLE } from './html-style.js';
import { renderSummary } from './html-summary.js';
import { pageTree } from './html-tree.js';
import { printableData } from '../core/printable.js';

export interface HtmlOptions {
  /**
   * The rule that would remove each finding: by finding index, or computed from the finding. Default:
   * the rule generator's own rule for the finding (src/rules/generate.ts); `false` shows none.
   */
  suggestedRules?: RuleSuggester | false;
  /** Per-finding cap of the detail shown (defaults: 400 lines, 64 KiB). */
  limits?: Partial<DetailLimits>;
  /** Characters of detail for the whole page; past it, details shrink to a short excerpt each. */
  detailBudget?: number;
}

const DEFAULT_LIMITS: DetailLimits = { maxLines: 400, maxChars: 64 * 1024 };
/** After the budget is spent a detail still gets a glimpse, so every finding says what differs. */
const EXCERPT_LIMITS: DetailLimits = { maxLines: 30, maxChars: 3000 };
const DEFAULT_BUDGET = 24 * 1024 * 1024;

/** A finding as the tree and the filters need it; short keys because a big report carries tens of thousands. */
interface PageFinding {
  p: string;
  c: number;
  e: string;
  l?: number;
  k?: string;
  /** The build step that made a path no package owns (stepText). */
  s?: string;
  i?: string;
  w?: string;
}

/**
 * What only an expanded finding needs: [detail view, suggested rule], 0 for none. Kept in a second JSON
 * island that the page parses on the first expand, so opening a 10,000-finding report does not pay for it.
 */
type PageDetail = [DetailView | 0, string | 0] | 0;

function pageFindings(report: Report, opts: HtmlOptions): { findings: PageFinding[]; details: PageDetail[] } {
  const rule = ruleLookup(opts.suggestedRules === false ? undefined : (opts.suggestedRules ?? suggestRule));
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  let budget = opts.detailBudget ?? DEFAULT_BUDGET;
  const details: PageDetail[] = [];
  const findings: PageFinding[] = [];
  let index = 0;
  for (const raw of report.findings) {
    const f: Finding = printableData(raw);
    const pf: PageFinding = { p: f.path, c: CATEGORIES.indexOf(f.category), e: evidenceWithCause(f) };
    if (f.layer !== undefined) pf.l = f.layer;
    if (f.package) pf.k = f.package;
    if (f.step) pf.s = stepText(f.step);
    if (f.inner) pf.i = f.inner;
    if (f.warning) pf.w = f.warning;
    const r = rule(f, index++);
    const excerpt = budget <= 0;
    const view = detailView(f.detail ?? '', excerpt ? EXCERPT_LIMITS : limits);
    if (view) {
      if (excerpt && view.note) view.note += ' (the page keeps only excerpts once it holds many large diffs; the JSON report has them whole)';
      budget -= Math.min(f.detail.length, limits.maxChars);
    }
    details.push(view || r ? [view ?? 0, r || 0] : 0);
    findings.push(pf);
  }
  return { findings, details };
}

function* printableFindings(report: Report): Generator<Finding> {
  for (const f of report.findings) yield printableData(f);
}

/** Column labels for the two sides; when both files share a name, show enough of the path to tell them apart. */
function inputNames(report: Report): [string, string] {
  const paths = [report.inputs[0]?.path ?? '', report.inputs[1]?.path ?? ''];
  const parts = paths.map((p) => p.split('/').filter(Boolean));
  let take = 1;
  while (take < 4 && parts[0]!.slice(-take).join('/') === parts[1]!.slice(-take).join('/') && take < Math.max(parts[0]!.length, parts[1]!.length)) take++;
  const label = (i: number): string => parts[i]!.slice(-take).join('/') || paths[i] || '';
  return [`A: ${label(0)}`, `B: ${label(1)}`];
}

function controls(report: Report): string {
  const chips = countByCategory(report.findings).map(
    ({ category, count }) =>
      `<button type="button" class="chip" data-cat="${category}" aria-pressed="false" style="--c:${CATEGORY_INFO[category].color}" title="${h(CATEGORY_INFO[category].meaning)}">${category}<span class="n">${formatCount(count)}</span></button>`,
  );
  const layers = [...new Set([...report.findings.counts.layer.keys()].map((l) => (l < 0 ? 'image' : String(l))))].sort(
    (a, b) => (a === 'image' ? -1 : b === 'image' ? 1 : Number(a) - Number(b)),
  );
  const layerOpts = layers.map((l) => `<option value="${h(l)}">${l === 'image' ? 'image level' : `layer ${h(l)}`}</option>`);
  const packages = [...new Set([...report.findings.counts.package.keys()].map((p) => p || '(no package)'))].sort();
  const pkgSelect = hasPackages(report)
    ? `<select id="pkg" aria-label="package"><option value="">all packages</option>${packages.map((p) => `<option value="${h(p)}">${h(p)}</option>`).join('')}</select>`
    : '';
  return `<div class="bar-controls">
<input type="search" id="q" placeholder="Filter by path…" aria-label="filter by path" autocomplete="off">
<select id="layer" aria-label="layer"><option value="">all layers</option>${layerOpts.join('')}</select>
${pkgSelect}
<span class="view"><label><input type="radio" name="view" value="side" checked> side by side</label><label><input type="radio" name="view" value="unified"> unified</label></span>
<button type="button" id="expand">Expand all</button><button type="button" id="collapse">Collapse all</button><button type="button" id="clear">Clear filters</button>
<span id="hint" class="muted small"></span><span id="shown"></span>
<div id="chips" aria-label="categories">${chips.join('')}</div>
</div>`;
}

function findingsSection(report: Report): string {
  // nothing to filter or expand: no controls, and the script has nothing to draw
  if (report.findings.length === 0) return '<section id="findings" class="none"><p id="empty">No findings.</p></section>';
  return `<section id="findings" aria-label="findings">
${controls(report)}
<div id="tree"></div>
<div id="empty" hidden>No finding matches the filters.</div>
<noscript><p class="note">The findings tree needs JavaScript; the summary above is complete without it.</p></noscript>
</section>`;
}

export function renderHtml(raw: Report, opts: HtmlOptions = {}): string {
  const report = printableData(raw);
  const page = pageFindings(report, opts);
  const data = {
    cats: CATEGORIES,
    colors: CATEGORIES.map((c) => CATEGORY_INFO[c].color),
    meanings: CATEGORIES.map((c) => CATEGORY_INFO[c].meaning),
    names: inputNames(report),
    findings: page.findings,
    tree: pageTree(printableFindings(report)),
  };
  // Only this exact script may run: a path that somehow escaped into markup still could not execute.
  const scriptHash = createHash('sha256').update(PAGE_SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'`;
  const title = checkVerdict(report)?.text.toLowerCase() ?? (report.identical ? 'identical' : `${formatCount(report.findings.length)} differences`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>repro report: ${h(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
${renderSummary(report)}
${findingsSection(report)}
<footer>repro · ${h(String(report.schema))}</footer>
</main>
<script type="application/json" id="repro-data">${jsonForScript(data)}</script>
<script type="application/json" id="repro-details">${jsonForScript(page.details)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
