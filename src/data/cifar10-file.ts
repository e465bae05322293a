import { readFile, stat } from 'node:fs/promises';
import type { ImageSet } from './image-set.ts';

/** CIFAR-10's classes, in label order (the order of batches.meta.txt). */
export const CIFAR10_CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

const SIDE = 32;
const PLANE = SIDE * SIDE;
/** One label byte, then the red, green and blue 32x32 planes, each row by row. */
export const CIFAR10_RECORD_BYTES = 1 + 3 * PLANE;

/**
 * Reads CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin) into one ImageSet,
 * converting each image from three colour planes to interleaved RGB (height x width x 3).
 */
export async function readCifar10Batches(paths: string[]): Promise<ImageSet> {
  // Sizes first, so the output is allocated once and the batches (30 MB each) are then read
  // one at a time rather than all held in memory together.
  const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
  sizes.forEach((size, i) => {
    if (size === 0 || size % CIFAR10_RECORD_BYTES !== 0) {
      throw new Error(
        `${paths[i]} is not a CIFAR-10 binary batch: its size ${size} is not a multiple of ${CIFAR10_RECORD_BYTES} bytes` +
          ' (1 label byte + 3 x 1024 pixel bytes per image; the Python and MATLAB versions of CIFAR-10 are not read)',
      );
    }
  });
  const count = sizes.reduce((n, size) => n + size / CIFAR10_RECORD_BYTES, 0);
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const path of paths) {
    const buffer = await readFile(path);
    for (let record = 0; record * CIFAR10_RECORD_BYTES < buffer.length; record++, n++) {
      const offset = record * CIFAR10_RECORD_BYTES;
      const label = buffer[offset]!;
      if (label >= CIFAR10_CLASS_NAMES.length) {
        throw new Error(`${path}: record ${record} has label ${label}; CIFAR-10 labels are 0..9`);
      }
      labels[n] = label;
      const red = offset + 1;
      const green = red + PLANE;
      const blue = green + PLANE;
      const out = n * 3 * PLANE;
      for (let p = 0; p < PLANE; p++) {
        images[out + 3 * p] = buffer[red + p]!;
        images[out + 3 * p + 1] = buffer[green + p]!;
        images[out + 3 * p + 2] = buffer[blue + p]!;
      }
    }
  }
  return { images, labels, count, height: SIDE, width: SIDE, channels: 3 };
}
