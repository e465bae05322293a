import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/contracts/campaign-records.ts';
import { GaussianProcess, logPosterior, matern52 } from '../../src/maths/gaussian-process.ts';
import {
  erfc,
  logExpectedImprovement,
  normalCdf,
  normalPdf,
} from '../../src/maths/log-expected-improvement.ts';
import { fitYeoJohnson, yeoJohnson, yeoJohnsonInverse } from '../../src/maths/yeo-johnson.ts';
import { formatNumber } from '../../src/format/display-format.js';
import { choice } from '../../src/search-space/param.ts';
import { SearchSpace, type Config } from '../../src/search-space/search-space.ts';
import { configKey } from '../../src/strategies/config-sampling.ts';
import { GpStrategy, warpOutputs } from '../../src/strategies/gp-strategy.ts';
import { RandomStrategy } from '../../src/strategies/random-strategy.ts';
import {
  branin,
  BRANIN_OPTIMUM,
  braninObjective,
  mixed,
  mixedObjective,
} from '../../tasks/benchmark-functions.ts';
import { runSynthetic } from '../helpers/synthetic-campaign.ts';

const braninOf = (c: Config) => branin(c['x1'] as number, c['x2'] as number);

/** A finished trial of a history. */
function trial(
  number: number,
  config: Config,
  value: number | null,
  state = 'completed',
): TrialRecord {
  return {
    number,
    state: state as TrialRecord['state'],
    config,
    reason: 'test',
    source: 'test',
    proposedAt: 0,
    attempts: 1,
    ...(value === null ? { value: null } : { value }),
  };
}

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

describe('log expected improvement', () => {
  it('equals log(EI) where EI is representable', () => {
    expect(erfc(2)).toBeCloseTo(0.004677734981047266, 9);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 6);
    for (const z of [-5, -3, -1.5, -1, -0.3, 0, 0.7, 2, 4]) {
      const ei = normalPdf(z) + z * normalCdf(z);
      // sd 1, best - mean = z.
      expect(logExpectedImprovement(0, 1, z)).toBeCloseTo(Math.log(ei), 5);
    }
  });

  it('stays finite and increasing where EI underflows to 0', () => {
    let previous = -Infinity;
    for (const z of [-1e9, -1e6, -1e4, -300, -100, -40, -38, -20, -10, -5, -2]) {
      const ei = normalPdf(z) + z * normalCdf(z);
      const log = logExpectedImprovement(0, 1, z);
      expect(Number.isFinite(log), `z = ${z}`).toBe(true);
      expect(log, `z = ${z}`).toBeGreaterThan(previous);
      previous = log;
      if (z <= -40) expect(ei).toBeLessThanOrEqual(0);
    }
  });
});

describe('the Yeo-Johnson warp', () => {
  it('keeps the order and chooses a λ that compresses a heavy tail', () => {
    const ys = [0.01, 0.1, 0.2, 0.5, 1, 3, 10, 100, 1000, 30_000].map((v) => v / 1000);
    const lambda = fitYeoJohnson(ys.map((v) => v * 10));
    expect(lambda).toBeLessThan(0.5);
    const warped = ys.map((v) => yeoJohnson(v, lambda));
    for (let i = 1; i < warped.length; i++) expect(warped[i]!).toBeGreaterThan(warped[i - 1]!);
  });
});

describe('the output warp', () => {
  it('inverts: Yeo-Johnson back and forth, and every target back to its loss', () => {
    for (const lambda of [-1.5, -0.3, 0, 0.7, 1, 2, 1.99])
      for (const v of [-20, -1, -0.01, 0, 0.3, 5, 40])
        expect(yeoJohnsonInverse(yeoJohnson(v, lambda), lambda)).toBeCloseTo(v, 8);
    // Rosenbrock-like losses spanning orders of magnitude.
    const losses = [3, 12, 150, 2_000, 45_000, 7, 0.5];
    const warp = warpOutputs(losses);
    warp.y.forEach((y, i) => expect(warp.toLoss(y) / losses[i]!).toBeCloseTo(1, 9));
  });
});

