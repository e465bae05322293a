/**
 * The corrected resampled t-test (Nadeau and Bengio 2003, "Inference for the generalization
 * error"): whether one configuration beats another over the folds of a cross-validation. Folds
 * share training rows, so their scores are correlated and the plain paired t-test is far too
 * sure of itself; the correction widens the variance by the test/train size ratio:
 * se = sqrt((1/J + n_test/n_train) * var(d)), with J folds and paired differences d.
 */
export interface PairedTest {
  /** Mean paired difference (positive: the first is better). */
  mean: number;
  /** The corrected standard error of the mean difference. */
  se: number;
  /** Degrees of freedom (folds - 1). */
  df: number;
  /** One-sided p-value of "the first is no better". */
  p: number;
  /** One-sided lower confidence bound of the mean difference, at `confidence`. */
  lower: number;
  /** The confidence of `lower` (0.95 unless a caller corrects for several comparisons). */
  confidence: number;
}

/**
 * `differences` are one per fold, signed so that positive is better; `testTrainRatio` is the
 * share of rows a fold validates on over those it trains on (1/(k-1) for k folds).
 */
export function correctedResampledTTest(
  differences: readonly number[],
  testTrainRatio: number,
  confidence = 0.95,
): PairedTest {
  const J = differences.length;
  if (J < 2) throw new Error('the corrected resampled t-test needs at least two folds');
  const mean = differences.reduce((s, d) => s + d, 0) / J;
  const variance = differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (J - 1);
  const se = Math.sqrt((1 / J + testTrainRatio) * variance);
  const df = J - 1;
  if (se === 0)
    return { mean, se, df, p: mean > 0 ? 0 : mean < 0 ? 1 : 0.5, lower: mean, confidence };
  return {
    mean,
    se,
    df,
    p: 1 - studentTCdf(mean / se, df),
    lower: mean - studentTQuantile(confidence, df) * se,
    confidence,
  };
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedIncompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T <= t) = q, by bisection on the CDF (monotone; 100 halvings is exact enough). */
export function studentTQuantile(q: number, df: number): number {
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** I_x(a, b), by its continued fraction (Lentz's method), on the side where it converges. */
function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    for (const aa of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 digits). */
function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = g[0]!;
  for (let i = 1; i < 9; i++) sum += g[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
