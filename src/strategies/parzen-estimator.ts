import type { Rng } from '../random/rng.ts';

/**
 * The densities TPE compares: a mixture of Gaussians truncated to [0, 1], one per observation
 * plus a wide prior component, and a smoothed categorical distribution.
 */

const SQRT2 = Math.SQRT2;

/** The error function (Abramowitz & Stegun 7.1.26; |error| < 1.5e-7), enough for densities. */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return sign * y;
}

function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / SQRT2));
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Log density at x of a Gaussian (mu, sigma) truncated to [0, 1]. */
export function truncatedNormalLogPdf(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  const mass = normalCdf((1 - mu) / sigma) - normalCdf((0 - mu) / sigma);
  return -0.5 * z * z - Math.log(sigma) - LOG_SQRT_2PI - Math.log(Math.max(mass, 1e-12));
}

/** A draw from a Gaussian (mu, sigma) truncated to [0, 1] (by rejection, clamped if unlucky). */
export function sampleTruncatedNormal(mu: number, sigma: number, rng: Rng): number {
  for (let attempt = 0; attempt < 100; attempt++) {
    const x = mu + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mu));
}

/** The prior component every estimator includes: wide enough to keep every region possible. */
export const PRIOR_MU = 0.5;
export const PRIOR_SIGMA = 1;

export interface TruncatedMixture {
  mus: number[];
  sigmas: number[];
  weights: number[];
}

/**
 * A Parzen estimator over [0, 1] from observed coordinates. Each observation's bandwidth is the
 * larger distance to its sorted neighbours, the prior's centre among them (wide where data is
 * sparse, narrow where it is dense), clipped between a floor that shrinks with the number of
 * observations and the whole range; a prior component (centre 0.5, width 1) keeps every region
 * possible.
 */
export function fitMixture(points: number[], priorWeight = 1): TruncatedMixture {
  const n = points.length;
  const sigmas = new Array<number>(n);
  // The prior's centre counts as a neighbour, and an end point's width is its one gap, not its
  // distance to the bound (Optuna's consider_endpoints=False): measured on the benchmark
  // functions, widths out to the bound made TPE explore where the good group was not (Hartmann-6
  // at 100 trials: regret 0.24 against 0.14; Rosenbrock-10: 1.4e4 against 4.5e3).
  const sorted = [...points.map((p, i) => ({ p, i })), { p: PRIOR_MU, i: -1 }].sort(
    (a, b) => a.p - b.p,
  );
  const minSigma = 1 / Math.min(100, n + 2);
  sorted.forEach(({ p, i }, k) => {
    if (i < 0) return;
    const left = k > 0 ? p - sorted[k - 1]!.p : 0;
    const right = k < sorted.length - 1 ? sorted[k + 1]!.p - p : 0;
    sigmas[i] = Math.min(1, Math.max(minSigma, left, right));
  });
  return {
    mus: [...points, PRIOR_MU],
    sigmas: [...sigmas, PRIOR_SIGMA],
    weights: [...points.map(() => 1), priorWeight].map(
      (w, _i, all) => w / all.reduce((a, b) => a + b, 0),
    ),
  };
}

export function mixtureLogDensity(m: TruncatedMixture, x: number): number {
  let density = 0;
  for (let i = 0; i < m.mus.length; i++)
    density += m.weights[i]! * Math.exp(truncatedNormalLogPdf(x, m.mus[i]!, m.sigmas[i]!));
  return Math.log(Math.max(density, 1e-300));
}

export function sampleMixture(m: TruncatedMixture, rng: Rng): number {
  const k = sampleCategorical(m.weights, rng);
  return sampleTruncatedNormal(m.mus[k]!, m.sigmas[k]!, rng);
}

/** Category probabilities from observed indices, each category smoothed by prior/k. */
export function fitCategorical(indices: number[], categories: number, priorWeight = 1): number[] {
  const counts = new Array<number>(categories).fill(priorWeight / categories);
  for (const i of indices) counts[i]! += 1;
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

export function sampleCategorical(probabilities: number[], rng: Rng): number {
  let r = rng.next();
  for (let i = 0; i < probabilities.length; i++) {
    if (r < probabilities[i]!) return i;
    r -= probabilities[i]!;
  }
  return probabilities.length - 1;
}
