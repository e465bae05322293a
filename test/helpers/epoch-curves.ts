import type { EpochRecord } from '../../src/trainer/trainer.ts';

/** A learning curve from [training loss, validation loss, validation metric] per epoch. */
export const curve = (points: [number, number, number][]): EpochRecord[] =>
  points.map(([loss, validationLoss, validationMetric], i) => ({
    epoch: i + 1,
    loss,
    validationLoss,
    validationMetric,
    learningRate: 0.01,
    seconds: 0.1,
    samplesPerSecond: 1000,
  }));
