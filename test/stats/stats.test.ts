import { describe, expect, it } from 'vitest';
import {
  correctedResampledTTest,
  studentTCdf,
  studentTQuantile,
} from '../../src/stats/corrected-t-test.ts';
import { median } from '../../src/stats/median.ts';
import { standardError } from '../../src/stats/standard-error.ts';

describe('the statistics every verdict rests on', () => {
  it('median and standard error of hand-computed cases', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    // mean 2.5, sample variance 5/3, over 4 values: sqrt(5/12).
    expect(standardError([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 12), 12);
  });

  it("Student's t: the CDF and quantile of closed forms and tables", () => {
    // df = 2 has a closed form: 1/2 + t / (2 sqrt(2 + t^2)).
    for (const t of [-3, -0.5, 0, 1, 2.5])
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 10);
    // Table values (scipy.stats.t.ppf): 0.975 at 4 df, 0.95 at 9 df.
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.776445, 5);
    expect(studentTQuantile(0.95, 9)).toBeCloseTo(1.833113, 5);
    expect(studentTCdf(studentTQuantile(0.9, 7), 7)).toBeCloseTo(0.9, 10);
  });

  it('the corrected resampled t-test of a hand-computed case, and its widening', () => {
    // d = 1, 2, 3 over three folds with test/train 1/2: mean 2, variance 1,
    // se = sqrt((1/3 + 1/2) * 1), t = 2 / se with 2 degrees of freedom.
    const r = correctedResampledTTest([1, 2, 3], 0.5);
    const se = Math.sqrt(1 / 3 + 1 / 2);
    expect(r.mean).toBe(2);
    expect(r.se).toBeCloseTo(se, 12);
    expect(r.df).toBe(2);
    const t = 2 / se;
    expect(r.p).toBeCloseTo(0.5 - t / (2 * Math.sqrt(2 + t * t)), 10);
    expect(r.lower).toBeCloseTo(2 - studentTQuantile(0.95, 2) * se, 10);
    // The correction is what makes folds' shared rows count: the plain test is surer.
    expect(correctedResampledTTest([1, 2, 3], 0).p).toBeLessThan(r.p);
    expect(() => correctedResampledTTest([1], 0.5)).toThrow('at least two folds');
  });
});
