import { describe, expect, it } from 'vitest';
import { pedAnova, type ScoredConfig } from '../../src/importance/ped-anova.ts';
import { Rng } from '../../src/random/rng.ts';

/** Random configurations of four unit dimensions, a choice, an integer and a log-scaled rate. */
function sample(n: number, value: (c: Record<string, number | string>) => number): ScoredConfig[] {
  const rng = new Rng(7);
  return Array.from({ length: n }, () => {
    const config = {
      x1: rng.next(),
      x2: rng.next(),
      x3: rng.next(),
      x4: rng.next(),
      kind: ['a', 'b', 'c'][Math.floor(rng.next() * 3)]!,
      layers: 1 + Math.floor(rng.next() * 4),
      rate: 10 ** (-5 + 4 * rng.next()),
    };
    return { config, value: value(config) };
  });
}

describe('PED-ANOVA: which dimensions mattered', () => {
  it('finds the two that matter on a function whose important dimensions are known', () => {
    // Only x1 (strongly) and x2 matter; x3, x4, kind, layers and rate do not.
    const f = (c: Record<string, number | string>) =>
      10 * ((c['x1'] as number) - 0.2) ** 2 + 2 * ((c['x2'] as number) - 0.8) ** 2;
    const importances = pedAnova(sample(200, f), 'minimize')!.importances;
    expect(importances.map((i) => i.name).slice(0, 2)).toEqual(['x1', 'x2']);
    expect(importances[0]!.importance + importances[1]!.importance).toBeGreaterThan(0.7);
    const sum = importances.reduce((s, i) => s + i.importance, 0);
    expect(sum).toBeCloseTo(1, 10);
    // Direction matters: maximizing the same function rewards the far corners instead, which
    // still makes x1 the one that matters most.
    expect(pedAnova(sample(200, f), 'maximize')!.importances[0]!.name).toBe('x1');
  });

  it('ranks a choice and a log-scaled rate like any dimension', () => {
    const f = (c: Record<string, number | string>) =>
      (c['kind'] === 'b' ? 0 : 1) + 0.3 * Math.abs(Math.log10(c['rate'] as number) + 3);
    const importances = pedAnova(sample(300, f), 'minimize')!.importances;
    expect(importances.map((i) => i.name).slice(0, 2)).toEqual(['kind', 'rate']);
  });

  it('says nothing with too few trials, leaves out what never varied and judges a condition where it holds', () => {
    expect(
      pedAnova(
        sample(2, () => 0),
        'minimize',
      ),
    ).toBeNull();
    const trials = sample(100, (c) => (c['x1'] as number) * 10).map((t, i) => ({
      ...t,
      // x5 exists only on half the trials, and is what matters where it does.
      config: { ...t.config, fixed: 3, ...(i % 2 ? { x5: i } : {}) },
    }));
    const found = pedAnova(trials, 'minimize')!;
    // The best tenth of 100, at least 5: 10.
    expect(found.good).toBe(10);
    const names = found.importances.map((i) => i.name);
    expect(names).not.toContain('fixed');
    expect(names).toContain('x5');
    expect(names[0]).toBe('x1');
  });
});
