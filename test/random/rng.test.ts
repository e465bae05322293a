import { describe, expect, it } from 'vitest';
import { labelledRng, Rng } from '../../src/random/rng.ts';

const draw = (r: Rng, n = 5) => Array.from({ length: n }, () => r.next());

describe('the seeded generator every sampler and trainer draws from', () => {
  it('gives the same sequence for a seed, another for another seed or label', () => {
    expect(draw(new Rng(7))).toEqual(draw(new Rng(7)));
    expect(draw(new Rng(7))).not.toEqual(draw(new Rng(8)));
    expect(draw(labelledRng(7, 1, 2))).toEqual(draw(labelledRng(7, 1, 2)));
    expect(draw(labelledRng(7, 1, 2))).not.toEqual(draw(labelledRng(7, 2, 1)));
  });

  it('resumes exactly from a saved state (what checkpoints and resumed campaigns rely on)', () => {
    const r = new Rng(3);
    draw(r, 10);
    const saved = r.state();
    const ahead = draw(r);
    const again = new Rng(99);
    again.restore(saved);
    expect(draw(again)).toEqual(ahead);
  });

  it('draws within its ranges, uniformly enough and with a standard normal', () => {
    const r = new Rng(11);
    const ints = Array.from({ length: 6000 }, () => r.int(6));
    expect(Math.min(...ints)).toBe(0);
    expect(Math.max(...ints)).toBe(5);
    for (let k = 0; k < 6; k++) {
      const share = ints.filter((i) => i === k).length / ints.length;
      expect(Math.abs(share - 1 / 6)).toBeLessThan(0.02);
    }
    const normals = Array.from({ length: 20000 }, () => r.normal());
    const mean = normals.reduce((a, b) => a + b, 0) / normals.length;
    const variance = normals.reduce((a, b) => a + (b - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const u = Array.from({ length: 1000 }, () => r.uniform(-2, 3));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(3);
  });
});
