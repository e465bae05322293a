/**
 * Images with integer labels, pixels as bytes in height x width x channels order per image
 * (the layout TF.js convolutions expect), images one after another.
 */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** The images whose indices are given, in that order (copies). */
export function selectImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = set.height * set.width * set.channels;
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i]!;
    images.set(set.images.subarray(from * size, (from + 1) * size), i * size);
    labels[i] = set.labels[from]!;
  }
  return { ...set, images, labels, count: indices.length };
}
