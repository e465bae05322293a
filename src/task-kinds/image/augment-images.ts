import type { Rng } from '../../random/rng.ts';

export interface AugmentOptions {
  flip: boolean;
  /** Largest translation in pixels, in each direction. */
  shift: number;
  /** Per-channel value of an empty (zero) pixel after normalization, used for uncovered areas. */
  background: Float32Array;
  rng: Rng;
}

/**
 * Random horizontal flips and translations of a batch of images (channels last), in place.
 * Each image draws its own flip and offsets from the trial's generator.
 */
export function augmentImages(
  batch: Float32Array,
  count: number,
  shape: { height: number; width: number; channels: number },
  opts: AugmentOptions,
): void {
  const { height: h, width: w, channels: c } = shape;
  const size = h * w * c;
  const source = new Float32Array(size);
  for (let n = 0; n < count; n++) {
    const flip = opts.flip && opts.rng.next() < 0.5;
    const dy = opts.shift > 0 ? opts.rng.int(2 * opts.shift + 1) - opts.shift : 0;
    const dx = opts.shift > 0 ? opts.rng.int(2 * opts.shift + 1) - opts.shift : 0;
    if (!flip && dx === 0 && dy === 0) continue;
    const image = batch.subarray(n * size, (n + 1) * size);
    source.set(image);
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      for (let x = 0; x < w; x++) {
        const sxShifted = x - dx;
        const sx = flip ? w - 1 - sxShifted : sxShifted;
        const to = (y * w + x) * c;
        if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
          for (let k = 0; k < c; k++) image[to + k] = opts.background[k]!;
        } else {
          const from = (sy * w + sx) * c;
          for (let k = 0; k < c; k++) image[to + k] = source[from + k]!;
        }
      }
    }
  }
}