describe('the GP strategy', () => {
  const braninSpace = braninObjective.space;

  it('finds Branin’s minimum far better than random search in 40 trials (same seed, same start)', async () => {
    const gp = await runSynthetic(
      new GpStrategy(braninSpace, 0, 'minimize', { deterministic: true }),
      braninOf,
      { budget: 40 },
    );
    const random = await runSynthetic(new RandomStrategy(braninSpace, 0), braninOf, { budget: 40 });
    // Its first 10 trials are the random ones.
    expect(gp.trials.slice(0, 10).map((t) => configKey(t.config))).toEqual(
      random.trials.slice(0, 10).map((t) => configKey(t.config)),
    );
    const regret = (best: number[]) => best.at(-1)! - BRANIN_OPTIMUM;
    expect(regret(gp.bestAfter)).toBeLessThan(0.05);
    expect(regret(gp.bestAfter)).toBeLessThan(regret(random.bestAfter) / 5);
  }, 60_000);

  it('proposes a batch of distinct points, away from the trials still running', async () => {
    const rng = new RandomStrategy(braninSpace, 3);
    const done = (await rng.propose([], 12)).map((p, i) =>
      trial(i + 1, p.config, braninOf(p.config)),
    );
    const running = [trial(13, { x1: 3.1, x2: 2.3 }, 0, 'running')];
    delete running[0]!.value;
    const strategy = new GpStrategy(braninSpace, 3, 'minimize', { deterministic: true });
    const batch = await strategy.propose([...done, ...running], 8);
    expect(batch).toHaveLength(8);
    const keys = new Set([...batch.map((p) => configKey(p.config)), configKey(running[0]!.config)]);
    expect(keys.size).toBe(9);
    // Spread out: no two of the batch closer than 1% of the range in both coordinates.
    for (let i = 0; i < batch.length; i++)
      for (let j = 0; j < i; j++) {
        const a = batch[i]!.config;
        const b = batch[j]!.config;
        const close =
          Math.abs((a['x1'] as number) - (b['x1'] as number)) < 0.15 &&
          Math.abs((a['x2'] as number) - (b['x2'] as number)) < 0.15;
        expect(close, `${i} and ${j}`).toBe(false);
      }
  });

  it('gives valid configurations on a conditional, categorical space, and learns its best family', async () => {
    const space = mixedObjective.space;
    const strategy = new GpStrategy(space, 1, 'minimize', { deterministic: true });
    const { trials, bestAfter } = await runSynthetic(strategy, mixed, { budget: 30 });
    for (const t of trials)
      expect(space.validate(t.config).ok, JSON.stringify(t.config)).toBe(true);
    expect(bestAfter.at(-1)!).toBeLessThan(bestAfter[9]!);
  }, 60_000);

  it('is deterministic for a seed and a history', async () => {
    const history = (await new RandomStrategy(braninSpace, 5).propose([], 15)).map((p, i) =>
      trial(i + 1, p.config, braninOf(p.config)),
    );
    const a = await new GpStrategy(braninSpace, 5, 'minimize').propose(history, 3);
    const b = await new GpStrategy(braninSpace, 5, 'minimize').propose(history, 3);
    expect(a.map((p) => p.config)).toEqual(b.map((p) => p.config));
    expect(a[0]!.reason).toMatch(
      /^GP: largest log EI .* what matters most \(shortest lengthscales\): x[12] /,
    );
    // The prediction is in the metric's units: the best so far is the history's best value.
    const best = Math.min(...history.map((t) => t.value as number));
    expect(a[0]!.reason).toContain(`best so far ${formatNumber(best)})`);
    const predicted = /predicted value (\S+) \((\S+) to (\S+) within one sd/.exec(a[0]!.reason)!;
    const [mid, low, high] = predicted.slice(1).map(Number);
    expect(low!).toBeLessThan(mid!);
    expect(mid!).toBeLessThan(high!);
  });

  it('learns from failures without NaN, and offers what is left of a space with nothing to tune', async () => {
    const history = (await new RandomStrategy(braninSpace, 2).propose([], 12)).map((p, i) =>
      trial(i + 1, p.config, i % 2 ? null : braninOf(p.config), i % 2 ? 'failed' : 'completed'),
    );
    const [next] = await new GpStrategy(braninSpace, 2, 'minimize').propose(history, 1);
    expect(braninSpace.validate(next!.config).ok).toBe(true);
    expect(Number.isFinite(next!.config['x1'] as number)).toBe(true);
    // Every trial failed: still a proposal, from the model of "all equally bad".
    const allFailed = history.map((t) => ({ ...t, state: 'failed' as const, value: null }));
    const [again] = await new GpStrategy(braninSpace, 2, 'minimize').propose(allFailed, 1);
    expect(braninSpace.validate(again!.config).ok).toBe(true);
    // A space of one configuration: that one, then nothing.
    const fixed = new SearchSpace({
      only: choice(['a'], { default: 'a', area: 'training', description: 'the one option' }),
    });
    const strategy = new GpStrategy(fixed, 0, 'minimize');
    const first = await strategy.propose([], 2);
    expect(first.map((p) => p.config)).toEqual([{ only: 'a' }]);
    expect(await strategy.propose([trial(1, { only: 'a' }, 1)], 1)).toEqual([]);
  });
});
