import { z } from 'zod';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  TabularEncodingSchema,
  encodeRows,
  encodedWidth,
  toTargetUnits,
  type RawRow,
  type TabularEncoding,
} from '../task-kinds/tabular/tabular-encoding.ts';
import {
  encodeImages,
  ImageEncodingSchema,
  type ImageEncoding,
} from '../task-kinds/image/image-encoding.ts';
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

/** One trained model with the preprocessing its configuration used, and its share of the average. */
export interface PredictorMember {
  model: tfl.LayersModel;
  encoding: TabularEncoding | ImageEncoding;
  weight: number;
}

/**
 * A saved final model with its preprocessing: raw rows (tabular models) or images (image models)
 * in, labels or values out. The final model may be an ensemble (ensemble.json): each member
 * prepares the rows its own way, and their class probabilities or values are averaged with the
 * members' weights, as the campaign scored the ensemble. Works on any TF.js backend lgt selects
 * (wasm with no native TensorFlow, offline).
 */
export class Predictor {
  private readonly members: readonly PredictorMember[];

  constructor(model: tfl.LayersModel, encoding: TabularEncoding | ImageEncoding);
  constructor(members: readonly PredictorMember[]);
  constructor(
    first: tfl.LayersModel | readonly PredictorMember[],
    encoding?: TabularEncoding | ImageEncoding,
  ) {
    this.members = Array.isArray(first)
      ? first
      : [{ model: first as tfl.LayersModel, encoding: encoding!, weight: 1 }];
    if (this.members.length === 0) throw new Error('a predictor needs at least one model');
  }

  /** The first member's encoding: the kind of input, the classes (the same for every member). */
  get encoding(): TabularEncoding | ImageEncoding {
    return this.members[0]!.encoding;
  }

  /** How many models it averages (1 unless the final model is an ensemble). */
  get size(): number {
    return this.members.length;
  }

  /** The columns a row must have (tabular models; none for an image model): any member's. */
  get columns(): string[] {
    const columns = new Set<string>();
    for (const { encoding } of this.members)
      if (encoding.format === 'lgt-tabular-encoding')
        for (const f of encoding.features) columns.add(f.column);
    return [...columns];
  }

  /** Tabular models: one prediction per row, in order. */
  predict(rows: readonly RawRow[]): Prediction[] {
    const first = this.encoding;
    if (first.format !== 'lgt-tabular-encoding')
      throw new Error(
        `this is an image model (${first.height}x${first.width}x${first.channels}): give it images with predictImages, not rows`,
      );
    const out: Prediction[] = [];
    for (let from = 0; from < rows.length; from += CHUNK) {
      const chunk = rows.slice(from, from + CHUNK);
      const unseen = chunk.map(() => new Set<string>());
      const outputs = this.average((encoding) => {
        const tabular = encoding as TabularEncoding;
        // Row numbers in errors count from the first row given, not from the chunk.
        const features = encodeRows(tabular, chunk, {
          firstRow: from + 1,
          onUnseen: (i, value) => unseen[i]!.add(value),
        });
        const shape = [chunk.length, encodedWidth(tabular)];
        return { features, shape, problem: tabular.problem, targetScaling: tabular.targetScaling };
      });
      chunk.forEach((_, i) => {
        const extra = unseen[i]!.size ? { unseen: [...unseen[i]!] } : {};
        if (first.problem === 'regression') out.push({ value: outputs[i]!, ...extra });
        else out.push({ ...labelOf(outputs, i, first.classNames ?? []), ...extra });
      });
    }
    return out;
  }

