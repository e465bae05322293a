import * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../random/rng.ts';
import { addActivationTail, kernelInitializer, type ActivationName } from './layer-helpers.ts';

export interface CnnOptions {
  inputShape: [number, number, number];
  outputSize: number;
  /** Conv blocks (conv, optional batch norm, activation, 2x2 pooling); 0 gives an MLP. */
  convBlocks: number;
  /** Filters of the first block; each further block doubles them. */
  filters: number;
  kernelSize: number;
  pooling: 'max' | 'avg';
  denseUnits: number;
  activation: ActivationName;
  batchNorm: boolean;
  dropout: number;
  seed: number;
}

/** A small convolutional network ending in a hidden dense layer and logits. */
export function buildCnn(opts: CnnOptions): tfl.Sequential {
  const rng = new Rng(opts.seed);
  const model = tfl.sequential();
  model.add(tfl.layers.inputLayer({ inputShape: opts.inputShape }));
  for (let b = 0; b < opts.convBlocks; b++) {
    model.add(
      tfl.layers.conv2d({
        filters: opts.filters * 2 ** b,
        kernelSize: opts.kernelSize,
        padding: 'same',
        activation: opts.batchNorm ? 'linear' : opts.activation,
        useBias: !opts.batchNorm,
        kernelInitializer: kernelInitializer(opts.activation, rng),
      }),
    );
    addActivationTail(model, { ...opts, dropout: 0, rng });
    const pool = { poolSize: 2, strides: 2 };
    model.add(
      opts.pooling === 'max' ? tfl.layers.maxPooling2d(pool) : tfl.layers.averagePooling2d(pool),
    );
  }
  model.add(tfl.layers.flatten());
  model.add(
    tfl.layers.dense({
      units: opts.denseUnits,
      activation: opts.batchNorm ? 'linear' : opts.activation,
      useBias: !opts.batchNorm,
      kernelInitializer: kernelInitializer(opts.activation, rng),
    }),
  );
  addActivationTail(model, { ...opts, rng });
  model.add(
    tfl.layers.dense({
      units: opts.outputSize,
      kernelInitializer: kernelInitializer('linear', rng),
    }),
  );
  return model;
}
