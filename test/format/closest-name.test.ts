import { describe, expect, it } from 'vitest';
import { closestName } from '../../src/format/closest-name.ts';

const TASKS = ['iris', 'wine-quality', 'water-potability', 'california-housing', 'fashion-mnist'];

describe('closestName', () => {
  it('finds the name a typo meant: a swap, a missing or an extra letter, any case', () => {
    expect(closestName('irsi', TASKS)).toBe('iris');
    expect(closestName('wine-qualty', TASKS)).toBe('wine-quality');
    expect(closestName('Fashion-MNIST', TASKS)).toBe('fashion-mnist');
    expect(closestName('irises', TASKS)).toBe('iris');
  });

  it('suggests nothing for a word that is not close to any name', () => {
    expect(closestName('cifar', TASKS)).toBeUndefined();
    expect(closestName('x', TASKS)).toBeUndefined();
    expect(closestName('housing', TASKS)).toBeUndefined();
  });
});
