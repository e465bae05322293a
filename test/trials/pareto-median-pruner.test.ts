import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../../src/trainer/trainer.ts';
import { MedianPruner } from '../../src/trials/median-pruner.ts';
import { ParetoMedianPruner } from '../../src/trials/pareto-median-pruner.ts';
import { ObjectiveSet } from '../../src/trade-offs/objective-set.ts';

/** accuracy (the campaign metric, max) against latency (min), reported every epoch. */
const set = new ObjectiveSet(
  'accuracy',
  [
    { metric: 'accuracy', direction: 'maximize' },
    { metric: 'latency', direction: 'minimize' },
  ],
  [],
);

function curve(points: [number, number][]): EpochRecord[] {
  return points.map(([accuracy, latency], i) => ({
    epoch: i + 1,
    loss: 0,
    validationLoss: 0,
    validationMetric: accuracy,
    learningRate: 0,
    seconds: 0,
    samplesPerSecond: 0,
    metrics: { latency },
  }));
}

// Five peers at epochs 1-3, each a steady point on a trade-off (accuracy, latency).
const peers = [
  curve([
    [0.7, 5],
    [0.8, 5],
    [0.85, 5],
  ]),
  curve([
    [0.75, 6],
    [0.85, 6],
    [0.9, 6],
  ]),
  curve([
    [0.6, 2],
    [0.7, 2],
    [0.75, 2],
  ]),
  curve([
    [0.8, 9],
    [0.9, 9],
    [0.95, 9],
  ]),
  curve([
    [0.5, 1],
    [0.6, 1],
    [0.65, 1],
  ]),
];

describe('the multi-objective median rule', () => {
  const pruner = new ParetoMedianPruner(set, 'maximize');

  it('stops a trial that half of its peers beat in both objectives beyond the noise', () => {
    // (0.55, 8) at epoch 2 against the peers' best so far (0.8, 5), (0.85, 6), (0.7, 2), (0.9, 9),
    // (0.6, 1); margins: a tenth of the interquartile ranges, 0.015 and 0.4. All but (0.9, 9) beat it.
    const d = pruner.decide(
      curve([
        [0.5, 8],
        [0.55, 8],
      ]),
      peers,
    );
    expect(d.prune).toBe(true);
    expect(d.median).toBe(4);
    expect(d.value).toBe(0.55);
    expect(d.reason).toBe(
      '4 of 5 trials at epoch 2 were better in accuracy and latency beyond the noise',
    );
  });

  it('keeps a trial on the front of its peers, however low one objective is', () => {
    // The fastest of all, with the lowest accuracy: nobody beats it in both.
    expect(
      pruner.decide(
        curve([
          [0.4, 0.5],
          [0.45, 0.5],
        ]),
        peers,
      ).prune,
    ).toBe(false);
  });

  it('keeps a trial whose lag is within the peers spread (the margin)', () => {
    // Four of eight peers are a hair better in both objectives: without a margin, half beat it.
    const close = [
      [0.8, 5],
      [0.801, 4.99],
      [0.802, 4.98],
      [0.803, 4.97],
      [0.5, 1],
      [0.95, 9],
      [0.6, 2],
      [0.9, 8],
    ].map(([a, l]) =>
      curve([
        [a! - 0.1, l!],
        [a!, l!],
      ]),
    );
    const trial = curve([
      [0.7, 5.01],
      [0.799, 5.01],
    ]);
    expect(new ParetoMedianPruner(set, 'maximize', 3, 2, 0).decide(trial, close).prune).toBe(true);
    expect(pruner.decide(trial, close).prune).toBe(false);
  });

  it('waits for the warm-up and for enough peers, and never decides on a missing objective', () => {
    expect(pruner.decide(curve([[0.1, 99]]), peers).prune).toBe(false); // epoch 1 < 2
    expect(
      pruner.decide(
        curve([
          [0.1, 99],
          [0.1, 99],
        ]),
        peers.slice(0, 2),
      ).prune,
    ).toBe(false);
    const missing = curve([
      [0.1, 99],
      [0.1, 99],
    ]).map((r) => ({ ...r, metrics: {} }));
    expect(pruner.decide(missing, peers).prune).toBe(false);
  });

  it('is the median rule with one objective', () => {
    const one = new ObjectiveSet('accuracy', [{ metric: 'accuracy', direction: 'maximize' }], []);
    // A margin of 0 would be the median rule exactly; with one objective the margin is a tenth of
    // the peers' interquartile range, so compare on values clear of it.
    const generalized = new ParetoMedianPruner(one, 'maximize');
    const median = new MedianPruner('maximize');
    for (const acc of [0.5, 0.6, 0.9, 0.95]) {
      const c = curve([
        [acc - 0.05, 0],
        [acc, 0],
      ]);
      expect(generalized.decide(c, peers).prune, String(acc)).toBe(median.decide(c, peers).prune);
    }
  });
});
