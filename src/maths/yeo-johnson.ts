/**
 * The Yeo-Johnson power transform (Yeo and Johnson 2000), with its λ chosen by maximum
 * likelihood as HEBO does for its outputs: results that span orders of magnitude (Rosenbrock's,
 * a loss that diverges) become close to normal, which is what a Gaussian process assumes. It is
 * monotone for every λ, so the order of the results, and so which is best, is kept.
 */

export function yeoJohnson(y: number, lambda: number): number {
  if (y >= 0) return Math.abs(lambda) < 1e-9 ? Math.log1p(y) : ((y + 1) ** lambda - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-9
    ? -Math.log1p(-y)
    : -((1 - y) ** (2 - lambda) - 1) / (2 - lambda);
}

/**
 * The inverse of yeoJohnson at the same λ. Where λ bounds the transform's range (λ < 0 for
 * positive values, λ > 2 for negative ones) a value past the bound maps to ±Infinity.
 */
export function yeoJohnsonInverse(t: number, lambda: number): number {
  if (t >= 0) {
    if (Math.abs(lambda) < 1e-9) return Math.expm1(t);
    const base = lambda * t + 1;
    return base > 0 ? base ** (1 / lambda) - 1 : Infinity;
  }
  const p = 2 - lambda;
  if (Math.abs(p) < 1e-9) return -Math.expm1(-t);
  const base = 1 - p * t;
  return base > 0 ? 1 - base ** (1 / p) : -Infinity;
}

/** The profile log-likelihood of λ under a normal model of the transformed values. */
function logLikelihood(ys: readonly number[], lambda: number): number {
  const t = ys.map((y) => yeoJohnson(y, lambda));
  const mean = t.reduce((a, b) => a + b, 0) / t.length;
  const variance = t.reduce((a, b) => a + (b - mean) ** 2, 0) / t.length;
  if (!(variance > 0) || !Number.isFinite(variance)) return -Infinity;
  let jacobian = 0;
  for (const y of ys) jacobian += Math.sign(y) * Math.log1p(Math.abs(y));
  return -0.5 * t.length * Math.log(variance) + (lambda - 1) * jacobian;
}

/**
 * The λ in [-2, 2] (on a grid of 0.05, then refined) that makes the values most normal. The
 * values should be standardized first, so that λ does not depend on their unit.
 */
export function fitYeoJohnson(ys: readonly number[]): number {
  let best = { lambda: 1, ll: logLikelihood(ys, 1) };
  for (let lambda = -2; lambda <= 2.0001; lambda += 0.05) {
    const ll = logLikelihood(ys, lambda);
    if (ll > best.ll) best = { lambda, ll };
  }
  // Golden-section refinement within one grid step either side.
  let lo = best.lambda - 0.05;
  let hi = best.lambda + 0.05;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 20; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (logLikelihood(ys, a) > logLikelihood(ys, b)) hi = b;
    else lo = a;
  }
  const refined = (lo + hi) / 2;
  return logLikelihood(ys, refined) > best.ll ? refined : best.lambda;
}
