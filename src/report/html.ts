// The self-contained HTML report: one file, no external scripts, styles, fonts or images, so it works
// from file:// offline and can be attached to a CI run. The static summary is rendered here; the findings
// travel as two JSON islands in the compact form of html-data.ts (rows for the tree and the filters;
// details and rules, parsed on the first expand), and the inline script builds the tree in the browser and
// draws only what is opened, which keeps 100,000 findings fast. The page is written in pieces (htmlChunks)
// while the findings store is read, so a big one is never held as one string.
import { stepText } from '../core/step.js';
import { evidenceWithCause } from '../core/evidence.js';
import { createHash } from 'node:crypto';
import { CATEGORIES, type Finding, type Report } from '../core/finding.js';
import { CATEGORY_INFO, countByCategory, hasPackages, ruleLookup, type RuleSuggester } from './html-categories.js';
import { checkVerdict } from './html-check.js';
import { detailView, type DetailLimits } from './html-detail.js';
import { escapeHtml as h, formatCount, jsonForScript, scriptSafe } from './html-escape.js';
import { suggestRule } from './html-rules.js';
import { PAGE_SCRIPT } from './html-script.js';
import { renderSummary } from './html-summary.js';
import { pageStart } from './html-page.js';
import { ROW_STRIDE, StringTable, TABLE_MAX, rowCells } from './html-data.js';
import { groupOf } from '../core/report.js';
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
  /** Strings the page's shared table holds (html-data.ts; default TABLE_MAX); tests lower it. */
  tableMax?: number;
}

const DEFAULT_LIMITS: DetailLimits = { maxLines: 400, maxChars: 64 * 1024 };
/** After the budget is spent a detail still gets a glimpse, so every finding says what differs. */
const EXCERPT_LIMITS: DetailLimits = { maxLines: 30, maxChars: 3000 };
const DEFAULT_BUDGET = 24 * 1024 * 1024;
/**
 * Diffs whose changed words are marked: the word diff costs ~0.5 ms a finding, so past the first few
 * thousand a changed line is shown whole (the row colours still say which lines changed).
 */
export const WORD_DIFF_FINDINGS = 2_000;
/** Findings that get their suggested rule (the generator costs ~0.1 ms a finding); `repro rules` writes them all. */
export const RULE_FINDINGS = 10_000;
/** Findings per details island (the first expand of a finding parses its island). */
export const DETAIL_CHUNK = 1_000;

/** The first pass: one row of cells per finding (src/report/html-data.ts), read from the store in order. */
function* rowPieces(report: Report, table: StringTable): Generator<string> {
  let sep = '';
  for (const raw of report.findings) {
    const f: Finding = printableData(raw);
    const cells = rowCells(f, { group: groupOf(f), category: CATEGORIES.indexOf(f.category), evidence: evidenceWithCause(f), ...(f.step ? { step: stepText(f.step) } : {}) }, table);
    yield sep + cells;
    sep = ',';
  }
}

/**
 * The second pass: [index, detail view, rule] for the findings that have either, so that opening the page
 * pays nothing for them. They go in islands of DETAIL_CHUNK findings each, with a string table of their
 * own, so the first expand parses one island, not all. Details are capped per finding and, past the page's
 * budget, cut to excerpts.
 */
function* detailPieces(report: Report, opts: HtmlOptions, tableMax: number): Generator<string> {
  const rule = ruleLookup(opts.suggestedRules === false ? undefined : (opts.suggestedRules ?? suggestRule));
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  let budget = opts.detailBudget ?? DEFAULT_BUDGET;
  let index = -1;
  let diffs = 0;
  let chunk = -1;
  let table = new StringTable(tableMax);
  let sep = '';
  for (const raw of report.findings) {
    index++;
    const f: Finding = printableData(raw);
    const r = index < RULE_FINDINGS ? rule(f, index) : undefined;
    const excerpt = budget <= 0;
    const view = detailView(f.detail ?? '', excerpt ? EXCERPT_LIMITS : limits, diffs < WORD_DIFF_FINDINGS);
    if (view) {
      diffs++;
      if (excerpt && view.note) view.note += ' (the page keeps only excerpts once it holds many large diffs; the JSON report has them whole)';
      budget -= Math.min(f.detail.length, limits.maxChars);
    }
    if (!view && !r) continue;
    const here = Math.floor(index / DETAIL_CHUNK);
    if (here !== chunk) {
      yield `${chunk < 0 ? '' : ']</script>\n'}<script type="application/json" id="repro-details-${here}">[`;
      chunk = here;
      table = new StringTable(tableMax);
      sep = '';
    }
    // the view's JSON is the key: the same short detail (an mtime pair) is written once
    const json = view ? JSON.stringify(view) : '';
    yield `${sep}${index},${view ? table.value(json, () => scriptSafe(json)) : 0},${r ? table.cell(r) : 0}`;
    sep = ',';
  }
  if (chunk >= 0) yield ']</script>\n';
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

/**
 * The page in pieces, in order: the static summary, then the findings read from the store twice (rows, then
 * details), then the script. What is held between pieces is the shared string table, never the findings.
 */
export function* htmlChunks(raw: Report, opts: HtmlOptions = {}): Generator<string> {
  const report = printableData(raw);
  const meta = {
    cats: CATEGORIES,
    colors: CATEGORIES.map((c) => CATEGORY_INFO[c].color),
    meanings: CATEGORIES.map((c) => CATEGORY_INFO[c].meaning),
    names: inputNames(report),
    n: report.findings.length,
    stride: ROW_STRIDE,
    tableMax: opts.tableMax ?? TABLE_MAX,
    detailChunk: DETAIL_CHUNK,
    // the page says why a finding past this many has no suggested rule
    ruleFindings: opts.suggestedRules === false ? 0 : RULE_FINDINGS,
  };
  // Only this exact script may run: a path that somehow escaped into markup still could not execute.
  const scriptHash = createHash('sha256').update(PAGE_SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'`;
  const title = checkVerdict(report)?.text.toLowerCase() ?? (report.identical ? 'identical' : `${formatCount(report.findings.length)} differences`);
  yield `${pageStart({ title: `repro report: ${title}`, csp })}
<main>
${renderSummary(report)}
${findingsSection(report)}
<footer>repro · ${h(String(report.schema))}</footer>
</main>
<script type="application/json" id="repro-data">${jsonForScript(meta).slice(0, -1)},"rows":[`;
  const table = new StringTable(meta.tableMax);
  yield* rowPieces(report, table);
  yield ']}</script>\n';
  yield* detailPieces(report, opts, meta.tableMax);
  yield `<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** The whole page as one string: for small reports and tests (writers take htmlChunks). */
export function renderHtml(raw: Report, opts: HtmlOptions = {}): string {
  let out = '';
  for (const piece of htmlChunks(raw, opts)) out += piece;
  return out;
}
