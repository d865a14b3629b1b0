// A file can differ for several reasons at once: the demo's build-info.json holds a time, a random id and
// the host name, and the content engine reports one finding per file, named by its commonest cause. The
// check knows more than a plain diff — which values it varied on purpose — so when a finding's diff shows
// a variation's A value on a removed line and its B value on an added line, the check adds a build-env
// finding naming that variation, and the user learns that the hostname leaks into this file.
import type { Variation } from '../core/variation.js';
import type { Finding } from '../core/finding.js';

/** Lines of a unified diff (or "a → b" field list) by side; the other formats give nothing. */
function sides(detail: string): { removed: string; added: string } {
  const removed: string[] = [];
  const added: string[] = [];
  for (const line of detail.split('\n')) {
    if (line.startsWith('---') || line.startsWith('+++')) continue;
    if (line.startsWith('-')) removed.push(line);
    else if (line.startsWith('+')) added.push(line);
  }
  return { removed: removed.join('\n'), added: added.join('\n') };
}

/** The variations whose values show, A on the removed side and B on the added side, of this finding. */
export function variationsIn(f: Finding, variations: Variation[]): Variation[] {
  if (!f.detail) return [];
  const { removed, added } = sides(f.detail);
  // Short values ("UTC", "C.UTF-8") also occur by chance; only distinctive ones count as evidence.
  return variations.filter((v) => v.a.length >= 6 && v.b.length >= 6 && v.a !== v.b && removed.includes(v.a) && added.includes(v.b));
}

/** build-env findings for variations seen inside findings classified otherwise (one per path and inner). */
export function variationFindings(findings: Iterable<Finding>, variations: Variation[]): Finding[] {
  const have = new Set<string>();
  for (const f of findings) if (f.category === 'build-env') have.add(`${f.path}\u0000${f.inner ?? ''}`);
  const out: Finding[] = [];
  for (const f of findings) {
    if (f.category === 'build-env' || f.category === 'image-metadata') continue;
    const key = `${f.path}\u0000${f.inner ?? ''}`;
    if (have.has(key)) continue;
    const hits = variationsIn(f, variations);
    if (hits.length === 0) continue;
    have.add(key);
    out.push({
      path: f.path,
      ...(f.layer !== undefined ? { layer: f.layer } : {}),
      ...(f.inner !== undefined ? { inner: f.inner } : {}),
      category: 'build-env',
      code: 'variation',
      facts: [...hits.map((v) => ({ variation: v.name, a: v.a, b: v.b })), { note: `besides the ${f.category} difference` }],
      detail: '',
    });
  }
  return out;
}
