// Differences of order rather than of content: members stored in another order (readdir order leaks into
// `tar -c`), and hardlink pairs where the walk order decided which path is the file and which the link.
import type { Member, SideScan } from './side-scan.js';

export interface HardlinkSwap {
  /** The lexically first path of the pair: the one reported. */
  path: string;
  other: string;
}

function isFile(m: Member | undefined): m is Member {
  return m?.entry.type === 'file';
}

function linksTo(m: Member | undefined, target: string): boolean {
  return m?.entry.type === 'hardlink' && m.entry.linkname === target;
}

/**
 * Pairs (p, q) where A stores p as the file and q as a link to it, and B the other way round. These are
 * one ordering difference, not two type changes and two content changes.
 */
export function findHardlinkSwaps(a: SideScan, b: SideScan): HardlinkSwap[] {
  const swaps: HardlinkSwap[] = [];
  for (const [p, ma] of a.members) {
    if (!isFile(ma)) continue;
    const mb = b.members.get(p);
    if (!mb || mb.entry.type !== 'hardlink' || !mb.entry.linkname) continue;
    const q = mb.entry.linkname;
    if (q === p || !linksTo(a.members.get(q), p) || !isFile(b.members.get(q))) continue;
    swaps.push(p < q ? { path: p, other: q } : { path: q, other: p });
  }
  return swaps;
}

export interface OrderDifference {
  /** Members both sides store. */
  common: number;
  /** True when both sides store exactly the same members. */
  sameSet: boolean;
  /** First member (in A's order) whose position relative to the others differs. */
  first: string;
}

/**
 * Whether the members both sides hold come in another relative order. Members only on one side do not
 * count (they are added/removed findings), nor do `skip` keys (hardlink swaps, reported on their own).
 */
export function compareOrder(a: readonly string[], b: readonly string[], skip: ReadonlySet<string>): OrderDifference | undefined {
  const posB = new Map<string, number>();
  b.forEach((k, i) => {
    if (!skip.has(k)) posB.set(k, i);
  });
  let common = 0;
  let last = -1;
  let first: string | undefined;
  for (const k of a) {
    if (skip.has(k)) continue;
    const pos = posB.get(k);
    if (pos === undefined) continue;
    common++;
    if (pos < last && first === undefined) first = k;
    last = Math.max(last, pos);
  }
  if (first === undefined) return undefined;
  const countA = a.filter((k) => !skip.has(k)).length;
  return { common, sameSet: common === countA && common === posB.size, first };
}
