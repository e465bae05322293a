import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../../src/trainer/trainer.ts';
import { MedianPruner } from '../../src/trials/median-pruner.ts';
import { AshaPruner, ParetoAshaPruner } from '../../src/trials/asha-pruner.ts';
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

describe('ASHA for several objectives', () => {
  // Rungs at epochs 1, 3, 9 (eta 3): at a rung the first third by front and crowding go on.
  const asha = new ParetoAshaPruner(set, 'maximize', { minEpochs: 1, reductionFactor: 3 });
  const flat = (a: number, l: number, epochs: number) =>
    curve(Array.from({ length: epochs }, () => [a, l] as [number, number]));
  // Five peers at the rung of epoch 3: a front of three (0.9, 9), (0.8, 5), (0.6, 1), and two behind.
  const rung = [
    flat(0.9, 9, 3),
    flat(0.8, 5, 3),
    flat(0.6, 1, 3),
    flat(0.7, 6, 3),
    flat(0.5, 8, 3),
  ];

  it('promotes a trial that joins the front at an end, and says why it stops one behind it', () => {
    // Six at the rung, two go on: the front's two ends (infinite crowding) come first.
    expect(asha.decide(flat(0.95, 12, 3), rung).prune).toBe(false);
    const behind = asha.decide(flat(0.55, 7, 3), rung);
    expect(behind.prune).toBe(true);
    expect(behind.reason).toBe(
      'at rung epoch 3 it placed 5 of 6 by front and crowding in accuracy and latency; the first 2 go on',
    );
  });

  it('judges only at rungs, and lets a lone trial go on', () => {
    expect(asha.decide(flat(0.1, 99, 2), rung).prune).toBe(false); // epoch 2 is no rung
    expect(asha.decide(flat(0.1, 99, 3), []).prune).toBe(false);
  });

  it('orders as ASHA does with one objective', () => {
    const one = new ObjectiveSet('accuracy', [{ metric: 'accuracy', direction: 'maximize' }], []);
    const generalized = new ParetoAshaPruner(one, 'maximize', { minEpochs: 1, reductionFactor: 3 });
    const plain = new AshaPruner('maximize', { minEpochs: 1, reductionFactor: 3 });
    for (const acc of [0.4, 0.75, 0.85, 0.95]) {
      const c = flat(acc, 0, 3);
      expect(generalized.decide(c, rung).prune, String(acc)).toBe(plain.decide(c, rung).prune);
    }
  });
});
