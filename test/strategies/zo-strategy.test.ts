import { describe, expect, it } from 'vitest';
import type { TrialRecord, TrialState } from '../../src/contracts/trial-record.ts';
import { Rng } from '../../src/random/rng.ts';
import { choice, int } from '../../src/search-space/param.ts';
import { SearchSpace, type Config } from '../../src/search-space/search-space.ts';
import { configKey } from '../../src/strategies/config-sampling.ts';
import { RandomStrategy } from '../../src/strategies/random-strategy.ts';
import { SpaceEncoding } from '../../src/strategies/space-encoding.ts';
import type { Proposal } from '../../src/strategies/strategy.ts';
import { adamStep } from '../../src/maths/adam.ts';
import { clipNorm, estimateGradient } from '../../src/maths/zeroth-order.ts';
import { ZeroOrderStrategy } from '../../src/strategies/zo-strategy.ts';
import { runSynthetic } from '../helpers/synthetic-campaign.ts';
import { replayAgreement } from '../helpers/replay-agreement.ts';
import type { SnapshotContext } from '../../src/strategies/replay-snapshots.ts';
import {
  FAR,
  mixedSpace,
  NEAR,
  numericSpace,
  quadratic,
  trialOf,
} from '../helpers/synthetic-objectives.ts';

const space = numericSpace;
const mixed = mixedSpace;
const objective = quadratic;
const record = (number: number, p: Proposal, state: TrialState, value?: number | null) =>
  trialOf(number, p, state, value, 'zo');

interface ZoMeta {
  step: number;
  role: 'center' | 'plus' | 'minus';
  direction?: number;
}
const zoMeta = (t: { meta?: Record<string, unknown> }) => (t.meta as { zo: ZoMeta }).zo;

describe('zeroth-order estimator', () => {
  it('recovers the gradient of a linear function exactly along the axes', () => {
    const a = [0.7, -2, 3];
    const eps = 0.1;
    const samples = a.map((_, j) => {
      const displacement = a.map((__, k) => (k === j ? eps : 0));
      return { displacement, difference: a[j]! * eps };
    });
    const g = estimateGradient(samples, 3);
    g.forEach((v, j) => expect(v).toBeCloseTo(a[j]!, 12));
  });

  it('is unbiased for random directions on the sphere (d/q scaling)', () => {
    const a = [1, -0.5, 2, 0, 0.3];
    const d = a.length;
    const rng = new Rng(1);
    const samples = Array.from({ length: 20_000 }, () => {
      const v = a.map(() => rng.normal());
      const n = Math.hypot(...v);
      const u = v.map((x) => (0.05 * x) / n);
      return { displacement: u, difference: u.reduce((s, x, j) => s + x * a[j]!, 0) };
    });
    const g = estimateGradient(samples, d);
    g.forEach((v, j) => expect(Math.abs(v - a[j]!)).toBeLessThan(0.1));
  });

  it('central differences are exact for a quadratic along each direction', () => {
    // L(x) = x0^2 + 3 x1^2 at (0.4, 0.2): gradient (0.8, 1.2).
    const L = (x: number[]) => x[0]! ** 2 + 3 * x[1]! ** 2;
    const theta = [0.4, 0.2];
    const eps = 0.1;
    const samples = [0, 1].map((j) => {
      const plus = theta.map((t, k) => (k === j ? t + eps : t));
      const minus = theta.map((t, k) => (k === j ? t - eps : t));
      return { displacement: plus.map((v, k) => v - minus[k]!), difference: L(plus) - L(minus) };
    });
    const g = estimateGradient(samples, 2);
    expect(g[0]).toBeCloseTo(0.8, 12);
    expect(g[1]).toBeCloseTo(1.2, 12);
  });

  it('clips the norm and takes Adam steps of about the learning rate', () => {
    expect(clipNorm([3, 4], 5)).toEqual([3, 4]);
    const clipped = clipNorm([30, 40], 5);
    expect(clipped[0]).toBeCloseTo(3, 12);
    expect(clipped[1]).toBeCloseTo(4, 12);
    const state = { m: [0, 0], v: [0, 0], t: 0 };
    const opts = { learningRate: 0.05, beta1: 0.9, beta2: 0.999 };
    const x = adamStep([0.5, 0.5], [100, -0.001], state, opts);
    // The first bias-corrected step is lr * sign(g) whatever the gradient's scale.
    expect(x[0]).toBeCloseTo(0.45, 6);
    expect(x[1]).toBeCloseTo(0.55, 4);
  });
});

