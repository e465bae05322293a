import { describe, expect, it } from 'vitest';
import { choice, flag, float, int } from '../../src/search-space/param.ts';
import { InvalidConfigError, SearchSpace } from '../../src/search-space/search-space.ts';

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
