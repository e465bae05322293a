import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/contracts/trial-record.ts';
import { AshaPruner, rungs } from '../../src/trials/asha-pruner.ts';
import { MedianPruner } from '../../src/trials/median-pruner.ts';
import { createPruner } from '../../src/trials/create-pruner.ts';
import { choice, float, int } from '../../src/search-space/param.ts';
import { SearchSpace, type Config } from '../../src/search-space/search-space.ts';
import { configKey } from '../../src/strategies/config-sampling.ts';
import { GridStrategy, gridValues } from '../../src/strategies/grid-strategy.ts';
import { RandomStrategy } from '../../src/strategies/random-strategy.ts';
import { DefaultFirstStrategy } from '../../src/strategies/default-first-strategy.ts';
import { createStrategy } from '../../src/campaign/create-strategy.ts';
import { parseCampaignRequest, STRATEGY_NAMES } from '../../src/contracts/campaign-request.ts';
import type { CampaignRecord } from '../../src/contracts/campaign-record.ts';
import iris from '../../tasks/iris.ts';
import wineQuality from '../../tasks/wine-quality.ts';
import { LEARNING_RATES } from '../../src/task-kinds/common-params.ts';

const asHistory = (configs: Config[]): TrialRecord[] =>
  configs.map((config, i) => ({
    number: i + 1,
    state: 'completed',
    config,
    reason: '',
    source: 't',
    proposedAt: 0,
    attempts: 1,
  }));

describe('RandomStrategy', () => {
  it('is reproducible for a seed and proposes the same sequence however it is asked', async () => {
    const a = new RandomStrategy(iris.space, 3);
    const b = new RandomStrategy(iris.space, 3);
    const all = (await a.propose([], 6)).map((p) => p.config);
    // The same six, asked two at a time as a driver with 2 parallel trials would.
    const stepwise: Config[] = [];
    for (let i = 0; i < 3; i++)
      stepwise.push(...(await b.propose(asHistory(stepwise), 2)).map((p) => p.config));
    expect(stepwise).toEqual(all);
    const other = (await new RandomStrategy(iris.space, 4).propose([], 6)).map((p) => p.config);
    expect(other).not.toEqual(all);
  });

  it('numbers its samples 1, 2, 3 after the default, whatever the rounds', async () => {
    const strategy = new DefaultFirstStrategy(
      new RandomStrategy(iris.space, 2),
      iris.space.defaults(),
    );
    const history: TrialRecord[] = [];
    for (let round = 0; round < 3; round++) {
      for (const p of await strategy.propose(history, 2))
        history.push({
          number: history.length + 1,
          state: 'completed',
          config: p.config,
          reason: p.reason,
          source: p.source ?? strategy.name,
          proposedAt: 0,
          attempts: 1,
        });
    }
    expect(history.map((t) => t.reason.replace(/ \(seed 2\)$/, ''))).toEqual([
      "the search space's default configuration, first: the control every tuned result is measured against",
      'random sample 1',
      'random sample 2',
      'random sample 3',
      'random sample 4',
      'random sample 5',
    ]);
  });

  it('proposes valid configurations that cover the space, with log scales', async () => {
    const configs = (await new RandomStrategy(iris.space, 1).propose([], 200)).map((p) => p.config);
    for (const c of configs) expect(iris.space.validate(c).ok).toBe(true);
    const lrs = configs.map((c) => c['learningRate'] as number);
    // Log-uniform over 1e-5..1: about a fifth of the draws per decade.
    const below1e3 = lrs.filter((lr) => lr < 1e-3).length / lrs.length;
    expect(below1e3).toBeGreaterThan(0.25);
    expect(below1e3).toBeLessThan(0.55);
    expect(new Set(configs.map((c) => c['optimizer'])).size).toBe(5);
    expect(new Set(configs.map((c) => c['hiddenLayers'])).size).toBe(5);
  });

  it('never proposes a configuration twice, even in a tiny space', async () => {
    const tiny = new SearchSpace({
      k: choice([1, 2, 3], { default: 1, area: 'training', description: '' }),
    });
    const proposals = await new RandomStrategy(tiny, 0).propose([], 5);
    expect(proposals.map((p) => p.config['k']).sort()).toEqual([1, 2, 3]);
  });
});