describe('ZeroOrderStrategy', () => {
  it('descends a smooth function: L(theta) falls step by step, and beats random search near its start', async () => {
    const seeds = 20;
    const budget = 60;
    for (const optimum of [NEAR, FAR]) {
      const f = (c: Config) => objective(c, optimum);
      const start = f(space.defaults() as Config);
      let lastCenters = 0;
      let zoBest = 0;
      let randomBest = 0;
      let decreasing = 0;
      for (let seed = 0; seed < seeds; seed++) {
        const zo = new ZeroOrderStrategy(space, seed, 'minimize', { start: 'defaults' });
        const run = await runSynthetic(zo, f, { budget, parallel: 4 });
        const centers = run.trials
          .filter((t) => zoMeta(t).role === 'center')
          .map((t) => t.value as number);
        expect(centers[0]).toBeCloseTo(start, 9);
        const half = Math.floor(centers.length / 2);
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        if (mean(centers.slice(half)) < mean(centers.slice(0, half))) decreasing++;
        lastCenters += centers.at(-1)!;
        zoBest += run.bestAfter.at(-1)!;
        const random = await runSynthetic(new RandomStrategy(space, seed), f, { budget });
        randomBest += random.bestAfter.at(-1)!;
      }
      expect(decreasing).toBe(seeds);
      expect(lastCenters / seeds).toBeLessThan(start * 0.25);
      // Adam moves theta about lr = 0.05 a step: near the start it beats random search; the far
      // optimum (0.86 away on dropout) is out of reach of 15 steps, where random search wins.
      if (optimum === NEAR) expect(zoBest / seeds).toBeLessThan(randomBest / seeds);
      else expect(zoBest / seeds).toBeLessThan(start * 0.1);
    }
  });

  it('probes a step in parallel: theta and q directions eps away, then waits for all results', async () => {
    const zo = new ZeroOrderStrategy(space, 0, 'minimize', { start: 'defaults' });
    const first = await zo.propose([], 10);
    // theta's value is unknown at the start: it is trained with the q = 3 probes.
    expect(first.map((p) => zoMeta(p).role)).toEqual(['center', 'plus', 'plus', 'plus']);
    expect(first.every((p) => zoMeta(p).step === 0)).toBe(true);
    expect(configKey(first[0]!.config)).toBe(configKey(space.defaults() as Config));
    const encoding = new SpaceEncoding(space);
    const theta = encoding.encode(first[0]!.config).u;
    for (const p of first.slice(1)) {
      const u = encoding.encode(p.config).u;
      // Integers round, so only about eps away.
      expect(Math.hypot(...u.map((v, j) => v - theta[j]!))).toBeGreaterThan(0.08);
      expect(Math.hypot(...u.map((v, j) => v - theta[j]!))).toBeLessThan(0.12);
    }
    expect(first[1]!.reason).toBe(
      'ZO step 1: probe 1 of 3, eps 0.1 along a random direction (one-sided differences)',
    );

    const two = first.slice(0, 2).map((p, i) => record(i + 1, p, 'running'));
    expect((await zo.propose(two, 10)).map((p) => configKey(p.config))).toEqual(
      first.slice(2).map((p) => configKey(p.config)),
    );
    const running = first.map((p, i) => record(i + 1, p, 'running'));
    expect(await zo.propose(running, 4)).toEqual([]);
    const partly = running.map((t, i) =>
      i < 3 ? { ...t, state: 'completed' as const, value: objective(t.config) } : t,
    );
    expect(await zo.propose(partly, 4)).toEqual([]);
    const done = running.map((t) => ({
      ...t,
      state: 'completed' as const,
      value: objective(t.config),
    }));
    const next = await zo.propose(done, 10);
    expect(next.map((p) => [zoMeta(p).step, zoMeta(p).role])).toEqual([
      [1, 'center'],
      [1, 'plus'],
      [1, 'plus'],
      [1, 'plus'],
    ]);
    expect(zo.state(done)!.theta).not.toEqual(theta);
  });

  it('refines around the incumbent: its value is known, its choices stay fixed', async () => {
    const zo = new ZeroOrderStrategy(mixed, 1, 'minimize');
    const incumbent = mixed.parse({ lr: 1e-2, width: 128, dropout: 0.1, act: 'tanh' }) as Config;
    const history: TrialRecord[] = [
      record(
        1,
        { config: mixed.defaults() as Config, reason: '', source: 'baseline' },
        'completed',
        9,
      ),
      record(2, { config: incumbent, reason: '', source: 'llm' }, 'completed', 2),
      record(3, { config: mixed.defaults() as Config, reason: '', source: 'llm' }, 'running'),
    ];
    const proposals = await zo.propose(history, 10);
    expect(proposals.map((p) => zoMeta(p).role)).toEqual(['plus', 'plus', 'plus']);
    for (const p of proposals) expect(p.config['act']).toBe('tanh');
    const encoding = new SpaceEncoding(mixed);
    expect(zo.state(history)!.theta).toEqual(encoding.encode(incumbent).u);
    // With 'defaults' it starts at the defaults, whose value is unknown to it.
    const fromDefaults = await new ZeroOrderStrategy(mixed, 1, 'minimize', {
      start: 'defaults',
    }).propose(history.slice(1, 2), 10);
    expect(configKey(fromDefaults[0]!.config)).toBe(configKey(mixed.defaults() as Config));
    expect(fromDefaults.every((p) => p.config['act'] === 'relu')).toBe(true);
  });

  it('central differences probe 2q points a step and need no value at theta', async () => {
    const zo = new ZeroOrderStrategy(space, 2, 'minimize', { differences: 'central' });
    const first = await zo.propose([], 10);
    expect(first.map((p) => `${zoMeta(p).role}${zoMeta(p).direction}`)).toEqual([
      'plus0',
      'minus0',
      'plus1',
      'minus1',
      'plus2',
      'minus2',
    ]);
    const { bestAfter } = await runSynthetic(zo, (c) => objective(c, FAR), {
      budget: 60,
      parallel: 6,
    });
    expect(bestAfter.at(-1)!).toBeLessThan(objective(space.defaults() as Config, FAR) * 0.25);
  });

  it('proposes the same sequence however it is batched, and a resumed driver continues exactly', async () => {
    const runs = await Promise.all(
      [1, 2, 4].map((parallel) =>
        runSynthetic(new ZeroOrderStrategy(mixed, 5, 'minimize'), objective, {
          budget: 30,
          parallel,
        }),
      ),
    );
    const keys = runs.map((r) => r.trials.map((t) => configKey(t.config)));
    expect(keys[1]).toEqual(keys[0]);
    expect(keys[2]).toEqual(keys[0]);
    const trials = runs[0]!.trials;
    for (let k = 0; k < trials.length; k++) {
      const [next] = await new ZeroOrderStrategy(mixed, 5, 'minimize').propose(
        trials.slice(0, k),
        1,
      );
      expect(configKey(next!.config)).toBe(keys[0]![k]);
    }
    const other = await runSynthetic(new ZeroOrderStrategy(mixed, 6, 'minimize'), objective, {
      budget: 8,
    });
    expect(other.trials.map((t) => configKey(t.config))).not.toEqual(keys[0]!.slice(0, 8));
  });

  it('treats failed and cancelled probes as the worst loss seen, and pruned ones with their value', async () => {
    const zo = new ZeroOrderStrategy(space, 3, 'minimize', { start: 'defaults' });
    const step = (await zo.propose([], 10)).map((p, i) =>
      record(i + 1, p, 'completed', objective(p.config)),
    );
    const worst = Math.max(...step.map((t) => t.value as number));
    const withProbe = (state: TrialState, value: number | null) =>
      step.map((t, i) => (i === 2 ? { ...t, state, value } : t));
    const next = async (h: TrialRecord[]) =>
      (await zo.propose(h, 10)).map((p) => configKey(p.config));
    const asWorst = await next(withProbe('completed', worst));
    expect(await next(withProbe('failed', null))).toEqual(asWorst);
    expect(await next(withProbe('cancelled', null))).toEqual(asWorst);
    expect(await next(withProbe('pruned', worst))).toEqual(asWorst);
    expect(await next(withProbe('completed', worst - 1))).not.toEqual(asWorst);

    // A region that diverges (learning rates above 0.03) does not stop the descent.
    const history: TrialRecord[] = [];
    for (let round = 0; round < 15; round++) {
      const batch = await zo.propose(history, 4);
      for (const p of batch) {
        const diverged = (p.config['lr'] as number) > 0.03;
        history.push(
          record(
            history.length + 1,
            p,
            diverged ? 'failed' : 'completed',
            diverged ? null : objective(p.config),
          ),
        );
      }
    }
    const centers = history.filter((t) => zoMeta(t).role === 'center' && t.value != null);
    expect(centers.at(-1)!.value as number).toBeLessThan((centers[0]!.value as number) * 0.5);
  });

  it('never proposes a configuration of the history', async () => {
    const coarse = new SearchSpace({
      layers: int(1, 4, { default: 2, area: 'architecture', description: '' }),
      units: int(8, 12, { default: 10, area: 'architecture', description: '' }),
    });
    const f = (c: Config) =>
      ((c['layers'] as number) - 3) ** 2 + ((c['units'] as number) - 11) ** 2;
    // Integer cells are 0.2-0.25 wide here: eps 0.1 would mostly round back to theta.
    const zo = new ZeroOrderStrategy(coarse, 0, 'minimize', { epsilon: 0.3 });
    const { trials } = await runSynthetic(zo, f, {
      budget: 20,
      parallel: 3,
    });
    const keys = trials.map((t) => configKey(t.config));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBeGreaterThan(3);
  });

  it('offers nothing when the space has no numeric dimension', async () => {
    const choicesOnly = new SearchSpace({
      act: choice(['relu', 'tanh'], { default: 'relu', area: 'architecture', description: '' }),
    });
    expect(await new ZeroOrderStrategy(choicesOnly, 0, 'minimize').propose([], 4)).toEqual([]);
  });
});

describe('ZO at length: incremental replay and snapshots', () => {
  it('a long refinement proposes the same from memory, from a snapshot plus the trials since, and from a full replay', async () => {
    const make = (context: SnapshotContext) =>
      new ZeroOrderStrategy(space, 6, 'minimize', { start: 'defaults' }, context);
    const { history, compared, box } = await replayAgreement(make, objective, {
      trials: 500,
      batch: 4,
      compareEvery: 120,
    });
    expect(compared).toBe(4);
    const steps = zoMeta(history.at(-1)!).step;
    expect(steps).toBeGreaterThan(50);
    // Written every 25 steps, and only forward.
    expect(box.writes()).toBeGreaterThanOrEqual(2);
    expect(box.writes()).toBeLessThanOrEqual(Math.ceil(steps / 25));
    expect((box.peek() as { state: { step: number } }).state.step).toBeGreaterThanOrEqual(50);
  });
});
