import { describe, expect, it } from 'vitest';
import type { TrialRecord, TrialState } from '../../src/contracts/trial-record.ts';
import { Rng } from '../../src/random/rng.ts';
import { choice, float, int } from '../../src/search-space/param.ts';
import { SearchSpace, type Config } from '../../src/search-space/search-space.ts';
import { CmaEsStrategy, reflect, symmetricEigen } from '../../src/strategies/cmaes-strategy.ts';
import { configKey } from '../../src/strategies/config-sampling.ts';
import { RandomStrategy } from '../../src/strategies/random-strategy.ts';
import { SpaceEncoding } from '../../src/strategies/space-encoding.ts';
import type { Proposal } from '../../src/strategies/strategy.ts';
import { runSynthetic } from '../helpers/synthetic-campaign.ts';
import { stateBox } from '../helpers/state-box.ts';
import { replayAgreement } from '../helpers/replay-agreement.ts';
import type { SnapshotContext } from '../../src/strategies/replay-snapshots.ts';
import { FAR, mixedSpace, NEAR, quadratic, trialOf } from '../helpers/synthetic-objectives.ts';

const space = mixedSpace;
const objective = quadratic;
const NEAR_CENTRE = NEAR;
const OFF_CENTRE = FAR;
const record = (number: number, p: Proposal, state: TrialState, value?: number | null) =>
  trialOf(number, p, state, value, 'cmaes');

const cmaMeta = (t: { meta?: Record<string, unknown> }) =>
  (t.meta as { cmaes: { run: number; generation: number; index: number; z: number[] } }).cmaes;

describe('CMA-ES building blocks', () => {
  it('decomposes a symmetric matrix into orthonormal eigenvectors', () => {
    const rng = new Rng(5);
    const n = 6;
    const m = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
    // A = M M^T is symmetric positive definite with a spread of eigenvalues.
    const a = m.map((row) => m.map((_, j) => row.reduce((s, v, k) => s + v * m[j]![k]!, 0)));
    const { values, vectors } = symmetricEigen(a);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rebuilt = 0;
        let gram = 0;
        for (let k = 0; k < n; k++) {
          rebuilt += vectors[i]![k]! * values[k]! * vectors[j]![k]!;
          gram += vectors[k]![i]! * vectors[k]![j]!;
        }
        expect(rebuilt).toBeCloseTo(a[i]![j]!, 9);
        expect(gram).toBeCloseTo(i === j ? 1 : 0, 9);
      }
    }
    expect(Math.min(...values)).toBeGreaterThan(0);
  });

  it('reflects coordinates into [0, 1] continuously', () => {
    expect(reflect(0.3)).toBeCloseTo(0.3, 12);
    expect(reflect(-0.2)).toBeCloseTo(0.2, 12);
    expect(reflect(1.3)).toBeCloseTo(0.7, 12);
    expect(reflect(2.4)).toBeCloseTo(0.4, 12);
    expect(reflect(-1.25)).toBeCloseTo(0.75, 12);
    for (const edge of [0, 1, 2, -1])
      expect(reflect(edge - 1e-9)).toBeCloseTo(reflect(edge + 1e-9), 6);
  });
});