describe('GridStrategy', () => {
  const space = new SearchSpace({
    lr: float(1e-4, 1e-1, { log: true, default: 1e-3, area: 'training', description: '' }),
    layers: int(1, 2, { default: 1, area: 'architecture', description: '' }),
    extra: int(1, 100, {
      default: 10,
      area: 'architecture',
      description: '',
      when: { param: 'layers', atLeast: 2 },
    }),
    act: choice(['relu', 'tanh'], { default: 'relu', area: 'architecture', description: '' }),
  });

  it('spaces continuous values evenly on their scale', () => {
    expect(gridValues(space.param('lr')!, 4)).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
    expect(gridValues(space.param('layers')!, 3)).toEqual([1, 2]);
    expect(gridValues(space.param('extra')!, 3)).toEqual([1, 51, 100]);
  });

  it('visits every distinct point once, in a seeded order, then stops', async () => {
    const grid = new GridStrategy(space, 5, { resolution: 3 });
    const proposals = await grid.propose([], 100);
    // lr 3 x act 2 x (layers 1: extra inactive, 1 point; layers 2: extra 3 points) = 24
    expect(proposals).toHaveLength(24);
    expect(new Set(proposals.map((p) => configKey(p.config))).size).toBe(24);
    const again = await new GridStrategy(space, 5, { resolution: 3 }).propose(
      asHistory(proposals.slice(0, 10).map((p) => p.config)),
      100,
    );
    expect(again.map((p) => p.config)).toEqual(proposals.slice(10).map((p) => p.config));
    const otherOrder = await new GridStrategy(space, 6, { resolution: 3 }).propose([], 24);
    expect(otherOrder.map((p) => p.config)).not.toEqual(proposals.map((p) => p.config));
    // The raw grid has 3 x 2 x 3 x 2 = 36 points, 24 of them distinct configurations.
    expect(proposals[0]!.reason).toMatch(/^grid point 1 of 36: /);
  });

  it('varies only the named dimensions', async () => {
    const proposals = await new GridStrategy(iris.space, 0, {
      resolution: 4,
      params: ['learningRate', 'batchSize'],
    }).propose([], 100);
    expect(proposals).toHaveLength(16);
    const defaults = iris.space.defaults() as Config;
    for (const p of proposals) {
      expect(p.config['optimizer']).toBe(defaults['optimizer']);
      expect(p.config['units1']).toBe(defaults['units1']);
    }
    expect(new Set(proposals.map((p) => p.config['learningRate'])).size).toBe(4);
    expect(() => new GridStrategy(iris.space, 0, { resolution: 3, params: ['lr'] })).toThrow(
      /unknown parameter lr/,
    );
  });
});

describe('MedianPruner', () => {
  const curve = (values: number[]) =>
    values.map((v, i) => ({
      epoch: i + 1,
      loss: 0,
      validationLoss: 0,
      validationMetric: v,
      learningRate: 0,
      seconds: 0,
      samplesPerSecond: 0,
    }));
  const peers = [curve([0.5, 0.6, 0.7]), curve([0.6, 0.7, 0.8]), curve([0.7, 0.8, 0.9])];

  it('prunes a curve below the median of earlier trials at the same epoch', () => {
    const pruner = new MedianPruner('maximize', 3, 2);
    expect(pruner.decide(curve([0.1, 0.2]), peers)).toEqual({
      prune: true,
      value: 0.2,
      median: 0.7,
    });
    expect(pruner.decide(curve([0.1, 0.75]), peers).prune).toBe(false);
  });

  it('waits for the warm-up epochs and enough finished trials', () => {
    expect(new MedianPruner('maximize', 3, 2).decide(curve([0.1]), peers).prune).toBe(false);
    expect(new MedianPruner('maximize', 4, 1).decide(curve([0.1, 0.1]), peers).prune).toBe(false);
  });

  it('understands metrics where lower is better', () => {
    const pruner = new MedianPruner('minimize', 3, 1);
    expect(pruner.decide(curve([0.9]), peers).prune).toBe(true);
    expect(pruner.decide(curve([0.55]), peers).prune).toBe(false);
  });
});

