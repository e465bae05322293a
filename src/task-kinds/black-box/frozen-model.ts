import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BlackBoxModel, BlackBoxOutputs } from './black-box-model.ts';

/** How raw inputs become what the model was trained on, and its output the target's units. */
export interface FrozenModelScaling {
  inputMean: Float32Array;
  inputStd: Float32Array;
  targetMean: number;
  targetStd: number;
}

/**
 * A trained TF.js model closed behind the BlackBoxModel interface. The model is held in a
 * private field and used only for inference inside tf.tidy, with copies handed out, so code
 * given a FrozenModel can neither read nor change its weights nor take a gradient through it.
 */
export class FrozenModel implements BlackBoxModel {
  readonly inputSize: number;
  readonly featureSize: number;
  #queries = 0;
  #queriedRows = 0;
  readonly #probe: tfl.LayersModel;
  readonly #scaling: FrozenModelScaling;

  /**
   * `model` maps standardized inputs to the standardized target; its second-to-last layer's
   * output is the feature vector.
   */
  constructor(model: tfl.LayersModel, scaling: FrozenModelScaling) {
    const features = model.layers.at(-2);
    if (!features) throw new Error('a frozen model needs a hidden layer before its output');
    // One graph, two outputs, the same weights: no copy of the model is made.
    this.#probe = tfl.model({
      inputs: model.inputs,
      outputs: [features.output as tfl.SymbolicTensor, model.outputs[0]!],
    });
    this.inputSize = model.inputs[0]!.shape[1]!;
    this.featureSize = (features.outputShape as number[]).at(-1)!;
    this.#scaling = scaling;
  }

  get queries(): number {
    return this.#queries;
  }

  get queriedRows(): number {
    return this.#queriedRows;
  }

  predict(inputs: Float32Array, rows: number): BlackBoxOutputs {
    if (inputs.length !== rows * this.inputSize)
      throw new Error(
        `predict: ${inputs.length} values are not ${rows} rows of ${this.inputSize} inputs`,
      );
    this.#queries += 1;
    this.#queriedRows += rows;
    const { inputMean, inputStd, targetMean, targetStd } = this.#scaling;
    const [features, outputs] = tf.tidy(() => {
      const x = tf.div(
        tf.sub(tf.tensor2d(inputs, [rows, this.inputSize]), tf.tensor1d(inputMean)),
        tf.tensor1d(inputStd),
      );
      const [f, y] = this.#probe.predict(x) as tf.Tensor[];
      return [f!.dataSync(), tf.add(tf.mul(y!, targetStd), targetMean).dataSync()];
    });
    return { features: Float32Array.from(features), outputs: Float32Array.from(outputs) };
  }
}
