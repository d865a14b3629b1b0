// Extra sections for a `repro check` report (src/check/check-report.ts): builds, variations, the per-phase
// table (which phase first stopped being reproducible is the question people open the page with); the
// packages owning differing paths are packages.ts's, for check and diff alike. Read defensively from the Report's extra keys, so a report from another
// version or a hand-edited JSON file still renders, and the generic "more sections" view takes the rest.
import type { Report } from '../core/finding.js';
import { isCategory } from '../core/finding.js';
import { CATEGORY_INFO } from './html-categories.js';
import { escapeHtml as h, formatCount } from './html-escape.js';
import { fixHistoryHtml } from './fix-history.js';
import { causeSummaryText } from '../core/evidence.js';
import { asBuildahReport, buildahTexts } from './buildah-text.js';

interface BuildLike { label?: unknown; manifestDigest?: unknown; durationMs?: unknown; epoch?: unknown }
interface PhaseLike { index?: unknown; phase?: unknown; identical?: unknown; findings?: unknown; categories?: unknown; digests?: unknown }

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The keys this module renders; the summary leaves them out of its generic section. */
export const CHECK_KEYS = ['reproducible', 'builds', 'variations', 'phases', 'packages', 'manifest', 'durationMs', 'fix', 'explain', 'buildah'];

export function isCheckReport(report: Report): boolean {
  return typeof report.reproducible === 'boolean' && Array.isArray(report.builds);
}

/** What the installed buildah offers (a Containerfile check), in buildah-text.ts's words. */
function buildahHtml(report: Report): string {
  const b = asBuildahReport(report.buildah);
  if (!b) return '';
  const cls = { plain: '', warn: ' class="warntext"', dim: ' class="muted"' };
  return `<p class="small muted">buildah ${h(b.version)}:</p><ul class="small">${buildahTexts(b).map((l) => `<li${cls[l.tone]}>${h(l.text)}</li>`).join('')}</ul>`;
}

function buildsCard(report: Report): string {
  const rows = arr(report.builds).map((b) => {
    const x = b as BuildLike;
    const ms = num(x.durationMs);
    return `<tr><th>${h(str(x.label))}</th><td><code class="digest">${h(str(x.manifestDigest))}</code></td><td class="num">${ms === undefined ? '' : (ms / 1000).toFixed(1) + ' s'}</td></tr>`;
  });
  const v = (report.variations ?? {}) as { applied?: unknown; skipped?: unknown };
  const applied = arr(v.applied).map((a) => `<li><b>${h(str((a as { name?: unknown }).name))}</b> ${h(str((a as { summary?: unknown }).summary))}</li>`);
  const skipped = arr(v.skipped).map((s) => `<li class="warntext">${h(str((s as { name?: unknown }).name))} skipped: ${h(str((s as { reason?: unknown }).reason))}</li>`);
  const manifest = str(report.manifest);
  return `<div class="card wide"><h2>Builds${manifest ? ` of <code>${h(manifest)}</code>` : ''}</h2>
<table class="inputs"><tbody>${rows.join('')}</tbody></table>
<p class="small muted">Variations: ${applied.length === 0 ? 'none (plain double build)' : ''}</p>${applied.length + skipped.length > 0 ? `<ul class="small">${applied.join('')}${skipped.join('')}</ul>` : ''}${buildahHtml(report)}</div>`;
}

function phasesCard(report: Report): string {
  const phases = arr(report.phases) as PhaseLike[];
  if (phases.length === 0) return '';
  const firstBad = phases.findIndex((p) => p.identical === false);
  const rows = phases.map((p, i) => {
    const cats = Object.entries((p.categories ?? {}) as Record<string, unknown>)
      .filter(([c, n]) => isCategory(c) && typeof n === 'number' && n > 0)
      .map(([c, n]) => `<span class="cat" style="--c:${CATEGORY_INFO[c as keyof typeof CATEGORY_INFO].color}">${h(c)} ${formatCount(n as number)}</span>`);
    const same = p.identical === true ? '<span class="ok">✓ same</span>' : '<span class="bad">✗ differs</span>';
    const layer = num(p.index);
    const classes = [layer !== undefined ? 'pick' : '', i === firstBad ? 'first-bad' : ''].filter(Boolean).join(' ');
    const attrs =
      (classes ? ` class="${classes}"` : '') +
      (layer !== undefined ? ` data-pick-layer="${layer}" tabindex="0"` : '') +
      (i === firstBad ? ' title="first phase whose layer differs"' : '');
    return `<tr${attrs}><td class="num">${layer ?? ''}</td><td>${h(str(p.phase))}</td><td>${same}</td><td class="num">${formatCount(num(p.findings) ?? 0)}</td><td class="cats">${cats.join(' ')}</td></tr>`;
  });
  return `<div class="card wide"><h2>By phase (one layer each)</h2>
<table class="phases"><thead><tr><th>layer</th><th>phase</th><th></th><th>findings</th><th>categories</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** check --explain: the rebuilds and how many findings each cause accounts for. */
function causesCard(report: Report): string {
  const e = report.explain as { builds?: unknown; causes?: unknown } | undefined;
  const causes = arr(e?.causes) as { kind?: unknown; variation?: unknown; findings?: unknown; paths?: unknown }[];
  if (causes.length === 0) return '';
  const rows = causes.map((c) => {
    const name = causeSummaryText({ kind: str(c.kind), ...(typeof c.variation === 'string' ? { variation: c.variation } : {}) });
    const paths = arr(c.paths).map((p) => `<code>${h(str(p))}</code>`).join(', ');
    return `<tr><td>${h(name)}</td><td class="num">${formatCount(num(c.findings) ?? 0)}</td><td class="small">${paths}</td></tr>`;
  });
  const builds = arr(e?.builds).map((b) => {
    const x = b as { label?: unknown; variations?: unknown; identical?: unknown; findings?: unknown; failed?: unknown };
    const what = arr(x.variations).length ? `${arr(x.variations).map(str).join(', ')} alone` : 'no variation';
    return `<li>${h(str(x.label))}: ${h(what)}: ${typeof x.failed === 'string' ? `failed (${h(x.failed)}): counts for nothing` : x.identical === true ? 'identical to A' : `${formatCount(num(x.findings) ?? 0)} findings against A`}</li>`;
  });
  return `<div class="card wide"><h2>Causes (check --explain)</h2><table class="phases"><thead><tr><th>cause</th><th>findings</th><th>paths</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="small muted">A rebuilt with no variation, and with each variation alone:</p><ul class="small">${builds.join('')}</ul></div>`;
}

export function renderCheckSections(report: Report): string {
  if (!isCheckReport(report)) return '';
  return `<section class="check">${buildsCard(report)}${fixHistoryHtml(report)}${causesCard(report)}${phasesCard(report)}</section>`;
}

/** The verdict words for a check: reproducibility, not just "identical". */
export function checkVerdict(report: Report): { good: boolean; text: string } | undefined {
  if (!isCheckReport(report)) return undefined;
  return report.reproducible === true ? { good: true, text: 'Reproducible' } : { good: false, text: 'Not reproducible' };
}
