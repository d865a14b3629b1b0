// When is a number in a file a time? Only when the comparison knows a clock it could come from: the two
// builds' own clocks (check: start and duration of each build, shifted by the time variation), the
// files' own mtimes or the inputs' mtimes (diff), SOURCE_DATE_EPOCH. A value counts only when BOTH sides
// fall near the same clock pair, so their delta agrees with that pair's delta: a random 32-bit value
// lands near a given second with odds of about 1 in 600,000 per hour of slack. A random byte flip of a
// time already there moves it by n * 256^k seconds, which for k = 0 (and small n at k = 1) stays inside
// any slack and can match any clock delta: a raw-byte field whose two values differ in one byte only is
// therefore never taken for a time (comparators/binary.ts). Two builds' times less than 256 seconds apart
// may differ in the low byte alone: those stay 'binary' (in doubt, not harmless).

export interface Clock {
  /** Seconds since the epoch on side a and on side b (the same moment on each side's clock). */
  a: number;
  b: number;
  /** How far (seconds) a time written during that build may be from it. */
  slack: number;
  /** What the clock is, for evidence ("build clocks", "file mtimes", "SOURCE_DATE_EPOCH"). */
  source: string;
}

/** 2000-01-01: earlier values are versions, sizes, counters or clamped times (SOURCE_DATE_EPOCH 0), not clocks. */
const EPOCH_MIN = 946684800;

/** The clock that explains the pair (a on side a, b on side b), if any. */
export function nearClock(a: number, b: number, clocks: readonly Clock[]): Clock | undefined {
  if (a < EPOCH_MIN || b < EPOCH_MIN) return undefined;
  return clocks.find((c) => Math.abs(a - c.a) <= c.slack && Math.abs(b - c.b) <= c.slack && Math.abs(a - b - (c.a - c.b)) <= c.slack);
}