  /**
   * Image models: one prediction per image, each image its bytes in height x width x channels
   * order (what preprocessing.json says), as the training images were.
   */
  predictImages(images: readonly Uint8Array[]): Prediction[] {
    const first = this.encoding;
    if (first.format !== 'lgt-image-encoding')
      throw new Error('this is a tabular model: give it rows with predict, not images');
    const out: Prediction[] = [];
    for (let from = 0; from < images.length; from += CHUNK) {
      const chunk = images.slice(from, from + CHUNK);
      const outputs = this.average((encoding) => {
        const image = encoding as ImageEncoding;
        let features: Float32Array;
        try {
          features = encodeImages(image, chunk);
        } catch (error) {
          // Image numbers in errors count from the first image given, not from the chunk.
          throw new Error(
            (error as Error).message.replace(/^image (\d+)/, (_, n) => `image ${from + Number(n)}`),
          );
        }
        const shape = [chunk.length, image.height, image.width, image.channels];
        return { features, shape, problem: 'classification' as const };
      });
      chunk.forEach((_, i) => out.push(labelOf(outputs, i, first.classNames)));
    }
    return out;
  }

  dispose(): void {
    for (const m of this.members) m.model.dispose();
  }

  /**
   * Every member's class probabilities (softmax of its logits) or values in the target's units,
   * averaged with the members' weights.
   */
  private average(
    inputsOf: (encoding: TabularEncoding | ImageEncoding) => {
      features: Float32Array;
      shape: number[];
      problem: 'classification' | 'regression';
      targetScaling?: TabularEncoding['targetScaling'];
    },
  ): Float32Array {
    let sum: Float32Array | null = null;
    for (const member of this.members) {
      const { features, shape, problem, targetScaling } = inputsOf(member.encoding);
      const outputs = forward(member.model, features, shape, problem);
      sum ??= new Float32Array(outputs.length);
      for (let i = 0; i < outputs.length; i++) {
        const v =
          problem === 'regression' ? toTargetUnits(targetScaling, outputs[i]!) : outputs[i]!;
        sum[i]! += member.weight * v;
      }
    }
    return sum!;
  }
}

/** One forward pass; class probabilities (softmax of the logits) or values. */
function forward(
  model: tfl.LayersModel,
  features: Float32Array,
  shape: number[],
  problem: 'classification' | 'regression',
): Float32Array {
  return tf.tidy(() => {
    const y = model.predict(tf.tensor(features, shape)) as tf.Tensor;
    return (problem === 'classification' ? tf.softmax(y) : y).dataSync();
  }) as Float32Array;
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
 * Loads a model directory a campaign wrote (runs/<campaign>/model/) from disk, without
 * tfjs-node: one model (model.json, weights.bin, preprocessing.json), or an ensemble
 * (ensemble.json naming one such directory per member, with its weight).
 */
export async function loadPredictor(dir: string): Promise<Predictor> {
  let manifest: Buffer | null = null;
  try {
    manifest = await readFile(path.join(dir, 'ensemble.json'));
  } catch {
    // No ensemble.json: a single model.
  }
  await selectBackend();
  if (!manifest) return new Predictor([{ ...(await loadMember(dir)), weight: 1 }]);
  const members = ensembleMembersOf(manifest, path.join(dir, 'ensemble.json'));
  const loaded: PredictorMember[] = [];
  try {
    for (const m of members)
      loaded.push({ ...(await loadMember(path.join(dir, m.dir))), weight: m.weight });
  } catch (error) {
    for (const m of loaded) m.model.dispose();
    throw error;
  }
  const first = loaded[0]!.encoding;
  const same = (e: TabularEncoding | ImageEncoding) =>
    e.format === first.format &&
    (e.format === 'lgt-image-encoding' || e.problem === (first as TabularEncoding).problem) &&
    JSON.stringify(e.classNames ?? null) === JSON.stringify(first.classNames ?? null);
  if (!loaded.every((m) => same(m.encoding))) {
    for (const m of loaded) m.model.dispose();
    throw new Error(
      `${path.join(dir, 'ensemble.json')} names models of different kinds or classes: an ensemble's members must predict the same thing`,
    );
  }
  return new Predictor(loaded);
}

const EnsembleManifestSchema = z.object(
  {
    format: z.literal('lgt-ensemble', 'format must be "lgt-ensemble"'),
    version: z.literal(1, 'version must be 1'),
    members: z
      .array(
        z.object({
          dir: z
            .string()
            .regex(
              /^[A-Za-z0-9_-]{1,100}$/,
              "each member's dir must be a directory name beside ensemble.json",
            ),
          weight: z
            .number("each member's weight must be a number in (0, 1]")
            .gt(0, "each member's weight must be a number in (0, 1]")
            .max(1, "each member's weight must be a number in (0, 1]"),
        }),
        'members must list 1 to 200 models',
      )
      .min(1, 'members must list 1 to 200 models')
      .max(200, 'members must list 1 to 200 models'),
  },
  'it is not a JSON object',
);

/** model.json as TF.js writes it (the parts lgt reads). */
const ModelJsonSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  weightsManifest: z.array(
    z.object({
      paths: z.array(
        z
          .string()
          .regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/, 'a weights file beside model.json'),
      ),
      // lgt writes float32 weights and never quantizes them.
      weights: z.array(
        z.object({
          name: z.string(),
          shape: z.array(z.number().int().min(0)),
          dtype: z.enum(['float32', 'int32', 'bool']),
          group: z.string().optional(),
        }),
      ),
    }),
  ),
});

