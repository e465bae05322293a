import { z } from 'zod';
/**
 * A trial's predictions on the rows it was judged on: its validation rows, or with
 * cross-validation every fold's held-out rows one fold after another (out-of-fold predictions).
 * Trials on the same fold assignment predict the same rows in the same order, so their
 * predictions can be averaged row by row: what ensemble selection does (ensemble-selection.ts).
 */
export interface TrialPredictions {
  /** Values per row: the number of classes (probabilities), or 1 (a value in the target's units). */
  width: number;
  /** Rows of each fold, in order; one entry without cross-validation. */
  foldSizes: number[];
  /** rows x width, fold after fold. */
  outputs: Float32Array;
  /** Per row: the class index, or the value in the target's units. */
  targets: Float32Array;
}

/** Largest predictions kept per trial (values): an image set's 10,000 rows of 10 classes fit. */
export const MAX_PREDICTION_VALUES = 250_000;

/** The folds' predictions as one, fold after fold. */
export function concatFolds(parts: readonly TrialPredictions[]): TrialPredictions {
  const width = parts[0]!.width;
  const outputs = new Float32Array(parts.reduce((n, p) => n + p.outputs.length, 0));
  const targets = new Float32Array(parts.reduce((n, p) => n + p.targets.length, 0));
  let o = 0;
  let t = 0;
  for (const p of parts) {
    if (p.width !== width) throw new Error('internal error: folds predicted different widths');
    outputs.set(p.outputs, o);
    targets.set(p.targets, t);
    o += p.outputs.length;
    t += p.targets.length;
  }
  return { width, foldSizes: parts.flatMap((p) => p.foldSizes), outputs, targets };
}

/** The rows of fold `k` (its outputs and targets). */
export function foldOf(p: TrialPredictions, k: number): TrialPredictions {
  const start = p.foldSizes.slice(0, k).reduce((a, b) => a + b, 0);
  const size = p.foldSizes[k]!;
  return {
    width: p.width,
    foldSizes: [size],
    outputs: p.outputs.subarray(start * p.width, (start + size) * p.width),
    targets: p.targets.subarray(start, start + size),
  };
}

/**
 * Bytes as Redis keeps them: a 4-byte length, a JSON header (width, fold sizes), then the
 * outputs and the targets as little-endian float32.
 */
export function encodePredictions(p: TrialPredictions): Buffer {
  const header = Buffer.from(JSON.stringify({ v: 1, width: p.width, foldSizes: p.foldSizes }));
  const out = Buffer.alloc(4 + header.length + 4 * (p.outputs.length + p.targets.length));
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  let at = 4 + header.length;
  for (const v of p.outputs) at = out.writeFloatLE(v, at);
  for (const v of p.targets) at = out.writeFloatLE(v, at);
  return out;
}

const HeaderSchema = z.object({
  v: z.literal(1, 'unknown version'),
  width: z.number('bad width').int('bad width').min(1, 'bad width').max(10_000, 'bad width'),
  foldSizes: z
    .array(
      z.number('bad fold sizes').int('bad fold sizes').min(0, 'bad fold sizes'),
      'bad fold sizes',
    )
    .min(1, 'bad fold sizes'),
});

/**
 * Reads what encodePredictions wrote. The bytes come from Redis: anything that does not add up
 * (header, sizes, lengths) is refused with what is wrong, never half read.
 */
export function decodePredictions(bytes: Buffer, what: string): TrialPredictions {
  const refuse = (why: string): never => {
    throw new Error(`${what} are not lgt predictions: ${why}`);
  };
  if (bytes.length < 4) refuse('too short');
  const headerLength = bytes.readUInt32LE(0);
  if (headerLength > 100_000 || 4 + headerLength > bytes.length) refuse('bad header length');
  let json: unknown;
  try {
    json = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8'));
  } catch {
    return refuse('the header is not JSON');
  }
  const header = HeaderSchema.safeParse(json);
  if (!header.success) return refuse(header.error.issues[0]!.message);
  const { width: w, foldSizes } = header.data;
  const rows = foldSizes.reduce((a, b) => a + b, 0);
  if (bytes.length !== 4 + headerLength + 4 * rows * (w + 1)) refuse('its length does not match');
  const values = new Float32Array(rows * (w + 1));
  let at = 4 + headerLength;
  for (let i = 0; i < values.length; i++, at += 4) values[i] = bytes.readFloatLE(at);
  return {
    width: w,
    foldSizes,
    outputs: values.subarray(0, rows * w),
    targets: values.subarray(rows * w),
  };
}
