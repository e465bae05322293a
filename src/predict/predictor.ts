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
 * A saved best model with its preprocessing: raw rows in, labels or values out. Works on any
 * TF.js backend lgt selects (wasm with no native TensorFlow, offline).
 */
export class Predictor {
  constructor(
    private readonly model: tfl.LayersModel,
    readonly encoding: TabularEncoding,
  ) {}

  /** The columns a row must have. */
  get columns(): string[] {
    return this.encoding.features.map((f) => f.column);
  }

  predict(rows: readonly RawRow[]): Prediction[] {
    const out: Prediction[] = [];
    const width = encodedWidth(this.encoding);
    for (let from = 0; from < rows.length; from += CHUNK) {
      const chunk = rows.slice(from, from + CHUNK);
      const unseen = chunk.map(() => new Set<string>());
      // Row numbers in errors count from the first row given, not from the chunk.
      const features = encodeRows(this.encoding, chunk, {
        firstRow: from + 1,
        onUnseen: (i, value) => unseen[i]!.add(value),
      });
      const outputs = tf.tidy(() => {
        const x = tf.tensor2d(features, [chunk.length, width]);
        const y = this.model.predict(x) as tf.Tensor;
        return (this.encoding.problem === 'classification' ? tf.softmax(y) : y).dataSync();
      }) as Float32Array;
      chunk.forEach((_, i) => {
        const extra = unseen[i]!.size ? { unseen: [...unseen[i]!] } : {};
        if (this.encoding.problem === 'regression') {
          out.push({ value: toTargetUnits(this.encoding.targetScaling, outputs[i]!), ...extra });
          return;
        }
        const names = this.encoding.classNames ?? [];
        const p = outputs.subarray(i * names.length, (i + 1) * names.length);
        let best = 0;
        for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
        out.push({
          label: names[best]!,
          probabilities: Object.fromEntries(names.map((n, k) => [n, p[k]!])),
          ...extra,
        });
      });
    }
    return out;
  }

  dispose(): void {
    this.model.dispose();
  }
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
      await read(
        'preprocessing.json',
        'preprocessing.json (written by lgt for tabular tasks; image models have none yet)',
      )
    ).toString('utf8'),
  ) as TabularEncoding;
  if (encoding.format !== 'lgt-tabular-encoding' || encoding.version !== 1)
    throw new Error(
      `${path.join(dir, 'preprocessing.json')} is not an lgt tabular encoding of version 1`,
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
