import { adamStep, newAdamState } from './adam.ts';
import { cholesky, inverseFromCholesky, solveLower, solveUpper } from './cholesky.ts';

/**
 * A Gaussian process regression model with a Matérn-5/2 kernel, one lengthscale per input
 * dimension (ARD), a signal variance and a Gaussian noise variance, written from Rasmussen and
 * Williams (2006), chapters 2 and 5:
 *
 *   k(x, x') = s² (1 + √5 r + 5/3 r²) exp(-√5 r),   r² = Σ_d ((x_d - x'_d) / l_d)²
 *   mean(x*) = k*ᵀ (K + σ² I)⁻¹ y,   var(x*) = s² - k*ᵀ (K + σ² I)⁻¹ k*
 *
 * The hyperparameters are fitted by maximizing the log marginal likelihood plus log priors
 * (maximum a posteriori), with its analytic gradient, by Adam from a few fixed starts. The
 * priors keep a fit on few points sensible: lengthscales log-normal around √2 · √D (the
 * dimension-scaled prior of Hvarfner et al. 2024, "Vanilla Bayesian optimization performs great
 * in high dimensions"), the signal variance near 1 (outputs are standardized), the noise small
 * but above a floor.
 */
export interface GpHyperparameters {
  lengthscales: number[];
  signalVariance: number;
  noiseVariance: number;
}

export interface GpFitOptions {
  /**
   * The objective is noise-free (a benchmark function, a surrogate): the noise prior sits far
   * lower, so the model interpolates its observations.
   */
  deterministic?: boolean;
  /** Adam iterations per start. */
  iterations?: number;
}

/** The smallest noise variance (on standardized outputs): keeps the factorization stable. */
export const NOISE_FLOOR = 1e-6;
const SQRT5 = Math.sqrt(5);

/** The Matérn-5/2 correlation at scaled distance r. */
export function matern52(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (5 / 3) * r * r) * Math.exp(-s);
}

function scaledDistance2(a: ArrayLike<number>, b: ArrayLike<number>, inv: Float64Array): number {
  let sum = 0;
  for (let d = 0; d < inv.length; d++) {
    const t = (a[d]! - b[d]!) * inv[d]!;
    sum += t * t;
  }
  return sum;
}

export class GaussianProcess {
  private readonly inverseLengthscales: Float64Array;

  private constructor(
    readonly x: readonly Float64Array[],
    readonly y: Float64Array,
    readonly hyper: GpHyperparameters,
    /** Cholesky factor of K + σ² I. */
    private readonly l: Float64Array,
    /** (K + σ² I)⁻¹ y. */
    private readonly alpha: Float64Array,
    /** The log marginal likelihood of the data under these hyperparameters. */
    readonly logMarginalLikelihood: number,
  ) {
    this.inverseLengthscales = Float64Array.from(hyper.lengthscales, (l) => 1 / l);
  }

