import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.ts';
import {
  choice,
  describeSearch,
  flag,
  float,
  int,
  type SearchPer,
} from '../../src/search-space/param.ts';
import {
  InvalidConfigError,
  SearchSpace,
  type Config,
} from '../../src/search-space/search-space.ts';
import { sampleConfig } from '../../src/strategies/config-sampling.ts';
import { GridStrategy } from '../../src/strategies/grid-strategy.ts';
import { SpaceEncoding } from '../../src/strategies/space-encoding.ts';

const space = new SearchSpace({
  layers: int(0, 4, { default: 2, area: 'architecture', description: 'hidden layers' }),
  units3: int(2, 512, {
    log: true,
    default: 64,
    area: 'architecture',
    description: 'units of layer 3',
    when: { param: 'layers', atLeast: 3 },
  }),
  learningRate: float(1e-5, 1, { log: true, default: 1e-3, area: 'training', description: 'lr' }),
  schedule: choice(['constant', 'step'], {
    default: 'constant',
    area: 'training',
    description: 's',
  }),
  decay: float(0.1, 0.99, {
    default: 0.9,
    area: 'training',
    description: 'decay',
    when: { param: 'schedule', oneOf: ['step'] },
  }),
  batchNorm: flag({ default: false, area: 'architecture', description: 'bn' }),
  kernelSize: choice([3, 5], { default: 3, area: 'architecture', description: 'k' }),
});

