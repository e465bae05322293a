import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../random/rng.ts';
import { columnStats } from '../../stats/column-stats.ts';

/** What the black box said about a set of rows, and their targets. */
export interface AdapterRows {
  count: number;
  /** featureSize values per row. */
  features: Float32Array;
  /** The black box's own prediction per row. */
  outputs: Float32Array;
  y: Float32Array;
}

export interface OutputAdapterOptions {
  /** The adapter's share: f' = alpha * A(f) + (1 - alpha) * f. */
  alpha: number;
  /** Width of A's middle layer. */
  bottleneck: number;
  adapterLearningRate: number;
  headLearningRate: number;
  epochs: number;
  batchSize: number;
  seed: number;
}

/**
 * Called after each epoch with the validation MAE; true stops training (the trial was pruned
 * or cancelled).
 */
export type AdapterEpochHook = (epoch: number, validationMae: number) => Promise<boolean>;

/**
 * CBBT's output adapter (CLIP-Adapter style) for a regression model behind an API. The frozen
 * features f (standardized with the training rows' statistics, so one learning rate suits any
 * model) are refined by a bottleneck MLP A (relu), f' = alpha * A(f) + (1 - alpha) * f, and a
 * linear head on f' predicts the correction to the black box's own output:
 *   y = output(x) + w . f' + c.
 * The head starts at zero, so before any training the prediction is the black box's own: the
 * adapter can only move away from it by what it learns. A and the head have their own Adam (two
 * learning rates), trained on mean squared error; the epoch with the best validation MAE is the
 * one kept.
 */
export class OutputAdapter {
  private readonly mean: tf.Tensor1D;
  private readonly std: tf.Tensor1D;
  private readonly adapter: tf.Variable[];
  private readonly head: tf.Variable[];
  /** The epoch whose weights are held (0: none trained) and its validation MAE. */
  bestEpoch = 0;
  bestMae = Infinity;

  private constructor(
    private readonly featureSize: number,
    private readonly options: OutputAdapterOptions,
    stats: { mean: Float32Array; std: Float32Array },
  ) {
    const { bottleneck, seed } = options;
    const f = featureSize;
    this.mean = tf.keep(tf.tensor1d(stats.mean));
    this.std = tf.keep(tf.tensor1d(stats.std));
    // Glorot-normal scales; seeded, so a configuration trains the same on every worker. TF.js
    // takes a seed of 0 for "no seed" (Math.random), so the two seeds are drawn from ours.
    const seeds = new Rng(seed);
    const scale = Math.sqrt(2 / (f + bottleneck));
    const draw = (shape: [number, number]) =>
      tf.randomNormal(shape, 0, scale, 'float32', 1 + seeds.int(2 ** 31 - 2));
    this.adapter = [
      tf.variable(draw([f, bottleneck])),
      tf.variable(tf.zeros([bottleneck])),
      tf.variable(draw([bottleneck, f])),
      tf.variable(tf.zeros([f])),
    ];
    this.head = [tf.variable(tf.zeros([f, 1])), tf.variable(tf.zeros([1]))];
  }

  /** Trains an adapter on `train`, judging each epoch on `validation`. */
  static async train(
    train: AdapterRows,
    validation: AdapterRows,
    featureSize: number,
    options: OutputAdapterOptions,
    onEpoch: AdapterEpochHook,
  ): Promise<OutputAdapter> {
    const adapter = new OutputAdapter(
      featureSize,
      options,
      columnStats(train.features, train.count, featureSize),
    );
    try {
      await adapter.fit(train, validation, onEpoch);
    } catch (error) {
      adapter.dispose();
      throw error;
    }
    return adapter;
  }

  /** The adapted prediction for each row. */
  predict(rows: AdapterRows): Float32Array {
    return tf.tidy(
      () => this.forward(rows.features, rows.outputs, rows.count).dataSync() as Float32Array,
    );
  }

  /** The mean absolute error of the adapted predictions. */
  mae(rows: AdapterRows): number {
    return meanAbsoluteError(this.predict(rows), rows.y);
  }

  dispose(): void {
    for (const v of [...this.adapter, ...this.head]) v.dispose();
    this.mean.dispose();
    this.std.dispose();
  }

  private forward(features: Float32Array, outputs: Float32Array, count: number): tf.Tensor1D {
    const [w1, b1, w2, b2] = this.adapter as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const [w, c] = this.head as [tf.Variable, tf.Variable];
    const { alpha } = this.options;
    const f = tf.div(tf.sub(tf.tensor2d(features, [count, this.featureSize]), this.mean), this.std);
    const a = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(f, w1), b1)), w2), b2);
    const refined = tf.add(tf.mul(a, alpha), tf.mul(f, 1 - alpha));
    const correction = tf.reshape(tf.add(tf.matMul(refined, w), c), [count]);
    return tf.add(correction, tf.tensor1d(outputs));
  }

  private async fit(
    train: AdapterRows,
    validation: AdapterRows,
    onEpoch: AdapterEpochHook,
  ): Promise<void> {
    const { epochs, batchSize, seed, adapterLearningRate, headLearningRate } = this.options;
    const adapterOptimizer = tf.train.adam(adapterLearningRate);
    const headOptimizer = tf.train.adam(headLearningRate);
    const adapterNames = new Set(this.adapter.map((v) => v.name));
    const rng = new Rng(seed);
    const order = Int32Array.from({ length: train.count }, (_, i) => i);
    const fs = this.featureSize;
    const bf = new Float32Array(batchSize * fs);
    const bo = new Float32Array(batchSize);
    const by = new Float32Array(batchSize);
    let kept: tf.Tensor[] | null = null;
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        rng.shuffle(order);
        for (let from = 0; from < train.count; from += batchSize) {
          const n = Math.min(batchSize, train.count - from);
          for (let k = 0; k < n; k++) {
            const r = order[from + k]!;
            bf.set(train.features.subarray(r * fs, (r + 1) * fs), k * fs);
            bo[k] = train.outputs[r]!;
            by[k] = train.y[r]!;
          }
          tf.tidy(() => {
            const target = tf.tensor1d(by.subarray(0, n));
            const { grads } = tf.variableGrads(
              () =>
                tf.mean(
                  tf.square(
                    tf.sub(this.forward(bf.subarray(0, n * fs), bo.subarray(0, n), n), target),
                  ),
                ),
              [...this.adapter, ...this.head],
            );
            const adapterGrads: { name: string; tensor: tf.Tensor }[] = [];
            const headGrads: { name: string; tensor: tf.Tensor }[] = [];
            for (const [name, tensor] of Object.entries(grads))
              (adapterNames.has(name) ? adapterGrads : headGrads).push({ name, tensor });
            adapterOptimizer.applyGradients(adapterGrads);
            headOptimizer.applyGradients(headGrads);
          });
        }
        const mae = this.mae(validation);
        if (mae < this.bestMae) {
          this.bestMae = mae;
          this.bestEpoch = epoch;
          for (const t of kept ?? []) t.dispose();
          kept = [...this.adapter, ...this.head].map((v) => tf.keep(v.clone()));
        }
        if (await onEpoch(epoch, mae)) break;
      }
      // The best epoch's weights are the adapter's (early stopping's usual restore).
      if (kept) [...this.adapter, ...this.head].forEach((v, i) => v.assign(kept![i]!));
    } finally {
      for (const t of kept ?? []) t.dispose();
      adapterOptimizer.dispose();
      headOptimizer.dispose();
    }
  }
}

export function meanAbsoluteError(predicted: Float32Array, y: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += Math.abs(predicted[i]! - y[i]!);
  return sum / y.length;
}
