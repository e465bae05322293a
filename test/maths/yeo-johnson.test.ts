import { describe, expect, it } from 'vitest';
import { fitYeoJohnson, yeoJohnson } from '../../src/maths/yeo-johnson.ts';

describe('the Yeo-Johnson warp', () => {
  it('keeps the order and chooses a λ that compresses a heavy tail', () => {
    const ys = [0.01, 0.1, 0.2, 0.5, 1, 3, 10, 100, 1000, 30_000].map((v) => v / 1000);
    const lambda = fitYeoJohnson(ys.map((v) => v * 10));
    expect(lambda).toBeLessThan(0.5);
    const warped = ys.map((v) => yeoJohnson(v, lambda));
    for (let i = 1; i < warped.length; i++) expect(warped[i]!).toBeGreaterThan(warped[i - 1]!);
  });
});
