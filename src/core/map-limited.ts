// The one small worker pool: the comparison's content pairs and check's builds.

/** Run `work` over `items`, at most `limit` (at least one) at a time, results in input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (t: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T, i);
    }
  });
  await Promise.all(runners);
  return out;
}
