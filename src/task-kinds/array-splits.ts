import type { ArraySplit } from './task.ts';

/** A split whose features are already floats, `featureSize` per sample. */
export function floatSplit(x: Float32Array, y: Float32Array, featureSize: number): ArraySplit {
  return {
    count: y.length,
    featureSize,
    y,
    copyFeatures(rows, from, to, into) {
      for (let i = from; i < to; i++) {
        const r = rows[i]!;
        into.set(x.subarray(r * featureSize, (r + 1) * featureSize), (i - from) * featureSize);
      }
    },
  };
}

/**
 * A split of byte images (channels last) normalised on the fly per channel:
 * value = (byte - mean[c]) / std[c]. Keeps CIFAR-10 at a quarter of the memory of floats.
 */
export function byteImageSplit(
  images: Uint8Array,
  y: Float32Array,
  featureSize: number,
  mean: Float32Array,
  std: Float32Array,
): ArraySplit {
  const channels = mean.length;
  const scale = Float32Array.from(std, (s) => 1 / s);
  return {
    count: y.length,
    featureSize,
    y,
    copyFeatures(rows, from, to, into) {
      for (let i = from; i < to; i++) {
        const src = rows[i]! * featureSize;
        const dst = (i - from) * featureSize;
        for (let k = 0; k < featureSize; k++) {
          const c = k % channels;
          into[dst + k] = (images[src + k]! - mean[c]!) * scale[c]!;
        }
      }
    },
  };
}
