import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerName } from '../task-kinds/training-plan.ts';

export function createOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, 0.9);
    case 'adam':
      return tf.train.adam(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
  }
}

/**
 * Changes the learning rate between epochs. SGD and momentum keep it as a tensor made by
 * setLearningRate; the others read the `learningRate` field at every step.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as tf.Optimizer & {
    learningRate: number;
    setLearningRate?: (lr: number) => void;
  };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}

/**
 * Frees every tensor an optimizer holds. The momentum optimizer's dispose() forgets the
 * learning-rate scalar it inherits from SGD, so that one is freed here.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  const inherited: unknown = Reflect.get(optimizer, 'c');
  optimizer.dispose();
  if (inherited instanceof tf.Tensor && !inherited.isDisposed) inherited.dispose();
}