describe('AshaPruner', () => {
  const curve = (values: number[]) =>
    values.map((v, i) => ({
      epoch: i + 1,
      loss: 0,
      validationLoss: 0,
      validationMetric: v,
      learningRate: 0,
      seconds: 0,
      samplesPerSecond: 0,
    }));

  it('judges only at rung epochs (1, 3, 9, ...) and keeps the top third there', () => {
    const pruner = new AshaPruner('maximize');
    const peers = [
      curve([0.5, 0.5, 0.5]),
      curve([0.6, 0.6, 0.6]),
      curve([0.7, 0.7, 0.9]),
      curve([0.8, 0.8, 0.8]),
      curve([0.4, 0.4, 0.4]),
    ];
    // Epoch 2 is not a rung: never pruned there.
    expect(pruner.decide(curve([0.1, 0.1]), peers).prune).toBe(false);
    // Epoch 3 (a rung): six trials, the best two go on (0.9 and 0.8).
    expect(pruner.decide(curve([0.1, 0.2, 0.85]), peers)).toEqual({
      prune: false,
      value: 0.85,
      median: 0.85,
    });
    expect(pruner.decide(curve([0.1, 0.2, 0.75]), peers)).toMatchObject({
      prune: true,
      median: 0.8,
    });
    expect(rungs({ minEpochs: 1, reductionFactor: 3 }, 30)).toEqual([1, 3, 9, 27]);
  });

  it('lets a lone trial go on, and understands lower-is-better metrics', () => {
    expect(new AshaPruner('maximize').decide(curve([0.1]), []).prune).toBe(false);
    const minimize = new AshaPruner('minimize', { minEpochs: 2, reductionFactor: 2 });
    const peers = [curve([5, 4]), curve([3, 2])];
    expect(minimize.decide(curve([9, 1]), peers).prune).toBe(false);
    expect(minimize.decide(curve([9, 4.5]), peers).prune).toBe(true);
  });

  it("are built from a campaign's pruner options", () => {
    const peers = [curve([5, 5, 5, 5]), curve([6, 6, 6, 6]), curve([7, 7, 7, 7])];
    const low = curve([1, 1, 1, 1]);
    // The median rule's warm-up: not before epoch 4 when asked, from epoch 2 by default.
    const patient = createPruner('median', 'maximize', { warmupEpochs: 4 })!;
    expect(patient.decide(low.slice(0, 3), peers).prune).toBe(false);
    expect(patient.decide(low, peers).prune).toBe(true);
    expect(createPruner('median', 'maximize')!.decide(low.slice(0, 2), peers).prune).toBe(true);
    // ASHA's first rung and eta: rungs at 2 and 4 here, not at 1 and 3.
    const asha = createPruner('asha', 'maximize', { minEpochs: 2, reductionFactor: 2 })!;
    expect(asha.decide(low.slice(0, 1), peers).prune).toBe(false);
    expect(asha.decide(low.slice(0, 2), peers).prune).toBe(true);
    expect(asha.decide(low.slice(0, 3), peers).prune).toBe(false);
    expect(createPruner('none', 'maximize')).toBeNull();
    expect(() =>
      parseCampaignRequest({
        task: { kind: 'builtin', name: 'iris' },
        strategy: 'random',
        maxTrials: 5,
        parallel: 1,
        seed: 0,
        splitSeed: 0,
        pruner: 'asha',
        prunerOptions: { reductionFactor: 1 },
        outputDir: '/tmp',
      }),
    ).toThrow('prunerOptions.reductionFactor must be at least 1.5');
  });
});

describe('default first', () => {
  const record = (strategy: string, overrides: Record<string, unknown> = {}) =>
    ({
      id: 'default-first',
      request: parseCampaignRequest({
        task: { kind: 'builtin', name: 'iris' },
        strategy,
        maxTrials: 20,
        parallel: 3,
        seed: 2,
        splitSeed: 0,
        pruner: 'none',
        outputDir: '/tmp',
        ...overrides,
      }),
      taskName: 'iris',
      metric: iris.metric,
      status: 'running',
      createdAt: 0,
    }) as CampaignRecord;
  const context = { context: () => null as never, agentsQueue: null as never };

  it("makes the space's default configuration trial 1 for every strategy", async () => {
    for (const name of STRATEGY_NAMES) {
      const strategy = createStrategy(record(name), iris, context);
      const [first] = await strategy.propose([], 1);
      expect(first, name).toMatchObject({ source: 'default', config: iris.space.defaults() });
    }
  });

  it('asks the strategy for the rest of the first round, and leaves the default to it afterwards', async () => {
    const strategy = createStrategy(record('random'), iris, context);
    const round = await strategy.propose([], 3);
    expect(round.map((p) => p.source ?? 'random')).toEqual(['default', 'random', 'random']);
    const history = asHistory(round.map((p) => p.config)).map((t, i) => ({
      ...t,
      source: round[i]!.source ?? 'random',
    }));
    const next = await strategy.propose(history, 3);
    expect(next.every((p) => p.source === undefined)).toBe(true);
    expect(new Set([...round, ...next].map((p) => configKey(p.config))).size).toBe(6);
    const off = createStrategy(record('random', { defaultFirst: false }), iris, context);
    expect((await off.propose([], 1))[0]!.source).toBeUndefined();
  });
});

