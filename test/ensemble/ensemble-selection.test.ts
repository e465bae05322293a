import { describe, expect, it } from 'vitest';
import { combinePredictions, selectEnsemble } from '../../src/ensemble/ensemble-selection.ts';
import {
  concatFolds,
  decodePredictions,
  encodePredictions,
  foldOf,
  type TrialPredictions,
} from '../../src/trainer/trial-predictions.ts';

const mae = { name: 'mae', direction: 'minimize' } as const;
const accuracy = { name: 'accuracy', direction: 'maximize' } as const;

function values(outputs: number[], targets: number[]): TrialPredictions {
  return {
    width: 1,
    foldSizes: [targets.length],
    outputs: Float32Array.from(outputs),
    targets: Float32Array.from(targets),
  };
}

describe('ensemble selection (Caruana et al. 2004)', () => {
  const targets = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const wobble = targets.map((_, i) => (i % 2 === 0 ? 1 : -1));

  it('finds the mix whose errors cancel: two models off by +d and -d, half each', () => {
    const over = values(
      targets.map((t, i) => t + wobble[i]!),
      targets,
    );
    const under = values(
      targets.map((t, i) => t - wobble[i]!),
      targets,
    );
    const biased = values(
      targets.map((t) => t + 1.5),
      targets,
    );
    const chosen = selectEnsemble([over, under, biased], {
      kind: 'regression',
      metric: mae,
      rounds: 10,
    });
    expect(chosen.weights).toEqual([0.5, 0.5, 0]);
    expect(chosen.metrics.mae).toBeCloseTo(0, 6);
    // The mix, applied: exactly the targets.
    const mix = combinePredictions([over, under, biased], chosen.weights);
    expect(Array.from(mix.outputs)).toEqual(targets);
  });

  it('keeps the best single model alone when no mix beats it, and the earlier on a tie', () => {
    const good = values(
      targets.map((t) => t + 0.1),
      targets,
    );
    const bad = values(
      targets.map((t) => t + 3),
      targets,
    );
    const same = values(
      targets.map((t) => t + 0.1),
      targets,
    );
    const chosen = selectEnsemble([good, bad, same], {
      kind: 'regression',
      metric: mae,
      rounds: 5,
    });
    expect(chosen.weights).toEqual([1, 0, 0]);
    expect(chosen.metrics.mae).toBeCloseTo(0.1, 6);
  });

  it('classification: two models wrong on different rows, right on all when averaged', () => {
    // Three rows of classes 0, 1, 2. Model A is sure and wrong on row 2; B on row 0; C is
    // unsure everywhere and wrong on rows 0 and 1.
    const probabilities = (rows: number[][]): TrialPredictions => ({
      width: 3,
      foldSizes: [3],
      outputs: Float32Array.from(rows.flat()),
      targets: Float32Array.from([0, 1, 2]),
    });
    const a = probabilities([
      [0.9, 0.05, 0.05],
      [0.05, 0.9, 0.05],
      [0.6, 0.1, 0.3],
    ]);
    const b = probabilities([
      [0.3, 0.6, 0.1],
      [0.05, 0.9, 0.05],
      [0.05, 0.05, 0.9],
    ]);
    const c = probabilities([
      [0.3, 0.4, 0.3],
      [0.4, 0.3, 0.3],
      [0.3, 0.3, 0.4],
    ]);
    const chosen = selectEnsemble([a, b, c], {
      kind: 'classification',
      metric: accuracy,
      rounds: 8,
    });
    expect(chosen.metrics.accuracy).toBe(1);
    expect(chosen.weights[2]).toBe(0);
    expect(chosen.weights[0]! + chosen.weights[1]!).toBeCloseTo(1, 10);
    expect(chosen.weights[0]).toBeGreaterThan(0);
    expect(chosen.weights[1]).toBeGreaterThan(0);
  });

  it('refuses candidates that predicted different rows', () => {
    expect(() =>
      selectEnsemble([values([1, 2], [1, 2]), values([1], [1])], {
        kind: 'regression',
        metric: mae,
        rounds: 3,
      }),
    ).toThrow('must predict the same rows');
  });
});

describe('trial predictions as Redis keeps them', () => {
  const folds = [
    {
      width: 2,
      foldSizes: [2],
      outputs: Float32Array.from([0.25, 0.75, 1, 0]),
      targets: Float32Array.from([1, 0]),
    },
    {
      width: 2,
      foldSizes: [1],
      outputs: Float32Array.from([0.5, 0.5]),
      targets: Float32Array.from([1]),
    },
  ];

  it('out-of-fold predictions: folds one after another, each fold found again', () => {
    const all = concatFolds(folds);
    expect(all.foldSizes).toEqual([2, 1]);
    expect(Array.from(all.targets)).toEqual([1, 0, 1]);
    expect(Array.from(foldOf(all, 1).outputs)).toEqual([0.5, 0.5]);
    const back = decodePredictions(encodePredictions(all), 'trial 3');
    expect(back.width).toBe(2);
    expect(back.foldSizes).toEqual([2, 1]);
    expect(Array.from(back.outputs)).toEqual(Array.from(all.outputs));
    expect(Array.from(back.targets)).toEqual(Array.from(all.targets));
  });

  it('refuses bytes that are not predictions, saying what is wrong', () => {
    const bytes = encodePredictions(concatFolds(folds));
    expect(() => decodePredictions(bytes.subarray(0, bytes.length - 4), 'trial 3')).toThrow(
      'trial 3 are not lgt predictions: its length does not match',
    );
    expect(() => decodePredictions(Buffer.from('hello world'), 'trial 3')).toThrow(
      'not lgt predictions',
    );
    const header = Buffer.from(JSON.stringify({ v: 1, width: 0, foldSizes: [1] }));
    const bad = Buffer.concat([Buffer.alloc(4), header]);
    bad.writeUInt32LE(header.length, 0);
    expect(() => decodePredictions(bad, 'trial 3')).toThrow('bad width');
  });
});
