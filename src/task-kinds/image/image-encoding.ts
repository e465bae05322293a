import { z } from 'zod';
/**
 * What turns an image into a model's input, as data: the pixel layout and the per-channel
 * normalization fitted on the training images, and the class names. Saved beside an image task's
 * best model as preprocessing.json, so the model classifies new images with no task and no data
 * set (loadPredictor(dir).predictImages). The same arithmetic as training (byteImageSplit).
 */
export const ImageEncodingSchema = z.object({
  format: z.literal('lgt-image-encoding'),
  version: z.literal(1),
  height: z.number().int().min(1),
  width: z.number().int().min(1),
  channels: z.number().int().min(1),
  /** Per channel: input = (byte - mean) / std. */
  mean: z.array(z.number()),
  std: z.array(z.number()),
  classNames: z.array(z.string()),
  /** For a person reading the file. */
  input: z.string(),
});
export type ImageEncoding = z.infer<typeof ImageEncodingSchema>;

export function imageEncoding(
  shape: { height: number; width: number; channels: number },
  mean: Float32Array,
  std: Float32Array,
  classNames: string[],
): ImageEncoding {
  return {
    format: 'lgt-image-encoding',
    version: 1,
    ...shape,
    mean: [...mean],
    std: [...std],
    classNames,
    input:
      'each image as height x width x channels bytes (0-255, rows then columns then channels), normalized per channel as (byte - mean) / std',
  };
}

/** Bytes per image. */
function imageSize(e: ImageEncoding): number {
  return e.height * e.width * e.channels;
}

/**
 * Images (bytes, HWC) into the model's input; an image of the wrong size is an error that names
 * it (counted from 1) and the size expected.
 */
export function encodeImages(e: ImageEncoding, images: readonly Uint8Array[]): Float32Array {
  const size = imageSize(e);
  const out = new Float32Array(images.length * size);
  images.forEach((image, i) => {
    if (image.length !== size)
      throw new Error(
        `image ${i + 1} has ${image.length} bytes; the model takes ${e.height}x${e.width}x${e.channels} = ${size} (height x width x channels, one byte each)`,
      );
    for (let k = 0; k < size; k++) {
      const c = k % e.channels;
      out[i * size + k] = (image[k]! - e.mean[c]!) / e.std[c]!;
    }
  });
  return out;
}
