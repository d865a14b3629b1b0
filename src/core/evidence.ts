// The one place a finding's facts become words: every renderer (terminal, JSON, Markdown, HTML, rule
// files) calls evidenceText. The facts are what rules and --fix act on; this text is only for people.
import type { Cause, Fact, Finding } from '../core/finding.js';

/** At most this many facts are spelled out; the rest are counted. */
const MAX_FACTS = 3;

function clip(s: string, max = 40): string {
  const one = s.replace(/\n/g, '\\n');
  return one.length <= max ? one : one.slice(0, max - 2) + '..';
}

/** Random ids are noise to read; dates, names and fields are what a person needs to see. */
function factText(f: Fact, showTokenValues: boolean, unit: string): string {
  if ('field' in f) return `${f.field} ${f.a} vs ${f.b}`;
  if ('token' in f) return `${f.token} differs ${f.where ? `at ${f.where}` : `on ${unit} ${f.line}`}${showTokenValues ? ` (${clip(f.a)} vs ${clip(f.b)})` : ''}`;
  if ('kind' in f) return `epoch ${f.a} vs ${f.b} at offset 0x${f.offset.toString(16)} (${f.source})`;
  if ('variation' in f) return `the ${f.variation} variation shows (${clip(f.a)} vs ${clip(f.b)})`;
  if ('derivedFrom' in f) return `${f.algo} of ${f.derivedFrom}, which differs (${unit} ${f.line})`;
  if ('order' in f) {
    const moved = f.moved !== undefined ? ` (${f.moved} moved)` : '';
    const masked = f.masked?.length ? ` once ${f.masked.join(', ')} are masked` : '';
    return `same ${f.count} ${f.order} in another order${moved}${masked}`;
  }
  if ('only' in f) return `${f.what} only in ${f.only}`;
  if ('at' in f) return `differs from ${f.at}${f.size ? ` (size ${f.size[0]} vs ${f.size[1]})` : ''}`;
  return f.note;
}

const PREFIX: Partial<Record<Finding['code'], string>> = {
  strings: 'embedded strings: ',
  'hardlink-order': 'hardlink pair stored the other way round: ',
  'gzip-header': 'gzip header ',
  'xz-header': 'xz header ',
  'zstd-header': 'zstd header ',
  'ar-header': 'ar member headers differ: ',
  'zip-metadata': 'zip ',
  'png-metadata': 'PNG ',
  payload: 'payload ',
  digest: 'content compared by digest: ',
};

/** One line saying why the finding has its category. */
export function evidenceText(f: Pick<Finding, 'code' | 'facts' | 'category' | 'accepted'>): string {
  const unit = f.code === 'strings' ? 'string' : 'line';
  const showValues = f.category !== 'random-id';
  const shown = f.facts.slice(0, MAX_FACTS).map((x) => factText(x, showValues, unit));
  if (f.facts.length > MAX_FACTS) shown.push(`(+${f.facts.length - MAX_FACTS} more)`);
  if (shown.length === 0) shown.push(f.code === 'json-format' ? 'same JSON value, whitespace/formatting differs' : `${f.category} difference`);
  const text = (PREFIX[f.code] ?? '') + shown.join('; ');
  return f.accepted !== undefined ? `accepted (${f.accepted}): ${text}` : text;
}

/** Differences two builds show because they run at different times: mtimes, embedded times, header times. */
function clockDriven(f: Pick<Finding, 'category' | 'facts'>): boolean {
  if (f.category === 'mtime' || f.category === 'timestamp') return true;
  // header fields, or the zip comparator's notes ("demo/x.class: DOS time … vs …"), all of them times
  return f.category === 'compression-metadata' && f.facts.length > 0 && f.facts.every((x) => ('field' in x && /time/i.test(x.field)) || 'kind' in x || ('note' in x && /\btime\b/i.test(x.note)));
}

/** What `check --explain` found behind a finding, in words ("caused by: hostname"). */
export function causeText(f: Pick<Finding, 'category' | 'facts'> & { cause?: Cause }): string | undefined {
  const c = f.cause;
  if (!c) return undefined;
  if (c.withoutVariation) {
    return clockDriven(f)
      ? 'differs with no variation: the time each build runs at'
      : 'differs with no variation: inherent randomness (random ids, keys)';
  }
  if (c.variations.length === 0) return 'caused by: no single variation (several together, or it shows only now and then)';
  const how = c.byElimination
    ? ' (every one-variation build shows it, a rebuild in the same directory does not)'
    : c.variations.length > 1
      ? ' (each alone)'
      : '';
  const path = c.match === 'path' ? '; there in another category' : '';
  return `caused by: ${c.variations.join(', ')}${how}${path}`;
}

/** The name of one cause in check --explain's summary (CauseSummary in src/check/explain.ts). */
export function causeSummaryText(c: { kind: string; variation?: string }): string {
  if (c.kind === 'variation') return `caused by ${c.variation ?? '?'}`;
  if (c.kind === 'without-variation') return 'differs with no variation (inherent randomness, the build\'s own clock)';
  return 'no single variation';
}

/** The evidence line and, after check --explain, its cause: for renderers with one cell per finding. */
export function evidenceWithCause(f: Pick<Finding, 'code' | 'facts' | 'category' | 'accepted' | 'cause'>): string {
  const cause = causeText(f);
  return cause ? `${evidenceText(f)} — ${cause}` : evidenceText(f);
}
