import { describe, expect, it } from 'vitest';
import {
  erfc,
  logExpectedImprovement,
  normalCdf,
  normalPdf,
} from '../../src/maths/log-expected-improvement.ts';

describe('log expected improvement', () => {
  it('equals log(EI) where EI is representable', () => {
    expect(erfc(2)).toBeCloseTo(0.004677734981047266, 9);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 6);
    for (const z of [-5, -3, -1.5, -1, -0.3, 0, 0.7, 2, 4]) {
      const ei = normalPdf(z) + z * normalCdf(z);
      // sd 1, best - mean = z.
      expect(logExpectedImprovement(0, 1, z)).toBeCloseTo(Math.log(ei), 5);
    }
  });

  it('stays finite and increasing where EI underflows to 0', () => {
    let previous = -Infinity;
    for (const z of [-1e9, -1e6, -1e4, -300, -100, -40, -38, -20, -10, -5, -2]) {
      const ei = normalPdf(z) + z * normalCdf(z);
      const log = logExpectedImprovement(0, 1, z);
      expect(Number.isFinite(log), `z = ${z}`).toBe(true);
      expect(log, `z = ${z}`).toBeGreaterThan(previous);
      previous = log;
      if (z <= -40) expect(ei).toBeLessThanOrEqual(0);
    }
  });
});
