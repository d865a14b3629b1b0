// The history of a `repro check --fix` run (report.fix, src/check/fix-loop.ts): every round with its
// findings by category, the rules added with the findings each explains, what a person accepted, and
// what was left with why no rule applies. Read defensively: a hand-edited JSON file still renders.
import type { Report } from '../core/finding.js';
import { SpilledList } from '../core/spilled-list.js';
import { escapeHtml as h } from './html-escape.js';

interface Ref { path?: unknown; inner?: unknown; category?: unknown; evidence?: unknown; why?: unknown; because?: unknown }
interface RoundLike { round?: unknown; reproducible?: unknown; categories?: unknown; added?: unknown; accepted?: unknown }
interface AddedLike { rule?: { match?: unknown; action?: unknown }; explains?: unknown }

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** A list of the history: an array (a report read back) or a spilled list (check/fix-loop.ts), read in order. */
const list = (v: unknown): { length: number; items: Iterable<unknown> } =>
  v instanceof SpilledList ? { length: v.length, items: v as SpilledList<unknown> } : { length: arr(v).length, items: arr(v) };
/** The first `max` items of a list. */
function firstOf(items: Iterable<unknown>, max: number): unknown[] {
  const out: unknown[] = [];
  for (const x of items) {
    if (out.length >= max) break;
    out.push(x);
  }
  return out;
}
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const MAX_LISTED = 20;

interface Round {
  round: string;
  reproducible: boolean;
  categories: string;
  /** Each rule with the first MAX_LISTED findings it explains, and how many it explains in all. */
  added: { rule: string; explains: string[]; count: number }[];
  /** The first MAX_LISTED accepted findings. */
  accepted: string[];
}

const where = (r: Ref): string => `${str(r.path) || '(image)'}${str(r.inner) ? ` → ${str(r.inner)}` : ''}`;

/** The history as plain strings (the renderers escape them), or undefined when the report has none. */
function history(report: Report): { converged: boolean; stop: string; rounds: Round[]; remaining: string[] } | undefined {
  const fix = report.fix as { converged?: unknown; stopReason?: unknown; rounds?: unknown; remaining?: unknown } | undefined;
  if (!fix || typeof fix !== 'object') return undefined;
  const rounds = arr(fix.rounds).map((x) => {
    const r = x as RoundLike;
    const cats = Object.entries((r.categories ?? {}) as Record<string, unknown>).map(([c, n]) => `${c} ${str(n)}`).join(', ');
    const added = arr(r.added).map((y) => {
      const a = y as AddedLike;
      const rule = `${str(a.rule?.action)}${a.rule?.match !== undefined ? ` ${str(a.rule.match)}` : ''}`;
      const explains = list(a.explains);
      return { rule, explains: firstOf(explains.items, MAX_LISTED).map((e) => `${where(e as Ref)} [${str((e as Ref).category)}]: ${str((e as Ref).evidence)}`), count: explains.length };
    });
    const accepted = firstOf(list(r.accepted).items, MAX_LISTED).map((e) => `${where(e as Ref)} [${str((e as Ref).category)}] accepted: ${str((e as Ref).because)}`);
    return { round: str(r.round), reproducible: r.reproducible === true, categories: cats || 'no findings', added, accepted };
  });
  const remaining = [...list(fix.remaining).items].map((e) => `${where(e as Ref)} [${str((e as Ref).category)}]: ${str((e as Ref).evidence)} (no rule applied: ${str((e as Ref).why)})`);
  return { converged: fix.converged === true, stop: str(fix.stopReason), rounds, remaining };
}

/** Markdown lines; `text` and `code` escape what came from the images (prose, inline code). */
export function fixHistoryMarkdown(report: Report, text: (s: string) => string, code: (s: string) => string): string[] {
  const f = history(report);
  if (!f) return [];
  const lines = ['### --fix rounds', '', f.converged ? 'Converged.' : `Not converged: ${text(f.stop || 'differences remain')}.`, ''];
  for (const r of f.rounds) {
    lines.push(`**Round ${r.round}**${r.reproducible ? ' (reproducible)' : ''}: ${text(r.categories)}`, '');
    for (const a of r.added) {
      lines.push(`- rule ${code(a.rule)} explains:`);
      for (const e of a.explains) lines.push(`  - ${text(e)}`);
      if (a.count > MAX_LISTED) lines.push(`  - …and ${a.count - MAX_LISTED} more`);
    }
    for (const e of r.accepted) lines.push(`- ${text(e)}`);
    lines.push('');
  }
  if (f.remaining.length > 0) lines.push('Left for a person:', '', ...f.remaining.map((e) => `- ${text(e)}`), '');
  return lines;
}

/** An HTML card. */
export function fixHistoryHtml(report: Report): string {
  const f = history(report);
  if (!f) return '';
  const rounds = f.rounds.map((r) => {
    const added = r.added.map((a) => `<li><code>${h(a.rule)}</code> explains<ul>${a.explains.map((e) => `<li>${h(e)}</li>`).join('')}${a.count > MAX_LISTED ? `<li>…and ${a.count - MAX_LISTED} more</li>` : ''}</ul></li>`);
    const accepted = r.accepted.map((e) => `<li>${h(e)}</li>`);
    return `<h3>Round ${h(r.round)}${r.reproducible ? ' (reproducible)' : ''}</h3><p class="small">${h(r.categories)}</p>${added.length + accepted.length > 0 ? `<ul class="small">${added.join('')}${accepted.join('')}</ul>` : ''}`;
  });
  const remaining = f.remaining.length > 0 ? `<h3>Left for a person</h3><ul class="small">${f.remaining.map((e) => `<li>${h(e)}</li>`).join('')}</ul>` : '';
  return `<div class="card wide"><h2>--fix rounds</h2><p>${f.converged ? 'Converged.' : `Not converged: ${h(f.stop || 'differences remain')}.`}</p>${rounds.join('')}${remaining}</div>`;
}
