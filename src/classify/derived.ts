// Derived differences: a checksum list (md5sums, SHA256SUMS, an SRI hash, a lock file) changes because a
// file it lists changed. Its new token is as random-looking as any id, but it is not noise: it is the
// other file's digest. Once every differing file of a comparison has been hashed, a post-pass turns each
// harmless-looking finding whose differing token equals a digest of a differing file (on its own side)
// into 'content' that names that file.
import { createHash } from 'node:crypto';
import type { Fact } from '../core/finding.js';
import type { Findings } from '../core/findings.js';

const ALGOS = ['md5', 'sha1', 'sha256', 'sha512'] as const;
const DIGEST_BYTES = [16, 20, 32, 64];

/** Bytes of a digest kept as its key: 96 bits tell the differing files of one comparison apart. */
const KEY_BYTES = 12;

interface Source {
  path: string;
  algo: string;
}

/** One key per digest, whatever text form the token takes (hex, base64, base64url): its leading bytes. */
function keyOf(d: Buffer): string {
  return d.subarray(0, KEY_BYTES).toString('base64');
}

/** The digests a token may be: hex when it reads as hex, base64 (or base64url) otherwise or as well. */
function decodings(token: string): Buffer[] {
  const t = token.replace(/^(md5|sha1|sha256|sha512)[-:]/i, '').replace(/=+$/, '');
  const out: Buffer[] = [];
  if (/^[0-9a-f]+$/i.test(t) && t.length % 2 === 0) out.push(Buffer.from(t, 'hex'));
  if (/^[A-Za-z0-9+/_-]+$/.test(t)) out.push(Buffer.from(t, 'base64'));
  return out.filter((d) => DIGEST_BYTES.includes(d.length));
}

/**
 * Digests of the files that differ in one comparison, each with its path and side, held compactly (a run
 * can have 100,000 differing files): per file and side one key per algorithm, the path stored once; a
 * key's value packs path index, algorithm and side into one number.
 */
export class DigestIndex {
  private readonly paths: string[] = [];
  private readonly pathIndex = new Map<string, number>();
  private readonly byKey = new Map<string, number | number[]>();

  add(path: string, side: 'a' | 'b', content: Buffer): void {
    let p = this.pathIndex.get(path);
    if (p === undefined) {
      p = this.paths.push(path) - 1;
      this.pathIndex.set(path, p);
    }
    ALGOS.forEach((algo, i) => {
      const key = keyOf(createHash(algo).update(content).digest());
      const v = p * 8 + i * 2 + (side === 'a' ? 0 : 1);
      const had = this.byKey.get(key);
      if (had === undefined) this.byKey.set(key, v);
      else if (typeof had === 'number') this.byKey.set(key, [had, v]);
      else had.push(v);
    });
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Every (path index, algorithm, side) whose digest the token is, for the algorithm its length fits. */
  private lookup(token: string, side: 0 | 1): number[] {
    const out: number[] = [];
    for (const d of decodings(token)) {
      const had = this.byKey.get(keyOf(d));
      for (const v of had === undefined ? [] : typeof had === 'number' ? [had] : had) {
        if ((v & 1) === side && DIGEST_BYTES[(v >> 1) & 3] === d.length) out.push(v >> 1);
      }
    }
    return out;
  }

  /** The file (and algorithm) whose digest is `a` on side a and `b` on side b, if any. */
  source(a: string, b: string): Source | undefined {
    const inB = new Set(this.lookup(b, 1));
    const hit = this.lookup(a, 0).find((x) => inB.has(x));
    return hit === undefined ? undefined : { path: this.paths[Math.floor(hit / 4)]!, algo: ALGOS[hit & 3]! };
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
