import { z } from 'zod';
/**
 * How to train: the training-strategy and regularization parts of a configuration, resolved
 * into the values the trainer needs. Tasks build one from their configuration.
 */
export const OptimizerNameSchema = z.enum(['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad']);
export type OptimizerName = z.infer<typeof OptimizerNameSchema>;
export type ScheduleName = 'constant' | 'step' | 'exponential' | 'cosine';
export type LossName = 'crossentropy' | 'focal' | 'mse' | 'mae' | 'huber';
export type PenaltyName = 'none' | 'l1' | 'l2';

export interface TrainingPlan {
  optimizer: OptimizerName;
  learningRate: number;
  schedule: ScheduleName;
  /** Factor applied per epoch (exponential) or per third of the epochs (step). */
  lrDecay: number;
  batchSize: number;
  epochs: number;
  loss: LossName;
  /** Stop after this many epochs without a better validation loss; 0 turns it off. */
  earlyStoppingPatience: number;
  classWeights: 'none' | 'balanced';
  penalty: PenaltyName;
  penaltyWeight: number;
}

/** The learning rate of an epoch (0-based) under the plan's schedule. */
export function learningRateAt(plan: TrainingPlan, epoch: number): number {
  const { learningRate: lr, lrDecay, epochs } = plan;
  switch (plan.schedule) {
    case 'constant':
      return lr;
    case 'exponential':
      return lr * lrDecay ** epoch;
    case 'step':
      return lr * lrDecay ** Math.floor(epoch / Math.max(1, Math.ceil(epochs / 3)));
    case 'cosine':
      return epochs <= 1 ? lr : lr * 0.5 * (1 + Math.cos((Math.PI * epoch) / epochs));
  }
}
