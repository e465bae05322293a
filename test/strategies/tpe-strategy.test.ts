import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import { float, int } from '../../src/search-space/param.ts';
import { SearchSpace, type Config } from '../../src/search-space/search-space.ts';
import { configKey } from '../../src/strategies/config-sampling.ts';
import {
  erf,
  fitCategorical,
  fitMixture,
  mixtureLogDensity,
} from '../../src/strategies/parzen-estimator.ts';
import {
  fitJointParzen,
  jointParzenLogDensity,
  sampleJointParzen,
} from '../../src/strategies/joint-parzen-estimator.ts';
import { RandomStrategy } from '../../src/strategies/random-strategy.ts';
import { Rng } from '../../src/random/rng.ts';
import { goodCount, goodCountWithoutTies, TpeStrategy } from '../../src/strategies/tpe-strategy.ts';
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

describe('the joint Parzen estimator', () => {
  const all = { numericActive: [true, true], choiceActive: [true] };
  const near = (x: number, y: number, choice: number) => ({ u: [x, y], choices: [choice], ...all });
  // Two clusters with their own choice, and one observation where the second number did not
  // apply (it says nothing about it).
  const points = [
    near(0.2, 0.25, 1),
    near(0.15, 0.2, 1),
    near(0.25, 0.15, 1),
    near(0.8, 0.7, 0),
    near(0.75, 0.8, 0),
    near(0.85, 0.75, 0),
    { u: [0.5, 0.5], choices: [2], numericActive: [true, false], choiceActive: [true] },
  ];
  const m = fitJointParzen(points, [3], 2, 1);
  const at = (x: number, y: number, c: number) => jointParzenLogDensity(m, near(x, y, c));

  it('is a density on [0, 1]^2 x choices that keeps the dimensions of an observation together', () => {
    let integral = 0;
    const steps = 200;
    for (let i = 0; i < steps; i++)
      for (let j = 0; j < steps; j++)
        for (let c = 0; c < 3; c++)
          integral += Math.exp(at((i + 0.5) / steps, (j + 0.5) / steps, c)) / (steps * steps);
    expect(integral).toBeCloseTo(1, 2);
    // The crossed corners were never seen, though independent marginals would rate them as high
    // as the clusters.
    expect(at(0.2, 0.2, 1)).toBeGreaterThan(at(0.2, 0.8, 1) + 1);
    expect(at(0.8, 0.8, 0)).toBeGreaterThan(at(0.8, 0.2, 0) + 1);
    expect(at(0.2, 0.2, 1)).toBeGreaterThan(at(0.2, 0.2, 0) + 0.5);
  });

  it('leaves out the dimensions that do not apply to the point it scores', () => {
    const short = { u: [0.5, 0], choices: [2], numericActive: [true, false], choiceActive: [true] };
    let marginal = 0;
    for (let j = 0; j < 1000; j++) marginal += Math.exp(at(0.5, (j + 0.5) / 1000, 2)) / 1000;
    expect(Math.exp(jointParzenLogDensity(m, short))).toBeCloseTo(marginal, 3);
  });

  it('draws whole points: a cluster with its choice, rarely the crossed corners', () => {
    const rng = new Rng(5);
    const draws = Array.from({ length: 4000 }, () => sampleJointParzen(m, rng));
    for (const d of draws) for (const x of d.u) expect(x >= 0 && x <= 1).toBe(true);
    const lowerLeft = draws.filter((d) => d.u[0]! < 0.5 && d.u[1]! < 0.5);
    const upperLeft = draws.filter((d) => d.u[0]! < 0.5 && d.u[1]! >= 0.5);
    expect(lowerLeft.length).toBeGreaterThan(2 * upperLeft.length);
    const withItsChoice = lowerLeft.filter((d) => d.choices[0] === 1).length;
    expect(withItsChoice / lowerLeft.length).toBeGreaterThan(0.5);
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

  it('multivariate: moves dimensions that must go together better than the independent model', async () => {
    // A narrow ridge: every coordinate must equal the one before it (as a learning rate must
    // follow its batch size), and the first should be 0.7. Independent densities propose the
    // box their marginals span; joint kernels stay near the good points on the ridge.
    const ridgeSpace = new SearchSpace(
      Object.fromEntries(
        [0, 1, 2, 3].map((i) => [
          `x${i}`,
          float(0, 1, { default: 0.5, area: 'training', description: '' }),
        ]),
      ),
    );
    const ridge = (c: Config) => {
      const x = [0, 1, 2, 3].map((i) => c[`x${i}`] as number);
      let sum = (x[0]! - 0.7) ** 2;
      for (let i = 1; i < 4; i++) sum += 100 * (x[i]! - x[i - 1]!) ** 2;
      return sum;
    };
    const meanLogBest = async (multivariate: boolean) => {
      let sum = 0;
      for (let seed = 0; seed < 30; seed++) {
        const tpe = new TpeStrategy(ridgeSpace, seed, 'minimize', { multivariate });
        sum += Math.log10((await runSynthetic(tpe, ridge, { budget: 40 })).bestAfter.at(-1)!);
      }
      return sum / 30;
    };
    // Measured: about -0.2 joint against 0.14 independent (0.41 for random search).
    expect(await meanLogBest(true)).toBeLessThan((await meanLogBest(false)) - 0.15);
  });

  it('puts results tied across the good/bad split with the bad ones', async () => {
    expect(goodCountWithoutTies([0.1, 0.2, 0.3], 1)).toBe(1);
    expect(goodCountWithoutTies([0.1, 0.2, 0.2, 0.3], 2)).toBe(1);
    expect(goodCountWithoutTies([0.2, 0.2, 0.2, 0.3], 1)).toBe(0);
    expect(goodCountWithoutTies([0.1, 0.2], 2)).toBe(2);
    // Twelve results, the best five equal (a majority-class plateau): no good group at all, so
    // l(x) is the prior and TPE says so.
    const history = (
      await runSynthetic(new RandomStrategy(space, 9), objective, { budget: 12 })
    ).trials.map((t, i) => ({ ...t, value: i < 5 ? 0.61 : 0.5 + i / 100 }));
    const [tied] = await new TpeStrategy(space, 9, 'maximize').propose(history, 1);
    expect(tied!.reason).toMatch(/, 0 good of 12 results/);
    const [split] = await new TpeStrategy(space, 9, 'maximize', { tiesToBad: false }).propose(
      history,
      1,
    );
    expect(split!.reason).toMatch(/, 2 good of 12 results/);
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

describe('TPE on long histories: the window', () => {
  /** A finished history of `n` random configurations scored by the objective. */
  async function history(n: number): Promise<TrialRecord[]> {
    const { trials } = await runSynthetic(new RandomStrategy(space, 9), objective, { budget: n });
    return trials;
  }
  const keys = async (tpe: TpeStrategy, h: TrialRecord[]) =>
    (await tpe.propose(h, 3)).map((p) => configKey(p.config));

  it('changes nothing while the results fit in it', async () => {
    const h = await history(60);
    expect(await keys(new TpeStrategy(space, 2, 'minimize', { window: 60 }), h)).toEqual(
      await keys(new TpeStrategy(space, 2, 'minimize', { window: 1e9 }), h),
    );
  });

  it('past it, learns from the latest results and the best older ones only', async () => {
    const h = await history(300);
    const bounded = await new TpeStrategy(space, 2, 'minimize', { window: 50 }).propose(h, 1);
    // The latest 50 and the best 5 of the 250 before them (goodCount(50) = 5).
    expect(bounded[0]!.reason).toMatch(/ of 55 results/);
    const whole = await new TpeStrategy(space, 2, 'minimize', { window: 1e9 }).propose(h, 1);
    expect(whole[0]!.reason).toMatch(/ of 300 results/);
  });
});
