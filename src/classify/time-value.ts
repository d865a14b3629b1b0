// The moment a timestamp token names, so that a differing pair can be checked against the comparison's
// clocks (clocks.ts) or against the other differing times of the same text. Without this a digit changed
// inside a date ("valid until 2031-05-01") still looked like a date and was called harmless.

/** What a time token says, in seconds since the epoch (UTC). */
export interface TimeValue {
  seconds: number;
  /** The token's resolution: 1 for a time with seconds, 60 without, 86400 for a date alone. */
  granularity: number;
  /** True when the token carries its zone (Z, +0200, UTC, GMT) or is UTC by definition (epochs, day numbers). */
  zoned: boolean;
  /** Set for a time of day (86400): it repeats every day. */
  cycle?: number;
  /** Set for a date without a year (syslog): `seconds` is placed in 2000 and moved to a clock's year. */
  yearless?: true;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function month(name: string): number {
  return MONTHS.indexOf(name);
}

/** Seconds east of UTC for an explicit zone, undefined for none or a zone name we cannot place (CET). */
function zoneOffset(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === '') return undefined;
  const z = zone.trim();
  if (z === 'Z' || z === 'UTC' || z === 'GMT') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(z);
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 61) return undefined;
  return Date.UTC(y, mo, d, h, mi, s) / 1000;
}

function value(seconds: number | undefined, granularity: number, zone: string | undefined, cycle?: number): TimeValue | undefined {
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  const off = zoneOffset(zone);
  return { seconds: seconds - (off ?? 0), granularity, zoned: off !== undefined, ...(cycle ? { cycle } : {}) };
}

/** A yearless time (placed in 2000) moved into the year of `near` (seconds), the closest of that year's neighbours. */
export function inYearOf(seconds: number, near: number): number {
  const t = new Date(seconds * 1000);
  const y = new Date(near * 1000).getUTCFullYear();
  const at = (year: number): number => Date.UTC(year, t.getUTCMonth(), t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()) / 1000;
  return [at(y - 1), at(y), at(y + 1)].reduce((best, v) => (Math.abs(v - near) < Math.abs(best - near) ? v : best));
}

const PARSERS: Record<string, (t: string) => TimeValue | undefined> = {
  'RFC 2822 date': (t) => {
    const m = /^\w{3}, (\d{1,2}) (\w{3}) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?(?: (\S+))?$/.exec(t);
    return m ? value(utc(+m[3]!, month(m[2]!), +m[1]!, +m[4]!, +m[5]!, +(m[6] ?? 0)), m[6] ? 1 : 60, m[7]) : undefined;
  },
  'ctime date': (t) => {
    const m = /^\w{3} (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?: (\S+))? (\d{4})$/.exec(t);
    return m ? value(utc(+m[7]!, month(m[1]!), +m[2]!, +m[3]!, +m[4]!, +m[5]!), 1, m[6]) : undefined;
  },
  'ISO 8601 timestamp': (t) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})([.,]\d+)?)?(.*)$/.exec(t);
    if (!m) return undefined;
    const frac = m[7] ? Number('0.' + m[7].slice(1)) : 0;
    const s = utc(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
    return value(s === undefined ? undefined : s + frac, m[6] ? 1 : 60, m[8]!.trim() || undefined);
  },
  'ISO 8601 date': (t) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
    return m ? value(utc(+m[1]!, +m[2]! - 1, +m[3]!), 86400, undefined) : undefined;
  },
  'compact timestamp': (t) => {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/.exec(t);
    return m ? value(utc(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!), 1, m[7] || undefined) : undefined;
  },
  'common log date': (t) => {
    const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?: (\S+))?$/.exec(t);
    return m ? value(utc(+m[3]!, month(m[2]!), +m[1]!, +m[4]!, +m[5]!, +m[6]!), 1, m[7]) : undefined;
  },
  // No year: placed in 2000 (a leap year, so Feb 29 exists) and moved to a clock's year when compared.
  'syslog date': (t) => {
    const m = /^(\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})$/.exec(t);
    const v = m ? value(utc(2000, month(m[1]!), +m[2]!, +m[3]!, +m[4]!, +m[5]!), 1, undefined) : undefined;
    return v ? { ...v, yearless: true } : undefined;
  },
  'C __DATE__': (t) => {
    const m = /^(\w{3}) +(\d{1,2}) (\d{4})$/.exec(t);
    return m ? value(utc(+m[3]!, month(m[1]!), +m[2]!), 86400, undefined) : undefined;
  },
  'time of day': (t) => {
    const m = /^(\d{1,2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(t);
    if (!m || +m[1]! > 24 || +m[2]! > 59 || +m[3]! > 61) return undefined;
    return value(+m[1]! * 3600 + +m[2]! * 60 + +m[3]! + (m[4] ? Number(m[4]) : 0), 1, undefined, 86400);
  },
  epoch: (t) => ({ seconds: t.length === 13 ? Number(t) / 1000 : Number(t), granularity: 1, zoned: true }),
  'day number': (t) => ({ seconds: Number(t) * 86400, granularity: 86400, zoned: true }),
};

/** The moment a token of `kind` (a kind of timestamp.ts) names, or undefined when it names none. */
export function timeValue(kind: string, token: string): TimeValue | undefined {
  return PARSERS[kind]?.(token);
}
