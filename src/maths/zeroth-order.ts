import type { Rng } from '../random/rng.ts';

/**
 * CBBT's zeroth-order gradient estimate (see ../shared/papers/README.md), in one place for the
 * two things that use it: the `zo` strategy, which probes configurations, and the wine-adapter
 * task, which probes an input offset of a model it can only query. Neither ever asks for a
 * gradient: the estimate is built from differences of losses alone.
 */
export interface DifferenceSample {
  /** Where the probe went relative to its reference point (eps u, or 2 eps u when central). */
  displacement: number[];
  /** L(probe) - L(reference). */
  difference: number;
}

/**
 * The zeroth-order gradient estimate from q probes in d dimensions:
 *   g = (d / q) * sum_i [difference_i / |delta_i|] * delta_i / |delta_i|,
 * which is CBBT's one-sided estimator when delta_i = eps u_i (and the central one when
 * delta_i = 2 eps u_i). Probes that did not move are skipped.
 */
export function estimateGradient(samples: readonly DifferenceSample[], d: number): number[] {
  const g = new Array<number>(d).fill(0);
  const q = samples.length;
  if (q === 0) return g;
  for (const s of samples) {
    const length = Math.sqrt(s.displacement.reduce((a, v) => a + v * v, 0));
    if (length < 1e-12) continue;
    const slope = s.difference / length;
    for (let j = 0; j < d; j++) g[j]! += (d / q) * slope * (s.displacement[j]! / length);
  }
  return g;
}

/** g scaled down to norm `max` when it is longer (one bad probe should not throw theta away). */
export function clipNorm(g: readonly number[], max: number): number[] {
  const n = Math.sqrt(g.reduce((a, v) => a + v * v, 0));
  return n > max ? g.map((v) => (v * max) / n) : [...g];
}

/** A direction uniform on the unit sphere in d dimensions: a normalized Gaussian vector. */
export function unitDirection(rng: Rng, d: number): number[] {
  for (;;) {
    const v = Array.from({ length: d }, () => rng.normal());
    const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    if (n > 1e-12) return v.map((x) => x / n);
  }
}
