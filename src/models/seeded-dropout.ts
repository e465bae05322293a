import * as tfl from '@tensorflow/tfjs-layers';
import type { Tensor } from '@tensorflow/tfjs-core';
import { Rng, type RngState } from '../random/rng.ts';

/**
 * TF.js's Dropout layer draws its masks from Math.random unless given a seed, and with a seed it
 * draws the same mask at every step. This one takes a fresh seed from a seeded generator at each
 * training call, so masks differ from step to step yet a trial is reproducible. It stays a
 * `Dropout` in saved models (same class name and config), so any TF.js program can load them.
 */
type DropoutArgs = Parameters<typeof tfl.layers.dropout>[0];
type Kwargs = Record<string, unknown>;

const DropoutBase = Object.getPrototypeOf(tfl.layers.dropout({ rate: 0.5 })).constructor as new (
  args: DropoutArgs,
) => tfl.layers.Layer & {
  seed?: number;
  call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[];
};

export class SeededDropout extends DropoutBase {
  private readonly rng: Rng;

  constructor(args: DropoutArgs & { seed: number }) {
    super(args);
    this.rng = new Rng(args.seed);
  }

  /** Where its masks' stream stands, for an exact checkpoint of a training run. */
  generatorState(): RngState {
    return this.rng.state();
  }

  restoreGenerator(state: RngState): void {
    this.rng.restore(state);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    if (kwargs['training'] === true) this.seed = this.rng.nextUint32();
    return super.call(inputs, kwargs);
  }
}
