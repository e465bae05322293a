import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../../random/rng.ts';
import { columnStats } from '../../stats/column-stats.ts';
import { FrozenModel, type FrozenModelScaling } from './frozen-model.ts';

export interface FrozenModelTraining {
  /** Hidden layer widths; the last is the feature layer a black box exposes. */
  hidden: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/**
 * Trains a regression MLP (relu hidden layers, standardized inputs and target, mean squared
 * error, Adam) and returns it frozen behind the black-box interface, with the model itself for
 * whoever trained it (a test compares its weights before and after adaptation; a task keeps only
 * the FrozenModel). Seeded initializers and a seeded batch order: the same seed gives the same
 * model in every process, so every worker adapts the same black box.
 */
export async function trainFrozenModel(
  rows: { x: Float32Array; y: Float32Array; count: number; inputSize: number },
  options: FrozenModelTraining,
): Promise<{ frozen: FrozenModel; model: tfl.LayersModel }> {
  const { x, y, count, inputSize } = rows;
  const scaling = scalingOf(rows);
  const model = tfl.sequential();
  // TF.js reads a seed of 0 as "no seed" (Math.random): the initializers get ours plus one.
  const seedOf = (layer: number) => options.seed * 1000 + layer + 1;
  options.hidden.forEach((units, i) =>
    model.add(
      tfl.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seedOf(i) }),
        ...(i === 0 ? { inputShape: [inputSize] } : {}),
      }),
    ),
  );
  model.add(
    tfl.layers.dense({
      units: 1,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seedOf(options.hidden.length) }),
    }),
  );
  const xs = new Float32Array(x.length);
  for (let r = 0; r < count; r++)
    for (let j = 0; j < inputSize; j++)
      xs[r * inputSize + j] =
        (x[r * inputSize + j]! - scaling.inputMean[j]!) / scaling.inputStd[j]!;
  const ys = y.map((v) => (v - scaling.targetMean) / scaling.targetStd);
  const optimizer = tf.train.adam(options.learningRate);
  const rng = new Rng(options.seed);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const bx = new Float32Array(options.batchSize * inputSize);
  const by = new Float32Array(options.batchSize);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    rng.shuffle(order);
    for (let from = 0; from < count; from += options.batchSize) {
      const n = Math.min(options.batchSize, count - from);
      for (let k = 0; k < n; k++) {
        const r = order[from + k]!;
        bx.set(xs.subarray(r * inputSize, (r + 1) * inputSize), k * inputSize);
        by[k] = ys[r]!;
      }
      tf.tidy(() => {
        const input = tf.tensor2d(bx.subarray(0, n * inputSize), [n, inputSize]);
        const target = tf.tensor2d(by.subarray(0, n), [n, 1]);
        optimizer.minimize(() =>
          tf.mean(tf.square(tf.sub(model.apply(input) as tf.Tensor, target))),
        );
      });
    }
    // Let a waiting timer or abort run between epochs.
    await new Promise((resolve) => setImmediate(resolve));
  }
  optimizer.dispose();
  return { frozen: new FrozenModel(model, scaling), model };
}

/** The inputs' and the target's statistics, which the frozen model keeps inside the box. */
function scalingOf(rows: {
  x: Float32Array;
  y: Float32Array;
  count: number;
  inputSize: number;
}): FrozenModelScaling {
  const inputs = columnStats(rows.x, rows.count, rows.inputSize);
  const target = columnStats(rows.y, rows.count, 1);
  return {
    inputMean: inputs.mean,
    inputStd: inputs.std,
    targetMean: target.mean[0]!,
    targetStd: target.std[0]!,
  };
}
