/**
 * Softmax of scores: exp(x - max) normalized, shifted by the largest so no exponent overflows.
 * f-DPG's policy and the proxy-tuned label decisions both read it.
 */
export function softmax(scores: readonly number[]): number[] {
  const top = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}