describe('SearchSpace', () => {
  it('fills defaults and drops dimensions whose condition does not hold', () => {
    expect(space.defaults()).toEqual({
      layers: 2,
      learningRate: 1e-3,
      schedule: 'constant',
      batchNorm: false,
      kernelSize: 3,
    });
    const deep = space.parse({ layers: 3, schedule: 'step', units3: 200 });
    expect(deep.units3).toBe(200);
    expect(deep.decay).toBe(0.9);
    expect(space.parse({ layers: 2, units3: 200 })).not.toHaveProperty('units3');
  });

  it('names each bad field with its allowed range', () => {
    const result = space.validate({
      layers: 2.5,
      learningRate: 5,
      schedule: 'cosine',
      batchNorm: 'yes',
      kernelSize: 4,
      learningrate: 0.1,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = Object.fromEntries(result.errors.map((e) => [e.field, e.message]));
    expect(messages['layers']).toBe('layers: got 2.5, allowed an integer in 0..4');
    expect(messages['learningRate']).toBe(
      'learningRate: got 5, allowed a number in 1e-5..1 (log scale)',
    );
    expect(messages['schedule']).toBe('schedule: got "cosine", allowed one of "constant", "step"');
    expect(messages['batchNorm']).toContain('allowed one of false, true');
    expect(messages['kernelSize']).toContain('allowed one of 3, 5');
    expect(messages['learningrate']).toContain('unknown field (did you mean learningRate?)');
  });

  it('refuses what is not an object, and parse throws an error listing the fields', () => {
    expect(space.validate([1, 2]).ok).toBe(false);
    expect(() => space.parse({ layers: -1 })).toThrow(InvalidConfigError);
    expect(() => space.parse({ layers: -1 })).toThrow(
      /layers: got -1, allowed an integer in 0\.\.4/,
    );
  });

  it('describes itself for machines and for people', () => {
    const json = space.toJSON();
    expect(json.find((p) => p.name === 'units3')).toMatchObject({
      kind: 'int',
      low: 2,
      high: 512,
      log: true,
      default: 64,
      when: { param: 'layers', atLeast: 3 },
    });
    expect(space.describe()).toContain(
      '- decay [training]: decay; a number in 0.1..0.99, default 0.9, only when schedule is "step"',
    );
  });

  it('rejects inconsistent definitions', () => {
    expect(() => float(1, 0, { default: 0.5, area: 'training', description: '' })).toThrow(/low/);
    expect(() =>
      float(0, 1, { log: true, default: 0.5, area: 'training', description: '' }),
    ).toThrow(/log/);
    expect(() => choice(['a'], { default: 'b' as 'a', area: 'training', description: '' })).toThrow(
      /default/,
    );
    expect(
      () =>
        new SearchSpace({
          a: int(0, 1, {
            default: 0,
            area: 'training',
            description: '',
            when: { param: 'zz', atLeast: 1 },
          }),
        }),
    ).toThrow(/unknown parameter zz/);
  });
});

describe('search ranges per choice (learning rates per optimizer)', () => {
  const ranges = { sgd: [0.01, 0.3], adam: [1e-4, 0.01] } as const;
  const full = new SearchSpace({
    optimizer: choice(['sgd', 'adam', 'rmsprop'], {
      default: 'adam',
      area: 'training',
      description: 'optimizer',
    }),
    learningRate: float(1e-5, 1, {
      log: true,
      default: 1e-3,
      search: [1e-4, 0.3],
      searchPer: { param: 'optimizer', ranges },
      area: 'training',
      description: 'rate',
    }),
    units: int(1, 64, { default: 8, area: 'architecture', description: 'units' }),
  });
  const space = full.searched();
  const inRange = (c: Config) => {
    const [low, high] = ranges[c['optimizer'] as keyof typeof ranges] ?? [1e-4, 0.3];
    const lr = c['learningRate'] as number;
    return lr >= low * (1 - 1e-12) && lr <= high * (1 + 1e-12);
  };

  it("random search draws each optimizer's rates from its own range, over the whole of it", () => {
    const rng = new Rng(7);
    const drawn = Array.from({ length: 600 }, () => sampleConfig(space, rng));
    expect(drawn.every(inRange)).toBe(true);
    const sgd = drawn
      .filter((c) => c['optimizer'] === 'sgd')
      .map((c) => c['learningRate'] as number);
    // Spread over the range, not piled at one end: both log-thirds of sgd's range are drawn.
    expect(sgd.some((lr) => lr < 0.01 * 30 ** (1 / 3))).toBe(true);
    expect(sgd.some((lr) => lr > 0.01 * 30 ** (2 / 3))).toBe(true);
    // rmsprop has no range of its own: the search range.
    const rmsprop = drawn.filter((c) => c['optimizer'] === 'rmsprop');
    expect(Math.min(...rmsprop.map((c) => c['learningRate'] as number))).toBeLessThan(1e-3);
    // The full space is still drawn from whole (what trains is checked against it).
    const whole = Array.from({ length: 200 }, () => sampleConfig(full, rng));
    expect(
      whole.some((c) => c['optimizer'] === 'adam' && (c['learningRate'] as number) > 0.01),
    ).toBe(true);
  });

  it("numeric optimizers' coordinates span the chosen optimizer's range, both ways", () => {
    const encoding = new SpaceEncoding(space);
    const optimizerIndex = (name: string) => ['sgd', 'adam', 'rmsprop'].indexOf(name);
    for (const [name, [low, high]] of Object.entries(ranges)) {
      const at = (u: number) => encoding.decode([u, 0.5], [optimizerIndex(name)]);
      expect(at(0)['learningRate']).toBeCloseTo(low, 12);
      expect(at(1)['learningRate']).toBeCloseTo(high, 12);
      const middle = at(0.5);
      expect(middle['learningRate']).toBeCloseTo(Math.sqrt(low * high), 12);
      expect(encoding.encode(middle).u[0]).toBeCloseTo(0.5, 12);
    }
    // A rate outside the optimizer's range (a person's configuration) clamps to its end.
    expect(encoding.encode({ optimizer: 'sgd', learningRate: 1e-4, units: 8 }).u[0]).toBe(0);
  });

  it("a grid over the rate walks each optimizer's own range", async () => {
    const grid = new GridStrategy(space, 1, {
      resolution: 3,
      params: ['optimizer', 'learningRate'],
    });
    const points = (await grid.propose([], 20)).map((p) => p.config);
    expect(points).toHaveLength(9);
    expect(points.every(inRange)).toBe(true);
    const sgd = points.filter((c) => c['optimizer'] === 'sgd').map((c) => c['learningRate']);
    expect(sgd.sort()).toEqual([0.01, Number(Math.sqrt(0.01 * 0.3).toPrecision(6)), 0.3]);
  });

  it('pins its choice: the pinned choice range, or the search range where the default lies outside it', () => {
    const adamOnly = full.withFixed({ optimizer: 'adam' }).searched();
    const rng = new Rng(3);
    const rates = Array.from(
      { length: 100 },
      () => sampleConfig(adamOnly, rng)['learningRate'] as number,
    );
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...rates)).toBeLessThanOrEqual(0.01);
    // sgd's range (0.01..0.3) does not hold the default rate (1e-3): the search range stays.
    const sgdOnly = full.withFixed({ optimizer: 'sgd' }).searched();
    expect(sgdOnly.param('learningRate')).toMatchObject({ low: 1e-4, high: 0.3 });
  });

  it('says where strategies look, per choice', () => {
    expect(describeSearch(full.param('learningRate')!)).toBe(
      '; strategies search 1e-4..0.3 (with optimizer sgd 0.01..0.3, adam 1e-4..0.01)',
    );
  });

  it('refuses ranges that name no choice, lie outside the search range, or leave out the default', () => {
    const opt = choice(['sgd', 'adam'], { default: 'adam', area: 'training', description: '' });
    const rate = (searchPer: SearchPer, value = 1e-3) => ({
      optimizer: opt,
      learningRate: float(1e-5, 1, {
        log: true,
        default: value,
        searchPer,
        area: 'training',
        description: '',
      }),
    });
    expect(() => new SearchSpace(rate({ param: 'solver', ranges: {} }))).toThrow(
      /need a choice parameter of that name/,
    );
    expect(
      () => new SearchSpace(rate({ param: 'optimizer', ranges: { lbfgs: [0.1, 1] } })),
    ).toThrow(/optimizer lbfgs, which is not one of its choices/);
    expect(
      () => new SearchSpace(rate({ param: 'optimizer', ranges: { adam: [0.01, 0.1] } })),
    ).toThrow(/default 0.001 is outside its search range for optimizer adam/);
    expect(() => rate({ param: 'optimizer', ranges: { sgd: [0.01, 3] } })).toThrow(
      /its search range for optimizer sgd \(0.01..3\) is not inside 0.00001..1/,
    );
  });
});
