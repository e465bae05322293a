import { z } from 'zod';
import { EpochRecordSchema } from './epoch-record.ts';
import type { RngState } from '../random/rng.ts';
import { OptimizerNameSchema, type OptimizerName } from '../task-kinds/training-plan.ts';
import type { EpochRecord } from './trainer.ts';

/** One tensor's values, outside TF.js (a checkpoint must outlive the tensors it was read from). */
export interface TensorData {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/**
 * Everything a training run's future depends on, after `epoch` epochs: the weights (trainable or
 * not), the optimizer's slots and step, the order of the training rows, every random generator
 * (shuffling, augmentation, each dropout layer's masks) and where early stopping stands. A run
 * restored from it and trained on is the run that was never stopped, weight for weight.
 */
export interface TrainingCheckpoint {
  epoch: number;
  weights: TensorData[];
  optimizer: { name: OptimizerName; slots: TensorData[] };
  rows: Int32Array;
  generators: { shuffle: RngState; augment: RngState; dropout: RngState[] };
  earlyStopping: {
    bestLoss: number;
    bestEpoch: number;
    sinceBest: number;
    bestWeights: TensorData[] | null;
  };
  curve: EpochRecord[];
}

const MAGIC = 'LGTCKPT1';

const TensorRefSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  dtype: z.enum(['float32', 'int32']),
  offset: z.number().int().min(0),
  length: z.number().int().min(0),
});
type TensorRef = z.infer<typeof TensorRefSchema>;
const RngStateSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);

/**
 * Tensors are stored as raw little-endian bytes after a JSON header that says where each is. A
 * checkpoint is a file in the artifact store: data, read back through this schema.
 */
const HeaderSchema = z.object({
  checkpoint: z.object({
    epoch: z.number().int().min(0),
    optimizer: z.object({ name: OptimizerNameSchema, slots: z.array(TensorRefSchema) }),
    weights: z.array(TensorRefSchema),
    rows: TensorRefSchema,
    generators: z.object({
      shuffle: RngStateSchema,
      augment: RngStateSchema,
      dropout: z.array(RngStateSchema),
    }),
    earlyStopping: z.object({
      bestLoss: z.number().nullable(),
      bestEpoch: z.number(),
      sinceBest: z.number(),
      bestWeights: z.array(TensorRefSchema).nullable(),
    }),
    curve: z.array(EpochRecordSchema),
  }),
});
type Header = z.infer<typeof HeaderSchema>;

/** A checkpoint as one buffer: the magic, the header's length, the header, the tensors' bytes. */
export function encodeCheckpoint(c: TrainingCheckpoint): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  const ref = (t: TensorData): TensorRef => {
    const bytes = Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength);
    chunks.push(bytes);
    const r = { name: t.name, shape: t.shape, dtype: t.dtype, offset, length: t.values.length };
    offset += bytes.length;
    return r;
  };
  const header: Header = {
    checkpoint: {
      epoch: c.epoch,
      weights: c.weights.map(ref),
      optimizer: { name: c.optimizer.name, slots: c.optimizer.slots.map(ref) },
      rows: ref({ name: 'rows', shape: [c.rows.length], dtype: 'int32', values: c.rows }),
      generators: c.generators,
      earlyStopping: {
        ...c.earlyStopping,
        // JSON has no Infinity: before any epoch the best loss is Infinity, stored as null.
        bestLoss: Number.isFinite(c.earlyStopping.bestLoss) ? c.earlyStopping.bestLoss : null,
        bestWeights: c.earlyStopping.bestWeights?.map(ref) ?? null,
      },
      curve: c.curve,
    },
  };
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return Buffer.concat([Buffer.from(MAGIC), length, json, ...chunks]);
}

export function decodeCheckpoint(buffer: Buffer): TrainingCheckpoint {
  if (buffer.subarray(0, MAGIC.length).toString() !== MAGIC)
    throw new Error('not an lgt training checkpoint (wrong magic bytes)');
  const length = buffer.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  let h: Header['checkpoint'];
  try {
    ({ checkpoint: h } = HeaderSchema.parse(
      JSON.parse(buffer.subarray(start, start + length).toString()),
    ));
  } catch (error) {
    throw new Error(`not an lgt training checkpoint (its header does not read): ${String(error)}`);
  }
  const body = start + length;
  const tensor = (r: TensorRef): TensorData => {
    const bytes = r.length * 4;
    // Copied into an aligned buffer of its own: typed arrays need 4-byte alignment.
    const own = new ArrayBuffer(bytes);
    new Uint8Array(own).set(buffer.subarray(body + r.offset, body + r.offset + bytes));
    return {
      name: r.name,
      shape: r.shape,
      dtype: r.dtype,
      values: r.dtype === 'int32' ? new Int32Array(own) : new Float32Array(own),
    };
  };
  return {
    epoch: h.epoch,
    weights: h.weights.map(tensor),
    optimizer: { name: h.optimizer.name, slots: h.optimizer.slots.map(tensor) },
    rows: tensor(h.rows).values as Int32Array,
    generators: h.generators,
    earlyStopping: {
      ...h.earlyStopping,
      bestLoss: h.earlyStopping.bestLoss ?? Infinity,
      bestWeights: h.earlyStopping.bestWeights?.map(tensor) ?? null,
    },
    curve: h.curve,
  };
}
