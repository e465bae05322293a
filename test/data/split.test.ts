import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIdxFile } from '../../src/data/idx-file.ts';
import { holdOut, splitIndices, type Splits } from '../../src/data/split.ts';
import { FASHION_MNIST_DIR, requireFile } from '../helpers/paths.ts';

/** Rows 0..count-1 with the class pattern given as [class, how many] runs. */
function classes(...runs: [number, number][]): Int32Array {
  return Int32Array.from(runs.flatMap(([c, n]) => new Array<number>(n).fill(c)));
}

function perClass(rows: ArrayLike<number>, labels: ArrayLike<number>): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of Array.from(rows)) counts[labels[r]!] = (counts[labels[r]!] ?? 0) + 1;
  return counts;
}

function expectPartition(s: Splits, count: number): void {
  const all = [...s.train, ...s.validation, ...s.test].sort((x, y) => x - y);
  expect(all).toEqual(Array.from({ length: count }, (_, i) => i));
}

describe('splitIndices', () => {
  it('is deterministic for a seed, and another seed gives another split', () => {
    const a = splitIndices(300, { validation: 0.2, test: 0.1, seed: 1 });
    const b = splitIndices(300, { validation: 0.2, test: 0.1, seed: 1 });
    const c = splitIndices(300, { validation: 0.2, test: 0.1, seed: 2 });
    expect(b).toEqual(a);
    expect(c.validation).not.toEqual(a.validation);
    expect(c.test).not.toEqual(a.test);
    // Not the first rows in file order: the rows are drawn at random.
    expect(Array.from(a.test).sort((x, y) => x - y)).not.toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
  });

  it('covers every row exactly once, with round(count x fraction) rows per part', () => {
    for (const [count, validation, test] of [
      [301, 0.15, 0.15],
      [10, 0.25, 0.25],
      [7, 0.5, 0],
      [1000, 0, 0.333],
      [0, 0.2, 0.2],
    ] as const) {
      const s = splitIndices(count, { validation, test, seed: 3 });
      expectPartition(s, count);
      expect(s.validation.length).toBe(Math.round(count * validation));
      expect(s.test.length).toBe(Math.round(count * test));
    }
  });

  it('keeps class proportions when stratified, and mixes the classes in each part', () => {
    const labels = classes([0, 200], [1, 60], [2, 40]);
    const s = splitIndices(300, { validation: 0.2, test: 0.1, seed: 4, stratify: labels });
    expectPartition(s, 300);
    expect(perClass(s.validation, labels)).toEqual({ 0: 40, 1: 12, 2: 8 });
    expect(perClass(s.test, labels)).toEqual({ 0: 20, 1: 6, 2: 4 });
    expect(perClass(s.train, labels)).toEqual({ 0: 140, 1: 42, 2: 28 });
    const firstTen = Array.from(s.train.subarray(0, 10), (r) => labels[r]);
    expect(new Set(firstTen).size).toBeGreaterThan(1);
  });

  it('shares the rounding among classes so the totals stay exact', () => {
    // Ten classes of 5 rows, 10% test: each class's share is half a row. Rounding each class
    // on its own would take 10 rows; the split takes 5, one from each of five classes.
    const labels = classes(...Array.from({ length: 10 }, (_, c) => [c, 5] as [number, number]));
    const s = splitIndices(50, { validation: 0.1, test: 0.1, seed: 5, stratify: labels });
    expectPartition(s, 50);
    expect(s.test.length).toBe(5);
    expect(s.validation.length).toBe(5);
    for (const part of [s.test, s.validation])
      expect(Object.values(perClass(part, labels)).every((n) => n === 1)).toBe(true);
    // Uneven classes: every class gets the floor or the ceiling of its share.
    const uneven = classes([0, 7], [1, 3], [2, 11], [3, 1]);
    const u = splitIndices(22, { validation: 0.3, test: 0.2, seed: 6, stratify: uneven });
    expectPartition(u, 22);
    expect(u.validation.length).toBe(7);
    expect(u.test.length).toBe(4);
    const sizes = { 0: 7, 1: 3, 2: 11, 3: 1 } as Record<number, number>;
    for (const part of [u.validation, u.test]) {
      const got = perClass(part, uneven);
      for (const c of [0, 1, 2, 3]) {
        const share = (sizes[c]! * part.length) / 22;
        expect(got[c] ?? 0).toBeGreaterThanOrEqual(Math.floor(share));
        expect(got[c] ?? 0).toBeLessThanOrEqual(Math.ceil(share));
      }
    }
  });

  it('refuses fractions that leave nothing to train on, and labels that do not fit', () => {
    for (const [validation, test] of [
      [0.5, 0.5],
      [-0.1, 0.2],
      [Number.NaN, 0.1],
    ])
      expect(() => splitIndices(10, { validation: validation!, test: test!, seed: 0 })).toThrow(
        /must be >= 0 and add up to less than 1/,
      );
    expect(() =>
      splitIndices(10, { validation: 0.2, test: 0.2, seed: 0, stratify: new Int32Array(9) }),
    ).toThrow('cannot stratify 10 rows by 9 class labels');
  });
});

describe('holdOut', () => {
  it('carves a stratified set of exactly the asked size, the same for the same seed', () => {
    const labels = classes([0, 10], [1, 10], [2, 10]);
    const a = holdOut(30, 5, 7, labels);
    expect(a.heldOut.length).toBe(5);
    expect(a.rest.length).toBe(25);
    expect(new Set([...a.rest, ...a.heldOut]).size).toBe(30);
    const counts = Object.values(perClass(a.heldOut, labels)).sort();
    expect(counts).toEqual([1, 2, 2]);
    expect(holdOut(30, 5, 7, labels)).toEqual(a);
    expect(holdOut(30, 5, 8, labels).heldOut).not.toEqual(a.heldOut);
    expect(holdOut(30, 0, 7).heldOut.length).toBe(0);
  });

  it('holds out a validation set from the real Fashion-MNIST test labels, 100 per class', async () => {
    const file = requireFile(
      path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'),
      'install it with `apt-get install dataset-fashion-mnist`',
    );
    const labels = (await readIdxFile(file)).data;
    const { rest, heldOut } = holdOut(10000, 1000, 0, labels);
    expect(perClass(heldOut, labels)).toEqual(
      Object.fromEntries(Array.from({ length: 10 }, (_, c) => [c, 100])),
    );
    expect(rest.length).toBe(9000);
    expect(new Set([...rest, ...heldOut]).size).toBe(10000);
  });

  it('refuses sizes that are not a part of the set', () => {
    for (const size of [-1, 30, 2.5])
      expect(() => holdOut(30, size, 0)).toThrow(`cannot hold out ${size} of 30 rows`);
  });
});
