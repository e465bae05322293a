import * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../random/rng.ts';
import { SeededDropout } from './seeded-dropout.ts';

export type ActivationName = 'relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid';

/**
 * Seeded initialisers suited to the activation (He for the ReLU family, LeCun for SELU, Glorot
 * otherwise): TF.js would otherwise draw initial weights from Math.random.
 */
export function kernelInitializer(activation: ActivationName | 'linear', rng: Rng) {
  const seed = rng.nextUint32();
  if (activation === 'relu' || activation === 'elu') return tfl.initializers.heNormal({ seed });
  if (activation === 'selu') return tfl.initializers.leCunNormal({ seed });
  return tfl.initializers.glorotUniform({ seed });
}

/** A dense or conv block's tail: optional batch norm, the activation, optional dropout. */
export function addActivationTail(
  model: tfl.Sequential,
  opts: { activation: ActivationName; batchNorm: boolean; dropout: number; rng: Rng },
): void {
  if (opts.batchNorm) {
    model.add(tfl.layers.batchNormalization());
    model.add(tfl.layers.activation({ activation: opts.activation }));
  }
  if (opts.dropout > 0)
    model.add(new SeededDropout({ rate: opts.dropout, seed: opts.rng.nextUint32() }));
}