const EncodingSchema = z.discriminatedUnion('format', [TabularEncodingSchema, ImageEncodingSchema]);

/** The file's JSON, or undefined when it is not JSON (the schema then says what it should be). */
function jsonOrUndefined(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** ensemble.json's members, checked: directories one level down, weights summing to 1. */
function ensembleMembersOf(bytes: Buffer, file: string): { dir: string; weight: number }[] {
  const refuse = (why: string): never => {
    throw new Error(`${file} is not an lgt ensemble of version 1: ${why}`);
  };
  const parsed = EnsembleManifestSchema.safeParse(jsonOrUndefined(bytes));
  if (!parsed.success)
    return refuse(parsed.error.issues.map((i) => i.message).join('; ') || 'it is not JSON');
  const checked = parsed.data.members;
  const total = checked.reduce((a, m) => a + m.weight, 0);
  if (Math.abs(total - 1) > 1e-6) refuse(`the weights sum to ${total}, not 1`);
  return checked;
}

/** One model directory: model.json, its weights and preprocessing.json. */
async function loadMember(
  dir: string,
): Promise<{ model: tfl.LayersModel; encoding: TabularEncoding | ImageEncoding }> {
  const read = async (name: string, what: string) => {
    try {
      return await readFile(path.join(dir, name));
    } catch {
      throw new Error(
        `${path.join(dir, name)} is missing: ${dir} should be a model directory of lgt (runs/<campaign>/model) with ${what}`,
      );
    }
  };
  const modelJson = ModelJsonSchema.safeParse(
    jsonOrUndefined(await read('model.json', 'model.json')),
  );
  if (!modelJson.success)
    throw new Error(
      `${path.join(dir, 'model.json')} is not a TF.js model of lgt's: ${modelJson.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`,
    );
  const manifest = modelJson.data;
  const parsed = EncodingSchema.safeParse(
    jsonOrUndefined(
      await read('preprocessing.json', 'preprocessing.json (written with every best model)'),
    ),
  );
  if (!parsed.success)
    throw new Error(
      `${path.join(dir, 'preprocessing.json')} is not an lgt encoding of version 1 (lgt-tabular-encoding or lgt-image-encoding): ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`,
    );
  const encoding = parsed.data;
  const buffers = [];
  for (const group of manifest.weightsManifest)
    for (const file of group.paths) buffers.push(await read(file, 'its weights'));
  const weights = Buffer.concat(buffers);
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: manifest.modelTopology,
      weightSpecs: manifest.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      ...(manifest.format ? { format: manifest.format } : {}),
    }),
  );
  return { model, encoding };
}
