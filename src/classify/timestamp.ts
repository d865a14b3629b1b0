// Dates and times embedded in content: the build clock leaking into files (logs, generated headers,
// build-info files). Every format here is one a build tool writes; epochs only count when they are plausible
// build times near a clock of the comparison (clocks.ts), so an ordinary 10-digit number is not taken for
// a date; the pair check (both sides near one clock) is done where both values are known (index.ts).
import { EPOCH_MIN } from './clocks.js';
import { maskMatches, type TextDetector } from './mask.js';

const MON = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const ZONE = '(?:[+-]\\d{4}|GMT|UTC|[A-Z]{3,4})';

const FORMATS: [kind: string, source: string][] = [
  ['RFC 2822 date', `${DAY}, \\d{1,2} ${MON} \\d{4} \\d{2}:\\d{2}(?::\\d{2})?(?: ${ZONE})?`],
  ['ctime date', `${DAY} ${MON} [ \\d]?\\d \\d{2}:\\d{2}:\\d{2}(?: ${ZONE})? \\d{4}`],
  ['ISO 8601 timestamp', `\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2}| ?UTC)?`],
  ['ISO 8601 date', `\\d{4}-\\d{2}-\\d{2}`],
  ['compact timestamp', `\\d{8}T\\d{6}Z?`],
  ['common log date', `\\d{2}/${MON}/\\d{4}:\\d{2}:\\d{2}:\\d{2}(?: [+-]\\d{4})?`],
  ['syslog date', `${MON} [ \\d]?\\d \\d{2}:\\d{2}:\\d{2}`],
  ['C __DATE__', `${MON} [ \\d]?\\d \\d{4}`],
  ['time of day', `\\d{1,2}:\\d{2}:\\d{2}(?:\\.\\d+)?`],
  ['epoch', `\\d{13}|\\d{9,10}(?:\\.\\d+)?`],
  // shadow(5) field 3, "date of last password change" in days since the epoch: useradd writes today.
  ['day number', `(?<=^[^:\\n]*:[^:\\n]*:)\\d{5}(?=:)`],
];

/** A regex source that matches one timestamp format as the detector does (for rules pinning it). */
export function timestampPattern(kind: string): string | undefined {
  const source = FORMATS.find(([k]) => k === kind)?.[1];
  return source === undefined ? undefined : `(?<![\\w.])(?:${source})(?![\\w])`;
}

const KIND_BY_GROUP = FORMATS.map(([kind]) => kind);
const RE = new RegExp(`(?<![\\w.])(?:${FORMATS.map(([, s]) => `(${s})`).join('|')})(?![\\w])`, 'gm');


/** Seconds since the epoch that could be a build time (2000 .. now + 20 years). */
export function plausibleEpoch(seconds: number): boolean {
  const max = Date.now() / 1000 + 20 * 365 * 86400;
  return seconds >= EPOCH_MIN && seconds <= max;
}

/** The format is the first capture group that matched (one group per entry of FORMATS, in order). */
function kindOf(match: string, captures: (string | undefined)[]): string | null {
  const kind = KIND_BY_GROUP[captures.slice(0, KIND_BY_GROUP.length).findIndex((g) => g !== undefined)] ?? 'timestamp';
  if (kind === 'epoch') {
    const seconds = match.length === 13 ? Number(match) / 1000 : Number(match);
    return plausibleEpoch(seconds) ? 'epoch' : null;
  }
  if (kind === 'day number') return plausibleEpoch(Number(match) * 86400) ? kind : null;
  return kind;
}

export const timestampDetector: TextDetector = {
  category: 'timestamp',
  mask(text, side, ctx) {
    const clocks = ctx.clocks ?? [];
    const near = (s: number): boolean => clocks.some((c) => Math.abs(s - (side === 'a' ? c.a : c.b)) <= c.slack);
    return maskMatches(text, new RegExp(RE.source, 'gm'), (match, captures) => {
      const kind = kindOf(match, captures);
      if (kind !== 'epoch') return kind;
      return near(match.length === 13 ? Number(match) / 1000 : Number(match)) ? kind : null;
    }, '\u0000TIME\u0000');
  },
};
