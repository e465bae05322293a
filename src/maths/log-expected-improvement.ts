/**
 * The logarithm of expected improvement, computed so that it stays finite and ordered where EI
 * itself underflows to 0 (Ament, Daulton, Eriksson, Balandat, Bakshy 2023, "Unexpected
 * improvements to expected improvement for Bayesian optimization", eq. 9). Far from the
 * incumbent, plain EI is 0 for every candidate and an optimizer of it sees a flat plateau;
 * log EI still says which candidate is less hopeless.
 *
 * For minimization: EI(x) = σ h(z), z = (best - μ) / σ, h(z) = φ(z) + z Φ(z).
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const HALF_LOG_PI_OVER_2 = 0.5 * Math.log(Math.PI / 2);
/** Below -1/√ε the asymptotic form is exact to double precision. */
const ASYMPTOTIC_BELOW = -1 / Math.sqrt(Number.EPSILON);

/** The standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** The standard normal distribution function, 0.5 erfc(-z/√2). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** erfc(x), from erfcx for x ≥ 0 (no cancellation in the tail). */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  return Math.exp(-x * x) * erfcx(x);
}

/**
 * The scaled complementary error function erfcx(x) = exp(x²) erfc(x) for x ≥ 0: a rational
 * Chebyshev-type fit below 2 (Numerical Recipes' erfc, relative error under 1.2e-7, which is
 * plenty for ranking candidates), the continued fraction above, where it converges fast.
 */
export function erfcx(x: number): number {
  if (x < 0) return 2 * Math.exp(x * x) - erfcx(-x);
  if (x < 2) {
    const t = 1 / (1 + 0.5 * x);
    const poly =
      -1.26551223 +
      t *
        (1.00002368 +
          t *
            (0.37409196 +
              t *
                (0.09678418 +
                  t *
                    (-0.18628806 +
                      t *
                        (0.27886807 +
                          t *
                            (-1.13520398 +
                              t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    return t * Math.exp(poly);
  }
  // erfc(x) exp(x²) = (1/√π) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))).
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return 1 / (Math.sqrt(Math.PI) * f);
}

/** log(1 - exp(x)) for x < 0, accurate at both ends (Mächler 2012). */
function log1mexp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** log h(z), h(z) = φ(z) + z Φ(z), finite for every finite z. */
export function logH(z: number): number {
  if (z > -1) return Math.log(normalPdf(z) + z * normalCdf(z));
  if (z > ASYMPTOTIC_BELOW)
    return (
      -0.5 * z * z -
      LOG_SQRT_2PI +
      log1mexp(Math.log(erfcx(-z / Math.SQRT2) * Math.abs(z)) + HALF_LOG_PI_OVER_2)
    );
  return -0.5 * z * z - LOG_SQRT_2PI - 2 * Math.log(Math.abs(z));
}

/** log EI of a prediction (mean, standard deviation) against the best value so far, minimizing. */
export function logExpectedImprovement(mean: number, sd: number, best: number): number {
  const z = (best - mean) / sd;
  return Math.log(sd) + logH(z);
}
