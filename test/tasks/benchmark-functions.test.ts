import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.ts';
import {
  BRANIN_OPTIMUM,
  benchmarkObjectives,
  branin,
  HARTMANN6_ARGMIN,
  HARTMANN6_OPTIMUM,
  hartmann6,
  mixed,
  rosenbrock,
} from '../../tasks/benchmark-functions.ts';

describe('benchmark functions', () => {
  it('take their known optimum at their known minimizers', () => {
    for (const [x1, x2] of [
      [-Math.PI, 12.275],
      [Math.PI, 2.275],
      [9.42478, 2.475],
    ])
      expect(branin(x1!, x2!)).toBeCloseTo(BRANIN_OPTIMUM, 5);
    expect(hartmann6(HARTMANN6_ARGMIN)).toBeCloseTo(HARTMANN6_OPTIMUM, 4);
    expect(rosenbrock(new Array(10).fill(1))).toBe(0);
    expect(mixed({ family: 'branin', scaling: 'standard', bx1: Math.PI, bx2: 2.275 })).toBeCloseTo(
      0,
      5,
    );
  });

  it('never go below the optimum on 2,000 random points of their space', async () => {
    const rng = new Rng(1);
    for (const task of benchmarkObjectives) {
      for (let i = 0; i < 400; i++) {
        const config: Record<string, string | number | boolean> = {};
        for (const p of task.space.params) {
          config[p.name] =
            p.kind === 'choice'
              ? p.choices[rng.int(p.choices.length)]!
              : p.kind === 'int'
                ? p.low + rng.int(p.high - p.low + 1)
                : rng.uniform(p.low, p.high);
        }
        const valid = task.space.parse(config);
        const out = (await task.objective(valid, {
          number: i,
          seed: 0,
          signal: new AbortController().signal,
          final: false,
          dataDirs: [],
          report: async () => {},
          shouldStop: () => false,
        })) as Record<string, number>;
        // The noisy one may dip below by its noise; its true value may not.
        expect(out['true_value'] ?? out['value']).toBeGreaterThanOrEqual(task.optimum! - 1e-6);
      }
    }
  });
});
