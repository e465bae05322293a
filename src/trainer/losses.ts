import * as tf from '@tensorflow/tfjs-core';
import type { LossName, PenaltyName } from '../task-kinds/training-plan.ts';

/**
 * Per-sample losses. Classification models output logits and `target` is one-hot; regression
 * models output one value per sample and `target` is [n, 1].
 */
export function sampleLosses(loss: LossName, output: tf.Tensor, target: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    switch (loss) {
      case 'crossentropy':
        return crossEntropy(output, target);
      case 'focal': {
        // Focal loss (gamma 2): (1 - p_true)^2 * cross-entropy, so easy samples count less.
        const ce = crossEntropy(output, target);
        return tf.mul(tf.square(tf.sub(1, tf.exp(tf.neg(ce)))), ce);
      }
      case 'mse':
        return tf.reshape(tf.square(tf.sub(output, target)), [-1]);
      case 'mae':
        return tf.reshape(tf.abs(tf.sub(output, target)), [-1]);
      case 'huber': {
        const e = tf.abs(tf.sub(output, target));
        const quadratic = tf.minimum(e, 1);
        return tf.reshape(tf.add(tf.mul(0.5, tf.square(quadratic)), tf.sub(e, quadratic)), [-1]);
      }
    }
  });
}

function crossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Tensor1D {
  return tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, oneHot), 1)) as tf.Tensor1D;
}

/** The weight penalty (L2: sum of squares / 2, L1: sum of absolute values) over kernels. */
export function weightPenalty(
  penalty: PenaltyName,
  weight: number,
  kernels: tf.Variable[],
): tf.Scalar | null {
  if (penalty === 'none' || weight === 0 || kernels.length === 0) return null;
  return tf.tidy(() => {
    const terms = kernels.map((k) =>
      penalty === 'l2' ? tf.mul(0.5, tf.sum(tf.square(k))) : tf.sum(tf.abs(k)),
    );
    return tf.mul(weight, tf.addN(terms)) as tf.Scalar;
  });
}
