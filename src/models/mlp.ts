import * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../random/rng.ts';
import { addActivationTail, kernelInitializer, type ActivationName } from './layer-helpers.ts';

export interface MlpOptions {
  inputSize: number;
  outputSize: number;
  /** Units of each hidden layer; empty for a linear (or logistic) model. */
  hiddenUnits: number[];
  activation: ActivationName;
  batchNorm: boolean;
  dropout: number;
  seed: number;
}

/** A multilayer perceptron whose output is logits (classification) or the value (regression). */
export function buildMlp(opts: MlpOptions): tfl.Sequential {
  const rng = new Rng(opts.seed);
  const model = tfl.sequential();
  opts.hiddenUnits.forEach((units, i) => {
    model.add(
      tfl.layers.dense({
        ...(i === 0 ? { inputShape: [opts.inputSize] } : {}),
        units,
        activation: opts.batchNorm ? 'linear' : opts.activation,
        useBias: !opts.batchNorm,
        kernelInitializer: kernelInitializer(opts.activation, rng),
      }),
    );
    addActivationTail(model, { ...opts, rng });
  });
  model.add(
    tfl.layers.dense({
      ...(opts.hiddenUnits.length === 0 ? { inputShape: [opts.inputSize] } : {}),
      units: opts.outputSize,
      kernelInitializer: kernelInitializer('linear', rng),
    }),
  );
  return model;
}
