// Counting "how many images does this key affect" over an unbounded stream of reports in bounded memory:
// the Space-Saving summary (Metwally, Agrawal, El Abbadi, 2005) with batched eviction. At most 2 × capacity
// keys are held; when that many are reached, all but the `capacity` highest are dropped and the highest
// dropped count becomes the floor a new key starts from. Every held count is then an upper bound, and
// count − error a lower bound, on the key's true count: exact (error 0) until the first eviction.

export interface Counted<P> {
  key: string;
  /** Upper bound on the number of groups (images) the key was seen in. */
  count: number;
  /** count − error is a lower bound; 0 means exact. */
  error: number;
  /** Occurrences (findings), counted since the key was last taken in. */
  hits: number;
  payload: P;
  /** The last group the key was counted in: several hits in one group count once. */
  group: number;
}

export class TopK<P> {
  private readonly held = new Map<string, Counted<P>>();
  private floor = 0;

  constructor(private readonly capacity: number) {}

  /** One occurrence of `key` in group `group` (groups come in increasing order); `init` makes the payload of a new key. */
  add(key: string, group: number, init: () => P, update?: (p: P) => void): void {
    let c = this.held.get(key);
    if (!c) {
      if (this.held.size >= 2 * this.capacity) this.evict();
      c = { key, count: this.floor, error: this.floor, hits: 0, payload: init(), group: -1 };
      this.held.set(key, c);
    }
    if (c.group !== group) {
      c.count++;
      c.group = group;
    }
    c.hits++;
    update?.(c.payload);
  }

  /** True once a key was dropped: counts are bounds, not exact. */
  get approximate(): boolean {
    return this.floor > 0;
  }

  /** The `n` highest counts, ties by key, so the same stream always gives the same list. */
  top(n: number): Counted<P>[] {
    return [...this.held.values()].sort(byCount).slice(0, n);
  }

  /**
   * Keeps the keys with the highest lower bound (count − error): a key that entered at the floor has not
   * shown yet that it is frequent, one counted from the start has. The bounds hold whichever keys go, since
   * the floor becomes the highest upper bound dropped.
   */
  private evict(): void {
    const sorted = [...this.held.values()].sort((a, b) => b.count - b.error - (a.count - a.error) || a.error - b.error || byCount(a, b));
    for (const c of sorted.slice(this.capacity)) {
      this.floor = Math.max(this.floor, c.count);
      this.held.delete(c.key);
    }
  }
}

function byCount<P>(a: Counted<P>, b: Counted<P>): number {
  return b.count - a.count || b.hits - a.hits || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
