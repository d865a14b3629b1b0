// When is a number in a file a time? Only when the comparison knows a clock it could come from: the two
// builds' own clocks (check: start and duration of each build, shifted by the time variation), the
// files' own mtimes or the inputs' mtimes (diff), SOURCE_DATE_EPOCH. A value counts only when BOTH sides
// fall near the same clock pair, so their delta agrees with that pair's delta: a random 32-bit value
// lands near a given second with odds of about 1 in 600,000 per hour of slack. A random byte flip of a
// time already there moves it by n * 256^k seconds, which for k = 0 (and small n at k = 1) stays inside
// any slack and can match any clock delta: a raw-byte field whose two values differ in one byte only is
// therefore never taken for a time (comparators/binary.ts). Two builds' times less than 256 seconds apart
// may differ in the low byte alone: those stay 'binary' (in doubt, not harmless).

import { inYearOf, type TimeValue } from './time-value.js';

export interface Clock {
  /** Seconds since the epoch on side a and on side b (the same moment on each side's clock). */
  a: number;
  b: number;
  /** How far (seconds) a time written during that build may be from it. */
  slack: number;
  /** What the clock is, for evidence ("build clocks", "file mtimes", "SOURCE_DATE_EPOCH"). */
  source: string;
  /**
   * Seconds east of UTC of each side's local time, when the comparison knows it (check: the timezone
   * variation). A time written without a zone may be in local time: it is tried both as UTC and as this.
   */
  local?: { a: number; b: number };
}

/** 2000-01-01: earlier values are versions, sizes, counters or clamped times (SOURCE_DATE_EPOCH 0), not clocks. */
export const EPOCH_MIN = 946684800;

/** The clock that explains the pair (a on side a, b on side b), if any. */
export function nearClock(a: number, b: number, clocks: readonly Clock[]): Clock | undefined {
  if (a < EPOCH_MIN || b < EPOCH_MIN) return undefined;
  return clocks.find((c) => Math.abs(a - c.a) <= c.slack && Math.abs(b - c.b) <= c.slack && Math.abs(a - b - (c.a - c.b)) <= c.slack);
}

/** Distance of x from y, modulo `cycle` when the values repeat (a time of day, a date without a year). */
function distance(x: number, y: number, cycle?: number): number {
  if (!cycle) return Math.abs(x - y);
  const d = (((x - y) % cycle) + cycle) % cycle;
  return Math.min(d, cycle - d);
}

/** A time token read on both sides (time-value.ts). */
export interface TimePair {
  a: TimeValue;
  b: TimeValue;
}

/** The clock that explains a pair of time tokens, trying local time where a token has no zone. */
export function clockOfTimes(p: TimePair, clocks: readonly Clock[]): Clock | undefined {
  const cycle = p.a.cycle ?? p.b.cycle;
  if (!cycle && !p.a.yearless && (p.a.seconds < EPOCH_MIN || p.b.seconds < EPOCH_MIN)) return undefined;
  const gran = Math.max(p.a.granularity, p.b.granularity);
  return clocks.find((c) => {
    const slack = c.slack + gran;
    const shifts = [{ a: 0, b: 0 }, ...(c.local ? [c.local] : [])];
    return shifts.some((z) => {
      const a = (p.a.yearless ? inYearOf(p.a.seconds, c.a) : p.a.seconds) - (p.a.zoned ? 0 : z.a);
      const b = (p.b.yearless ? inYearOf(p.b.seconds, c.b) : p.b.seconds) - (p.b.zoned ? 0 : z.b);
      return distance(a, c.a, cycle) <= slack && distance(b, c.b, cycle) <= slack && distance(a - b, c.a - c.b, cycle) <= slack;
    });
  });
}

/** Two times of one text written in one run differ by about the same amount: the runs' start times apart. */
const AGREEMENT = 600;

/**
 * Which differing time pairs of one text are explained: each near a clock of the comparison, or, with no
 * clock, at least two pairs whose deltas agree (a log written a day later: every line moved by a day). A
 * digit changed inside one date moves it by a round amount no other pair shares, so it stays unexplained.
 */
export function explainedTimes(pairs: readonly TimePair[], clocks: readonly Clock[]): boolean[] {
  const delta = (p: TimePair): number => {
    const cycle = p.a.cycle ?? p.b.cycle;
    const d = p.b.seconds - p.a.seconds;
    if (!cycle) return d;
    const m = ((d % cycle) + cycle) % cycle;
    return m > cycle / 2 ? m - cycle : m;
  };
  const deltas = pairs.map(delta);
  return pairs.map((p, i) => {
    if (clockOfTimes(p, clocks)) return true;
    const tol = Math.max(AGREEMENT, p.a.granularity, p.b.granularity);
    const agreeing = deltas.filter((d, j) => j !== i && Math.abs(d - deltas[i]!) <= tol).length;
    return agreeing >= 1;
  });
}
