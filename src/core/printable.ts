// The one escape for every rendering a person reads (terminal, Markdown, HTML, error lines, inspect).
// Names, PAX values and file contents come from images other people made: a member named
// "\x1b]0;...\x07" or "\x1b[2J" would retitle or clear the terminal that prints it, a U+202E would show a
// name backwards. Such characters are shown as escapes instead; a byte of a name that is not UTF-8 (kept as
// U+DC80+byte, see name-bytes.ts) is shown as the byte, "\xe9". The JSON report keeps the exact text.

/** C0/C1 controls and DEL, line/paragraph separators, bidi controls, lone surrogates (with /u a lone one
 * matches on its own; a valid pair is one code point and does not). */
const UNSAFE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;
const UNSAFE_KEEP_LINES = /[\0-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;

function escape(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16).padStart(2, '0')}`;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/** `multiline`: keep newlines and tabs (diff text, hexdumps); everything else unsafe is escaped. */
export function printable(s: string, opts: { multiline?: boolean } = {}): string {
  return s.replace(opts.multiline ? UNSAFE_KEEP_LINES : UNSAFE, escape);
}

/** Fields that hold several lines of text. */
const MULTILINE_KEYS = new Set(['detail']);

/** A report (any JSON data) with every string made printable, keys included: renderers call this once on
 * what they are given, so no field can be forgotten. What needs no escape is shared, not copied (a report
 * of 120k findings is not duplicated to find nothing to change). */
export function printableData<T>(value: T, key = ''): T {
  if (typeof value === 'string') return printable(value, { multiline: MULTILINE_KEYS.has(key) }) as T;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((v: unknown, i) => {
      const p = printableData(v, key);
      if (p !== v) (copy ??= value.slice())[i] = p;
    });
    return (copy ?? value) as T;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    let changed = false;
    const entries = Object.entries(value).map(([k, v]) => {
      const pk = printable(k);
      const pv = printableData(v, k);
      if (pk !== k || pv !== v) changed = true;
      return [pk, pv];
    });
    return changed ? (Object.fromEntries(entries) as T) : value;
  }
  return value;
}
