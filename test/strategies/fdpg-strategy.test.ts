import { describe, expect, it } from 'vitest';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import type { TrialRecord, TrialState } from '../../src/contracts/trial-record.ts';
import { choice, int } from '../../src/search-space/param.ts';
import { SearchSpace, type Config } from '../../src/search-space/search-space.ts';
import { configKey } from '../../src/strategies/config-sampling.ts';
import {
  FdpgStrategy,
  fPrime,
  logDensity,
  scoreFunction,
  type Divergence,
  type ProposalDistribution,
} from '../../src/strategies/fdpg-strategy.ts';
import { parseCampaignRequest } from '../../src/contracts/campaign-request.ts';
import { createStrategy } from '../../src/campaign/create-strategy.ts';
import { RandomStrategy } from '../../src/strategies/random-strategy.ts';
import iris from '../../tasks/iris.ts';
import { SpaceEncoding } from '../../src/strategies/space-encoding.ts';
import type { Proposal } from '../../src/strategies/strategy.ts';
import { runSynthetic } from '../helpers/synthetic-campaign.ts';
import { FAR, mixedSpace, NEAR, quadratic, trialOf } from '../helpers/synthetic-objectives.ts';

const space = mixedSpace;
const objective = quadratic;
const NEAR_CENTRE = NEAR;
const OFF_CENTRE = FAR;
const record = (number: number, p: Proposal, state: TrialState, value?: number | null) =>
  trialOf(number, p, state, value, 'fdpg');

const fdpgMeta = (t: { meta?: Record<string, unknown> }) =>
  (t.meta as { fdpg: { logq: number; u: number[]; choices: number[] } }).fdpg;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('f-divergence derivatives', () => {
  // f of each divergence, written independently of fPrime (f(1) = 0 for all of them).
  const f: Record<Divergence, (t: number) => number> = {
    kl: (t) => -Math.log(t),
    rkl: (t) => t * Math.log(t),
    js: (t) => t * Math.log((2 * t) / (1 + t)) + Math.log(2 / (1 + t)),
    tv: (t) => Math.abs(t - 1) / 2,
  };

  for (const divergence of ['kl', 'rkl', 'js', 'tv'] as const) {
    it(`${divergence}: f'(t) matches a numerical derivative of f`, () => {
      expect(f[divergence](1)).toBeCloseTo(0, 12);
      for (const t of [0.05, 0.3, 0.8, 1.5, 4, 20]) {
        const h = 1e-6 * t;
        const numeric = (f[divergence](t + h) - f[divergence](t - h)) / (2 * h);
        expect(fPrime(divergence, Math.log(t))).toBeCloseTo(numeric, 5);
      }
    });
  }

  it('the score function is the gradient of log pi', () => {
    const theta: ProposalDistribution = {
      mean: [0.3, 0.8],
      logStd: [Math.log(0.2), Math.log(0.05)],
      logits: [
        [0.5, -1, 2],
        [0, 0],
      ],
    };
    const u = [0.45, 0.78];
    const choices = [1, 0];
    const analytic = scoreFunction(theta, u, choices);
    const flat = [...theta.mean, ...theta.logStd, ...theta.logits.flat()];
    const at = (params: number[]): ProposalDistribution => ({
      mean: params.slice(0, 2),
      logStd: params.slice(2, 4),
      logits: [params.slice(4, 7), params.slice(7, 9)],
    });
    flat.forEach((_, i) => {
      const h = 1e-6;
      const plus = [...flat];
      const minus = [...flat];
      plus[i]! += h;
      minus[i]! -= h;
      const numeric =
        (logDensity(at(plus), u, choices) - logDensity(at(minus), u, choices)) / (2 * h);
      expect(analytic[i]).toBeCloseTo(numeric, 4);
    });
  });
});

