// Masking is how a text classifier proves its case: replace every token it recognises with a placeholder;
// if the two texts then become equal, the recognised tokens are the whole difference.
import type { Category } from '../core/finding.js';
import type { Variation } from '../core/variation.js';
import type { Clock } from './clocks.js';

export interface Token {
  /** Human name of the token kind, for evidence ("32-hex token", "ISO 8601 timestamp"). */
  kind: string;
  value: string;
  /** 1-based line of the token's first character. */
  line: number;
}

export interface Masked {
  text: string;
  tokens: Token[];
}

export interface ClassifyContext {
  variations: Variation[];
  /** Clocks a bare number must sit near to count as a time (none: bare numbers are never times). */
  clocks?: readonly Clock[];
}

export interface TextDetector {
  category: Category;
  mask(text: string, side: 'a' | 'b', ctx: ClassifyContext): Masked;
}

/**
 * Replace matches of `re` (global) whose `kindOf` is not null with a placeholder, recording each token.
 * `kindOf` sees the match and its capture groups and may reject it (an epoch too far from now, a
 * low-entropy word).
 */
export function maskMatches(
  text: string,
  re: RegExp,
  kindOf: (match: string, captures: (string | undefined)[]) => string | null,
  placeholder: string,
): Masked {
  const tokens: Token[] = [];
  let line = 1;
  let scanned = 0;
  const masked = text.replace(re, (match: string, ...rest: unknown[]) => {
    // replace() passes the captures, then the offset (the first number), then the input.
    const at = rest.findIndex((r) => typeof r === 'number');
    const offset = rest[at] as number;
    const kind = kindOf(match, rest.slice(0, at) as (string | undefined)[]);
    if (kind === null) return match;
    for (let i = scanned; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
    scanned = offset;
    tokens.push({ kind, value: match, line });
    return placeholder;
  });
  return { text: masked, tokens };
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}
