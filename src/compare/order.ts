// Differences of order rather than of content: members stored in another order (readdir order leaks into
// `tar -c`), and hardlink pairs where the walk order decided which path is the file and which the link.
import type { Member } from './side-scan.js';

export interface HardlinkSwap {
  /** The lexically first path of the pair: the one reported. */
  path: string;
  other: string;
}

/** A path both sides hold, one as the file and the other as a hardlink: a candidate half of a swap. */
export interface LinkedPair {
  key: string;
  a: Member;
  b: Member;
}

/** A stores the file and B a hardlink to elsewhere, or the other way round: half of a possible swap. */
export function isSwapCandidate(a: Member, b: Member): boolean {
  return (a.entry.type === 'file' && b.entry.type === 'hardlink') || (a.entry.type === 'hardlink' && b.entry.type === 'file');
}

/**
 * Pairs (p, q) where A stores p as the file and q as a link to it, and B the other way round. These are
 * one ordering difference, not two type changes and two content changes. `candidates` are the paths of
 * which isSwapCandidate holds (only those can be part of a swap).
 */
export function findHardlinkSwaps(candidates: ReadonlyMap<string, LinkedPair>): HardlinkSwap[] {
  const swaps: HardlinkSwap[] = [];
  for (const [p, { a: ma, b: mb }] of candidates) {
    if (ma.entry.type !== 'file' || mb.entry.type !== 'hardlink' || !mb.entry.linkname) continue;
    const q = mb.entry.linkname;
    const other = candidates.get(q);
    if (q === p || !other || other.a.entry.type !== 'hardlink' || other.a.entry.linkname !== p || other.b.entry.type !== 'file') continue;
    swaps.push(p < q ? { path: p, other: q } : { path: q, other: p });
  }
  return swaps;
}

export interface OrderDifference {
  /** Members both sides store. */
  common: number;
  /** True when both sides store exactly the same members. */
  sameSet: boolean;
  /** Stream position (in A) of the first member whose position relative to the others differs. */
  firstSeq: number;
}

/**
 * The positions of the members both sides hold, fed one pair at a time in any order: A's position indexes
 * a packed array of B's (4 bytes per member, never a map of names), read back in A's order.
 */
export class OrderTracker {
  private posB = new Int32Array(1024).fill(-1);
  private common = 0;

  add(seqA: number, seqB: number): void {
    if (seqA >= this.posB.length) {
      let n = this.posB.length;
      while (n <= seqA) n *= 2;
      const grown = new Int32Array(n).fill(-1);
      grown.set(this.posB);
      this.posB = grown;
    }
    if (this.posB[seqA] === -1) this.common++;
    this.posB[seqA] = seqB;
  }

  /** A member paired earlier is not compared for order after all (a hardlink swap is its own finding). */
  remove(seqA: number): void {
    if (seqA < this.posB.length && this.posB[seqA] !== -1) {
      this.posB[seqA] = -1;
      this.common--;
    }
  }

  /**
   * Whether the common members come in another relative order. Members only on one side do not count
   * (they are added/removed findings). `countA`/`countB`: members each side holds (for sameSet).
   */
  result(countA: number, countB: number): OrderDifference | undefined {
    let last = -1;
    for (let seqA = 0; seqA < this.posB.length; seqA++) {
      const pos = this.posB[seqA] as number;
      if (pos === -1) continue;
      if (pos < last) return { common: this.common, sameSet: this.common === countA && this.common === countB, firstSeq: seqA };
      last = pos;
    }
    return undefined;
  }
}
