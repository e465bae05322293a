import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/campaign/campaign-records.ts';
import { float, int } from '../../src/search-space/param.ts';
import { SearchSpace, type Config } from '../../src/search-space/search-space.ts';
import { configKey } from '../../src/strategies/config-sampling.ts';
import {
  erf,
  fitCategorical,
  fitMixture,
  mixtureLogDensity,
} from '../../src/strategies/parzen-estimator.ts';
import { RandomStrategy } from '../../src/strategies/random-strategy.ts';
import { goodCount, TpeStrategy } from '../../src/strategies/tpe-strategy.ts';
import { runSynthetic } from '../helpers/synthetic-campaign.ts';
import { mixedSpace, NEAR, quadratic } from '../helpers/synthetic-objectives.ts';

const space = mixedSpace;
const objective = (c: Config) => quadratic(c, NEAR);

describe('Parzen estimators', () => {
  it('erf is accurate', () => {
    expect(erf(0)).toBeCloseTo(0, 6);
    expect(erf(1)).toBeCloseTo(0.8427007929, 6);
    expect(erf(-2)).toBeCloseTo(-0.995322265, 6);
  });

  it('a mixture is densest near its observations and integrates to one on [0, 1]', () => {
    const m = fitMixture([0.2, 0.22, 0.25]);
    expect(mixtureLogDensity(m, 0.22)).toBeGreaterThan(mixtureLogDensity(m, 0.8));
    let integral = 0;
    for (let i = 0; i < 10_000; i++)
      integral += Math.exp(mixtureLogDensity(m, (i + 0.5) / 10_000)) / 10_000;
    expect(integral).toBeCloseTo(1, 2);
  });

  it('a smoothed categorical follows the counts and keeps unseen options possible', () => {
    const p = fitCategorical([0, 0, 0, 2], 3, 1);
    expect(p[0]!).toBeGreaterThan(p[2]!);
    expect(p[1]!).toBeGreaterThan(0);
    expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 10);
    expect([goodCount(5), goodCount(100), goodCount(1000)]).toEqual([1, 10, 25]);
  });
});

describe('TpeStrategy', () => {
  it('finds better points than random search at equal budgets, over many seeds', async () => {
    const seeds = 20;
    const budget = 40;
    let tpeWins = 0;
    let tpeSum = 0;
    let randomSum = 0;
    for (let seed = 0; seed < seeds; seed++) {
      const tpe = await runSynthetic(new TpeStrategy(space, seed, 'minimize'), objective, {
        budget,
      });
      const random = await runSynthetic(new RandomStrategy(space, seed), objective, { budget });
      const t = tpe.bestAfter.at(-1)!;
      const r = random.bestAfter.at(-1)!;
      tpeSum += t;
      randomSum += r;
      if (t < r) tpeWins++;
    }
    expect(tpeSum / seeds).toBeLessThan((randomSum / seeds) * 0.75);
    expect(tpeWins).toBeGreaterThanOrEqual(14);
  });

  it('maximizes too, and learns the right category', async () => {
    const { trials } = await runSynthetic(
      new TpeStrategy(space, 1, 'maximize'),
      (c) => -objective(c),
      { budget: 40, direction: 'maximize' },
    );
    const late = trials.slice(-15).filter((t) => t.config['act'] === 'elu').length;
    expect(late).toBeGreaterThanOrEqual(8);
  });

  it('spreads parallel proposals (constant liar) and never repeats a configuration', async () => {
    const tpe = new TpeStrategy(space, 2, 'minimize');
    const { trials } = await runSynthetic(tpe, objective, { budget: 40, parallel: 4 });
    expect(new Set(trials.map((t) => configKey(t.config))).size).toBe(40);
    // With trials still running, they are counted as bad results: the batch differs from a batch
    // proposed as if they did not exist.
    const finished = trials.slice(0, 20);
    const running: TrialRecord[] = trials
      .slice(20, 24)
      .map((t) => ({ ...t, state: 'running', value: undefined }) as TrialRecord);
    const withRunning = await tpe.propose([...finished, ...running], 3);
    const without = await tpe.propose(finished, 3);
    expect(withRunning.map((p) => configKey(p.config))).not.toEqual(
      without.map((p) => configKey(p.config)),
    );
    for (const p of withRunning)
      expect(running.map((t) => configKey(t.config))).not.toContain(configKey(p.config));
  });

  it('is deterministic for a seed and a history, and resumes exactly', async () => {
    const history = (
      await runSynthetic(new TpeStrategy(space, 3, 'minimize'), objective, { budget: 15 })
    ).trials;
    const a = await new TpeStrategy(space, 3, 'minimize').propose(history, 2);
    const b = await new TpeStrategy(space, 3, 'minimize').propose(history, 2);
    expect(b).toEqual(a);
    expect(a[0]!.reason).toMatch(/^TPE: best of 24 candidates by l\(x\)\/g\(x\)/);
  });

  it('handles conditional dimensions, failed and pruned trials', async () => {
    const conditional = new SearchSpace({
      layers: int(1, 3, { default: 1, area: 'architecture', description: '' }),
      units3: int(2, 256, {
        log: true,
        default: 8,
        area: 'architecture',
        description: '',
        when: { param: 'layers', atLeast: 3 },
      }),
      lr: float(1e-4, 1, { log: true, default: 1e-2, area: 'training', description: '' }),
    });
    // Best with 3 layers of ~100 units; every failure in between must not break the model.
    const f = (c: Config) =>
      ((c['layers'] as number) === 3 ? Math.abs(Math.log2((c['units3'] as number) / 100)) : 5) +
      Math.abs(Math.log10(c['lr'] as number) + 2);
    const history: TrialRecord[] = [];
    const tpe = new TpeStrategy(conditional, 4, 'minimize');
    for (let i = 0; i < 40; i++) {
      const [p] = await tpe.propose(history, 1);
      const state = i % 7 === 3 ? 'failed' : i % 11 === 5 ? 'pruned' : 'completed';
      history.push({
        number: i + 1,
        state,
        config: p!.config,
        reason: '',
        source: 'tpe',
        proposedAt: 0,
        attempts: 1,
        value: state === 'failed' ? null : f(p!.config),
      });
    }
    const lateThreeLayers = history.slice(-15).filter((t) => t.config['layers'] === 3).length;
    expect(lateThreeLayers).toBeGreaterThanOrEqual(8);
    for (const t of history) expect('units3' in t.config).toBe(t.config['layers'] === 3);
  });
});
