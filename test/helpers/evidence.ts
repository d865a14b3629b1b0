// Tests read a finding's words the way every renderer does: through src/report/evidence.ts.
import type { Category, Fact, FindingCode } from '../../src/core/finding.js';
import { evidenceText } from '../../src/core/evidence.js';

/** The evidence line of a finding, a content finding or a classification (code 'text' when it has none). */
export function ev(f: { category: Category; facts: Fact[]; code?: FindingCode } | undefined): string {
  return f ? evidenceText({ code: f.code ?? 'text', category: f.category, facts: f.facts }) : '';
}
