import { describe, expect, it } from 'vitest';
import {
  crowdingDistances,
  dominates,
  greedyHypervolumeSubset,
  hypervolume,
  hypervolumeContributions,
  kneeIndex,
  nadirReference,
  nonDominatedFronts,
  paretoFront,
} from '../../src/maths/pareto.ts';
import { Rng } from '../../src/random/rng.ts';

describe('dominance and non-dominated sorting', () => {
  it('dominates only when no worse everywhere and better somewhere', () => {
    expect(dominates([1, 2], [2, 2])).toBe(true);
    expect(dominates([1, 2], [1, 2])).toBe(false);
    expect(dominates([1, 3], [2, 2])).toBe(false);
    expect(dominates([2, 2], [1, 3])).toBe(false);
  });

  it('sorts a hand-drawn set into its fronts', () => {
    // Front 0: (1,5) (2,3) (4,1); front 1: (3,4) (5,2); front 2: (6,6).
    const points = [
      [3, 4],
      [1, 5],
      [6, 6],
      [2, 3],
      [5, 2],
      [4, 1],
    ];
    expect(nonDominatedFronts(points)).toEqual([[1, 3, 5], [0, 4], [2]]);
    expect(paretoFront(points)).toEqual([1, 3, 5]);
  });

  it('puts equal points on the same front', () => {
    expect(
      nonDominatedFronts([
        [1, 1],
        [1, 1],
        [2, 2],
      ]),
    ).toEqual([[0, 1], [2]]);
  });

  it('agrees with the definition on random sets of three objectives', () => {
    const rng = new Rng(7);
    const points = Array.from({ length: 60 }, () => [rng.next(), rng.next(), rng.next()]);
    const fronts = nonDominatedFronts(points);
    expect(fronts.flat().sort((a, b) => a - b)).toEqual([...points.keys()]);
    const rank = new Map<number, number>();
    fronts.forEach((f, r) => f.forEach((i) => rank.set(i, r)));
    points.forEach((p, i) =>
      points.forEach((q, j) => {
        if (dominates(p, q)) expect(rank.get(i)!).toBeLessThan(rank.get(j)!);
      }),
    );
    // Each point past front 0 is dominated by some point of the front just before it.
    fronts
      .slice(1)
      .forEach((f, r) =>
        f.forEach((j) =>
          expect(fronts[r]!.some((i) => dominates(points[i]!, points[j]!))).toBe(true),
        ),
      );
  });
});

describe('hypervolume', () => {
  it('of two objectives equals the area of the staircase, by hand', () => {
    // Reference (4,4); points (1,3), (2,2), (3,1), as disjoint strips:
    // [1,4]x[3,4] = 3, plus [2,4]x[2,3] = 2, plus [3,4]x[1,2] = 1.
    expect(
      hypervolume(
        [
          [1, 3],
          [2, 2],
          [3, 1],
        ],
        [4, 4],
      ),
    ).toBeCloseTo(6, 12);
    // A dominated point and one outside the reference change nothing.
    expect(
      hypervolume(
        [
          [1, 3],
          [2, 2],
          [3, 1],
          [3, 3],
          [5, 0],
        ],
        [4, 4],
      ),
    ).toBeCloseTo(6, 12);
    expect(hypervolume([], [1, 1])).toBe(0);
  });

  it('of three objectives equals inclusion-exclusion, by hand', () => {
    // Points a=(1,2,2), b=(2,1,1) with reference (3,3,3):
    // |a| = 2*1*1 = 2, |b| = 1*2*2 = 4, |a and b| = box from (2,2,2) = 1*1*1 = 1: 2 + 4 - 1 = 5.
    expect(
      hypervolume(
        [
          [1, 2, 2],
          [2, 1, 1],
        ],
        [3, 3, 3],
      ),
    ).toBeCloseTo(5, 12);
    // One point: its box.
    expect(hypervolume([[0, 0, 0]], [1, 2, 3])).toBeCloseTo(6, 12);
  });

  it('of three objectives matches a Monte Carlo estimate on a random set', () => {
    const rng = new Rng(11);
    const points = Array.from({ length: 25 }, () => [rng.next(), rng.next(), rng.next()]);
    const reference = [1, 1, 1];
    let hits = 0;
    const draws = 200_000;
    for (let s = 0; s < draws; s++) {
      const x = [rng.next(), rng.next(), rng.next()];
      if (points.some((p) => p.every((v, k) => v <= x[k]!))) hits++;
    }
    const sd = Math.sqrt(((hits / draws) * (1 - hits / draws)) / draws);
    expect(Math.abs(hypervolume(points, reference) - hits / draws)).toBeLessThan(4 * sd);
  });

  it('credits each point with what it alone adds', () => {
    expect(
      hypervolumeContributions(
        [
          [1, 3],
          [2, 2],
          [3, 1],
          [3, 3],
        ],
        [4, 4],
      ),
    ).toEqual([1, 1, 1, 0]);
  });

  it('greedy subset selection takes the largest gain first', () => {
    // Alone: (1,3) 3, (2,2) 4, (3,1) 3; (2,2) first, then (1,3) adds 1 (tie with (3,1): lower index).
    expect(
      greedyHypervolumeSubset(
        [
          [1, 3],
          [2, 2],
          [3, 1],
        ],
        2,
        [4, 4],
      ),
    ).toEqual([1, 0]);
  });

  it('places a nadir reference a tenth of the range past the worst', () => {
    expect(
      nadirReference([
        [0, 10],
        [10, 0],
      ]),
    ).toEqual([11, 11]);
    expect(nadirReference([[2, 5]])).toEqual([2.2, 5.5]);
  });
});

describe('crowding distance and the knee', () => {
  it('gives the ends Infinity and the middle its neighbours gap', () => {
    const d = crowdingDistances([
      [0, 4],
      [1, 2],
      [4, 0],
    ]);
    expect(d[0]).toBe(Infinity);
    expect(d[2]).toBe(Infinity);
    // (4 - 0)/4 + (4 - 0)/4 = 2
    expect(d[1]).toBeCloseTo(2, 12);
  });

  it('finds the bend of a two-objective front', () => {
    // A front with a clear bend at (1,1).
    const front = [
      [0, 10],
      [0.5, 3],
      [1, 1],
      [3, 0.5],
      [10, 0],
    ];
    expect(kneeIndex(front)).toBe(2);
  });

  it('takes the member nearest the ideal point with three objectives', () => {
    expect(
      kneeIndex([
        [0, 1, 1],
        [0.4, 0.4, 0.4],
        [1, 0, 1],
        [1, 1, 0],
      ]),
    ).toBe(1);
  });
});
