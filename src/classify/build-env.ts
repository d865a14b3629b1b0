// Values naming the build environment (hostname, build path, user, locale, timezone) differ between the two
// builds by construction: `repro check` varies them on purpose and passes them as ctx.variations. Each side
// has its own values, so side a masks the a-values and side b the b-values.
import { maskMatches, type Masked, type TextDetector } from './mask.js';

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const buildEnvDetector: TextDetector = {
  category: 'build-env',
  mask(text, side, ctx): Masked {
    // Longest first, so "/build/a/src" is masked before "/build/a" would split it.
    const values = ctx.variations
      .map((v) => ({ name: v.name, value: side === 'a' ? v.a : v.b, other: side === 'a' ? v.b : v.a }))
      .filter((v) => v.value.length > 0 && v.value !== v.other)
      .sort((x, y) => y.value.length - x.value.length);
    if (values.length === 0) return { text, tokens: [] };
    const byValue = new Map(values.map((v) => [v.value, v.name]));
    const re = new RegExp(values.map((v) => escape(v.value)).join('|'), 'g');
    return maskMatches(text, re, (m) => byValue.get(m) ?? null, '\u0000ENV\u0000');
  },
};
