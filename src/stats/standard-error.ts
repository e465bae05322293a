/** The standard error of the mean of values (at least two): how far their mean may be from the truth. */
export function standardError(values: readonly number[]): number {
  const m = values.reduce((s, x) => s + x, 0) / values.length;
  return Math.sqrt(
    values.reduce((s, x) => s + (x - m) ** 2, 0) / (values.length - 1) / values.length,
  );
}
