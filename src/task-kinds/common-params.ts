import { choice, float, int } from '../search-space/param.ts';
import type { TaskKind } from './task.ts';
import type { Config } from '../search-space/search-space.ts';
import type { LossName, TrainingPlan } from './training-plan.ts';

/**
 * Dimensions every task shares, under the same names, so configurations read the same across
 * tasks and strategies can carry lessons from one to another.
 */

/**
 * The learning rates strategies search per optimizer (see SearchPer). Measured on small tabular
 * data with MLPs (docs/measurements.md); plain SGD and Adagrad need rates ten times Adam's.
 */
export const LEARNING_RATES = {
  sgd: [0.01, 0.2],
  momentum: [3e-3, 0.05],
  adam: [5e-4, 0.1],
  rmsprop: [5e-4, 0.03],
  adagrad: [0.01, 0.3],
} as const;

export interface TrainingParamOptions {
  maxEpochs: number;
  defaultEpochs: number;
  defaultBatchSize: number;
  maxBatchSize?: number;
}

export function trainingParams(opts: TrainingParamOptions) {
  return {
    optimizer: choice(['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad'], {
      default: 'adam',
      area: 'training',
      description: 'optimizer (momentum is SGD with momentum 0.9)',
    }),
    learningRate: float(1e-5, 1, {
      log: true,
      default: 1e-3,
      // Where each optimizer trains in a few epochs: outside these ranges most runs ended far
      // worse than the default (untrained or diverged) in bench/learning-rates.ts (iris, wine
      // quality, california housing of 1,000 rows; 10 epochs; the default batch and 256).
      search: [5e-4, 0.3],
      searchPer: { param: 'optimizer', ranges: LEARNING_RATES },
      area: 'training',
      description: 'initial learning rate',
    }),
    lrSchedule: choice(['constant', 'step', 'exponential', 'cosine'], {
      default: 'constant',
      area: 'training',
      description:
        'learning-rate schedule over the epochs (step: times lrDecay every third of the epochs)',
    }),
    lrDecay: float(0.1, 0.99, {
      default: 0.9,
      area: 'training',
      description: 'decay factor of the step or exponential schedule (per epoch for exponential)',
      when: { param: 'lrSchedule', oneOf: ['step', 'exponential'] },
    }),
    batchSize: int(4, opts.maxBatchSize ?? 1024, {
      log: true,
      default: opts.defaultBatchSize,
      // Batches of 4 make an epoch many steps (the step budget then cuts its epochs short).
      search: [Math.min(8, opts.defaultBatchSize), Math.min(512, opts.maxBatchSize ?? 1024)],
      area: 'training',
      description: 'samples per gradient step',
    }),
    epochs: int(1, opts.maxEpochs, {
      default: opts.defaultEpochs,
      area: 'training',
      description: 'passes over the training split',
    }),
    earlyStoppingPatience: int(0, 50, {
      default: 0,
      area: 'training',
      description:
        'stop after this many epochs without a better validation loss and keep the best epoch (0 = off)',
    }),
  };
}

export function classificationLossParams() {
  return {
    loss: choice(['crossentropy', 'focal'], {
      default: 'crossentropy',
      area: 'training',
      description: 'loss: cross-entropy, or focal loss (gamma 2) that down-weights easy samples',
    }),
    classWeights: choice(['none', 'balanced'], {
      default: 'none',
      area: 'training',
      description: 'weight each class by the inverse of its frequency in the training split',
    }),
  };
}

export function regressionLossParams() {
  return {
    loss: choice(['mse', 'mae', 'huber'], {
      default: 'mse',
      area: 'training',
      description: 'loss on the (transformed) target: squared, absolute or Huber error',
    }),
  };
}

export function regularizationParams() {
  return {
    dropout: float(0, 0.7, {
      default: 0,
      search: [0, 0.5],
      area: 'regularization',
      description: 'dropout rate after each hidden layer',
    }),
    penalty: choice(['none', 'l2', 'l1'], {
      default: 'none',
      area: 'regularization',
      description: 'weight penalty on the kernels: l2 (weight decay) or l1',
    }),
    penaltyWeight: float(1e-6, 1e-1, {
      log: true,
      default: 1e-4,
      // Past 1e-2 the penalty outweighs the data: the model learns nothing.
      search: [1e-6, 1e-2],
      area: 'regularization',
      description: 'strength of the weight penalty',
      when: { param: 'penalty', oneOf: ['l2', 'l1'] },
    }),
  };
}

export function activationParam() {
  return choice(['relu', 'elu', 'selu', 'tanh', 'sigmoid'], {
    default: 'relu',
    area: 'architecture',
    description: 'activation of the hidden layers',
  });
}

/** Reads the shared dimensions of a configuration into a training plan. */
export function trainingPlanOf(config: Config, kind: TaskKind): TrainingPlan {
  const get = <T>(name: string, fallback: T): T => (config[name] ?? fallback) as T;
  return {
    optimizer: get('optimizer', 'adam'),
    learningRate: get('learningRate', 1e-3),
    schedule: get('lrSchedule', 'constant'),
    lrDecay: get('lrDecay', 1),
    batchSize: get('batchSize', 32),
    epochs: get('epochs', 10),
    loss: get<LossName>('loss', kind === 'classification' ? 'crossentropy' : 'mse'),
    earlyStoppingPatience: get('earlyStoppingPatience', 0),
    classWeights: get('classWeights', 'none'),
    penalty: get('penalty', 'none'),
    penaltyWeight: get('penaltyWeight', 0),
  };
}

/**
 * The plain parts every untuned baseline shares (as the LGT paper's starting points): plain SGD
 * at a constant rate, no early stopping, no regularization, the default loss.
 */
export const PLAIN_TRAINING = {
  optimizer: 'sgd',
  lrSchedule: 'constant',
  earlyStoppingPatience: 0,
  dropout: 0,
  penalty: 'none',
} as const;

/** A classification baseline's plain loss and class weights. */
export const PLAIN_CLASSIFICATION = {
  ...PLAIN_TRAINING,
  loss: 'crossentropy',
  classWeights: 'none',
} as const;
