import { describe, expect, it } from 'vitest';
import { argmaxRows, classificationMetrics, regressionMetrics } from '../../src/trainer/metrics.ts';
import { learningRateAt, type TrainingPlan } from '../../src/task-kinds/training-plan.ts';

describe('metrics', () => {
  it('argmax picks the largest logit of each row', () => {
    expect(Array.from(argmaxRows(Float32Array.from([0, 2, 1, 5, -1, 3]), 3))).toEqual([1, 0]);
  });

  it('accuracy and macro-F1 match a hand computation', () => {
    // labels 0 0 1 1 2 2; predicted 0 1 1 1 2 0
    const m = classificationMetrics(
      Int32Array.from([0, 1, 1, 1, 2, 0]),
      Float32Array.from([0, 0, 1, 1, 2, 2]),
      3,
    );
    expect(m.accuracy).toBeCloseTo(4 / 6, 10);
    // F1: class0 p=1/2 r=1/2 -> 0.5; class1 p=2/3 r=1 -> 0.8; class2 p=1 r=1/2 -> 2/3
    expect(m.macroF1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 10);
  });

  it('MAE, RMSE and R2 match a hand computation', () => {
    const m = regressionMetrics(Float32Array.from([2, 4, 6]), Float32Array.from([1, 4, 7]));
    expect(m.mae).toBeCloseTo(2 / 3, 6);
    expect(m.rmse).toBeCloseTo(Math.sqrt(2 / 3), 6);
    expect(m.r2).toBeCloseTo(1 - 2 / 18, 6);
  });
});

describe('learning-rate schedules', () => {
  const plan = (schedule: TrainingPlan['schedule']): TrainingPlan => ({
    optimizer: 'sgd',
    learningRate: 0.1,
    schedule,
    lrDecay: 0.5,
    batchSize: 32,
    epochs: 9,
    loss: 'mse',
    earlyStoppingPatience: 0,
    classWeights: 'none',
    penalty: 'none',
    penaltyWeight: 0,
  });
  it('follows each schedule', () => {
    expect(learningRateAt(plan('constant'), 5)).toBe(0.1);
    expect(learningRateAt(plan('exponential'), 2)).toBeCloseTo(0.025, 12);
    expect([0, 2, 3, 5, 6, 8].map((e) => learningRateAt(plan('step'), e))).toEqual([
      0.1, 0.1, 0.05, 0.05, 0.025, 0.025,
    ]);
    expect(learningRateAt(plan('cosine'), 0)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(plan('cosine'), 4.5)).toBeCloseTo(0.05, 12);
  });
});