describe('CmaEsStrategy', () => {
  it('finds better points than random search at equal budgets, over 20 seeds', async () => {
    const seeds = 20;
    const budget = 40;
    for (const optimum of [NEAR_CENTRE, OFF_CENTRE]) {
      let cmaSum = 0;
      let randomSum = 0;
      let wins = 0;
      for (let seed = 0; seed < seeds; seed++) {
        const f = (c: Config) => objective(c, optimum);
        const cma = await runSynthetic(new CmaEsStrategy(space, seed, 'minimize'), f, {
          budget,
          parallel: 4,
        });
        const random = await runSynthetic(new RandomStrategy(space, seed), f, { budget });
        const c = cma.bestAfter.at(-1)!;
        const r = random.bestAfter.at(-1)!;
        cmaSum += c;
        randomSum += r;
        if (c < r) wins++;
      }
      expect(cmaSum / seeds).toBeLessThan((randomSum / seeds) * 0.6);
      expect(wins).toBeGreaterThanOrEqual(15);
    }
  });

  it('converges on a smooth function: sigma shrinks and the mean reaches the optimum', async () => {
    const smooth = new SearchSpace({
      a: float(0, 1, { default: 0.5, area: 'training', description: '' }),
      b: float(0, 1, { default: 0.5, area: 'training', description: '' }),
    });
    const f = (c: Config) =>
      ((c['a'] as number) - 0.8) ** 2 + 10 * ((c['b'] as number) - 0.25) ** 2;
    const cma = new CmaEsStrategy(smooth, 3, 'minimize', { minStd: 1e-6 });
    const { trials, bestAfter } = await runSynthetic(cma, f, { budget: 240, parallel: 6 });
    const state = cma.state(trials)!;
    expect(state.run).toBe(0);
    expect(state.sigma).toBeLessThan(0.02);
    expect(state.mean[0]!).toBeCloseTo(0.8, 2);
    expect(state.mean[1]!).toBeCloseTo(0.25, 2);
    expect(bestAfter.at(-1)!).toBeLessThan(1e-5);
  });

  it('samples inside the box without folding, and with negative weights keeps C positive definite, at an optimum in a corner', async () => {
    const corner = new SearchSpace({
      a: float(0, 1, { default: 0.03, area: 'training', description: '' }),
      b: float(0, 1, { default: 0.03, area: 'training', description: '' }),
    });
    const f = (c: Config) => (c['a'] as number) ** 2 + 3 * ((c['b'] as number) - 0.01) ** 2;
    const encoding = new SpaceEncoding(corner);
    for (const bounds of ['resample', 'reflect'] as const) {
      const cma = new CmaEsStrategy(corner, 4, 'minimize', { start: 'defaults', bounds });
      const { trials, bestAfter } = await runSynthetic(cma, f, { budget: 120, parallel: 3 });
      // The first generation starts at (0.03, 0.03) with C = I: a member lies at start +
      // sigma0 z unless it was folded back into the box.
      const unfolded = trials
        .filter((t) => cmaMeta(t).generation === 0 && cmaMeta(t).run === 0)
        .every((t) => {
          const { u } = encoding.encode(t.config);
          return cmaMeta(t).z.every((z, i) => Math.abs(u[i]! - (0.03 + z / 6)) < 1e-9);
        });
      expect(unfolded, bounds).toBe(bounds === 'resample');
      expect(bestAfter.at(-1)!, bounds).toBeLessThan(1e-4);
      const { values } = symmetricEigen(cma.state(trials)!.C);
      expect(Math.min(...values), bounds).toBeGreaterThan(0);
    }
  });

  it('proposes one generation at a time and waits for all of its results', async () => {
    const cma = new CmaEsStrategy(space, 0, 'minimize');
    // n = 4 (three numeric, one choice): lambda = 4 + floor(3 ln 4) = 8.
    const first = await cma.propose([], 100);
    expect(first).toHaveLength(8);
    expect(first.map((p) => cmaMeta(p).index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(first.every((p) => cmaMeta(p).generation === 0)).toBe(true);
    expect(first[1]!.reason).toBe('CMA-ES generation 1, member 2 of 8, sigma 0.17');

    // Six proposed so far: the next call offers only the generation's two remaining members.
    const six = first.slice(0, 6).map((p, i) => record(i + 1, p, 'running'));
    const rest = await cma.propose(six, 5);
    expect(rest.map((p) => configKey(p.config))).toEqual(
      first.slice(6).map((p) => configKey(p.config)),
    );

    const all = first.map((p, i) => record(i + 1, p, 'running'));
    expect(await cma.propose(all, 4)).toEqual([]);
    const someDone = all.map((t, i) =>
      i < 5 ? { ...t, state: 'completed' as const, value: objective(t.config) } : t,
    );
    expect(await cma.propose(someDone, 4)).toEqual([]);

    const done = all.map((t) => ({
      ...t,
      state: 'completed' as const,
      value: objective(t.config),
    }));
    const second = await cma.propose(done, 3);
    expect(second).toHaveLength(3);
    expect(second.map((p) => [cmaMeta(p).generation, cmaMeta(p).index])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect(cma.state(done)!.generation).toBe(1);
  });

  it('proposes the same sequence however it is batched, and a resumed driver continues exactly', async () => {
    const runs = await Promise.all(
      [1, 3, 8].map((parallel) =>
        runSynthetic(new CmaEsStrategy(space, 7, 'minimize'), objective, { budget: 40, parallel }),
      ),
    );
    const keys = runs.map((r) => r.trials.map((t) => configKey(t.config)));
    expect(keys[1]).toEqual(keys[0]);
    expect(keys[2]).toEqual(keys[0]);
    // A fresh instance (a driver restarted after a crash) at any point proposes what came next.
    const trials = runs[0]!.trials;
    for (let k = 0; k < trials.length; k++) {
      const [next] = await new CmaEsStrategy(space, 7, 'minimize').propose(trials.slice(0, k), 1);
      expect(configKey(next!.config)).toBe(keys[0]![k]);
    }
  });

  it('is deterministic for a seed and a history, and differs across seeds', async () => {
    const { trials } = await runSynthetic(new CmaEsStrategy(space, 4, 'minimize'), objective, {
      budget: 20,
      parallel: 4,
    });
    const a = await new CmaEsStrategy(space, 4, 'minimize').propose(trials, 4);
    const b = await new CmaEsStrategy(space, 4, 'minimize').propose(trials, 4);
    const c = await new CmaEsStrategy(space, 5, 'minimize').propose(trials, 4);
    expect(b).toEqual(a);
    expect(c.map((p) => configKey(p.config))).not.toEqual(a.map((p) => configKey(p.config)));
  });

  it('maximizes the negated objective exactly as it minimizes the objective', async () => {
    const min = await runSynthetic(new CmaEsStrategy(space, 2, 'minimize'), objective, {
      budget: 32,
      parallel: 8,
    });
    const max = await runSynthetic(new CmaEsStrategy(space, 2, 'maximize'), (c) => -objective(c), {
      budget: 32,
      parallel: 8,
      direction: 'maximize',
    });
    expect(max.trials.map((t) => configKey(t.config))).toEqual(
      min.trials.map((t) => configKey(t.config)),
    );
  });

  it('never repeats a configuration and stops when a tiny space is exhausted', async () => {
    const tiny = new SearchSpace({
      layers: int(1, 4, { default: 2, area: 'architecture', description: '' }),
      optimizer: choice(['sgd', 'adam', 'rmsprop'], {
        default: 'adam',
        area: 'training',
        description: '',
      }),
    });
    const f = (c: Config) =>
      Math.abs((c['layers'] as number) - 3) + (c['optimizer'] === 'adam' ? 0 : 1);
    const { trials } = await runSynthetic(new CmaEsStrategy(tiny, 1, 'minimize'), f, {
      budget: 30,
      parallel: 2,
    });
    const keys = trials.map((t) => configKey(t.config));
    expect(new Set(keys).size).toBe(keys.length);
    // Restarts explore the rest; once all 12 are known it offers nothing (the campaign ends).
    expect(keys.length).toBe(12);
    expect(trials.some((t) => f(t.config) === 0)).toBe(true);
    expect(await new CmaEsStrategy(tiny, 1, 'minimize').propose(trials, 2)).toEqual([]);
  });

  it('restarts with a doubled population when a generation is flat', async () => {
    const cma = new CmaEsStrategy(space, 0, 'minimize');
    const { trials } = await runSynthetic(cma, () => 1, { budget: 8 + 16 + 1, parallel: 4 });
    expect(trials.slice(0, 8).every((t) => cmaMeta(t).run === 0)).toBe(true);
    expect(trials.slice(8, 24).every((t) => cmaMeta(t).run === 1)).toBe(true);
    expect(cmaMeta(trials[23]!).index).toBe(15);
    expect(cmaMeta(trials[24]!).run).toBe(2);
    expect(trials[10]!.reason).toMatch(/member 3 of 16, sigma 0.17, restart 1$/);
  });

  it('ranks failed trials last, takes pruned values, and leaves foreign trials out of the update', async () => {
    // Learning rates above 0.003 diverge (a fifth of the first generation, from the centre,
    // lands there); the optimum lies far below. Every fifth trial is pruned with its value.
    const outcome = (c: Config, n: number): { state: TrialState; value: number | null } =>
      (c['lr'] as number) > 0.003
        ? { state: 'failed', value: null }
        : { state: n % 5 === 0 ? 'pruned' : 'completed', value: objective(c, FAR) };
    const drive = async (withForeign: boolean) => {
      const cma = new CmaEsStrategy(space, 9, 'minimize');
      const foreign = new RandomStrategy(space, 99);
      const history: TrialRecord[] = [];
      for (let round = 0; history.filter((t) => t.source === 'cmaes').length < 48; round++) {
        if (withForeign && round % 2 === 1) {
          const [p] = await foreign.propose(history, 1);
          history.push(
            record(
              history.length + 1,
              { ...p!, source: 'llm' },
              'completed',
              objective(p!.config, FAR),
            ),
          );
        }
        const batch = await cma.propose(history, 3);
        const records = batch.map((p, i) => record(history.length + i + 1, p, 'running'));
        history.push(...records);
        for (const r of records) Object.assign(r, outcome(r.config, r.number));
      }
      return history;
    };
    const plain = await drive(false);
    const mixed = await drive(true);
    expect(plain.filter((t) => t.state === 'failed').length).toBeGreaterThan(0);
    expect(plain.filter((t) => t.state === 'pruned').length).toBeGreaterThan(0);
    expect(mixed.filter((t) => t.source === 'llm').length).toBeGreaterThan(5);
    // Foreign results do not change what CMA-ES proposes.
    expect(mixed.filter((t) => t.source === 'cmaes').map((t) => configKey(t.config))).toEqual(
      plain.map((t) => configKey(t.config)),
    );
    const keys = mixed.map((t) => configKey(t.config));
    expect(new Set(keys).size).toBe(keys.length);
    expect(cmaMeta(plain.at(-1)!).generation).toBeGreaterThanOrEqual(5);
    // The search moves away from the diverging learning rates.
    const failures = (ts: TrialRecord[]) => ts.filter((t) => t.state === 'failed').length;
    expect(failures(plain.slice(-16))).toBeLessThan(failures(plain.slice(0, 16)));
  });

  it('ranks a failed or cancelled member exactly like the worst value, below every result', async () => {
    const cma = new CmaEsStrategy(space, 6, 'minimize');
    const generation = (await cma.propose([], 8)).map((p, i) =>
      record(i + 1, p, 'completed', objective(p.config)),
    );
    const next = async (history: TrialRecord[]) =>
      (await cma.propose(history, 8)).map((p) => configKey(p.config));
    const withValue = (v: number | null, state: TrialState = 'completed') =>
      generation.map((t, i) => (i === 2 ? { ...t, state, value: v } : t));
    const asWorst = await next(withValue(1e9));
    expect(await next(withValue(null, 'failed'))).toEqual(asWorst);
    expect(await next(withValue(null, 'cancelled'))).toEqual(asWorst);
    expect(await next(withValue(-1e9))).not.toEqual(asWorst);
    // A pruned member ranks with the value it reported.
    expect(await next(withValue(-1e9, 'pruned'))).toEqual(await next(withValue(-1e9)));
  });

  it('can start at the incumbent, and keeps that start when a better trial arrives', async () => {
    const encoding = new SpaceEncoding(space);
    const llm = (n: number, config: Config, value: number): TrialRecord =>
      record(n, { config, reason: 'llm', source: 'llm' }, 'completed', value);
    const good = space.parse({ lr: 2e-3, width: 100, dropout: 0.3, act: 'tanh' }) as Config;
    const history = [llm(1, space.defaults() as Config, 5), llm(2, good, 1)];
    const cma = new CmaEsStrategy(space, 0, 'minimize', { start: 'incumbent' });
    const state = cma.state(history)!;
    const { u, choices } = encoding.encode(good);
    expect(state.mean.slice(0, 3).map((v) => v.toFixed(9))).toEqual(u.map((v) => v.toFixed(9)));
    expect(state.mean[3]).toBeCloseTo((choices[0]! + 0.5) / 4, 12);

    const [first] = await cma.propose(history, 1);
    const better = space.parse({ lr: 1e-2, width: 8, dropout: 0.1, act: 'elu' }) as Config;
    const later = [...history, record(3, first!, 'running'), llm(4, better, 0.5)];
    expect(cma.state(later)!.start).toEqual(state.start);
    // Without a stored start the same history would start at the new incumbent.
    expect(cma.state([...history, llm(4, better, 0.5)])!.start).not.toEqual(state.start);
  });

  it('takes a first step size of its own for the first run (a hand-over), and sigma0 at restarts', () => {
    const plane = new SearchSpace({
      x: float(0, 1, { default: 0.5, area: 'training', description: '' }),
      y: float(0, 1, { default: 0.5, area: 'training', description: '' }),
    });
    const gp = (n: number, x: number, y: number, value: number): TrialRecord =>
      trialOf(n, { config: { x, y }, reason: 'gp' }, 'completed', value, 'gp');
    const history = [gp(1, 0.2, 0.3, 1), gp(2, 0.4, 0.3, 2)];
    const cma = new CmaEsStrategy(plane, 0, 'minimize', {
      start: 'incumbent',
      firstRunSigma: 0.05,
    });
    const state = cma.state(history)!;
    expect(state).toMatchObject({ run: 0, sigma: 0.05 });
    expect(state.mean[0]).toBeCloseTo(0.2, 12);
    expect(state.mean[1]).toBeCloseTo(0.3, 12);
    // Without it, sigma0.
    expect(
      new CmaEsStrategy(plane, 0, 'minimize', { start: 'incumbent' }).state(history)!.sigma,
    ).toBe(1 / 6);
  });

  it('restarts at sigma0 after a first run with a step size of its own', async () => {
    const plane = new SearchSpace({
      x: float(0, 1, { default: 0.5, area: 'training', description: '' }),
      y: float(0, 1, { default: 0.5, area: 'training', description: '' }),
    });
    const cma = new CmaEsStrategy(plane, 2, 'minimize', {
      firstRunSigma: 0.05,
      minStd: 0.02,
    });
    const f = (c: Config) => ((c['x'] as number) - 0.7) ** 2 + ((c['y'] as number) - 0.2) ** 2;
    const { trials } = await runSynthetic(cma, f, { budget: 120, parallel: 4 });
    const runs = new Set(trials.map((t) => cmaMeta(t).run));
    expect(runs.size).toBeGreaterThan(1);
    const restarted = cma.state(trials)!;
    expect(restarted.run).toBeGreaterThan(0);
    // A restart's first generation: sigma0 (the state may have moved on a few generations).
    const firstOfRestart = trials.find((t) => cmaMeta(t).run === 1 && cmaMeta(t).generation === 0)!;
    expect(firstOfRestart).toBeDefined();
    expect(firstOfRestart.reason).toMatch(/sigma 0\.17, restart 1/);
  });

  it('proposes valid configurations of a conditional space', async () => {
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
    const f = (c: Config) =>
      ((c['layers'] as number) === 3 ? Math.abs(Math.log2((c['units3'] as number) / 100)) : 5) +
      Math.abs(Math.log10(c['lr'] as number) + 2);
    const { trials } = await runSynthetic(new CmaEsStrategy(conditional, 4, 'minimize'), f, {
      budget: 40,
      parallel: 4,
    });
    for (const t of trials) {
      expect(conditional.validate(t.config).ok).toBe(true);
      expect('units3' in t.config).toBe(t.config['layers'] === 3);
    }
  });
});

describe("CMA-ES with external solutions (a hybrid's overrides)", () => {
  const box3 = new SearchSpace({
    a: float(0, 1, { default: 0.5, area: 'training', description: '' }),
    b: float(0, 1, { default: 0.5, area: 'training', description: '' }),
    c: float(0, 1, { default: 0.5, area: 'training', description: '' }),
  });
  const sphere = (c: Config) =>
    ((c['a'] as number) - 0.2) ** 2 + ((c['b'] as number) - 0.7) ** 2 + (c['c'] as number) ** 2;
  const finish = (proposals: Proposal[], value: (c: Config) => number): TrialRecord[] =>
    proposals.map((p, i) => record(i + 1, p, 'completed', value(p.config)));

  it('counts an override of a member by its own point exactly as the member', async () => {
    const cma = new CmaEsStrategy(box3, 5, 'minimize');
    const first = await cma.propose([], 100);
    const plain = cma.state(finish(first, sphere))!;
    const adopted = first.map((p) => cma.adopt(p, { ...p.config }));
    expect(adopted.every((p) => cmaMeta(p).z.length === 3)).toBe(true);
    expect(adopted.every((p) => (p.meta as { cmaes: { injected?: boolean } }).cmaes.injected)).toBe(
      true,
    );
    const injected = new CmaEsStrategy(box3, 5, 'minimize').state(finish(adopted, sphere))!;
    expect(injected.generation).toBe(1);
    injected.mean.forEach((m, i) => expect(m).toBeCloseTo(plain.mean[i]!, 9));
    expect(injected.sigma).toBeCloseTo(plain.sigma, 9);
    injected.C.forEach((row, i) =>
      row.forEach((v, j) => expect(v).toBeCloseTo(plain.C[i]![j]!, 9)),
    );
  });

  it('learns from a far override, clipped: the mean moves toward it, less than an unclipped step', async () => {
    const cma = new CmaEsStrategy(box3, 5, 'minimize');
    const first = await cma.propose([], 100);
    // The Advisor puts a corner in member 0's place, and it is the best of the generation.
    const corner = { a: 0, b: 1, c: 0 };
    const best = (c: Config) => (configKey(c) === configKey(corner) ? -1 : sphere(c));
    const adopted = [cma.adopt(first[0]!, corner), ...first.slice(1)];
    expect(adopted[0]!.config).toEqual(corner);
    const plain = cma.state(finish(first, sphere))!;
    const learned = new CmaEsStrategy(box3, 5, 'minimize').state(finish(adopted, best))!;
    const dist = (m: number[]) => Math.hypot(m[0]! - 0, m[1]! - 1, m[2]! - 0);
    expect(dist(learned.mean)).toBeLessThan(dist(plain.mean));
    // The step it took is at most the clipped length: sigma * (sqrt(n) + 2n/(n+2)) per unit of
    // the weight the best member gets, so the mean stays well inside the box.
    const limit = Math.sqrt(3) + 6 / 5;
    const moved = Math.hypot(...learned.mean.map((m) => m - 0.5));
    expect(moved).toBeLessThan(plain.sigma * limit);
    // Unclipped, the corner is sqrt(0.5^2 * 3) / sigma = 5.2 sigma-lengths from the start.
    expect(Math.hypot(0.5, 0.5, 0.5) / plain.sigma).toBeGreaterThan(limit);
  });
});

describe("CMA-ES's state in words (what an overriding Advisor reads)", () => {
  it('says its mean as a configuration, its step size and the directions it learned', async () => {
    // Only `a` matters, steeply: the covariance stretches across it less than across the others.
    const box = new SearchSpace({
      a: float(0, 1, { default: 0.5, area: 'training', description: '' }),
      b: float(0, 1, { default: 0.5, area: 'training', description: '' }),
      c: choice(['x', 'y', 'z'], { default: 'x', area: 'architecture', description: '' }),
    });
    const f = (c: Config) => 100 * ((c['a'] as number) - 0.3) ** 2;
    const { trials: history } = await runSynthetic(new CmaEsStrategy(box, 2, 'minimize'), f, {
      budget: 60,
      parallel: 4,
    });
    const cma = new CmaEsStrategy(box, 2, 'minimize');
    const s = cma.state(history)!;
    const text = cma.stateInWords(history);
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      `CMA-ES run ${s.run + 1}, generation ${s.generation + 1}, ${s.lambda} members per generation`,
    );
    // The mean decoded: a near its optimum 0.3, in the words of the space.
    const a = Number(/its mean: a=([0-9.e-]+)/.exec(text)![1]);
    expect(Math.abs(a - 0.3)).toBeLessThan(0.1);
    expect(lines[1]).toMatch(/^its mean: a=[0-9.e-]+, b=[0-9.e-]+, c=(x|y|z)$/);
    expect(lines[2]).toBe(
      `its step size: ${s.sigma.toPrecision(2)} of each dimension's range (1 = the whole range)`,
    );
    // Two axes, their shares of the variance falling; the least variance is along `a`, so the
    // first axis loads least on it.
    const shares = [...text.matchAll(/axis \d \((\d+)% of the variance\)/g)].map((m) =>
      Number(m[1]),
    );
    expect(shares).toHaveLength(2);
    expect(shares[0]).toBeGreaterThanOrEqual(shares[1]!);
    const first = /axis 1 \([^)]*\): (.*?);/.exec(text)![1]!;
    const loading = (name: string) =>
      Math.abs(Number(new RegExp(`([+-][0-9.]+) ${name}\\b`).exec(first)?.[1] ?? 0));
    expect(loading('a')).toBeLessThan(Math.max(loading('b'), loading('c')));
  });
});

describe('CMA-ES at length: incremental replay and snapshots', () => {
  it('a long campaign proposes the same from memory, from a snapshot plus the trials since, and from a full replay', async () => {
    const make = (context: SnapshotContext) => new CmaEsStrategy(space, 4, 'minimize', {}, context);
    const { history, compared, box } = await replayAgreement(make, objective, {
      trials: 600,
      batch: 4,
      compareEvery: 150,
    });
    const keys = (ps: Proposal[]) => ps.map((p) => configKey(p.config));
    expect(compared).toBe(3);
    // Snapshots were written as the campaign went (every 25 generations), not at every call.
    const generations = cmaMeta(history.at(-1)!).generation;
    expect(box.writes()).toBeGreaterThan(0);
    expect(box.writes()).toBeLessThanOrEqual(Math.ceil(generations / 25) + 10);
    const driver = make(box.context);

    // The snapshot is really what a new driver starts from: a different one leads elsewhere.
    const stored = structuredClone(box.peek()) as { state: { mean: number[] } };
    stored.state.mean = stored.state.mean.map((v) => 1 - v);
    const other = stateBox();
    other.poke(stored);
    const misled = new CmaEsStrategy(space, 4, 'minimize', {}, other.context);
    expect(keys(await misled.propose(history, 4))).not.toEqual(
      keys(await driver.propose(history, 4)),
    );
  });
});
