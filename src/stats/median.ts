/**
 * The median of values (at least one): the middle one, or the mean of the two middle ones. One
 * definition for the pruners, the trials' time limits, the in-run noise estimate and importance.
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