describe('FdpgStrategy', () => {
  it('concentrates on good regions and beats random search on the mixed function, over 20 seeds', async () => {
    const seeds = 20;
    const budget = 60;
    for (const optimum of [NEAR_CENTRE, OFF_CENTRE]) {
      const f = (c: Config) => objective(c, optimum);
      let early = 0;
      let late = 0;
      let laterBetter = 0;
      let fdpgBest = 0;
      let randomBest = 0;
      let wins = 0;
      let stdSum = 0;
      for (let seed = 0; seed < seeds; seed++) {
        const fdpg = new FdpgStrategy(space, seed, 'minimize');
        const run = await runSynthetic(fdpg, f, { budget, parallel: 4 });
        const values = run.trials.map((t) => t.value as number);
        const e = mean(values.slice(0, 15));
        const l = mean(values.slice(-15));
        early += e / seeds;
        late += l / seeds;
        if (l < e) laterBetter++;
        const random = await runSynthetic(new RandomStrategy(space, seed), f, { budget });
        fdpgBest += run.bestAfter.at(-1)! / seeds;
        randomBest += random.bestAfter.at(-1)! / seeds;
        if (run.bestAfter.at(-1)! < random.bestAfter.at(-1)!) wins++;
        stdSum += mean(fdpg.distribution(run.trials).logStd.map(Math.exp)) / seeds;
      }
      expect(late).toBeLessThan(early * 0.5);
      expect(laterBetter).toBeGreaterThanOrEqual(18);
      expect(stdSum).toBeLessThan(0.3);
      expect(fdpgBest).toBeLessThan(randomBest * 0.6);
      expect(wins).toBeGreaterThanOrEqual(14);
    }
  });

  it('learns where the optimum is: its means approach it and the right choice dominates', async () => {
    const fdpg = new FdpgStrategy(space, 3, 'maximize');
    const { trials } = await runSynthetic(fdpg, (c) => -objective(c), {
      budget: 80,
      parallel: 4,
      direction: 'maximize',
    });
    const q = fdpg.distribution(trials);
    const encoding = new SpaceEncoding(space);
    const target = encoding.encode(space.parse({ ...NEAR_CENTRE, act: 'elu' }) as Config);
    q.mean.forEach((m, j) => expect(Math.abs(m - target.u[j]!)).toBeLessThan(0.1));
    const logits = q.logits[0]!;
    expect(logits.indexOf(Math.max(...logits))).toBe(target.choices[0]);
  });

  it('every divergence and the clipped weights improve on the first samples', async () => {
    for (const options of [
      { divergence: 'kl' as const },
      { divergence: 'rkl' as const },
      { divergence: 'tv' as const },
      { weights: 'clipped' as const },
    ]) {
      let early = 0;
      let late = 0;
      for (let seed = 0; seed < 8; seed++) {
        const run = await runSynthetic(
          new FdpgStrategy(space, seed, 'minimize', options),
          objective,
          {
            budget: 48,
            parallel: 4,
          },
        );
        const values = run.trials.map((t) => t.value as number);
        early += mean(values.slice(0, 12));
        late += mean(values.slice(-12));
      }
      expect(late).toBeLessThan(early * 0.6);
    }
  });

  it("takes the campaign's divergence (--divergence), Jensen-Shannon when it names none", async () => {
    const campaign = (divergence?: string) =>
      ({
        id: 'c',
        request: parseCampaignRequest({
          task: { kind: 'builtin', name: 'iris' },
          strategy: 'fdpg',
          maxTrials: 20,
          parallel: 1,
          seed: 1,
          splitSeed: 0,
          pruner: 'none',
          outputDir: '/tmp',
          ...(divergence ? { divergence } : {}),
        }),
      }) as CampaignRecord;
    const learnedBy = async (divergence?: string) => {
      const strategy = createStrategy(campaign(divergence), iris, {
        context: () => null!,
        agentsQueue: null!,
      });
      const { trials } = await runSynthetic(strategy, (c) => c['learningRate'] as number, {
        budget: 12,
      });
      return (await strategy.propose(trials, 1))[0]!.reason;
    };
    expect(await learnedBy('tv')).toMatch(/fitted by tv to/);
    expect(await learnedBy()).toMatch(/fitted by js to/);
    expect(() => campaign('hellinger')).toThrow(
      'divergence must be one of js, kl, rkl, tv (got "hellinger")',
    );
  });

  it('on a flat objective it spreads toward the uniform prior', async () => {
    const fdpg = new FdpgStrategy(space, 1, 'minimize', { initialStd: 0.1 });
    const { trials } = await runSynthetic(fdpg, () => 1, { budget: 60, parallel: 4 });
    const q = fdpg.distribution(trials);
    for (const s of q.logStd) expect(Math.exp(s)).toBeGreaterThan(0.2);
    for (const m of q.mean) expect(Math.abs(m - 0.5)).toBeLessThan(0.2);
    const p = q.logits[0]!.map(Math.exp);
    expect(Math.max(...p) / Math.min(...p)).toBeLessThan(1.5);
  });

  it('stores log q of each sample, the density it was drawn from', async () => {
    const fdpg = new FdpgStrategy(space, 2, 'minimize');
    const { trials } = await runSynthetic(fdpg, objective, { budget: 16, parallel: 4 });
    const encoding = new SpaceEncoding(space);
    for (let k = 0; k < trials.length; k += 4) {
      const q = fdpg.distribution(trials.slice(0, k));
      for (const t of trials.slice(k, k + 4)) {
        const m = fdpgMeta(t);
        expect(m.logq).toBeCloseTo(logDensity(q, m.u, m.choices), 10);
        expect(configKey(encoding.decode(m.u, m.choices))).toBe(configKey(t.config));
      }
    }
    // The distribution moved between the first and the last batch.
    expect(fdpg.distribution(trials.slice(0, 12))).not.toEqual(fdpg.distribution([]));
  });

  it('is deterministic for a seed and a history, however the proposals are batched', async () => {
    const { trials } = await runSynthetic(new FdpgStrategy(space, 4, 'minimize'), objective, {
      budget: 20,
      parallel: 4,
    });
    const atOnce = await new FdpgStrategy(space, 4, 'minimize').propose(trials, 4);
    expect(await new FdpgStrategy(space, 4, 'minimize').propose(trials, 4)).toEqual(atOnce);
    // Asked one at a time while the earlier ones run (a driver with 4 slots, or one resumed).
    const history = [...trials];
    const stepwise: Proposal[] = [];
    for (let i = 0; i < 4; i++) {
      const [p] = await new FdpgStrategy(space, 4, 'minimize').propose(history, 1);
      stepwise.push(p!);
      history.push(record(history.length + 1, p!, 'running'));
    }
    expect(stepwise).toEqual(atOnce);
    const other = await new FdpgStrategy(space, 5, 'minimize').propose(trials, 4);
    expect(other.map((p) => configKey(p.config))).not.toEqual(
      atOnce.map((p) => configKey(p.config)),
    );
  });

  it('never repeats a configuration, and offers nothing once a tiny space is exhausted', async () => {
    const tiny = new SearchSpace({
      layers: int(1, 3, { default: 2, area: 'architecture', description: '' }),
      optimizer: choice(['sgd', 'adam'], { default: 'adam', area: 'training', description: '' }),
    });
    const f = (c: Config) => (c['layers'] as number) + (c['optimizer'] === 'adam' ? 0 : 1);
    const fdpg = new FdpgStrategy(tiny, 0, 'minimize');
    const { trials } = await runSynthetic(fdpg, f, { budget: 20, parallel: 2 });
    const keys = trials.map((t) => configKey(t.config));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBeLessThanOrEqual(6);
    expect(keys.length).toBeGreaterThanOrEqual(5);
  });

  it('scores failures as the worst result, pruned trials by their value, and survives both', async () => {
    const fdpg = new FdpgStrategy(space, 6, 'minimize');
    const batch = (await fdpg.propose([], 8)).map((p, i) =>
      record(i + 1, p, 'completed', objective(p.config)),
    );
    const worst = Math.max(...batch.map((t) => t.value as number));
    const withTrial = (state: TrialState, value: number | null) =>
      batch.map((t, i) => (i === 1 ? { ...t, state, value } : t));
    const q = (h: TrialRecord[]) => fdpg.distribution(h);
    expect(q(withTrial('failed', null))).toEqual(q(withTrial('completed', worst)));
    expect(q(withTrial('pruned', 0.5))).toEqual(q(withTrial('completed', 0.5)));
    expect(q(withTrial('failed', null))).not.toEqual(q(withTrial('completed', 0)));
    // Cancelled trials carry no result: the same as if they were still running.
    expect(q(withTrial('cancelled', null))).toEqual(q(withTrial('running', undefined as never)));

    // A campaign where high learning rates diverge and some trials are pruned.
    const history: TrialRecord[] = [];
    for (let round = 0; round < 12; round++) {
      for (const p of await fdpg.propose(history, 4)) {
        const n = history.length + 1;
        const diverged = (p.config['lr'] as number) > 0.05;
        history.push(
          record(
            n,
            p,
            diverged ? 'failed' : n % 5 === 0 ? 'pruned' : 'completed',
            diverged ? null : objective(p.config),
          ),
        );
      }
    }
    const failures = (ts: TrialRecord[]) => ts.filter((t) => t.state === 'failed').length;
    expect(failures(history.slice(0, 16))).toBeGreaterThan(0);
    expect(failures(history.slice(-16))).toBeLessThan(failures(history.slice(0, 16)));
  });

  it('folds foreign trials into the prior, pulling q toward where others looked', async () => {
    // Twelve LLM trials near one corner, a flat objective: only the prior can move q.
    const corner = { lr: 1e-4, width: 400, dropout: 0.6, act: 'tanh' };
    const foreign: TrialRecord[] = Array.from({ length: 12 }, (_, i) =>
      record(
        i + 1,
        {
          config: space.parse({ ...corner, lr: 1e-4 * (1 + i / 20) }) as Config,
          reason: '',
          source: 'llm',
        },
        'completed',
        1,
      ),
    );
    const drive = async (foreignTrials: 'prior' | 'ignore') => {
      const fdpg = new FdpgStrategy(space, 1, 'minimize', { foreignTrials });
      const history = [...foreign];
      for (let round = 0; round < 12; round++)
        for (const p of await fdpg.propose(history, 4))
          history.push(record(history.length + 1, p, 'completed', 1));
      return fdpg.distribution(history);
    };
    const prior = await drive('prior');
    const ignored = await drive('ignore');
    const encoding = new SpaceEncoding(space);
    const target = encoding.encode(space.parse(corner) as Config);
    const distance = (q: ProposalDistribution) =>
      Math.hypot(...q.mean.map((m, j) => Math.min(1, Math.max(0, m)) - target.u[j]!));
    expect(distance(prior)).toBeLessThan(distance(ignored) - 0.2);
    const tanh = target.choices[0]!;
    expect(prior.logits[0]![tanh]!).toBe(Math.max(...prior.logits[0]!));
    expect(Math.max(...ignored.logits[0]!) - Math.min(...ignored.logits[0]!)).toBeLessThan(0.5);
  });
});

describe('f-DPG on long histories: the window', () => {
  it('changes nothing while the trials fit in it, and past it reads only the latest and the best older ones', async () => {
    const { trials } = await runSynthetic(new FdpgStrategy(space, 3, 'minimize'), objective, {
      budget: 80,
      parallel: 4,
    });
    const fitted = (window: number, h: TrialRecord[]) =>
      new FdpgStrategy(space, 3, 'minimize', { window }).distribution(h);
    expect(fitted(80, trials)).toEqual(fitted(Infinity, trials));
    // Window 40: the latest 40 and the best 25 older ones. A trial of the 15 forgotten ones
    // (older, not among the best) changes nothing; one inside the window changes the fit.
    const bounded = fitted(40, trials);
    expect(bounded).not.toEqual(fitted(Infinity, trials));
    const older = trials.slice(0, 40).filter((t) => typeof t.value === 'number');
    const worst = older.reduce((a, b) => (b.value! > a.value! ? b : a));
    const change = (n: number) =>
      trials.map((t) => (t.number === n ? { ...t, value: t.value! * 1.5 + 1 } : t));
    expect(fitted(40, change(worst.number))).toEqual(bounded);
    expect(fitted(40, change(trials.at(-1)!.number))).not.toEqual(bounded);
  });
});
