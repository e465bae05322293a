import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  encodeRows,
  encodedWidth,
  toTargetUnits,
  type RawRow,
  type TabularEncoding,
} from '../tasks/tabular/tabular-encoding.ts';
import { encodeImages, type ImageEncoding } from '../tasks/image/image-encoding.ts';
import { selectBackend } from '../trainer/backend.ts';

/** One row's prediction: a label with the probability of every class, or a value. */
export interface Prediction {
  /** Classification: the most probable class. */
  label?: string;
  probabilities?: Record<string, number>;
  /** Regression: the predicted value, in the target's units. */
  value?: number;
  /** Categories of this row the model never saw in training ("column=value"); see encodeRows. */
  unseen?: string[];
}

/** Rows per forward pass: memory, not the result, depends on it. */
const CHUNK = 1024;

/**
 * A saved best model with its preprocessing: raw rows (tabular models) or images (image models)
 * in, labels or values out. Works on any TF.js backend lgt selects (wasm with no native
 * TensorFlow, offline).
 */
export class Predictor {
  constructor(
    private readonly model: tfl.LayersModel,
    readonly encoding: TabularEncoding | ImageEncoding,
  ) {}

  /** The columns a row must have (tabular models; none for an image model). */
  get columns(): string[] {
    return this.encoding.format === 'lgt-tabular-encoding'
      ? this.encoding.features.map((f) => f.column)
      : [];
  }

  /** Tabular models: one prediction per row, in order. */
  predict(rows: readonly RawRow[]): Prediction[] {
    const encoding = this.encoding;
    if (encoding.format !== 'lgt-tabular-encoding')
      throw new Error(
        `this is an image model (${encoding.height}x${encoding.width}x${encoding.channels}): give it images with predictImages, not rows`,
      );
    const out: Prediction[] = [];
    const width = encodedWidth(encoding);
    for (let from = 0; from < rows.length; from += CHUNK) {
      const chunk = rows.slice(from, from + CHUNK);
      const unseen = chunk.map(() => new Set<string>());
      // Row numbers in errors count from the first row given, not from the chunk.
      const features = encodeRows(encoding, chunk, {
        firstRow: from + 1,
        onUnseen: (i, value) => unseen[i]!.add(value),
      });
      const outputs = this.forward(features, [chunk.length, width], encoding.problem);
      chunk.forEach((_, i) => {
        const extra = unseen[i]!.size ? { unseen: [...unseen[i]!] } : {};
        if (encoding.problem === 'regression')
          out.push({ value: toTargetUnits(encoding.targetScaling, outputs[i]!), ...extra });
        else out.push({ ...labelOf(outputs, i, encoding.classNames ?? []), ...extra });
      });
    }
    return out;
  }

  /**
   * Image models: one prediction per image, each image its bytes in height x width x channels
   * order (what preprocessing.json says), as the training images were.
   */
  predictImages(images: readonly Uint8Array[]): Prediction[] {
    const encoding = this.encoding;
    if (encoding.format !== 'lgt-image-encoding')
      throw new Error('this is a tabular model: give it rows with predict, not images');
    const out: Prediction[] = [];
    for (let from = 0; from < images.length; from += CHUNK) {
      const chunk = images.slice(from, from + CHUNK);
      let features: Float32Array;
      try {
        features = encodeImages(encoding, chunk);
      } catch (error) {
        // Image numbers in errors count from the first image given, not from the chunk.
        throw new Error(
          (error as Error).message.replace(/^image (\d+)/, (_, n) => `image ${from + Number(n)}`),
        );
      }
      const shape = [chunk.length, encoding.height, encoding.width, encoding.channels];
      const outputs = this.forward(features, shape, 'classification');
      chunk.forEach((_, i) => out.push(labelOf(outputs, i, encoding.classNames)));
    }
    return out;
  }

  dispose(): void {
    this.model.dispose();
  }

  /** One forward pass; class probabilities (softmax of the logits) or values. */
  private forward(
    features: Float32Array,
    shape: number[],
    problem: 'classification' | 'regression',
  ): Float32Array {
    return tf.tidy(() => {
      const y = this.model.predict(tf.tensor(features, shape)) as tf.Tensor;
      return (problem === 'classification' ? tf.softmax(y) : y).dataSync();
    }) as Float32Array;
  }
}

/** Sample `i`'s most probable class and every class's probability. */
function labelOf(
  probabilities: Float32Array,
  i: number,
  names: readonly string[],
): Required<Pick<Prediction, 'label' | 'probabilities'>> {
  const p = probabilities.subarray(i * names.length, (i + 1) * names.length);
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return {
    label: names[best]!,
    probabilities: Object.fromEntries(names.map((n, k) => [n, p[k]!])),
  };
}

/**
 * Loads `runs/<campaign>/model/` (model.json, weights.bin, preprocessing.json) from disk,
 * without tfjs-node: the files are read here and handed to TF.js as they are.
 */
export async function loadPredictor(dir: string): Promise<Predictor> {
  const read = async (name: string, what: string) => {
    try {
      return await readFile(path.join(dir, name));
    } catch {
      throw new Error(
        `${path.join(dir, name)} is missing: ${dir} should be a model directory of lgt (runs/<campaign>/model) with ${what}`,
      );
    }
  };
  const manifest = JSON.parse((await read('model.json', 'model.json')).toString('utf8')) as {
    modelTopology: object;
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const encoding = JSON.parse(
    (
      await read('preprocessing.json', 'preprocessing.json (written with every best model)')
    ).toString('utf8'),
  ) as TabularEncoding | ImageEncoding;
  const known =
    (encoding.format === 'lgt-tabular-encoding' || encoding.format === 'lgt-image-encoding') &&
    encoding.version === 1;
  if (!known)
    throw new Error(
      `${path.join(dir, 'preprocessing.json')} is not an lgt encoding of version 1 (lgt-tabular-encoding or lgt-image-encoding)`,
    );
  const buffers = [];
  for (const group of manifest.weightsManifest)
    for (const file of group.paths) buffers.push(await read(file, 'its weights'));
  const weights = Buffer.concat(buffers);
  await selectBackend();
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: manifest.modelTopology,
      weightSpecs: manifest.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      ...(manifest.format ? { format: manifest.format } : {}),
    }),
  );
  return new Predictor(model, encoding);
}
