// Derived differences: a checksum list (md5sums, SHA256SUMS, an SRI hash, a lock file) changes because a
// file it lists changed. Its new token is as random-looking as any id, but it is not noise: it is the
// other file's digest. Once every differing file of a comparison has been hashed, a post-pass turns each
// harmless-looking finding whose differing token equals a digest of a differing file (on its own side)
// into 'content' that names that file.
import { createHash } from 'node:crypto';
import type { Fact } from '../core/finding.js';
import type { Findings } from '../core/findings.js';

const ALGOS = ['md5', 'sha1', 'sha256', 'sha512'] as const;

interface Source {
  path: string;
  algo: string;
  side: 'a' | 'b';
}

/** Digests (hex and base64) of the files that differ in one comparison, each with its path and side. */
export class DigestIndex {
  private readonly byValue = new Map<string, Source[]>();

  add(path: string, side: 'a' | 'b', content: Buffer): void {
    for (const algo of ALGOS) {
      const d = createHash(algo).update(content).digest();
      for (const text of [d.toString('hex'), d.toString('base64'), d.toString('base64url')]) {
        const key = text.toLowerCase().replace(/=+$/, '');
        const list = this.byValue.get(key) ?? [];
        list.push({ path, algo, side });
        this.byValue.set(key, list);
      }
    }
  }

  get size(): number {
    return this.byValue.size;
  }

  /** The file (and algorithm) whose digest is `a` on side a and `b` on side b, if any. */
  source(a: string, b: string): Source | undefined {
    const key = (t: string): string => t.toLowerCase().replace(/=+$/, '').replace(/^(md5|sha1|sha256|sha512)[-:]/, '');
    const inA = this.byValue.get(key(a))?.filter((s) => s.side === 'a') ?? [];
    const inB = this.byValue.get(key(b))?.filter((s) => s.side === 'b') ?? [];
    return inA.find((s) => inB.some((t) => t.path === s.path && t.algo === s.algo));
  }
}

type TokenFact = Extract<Fact, { token: string }>;

/**
 * The findings with every token that is a differing file's digest turned into a 'content' finding: a second
 * pass over the store, once every differing file has been hashed.
 */
export function markDerived(findings: Findings, index: DigestIndex): Findings {
  if (index.size === 0) return findings;
  return findings.map((f) => {
    if (f.category === 'content' || f.category === 'binary') return f;
    const derived: Fact[] = [];
    for (const t of f.facts.filter((x): x is TokenFact => 'token' in x)) {
      const src = index.source(t.a, t.b);
      if (src && src.path !== f.path) derived.push({ derivedFrom: src.path, algo: src.algo, line: t.line });
    }
    if (derived.length === 0) return f;
    return { ...f, category: 'content', code: 'derived', facts: [...derived, ...f.facts.filter((x) => !('token' in x) || !index.source(x.a, x.b))] };
  });
}
