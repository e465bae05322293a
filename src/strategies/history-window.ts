/**
 * What a strategy learns from on a long history: the latest results and the best older ones,
 * so that the cost of a proposal stops growing with the campaign while the incumbent's region
 * is never forgotten (TPE and f-DPG; see their `window` options).
 */

/**
 * The latest `window` items and the `keepBest` older ones with the smallest `key`, in their
 * original order; all of them when there are no more than `window`.
 */
export function latestAndBest<T>(
  items: readonly T[],
  window: number,
  keepBest: number,
  key: (item: T) => number,
): T[] {
  if (items.length <= window) return [...items];
  const cut = items.length - window;
  return [...smallest(items.slice(0, cut), keepBest, key), ...items.slice(cut)];
}

/** The `k` items with the smallest `key`, in their original order (k small, items many). */
export function smallest<T>(items: readonly T[], k: number, key: (item: T) => number): T[] {
  const best: { item: T; key: number; at: number }[] = [];
  items.forEach((item, at) => {
    const v = key(item);
    if (best.length === k && v >= best[k - 1]!.key) return;
    let i = best.length;
    while (i > 0 && best[i - 1]!.key > v) i--;
    best.splice(i, 0, { item, key: v, at });
    if (best.length > k) best.pop();
  });
  return best.sort((a, b) => a.at - b.at).map((b) => b.item);
}