  /** The model of (x, y) under given hyperparameters. */
  static withHyperparameters(
    x: readonly ArrayLike<number>[],
    y: ArrayLike<number>,
    hyper: GpHyperparameters,
  ): GaussianProcess {
    const xs = x.map((row) => Float64Array.from(row));
    const ys = Float64Array.from(y);
    const n = xs.length;
    const inv = Float64Array.from(hyper.lengthscales, (l) => 1 / l);
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = hyper.signalVariance * matern52(Math.sqrt(scaledDistance2(xs[i]!, xs[j]!, inv)));
        k[i * n + j] = v;
        k[j * n + i] = v;
      }
    }
    const { l, alpha, lml } = condition(k, n, hyper.noiseVariance, ys);
    return new GaussianProcess(xs, ys, hyper, l, alpha, lml);
  }

  /** The model with hyperparameters fitted to (x, y) (y standardized: mean 0, variance 1). */
  static fit(
    x: readonly ArrayLike<number>[],
    y: ArrayLike<number>,
    options: GpFitOptions = {},
  ): GaussianProcess {
    const dims = x[0]?.length ?? 0;
    const prior = priors(dims, options.deterministic === true);
    const starts = [
      [...Array<number>(dims).fill(prior.logLengthscaleMean), 0, prior.logNoiseMean],
      // Shorter lengthscales: a wigglier function than the prior expects.
      [...Array<number>(dims).fill(prior.logLengthscaleMean - 1.5), 0, prior.logNoiseMean],
    ];
    const xs = x.map((row) => Float64Array.from(row));
    const ys = Float64Array.from(y);
    let best: { theta: number[]; value: number } | null = null;
    for (const start of starts) {
      const theta = fitFrom(xs, ys, start, prior, options.iterations ?? 60);
      const value = logPosterior(xs, ys, theta, prior).value;
      if (!best || value > best.value) best = { theta, value };
    }
    return GaussianProcess.withHyperparameters(xs, ys, hyperOf(best!.theta));
  }

  /** The posterior mean and variance of the latent function at a point. */
  predict(point: ArrayLike<number>): { mean: number; variance: number } {
    const n = this.x.length;
    const ks = new Float64Array(n);
    for (let i = 0; i < n; i++)
      ks[i] =
        this.hyper.signalVariance *
        matern52(Math.sqrt(scaledDistance2(point, this.x[i]!, this.inverseLengthscales)));
    let mean = 0;
    for (let i = 0; i < n; i++) mean += ks[i]! * this.alpha[i]!;
    const v = solveLower(this.l, n, ks);
    let reduction = 0;
    for (let i = 0; i < n; i++) reduction += v[i]! * v[i]!;
    return { mean, variance: Math.max(this.hyper.signalVariance - reduction, 1e-12) };
  }

  /**
   * The same model with more observations under the same hyperparameters: how running trials
   * are accounted for (kriging believer: each is believed to score the mean predicted for it,
   * so the uncertainty there collapses and the next proposal goes elsewhere).
   */
  withObservations(x: readonly ArrayLike<number>[], y: ArrayLike<number>): GaussianProcess {
    return GaussianProcess.withHyperparameters(
      [...this.x, ...x],
      [...this.y, ...Array.from(y)],
      this.hyper,
    );
  }
}

/**
 * Factors K + σ² I, adding jitter when rounding makes it fail (duplicate points with a tiny
 * noise variance).
 */
function factorWithJitter(k: Float64Array, n: number, noise: number): { l: Float64Array } {
  let jitter = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    const a = Float64Array.from(k);
    for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + noise + jitter;
    const l = cholesky(a, n);
    if (l) return { l };
    jitter = jitter === 0 ? 1e-8 : jitter * 10;
  }
  throw new Error('the Gaussian process covariance is not positive definite, even with jitter');
}

/**
 * The data conditioned on: the factor of K + σ² I, α = (K + σ² I)⁻¹ y, and the log marginal
 * likelihood -½ yᵀα - Σ log L_ii - n/2 log 2π (Rasmussen and Williams, algorithm 2.1).
 */
function condition(
  k: Float64Array,
  n: number,
  noise: number,
  y: Float64Array,
): { l: Float64Array; alpha: Float64Array; lml: number } {
  const { l } = factorWithJitter(k, n, noise);
  const alpha = solveUpper(l, n, solveLower(l, n, y));
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(l[i * n + i]!);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += y[i]! * alpha[i]!;
  return { l, alpha, lml: -0.5 * fit - logDet - 0.5 * n * Math.log(2 * Math.PI) };
}

interface Priors {
  logLengthscaleMean: number;
  logLengthscaleSd: number;
  logSignalSd: number;
  logNoiseMean: number;
  logNoiseSd: number;
}

function priors(dims: number, deterministic: boolean): Priors {
  return {
    logLengthscaleMean: Math.SQRT2 + 0.5 * Math.log(Math.max(1, dims)),
    logLengthscaleSd: Math.sqrt(3),
    logSignalSd: 1,
    // Noise variance near e^-4 (about 2% of the output variance) unless noise-free.
    logNoiseMean: deterministic ? -12 : -4,
    logNoiseSd: 2,
  };
}

/** θ = [log l_1..log l_D, log s², log(σ² - floor)] to hyperparameters. */
function hyperOf(theta: readonly number[]): GpHyperparameters {
  const d = theta.length - 2;
  return {
    lengthscales: theta.slice(0, d).map(Math.exp),
    signalVariance: Math.exp(theta[d]!),
    noiseVariance: NOISE_FLOOR + Math.exp(theta[d + 1]!),
  };
}

const logNormal = (v: number, mean: number, sd: number) => -0.5 * ((v - mean) / sd) ** 2;

