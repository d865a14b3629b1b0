// Accepted differences: the one way to call a real difference acceptable is a person's `--accept GLOB
// --reason TEXT`, recorded as an `accept` rule. Findings on those paths are marked accepted (with the
// reason), never removed: reports show them as accepted, not fixed. A check whose remaining findings are
// all accepted (or only follow from accepted content: layer and config digests) is reproducible.
import picomatch from 'picomatch';
import type { Finding } from '../core/finding.js';
import type { Findings } from '../core/findings.js';
import type { Rule } from '../rules/types.js';

export interface Acceptance {
  globs: string[];
  because: string;
}

export function acceptancesOf(rules: Rule[]): Acceptance[] {
  return rules.flatMap((r) => (r.action === 'accept' ? [{ globs: r.match, because: r.because }] : []));
}

/** The findings, those on accepted paths marked with the reason. */
export function markAccepted(findings: Findings, accepted: Acceptance[]): Findings {
  if (accepted.length === 0) return findings;
  const matchers = accepted.map((a) => ({ is: picomatch(a.globs, { dot: true }), because: a.because }));
  return findings.map((f) => {
    const m = f.path.startsWith('/') ? matchers.find((x) => x.is(f.path)) : undefined;
    return m ? { ...f, accepted: m.because } : f;
  });
}

/** Image-level findings that only follow from layer content (digests, sizes, diff_ids). */
function consequence(f: Finding): boolean {
  if (f.code === 'layer-compression' || f.code === 'layer-encoding') return true;
  return f.code === 'image-field' && f.facts.every((x) => 'field' in x && /digest|diff_ids|\bsize\b|layers/.test(x.field));
}

/** True when something was accepted and everything else that differs follows from it. */
export function onlyAccepted(findings: Findings): boolean {
  return findings.counts.accepted > 0 && findings.every((f) => f.accepted !== undefined || consequence(f));
}
