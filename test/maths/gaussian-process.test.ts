import { describe, expect, it } from 'vitest';
import { GaussianProcess, logPosterior, matern52 } from '../../src/maths/gaussian-process.ts';

describe('the Gaussian process', () => {
  it('has the posterior of a hand-computed case (two points, one dimension)', () => {
    const hyper = { lengthscales: [0.5], signalVariance: 2, noiseVariance: 0.01 };
    const gp = GaussianProcess.withHyperparameters([[0.2], [0.6]], [1, -1], hyper);
    // K + σ²I = [[2.01, k12], [k12, 2.01]], k12 = 2 m(0.8); k* at 0.4: 2 m(0.4), 2 m(0.4).
    const k12 = 2 * matern52(0.4 / 0.5);
    const ks = 2 * matern52(0.2 / 0.5);
    const det = 2.01 * 2.01 - k12 * k12;
    const inv = [
      [2.01 / det, -k12 / det],
      [-k12 / det, 2.01 / det],
    ];
    const alpha = [inv[0]![0]! * 1 + inv[0]![1]! * -1, inv[1]![0]! * 1 + inv[1]![1]! * -1];
    const mean = ks * alpha[0]! + ks * alpha[1]!;
    const quad = ks * ks * (inv[0]![0]! + 2 * inv[0]![1]! + inv[1]![1]!);
    const { mean: m, variance: v } = gp.predict([0.4]);
    // Halfway between +1 and -1 with equal correlation: mean 0.
    expect(m).toBeCloseTo(mean, 12);
    expect(v).toBeCloseTo(2 - quad, 12);
    const at = gp.predict([0.2]);
    expect(at.mean).toBeGreaterThan(0.9);
    expect(at.variance).toBeLessThan(0.02);
    // Its marginal likelihood, by hand: -½ yᵀα - ½ log|K| - log 2π.
    const lml =
      -0.5 * (1 * alpha[0]! - 1 * alpha[1]!) - 0.5 * Math.log(det) - Math.log(2 * Math.PI);
    expect(gp.logMarginalLikelihood).toBeCloseTo(lml, 10);
  });

  it("the log posterior's gradient is the one finite differences measure", () => {
    const xs = [0.1, 0.35, 0.5, 0.8, 0.9].map((a, i) => Float64Array.from([a, (i * 0.37) % 1]));
    const y = Float64Array.from([0.3, -1.2, 0.8, 1.5, -0.4]);
    const theta = [Math.log(0.4), Math.log(0.7), Math.log(1.3), Math.log(0.05)];
    const { gradient } = logPosterior(xs, y, theta);
    for (let k = 0; k < theta.length; k++) {
      const h = 1e-6;
      const up = [...theta];
      const down = [...theta];
      up[k]! += h;
      down[k]! -= h;
      const numeric = (logPosterior(xs, y, up).value - logPosterior(xs, y, down).value) / (2 * h);
      expect(gradient[k]!, `θ${k}`).toBeCloseTo(numeric, 4);
    }
  });

  it('fitting raises the marginal likelihood above that of the starting hyperparameters', () => {
    const xs = Array.from({ length: 20 }, (_, i) => [(i * 0.618) % 1, (i * 0.383) % 1]);
    const raw = xs.map(([a, b]) => Math.sin(6 * a!) + 0.1 * b!);
    const mean = raw.reduce((s, v) => s + v, 0) / raw.length;
    const sd = Math.sqrt(raw.reduce((s, v) => s + (v - mean) ** 2, 0) / raw.length);
    const y = raw.map((v) => (v - mean) / sd);
    const start = GaussianProcess.withHyperparameters(xs, y, {
      lengthscales: [
        Math.exp(Math.SQRT2 + 0.5 * Math.log(2)),
        Math.exp(Math.SQRT2 + 0.5 * Math.log(2)),
      ],
      signalVariance: 1,
      noiseVariance: 1e-6 + Math.exp(-4),
    });
    const fitted = GaussianProcess.fit(xs, y);
    expect(fitted.logMarginalLikelihood).toBeGreaterThan(start.logMarginalLikelihood + 1);
    // The function varies along the first input, barely along the second: so do the lengthscales.
    expect(fitted.hyper.lengthscales[0]!).toBeLessThan(fitted.hyper.lengthscales[1]!);
  });
});