/** The log marginal likelihood plus log priors at θ, and its gradient. */
export function logPosterior(
  x: readonly Float64Array[],
  y: Float64Array,
  theta: readonly number[],
  prior: Priors = priors(x[0]?.length ?? 0, false),
): { value: number; gradient: number[] } {
  const n = x.length;
  const dims = theta.length - 2;
  const hyper = hyperOf(theta);
  const inv = Float64Array.from(hyper.lengthscales, (l) => 1 / l);
  const s2 = hyper.signalVariance;
  // K, and for the gradient each pair's s² (5/3)(1 + √5 r) e^{-√5 r}: ∂K_ij/∂log l_d is that
  // times ((x_id - x_jd) / l_d)².
  const k = new Float64Array(n * n);
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const r = Math.sqrt(scaledDistance2(x[i]!, x[j]!, inv));
      const e = Math.exp(-SQRT5 * r);
      const kv = s2 * (1 + SQRT5 * r + (5 / 3) * r * r) * e;
      const gv = s2 * (5 / 3) * (1 + SQRT5 * r) * e;
      k[i * n + j] = kv;
      k[j * n + i] = kv;
      g[i * n + j] = gv;
      g[j * n + i] = gv;
    }
  }
  const { l, alpha, lml } = condition(k, n, hyper.noiseVariance, y);
  let value = lml;
  // ∂/∂θ = ½ tr(W ∂K/∂θ), W = ααᵀ - K⁻¹ (Rasmussen and Williams, eq. 5.9).
  const kinv = inverseFromCholesky(l, n);
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) w[i * n + j] = alpha[i]! * alpha[j]! - kinv[i * n + j]!;
  const gradient = new Float64Array(theta.length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const wij = w[i * n + j]!;
      // ∂K/∂log s² = K without the noise.
      gradient[dims] = gradient[dims]! + 0.5 * wij * k[i * n + j]!;
      const gij = g[i * n + j]! * wij * 0.5;
      if (gij === 0) continue;
      for (let d = 0; d < dims; d++) {
        const t = (x[i]![d]! - x[j]![d]!) * inv[d]!;
        gradient[d] = gradient[d]! + gij * t * t;
      }
    }
  }
  // ∂K/∂θ_noise = (σ² - floor) I.
  let trace = 0;
  for (let i = 0; i < n; i++) trace += w[i * n + i]!;
  gradient[dims + 1] = 0.5 * trace * (hyper.noiseVariance - NOISE_FLOOR);
  // The priors, in θ.
  for (let d = 0; d < dims; d++) {
    value += logNormal(theta[d]!, prior.logLengthscaleMean, prior.logLengthscaleSd);
    gradient[d] =
      gradient[d]! - (theta[d]! - prior.logLengthscaleMean) / prior.logLengthscaleSd ** 2;
  }
  value += logNormal(theta[dims]!, 0, prior.logSignalSd);
  gradient[dims] = gradient[dims]! - theta[dims]! / prior.logSignalSd ** 2;
  value += logNormal(theta[dims + 1]!, prior.logNoiseMean, prior.logNoiseSd);
  gradient[dims + 1] =
    gradient[dims + 1]! - (theta[dims + 1]! - prior.logNoiseMean) / prior.logNoiseSd ** 2;
  return { value, gradient: Array.from(gradient) };
}

/** Adam ascent on the log posterior from one start; θ kept within sane bounds. */
function fitFrom(
  x: readonly Float64Array[],
  y: Float64Array,
  start: readonly number[],
  prior: Priors,
  iterations: number,
): number[] {
  const dims = start.length - 2;
  let theta = [...start];
  const state = newAdamState(theta.length);
  let best = { theta, value: -Infinity };
  for (let it = 0; it < iterations; it++) {
    const { value, gradient } = logPosterior(x, y, theta, prior);
    if (value > best.value) best = { theta: [...theta], value };
    if (!gradient.every(Number.isFinite)) break;
    // Adam minimizes: step on the negative gradient of the log posterior.
    theta = adamStep(
      theta,
      gradient.map((v) => -v),
      state,
      { learningRate: 0.1, beta1: 0.9, beta2: 0.999 },
    );
    theta = theta.map((t, i) =>
      i < dims
        ? Math.min(Math.log(100), Math.max(Math.log(1e-3), t))
        : i === dims
          ? Math.min(Math.log(20), Math.max(Math.log(0.05), t))
          : Math.min(Math.log(2), Math.max(Math.log(1e-12), t)),
    );
  }
  const last = logPosterior(x, y, theta, prior).value;
  return last > best.value ? theta : best.theta;
}
