import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import { yeoJohnson, yeoJohnsonInverse } from '../../src/maths/yeo-johnson.ts';
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
