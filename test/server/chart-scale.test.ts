import { describe, expect, it } from 'vitest';
// The page's own module, run here as the browser runs it (no imports, plain JavaScript).
import { clippedRange } from '../../src/server/dashboard/scale.js';

type Range = { min: number; max: number; clipped: number };
const range = clippedRange as (values: number[], direction: string) => Range;

describe("the metric chart's value axis", () => {
  it('leaves out far-off bad trials (the two baselines on wine quality) and says how many', () => {
    // Wine quality's MAE: good trials near 0.45-0.6, the untuned baseline's two runs at 1.3 and 2.8.
    const values = [0.46, 0.47, 0.45, 0.52, 0.48, 0.5, 0.61, 0.47, 0.44, 1.32, 2.79, 0.49];
    const r = range(values, 'minimize');
    expect(r.clipped).toBe(2);
    expect(r.max).toBeLessThan(1);
    expect(r.min).toBeLessThan(0.44);
    // Maximizing, the bad side is the low one; the best is never cut off.
    const acc = range([0.9, 0.92, 0.95, 0.93, 0.91, 0.94, 0.9, 0.33, 0.96, 0.92], 'maximize');
    expect(acc.clipped).toBe(1);
    expect(acc.min).toBeGreaterThan(0.33);
    expect(acc.max).toBeGreaterThan(0.96);
  });

  it('shows everything when nothing is far off, or there are too few to say', () => {
    const all = range([0.5, 0.6, 0.55, 0.7, 0.65, 0.52, 0.58, 0.61], 'minimize');
    expect(all.clipped).toBe(0);
    expect(all.max).toBeGreaterThan(0.7);
    expect(range([0.1, 5, 0.2], 'minimize').clipped).toBe(0);
    expect(range([], 'minimize')).toEqual({ min: 0, max: 1, clipped: 0 });
  });
});