describe("search ranges: a practitioner's ranges for the strategies, the full space for what trains", () => {
  const record = (strategy: string) =>
    ({
      id: 'search-ranges',
      request: parseCampaignRequest({
        task: { kind: 'builtin', name: 'wine-quality' },
        strategy,
        maxTrials: 200,
        parallel: 1,
        seed: 5,
        splitSeed: 0,
        pruner: 'none',
        outputDir: '/tmp',
        defaultFirst: false,
      }),
      taskName: 'wine-quality',
      metric: wineQuality.metric,
      status: 'running',
      createdAt: 0,
    }) as CampaignRecord;
  const context = { context: () => null as never, agentsQueue: null as never };

  it('numeric strategies draw inside the search ranges; the baseline outside them still validates', async () => {
    for (const name of ['random', 'tpe', 'cmaes'] as const) {
      const strategy = createStrategy(record(name), wineQuality, context);
      const proposals = await strategy.propose([], 60);
      // CMA-ES proposes a generation at a time; the others, as many as asked.
      expect(proposals.length, name).toBeGreaterThanOrEqual(10);
      for (const { config } of proposals) {
        expect(config['targetTransform'], name).not.toBe('none');
        // Each optimizer's own learning rates (where it trains in a few epochs).
        const [low, high] = LEARNING_RATES[config['optimizer'] as keyof typeof LEARNING_RATES];
        expect(config['learningRate'] as number, name).toBeGreaterThanOrEqual(low * (1 - 1e-9));
        expect(config['learningRate'] as number, name).toBeLessThanOrEqual(high * (1 + 1e-9));
        expect(config['dropout'] as number, name).toBeLessThanOrEqual(0.5);
        if ((config['hiddenLayers'] as number) >= 1)
          expect(config['units1'] as number, name).toBeGreaterThanOrEqual(8);
        // What a strategy proposes is valid in the full space, which checks every trial.
        expect(wineQuality.space.validate(config).ok).toBe(true);
      }
    }
    // The untuned baseline (plain SGD, untransformed target) lies outside the search ranges and
    // is still a configuration the task trains.
    expect(wineQuality.baseline['targetTransform']).toBe('none');
    expect(wineQuality.space.validate(wineQuality.baseline).ok).toBe(true);
    expect(wineQuality.space.searched().validate(wineQuality.baseline).ok).toBe(false);
  });

  it('a search range must lie inside the bounds and hold the default', () => {
    const base = { area: 'training', description: 'lr', log: true } as const;
    expect(() => float(1e-5, 1, { ...base, default: 1e-3, search: [1e-6, 0.1] })).toThrow(
      'search range 0.000001..0.1 is not inside',
    );
    expect(() => float(1e-5, 1, { ...base, default: 0.5, search: [1e-4, 0.1] })).toThrow(
      'outside its search range',
    );
    expect(() =>
      choice(['a', 'b', 'c'], { area: 'training', description: 'x', default: 'a', search: ['b'] }),
    ).toThrow('search choices must be choices and include the default');
    const space = new SearchSpace({
      lr: float(1e-5, 1, { ...base, default: 1e-3, search: [1e-4, 0.1] }),
      kind: choice(['a', 'b', 'c'], {
        area: 'training',
        description: 'x',
        default: 'a',
        search: ['a', 'b'],
      }),
    });
    const searched = space.searched();
    expect(searched.param('lr')).toMatchObject({ low: 1e-4, high: 0.1 });
    expect(searched.param('kind')).toMatchObject({ choices: ['a', 'b'] });
    expect(space.param('lr')).toMatchObject({ low: 1e-5, high: 1 });
    expect(space.validate({ lr: 1e-5, kind: 'c' }).ok).toBe(true);
    expect(searched.validate({ lr: 1e-5 }).ok).toBe(false);
  });
});
