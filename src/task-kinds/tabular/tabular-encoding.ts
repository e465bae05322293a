import { LgtError } from '../../errors/lgt-error.ts';
import { z } from 'zod';
/**
 * How a raw table row becomes a model's input, and its output a label or a value, as data: what
 * a tabular task's preprocessing fitted on the training rows, written beside a saved model
 * (`preprocessing.json`) so that the model can be used on new rows anywhere, with no task, no
 * data set and no lgt campaign. The same arithmetic as TabularPreprocessor.transform.
 */
import { isMissingText } from '../../data/csv-table.ts';

// preprocessing.json is read back by `lgt predict` from wherever a person put it: each spec is
// its schema, and the file is parsed through TabularEncodingSchema.

/** A numeric column: impute, maybe log1p, then shift and scale. */
const NumericFeatureSpecSchema = z.object({
  kind: z.literal('numeric'),
  column: z.string(),
  fill: z.number(),
  log: z.boolean(),
  shift: z.number(),
  scale: z.number(),
});
export type NumericFeatureSpec = z.infer<typeof NumericFeatureSpecSchema>;

/** A categorical column coded as its index among `categories` (unseen: one past the last). */
const OrdinalFeatureSpecSchema = NumericFeatureSpecSchema.extend({
  kind: z.literal('ordinal'),
  categories: z.array(z.string()),
});
export type OrdinalFeatureSpec = z.infer<typeof OrdinalFeatureSpecSchema>;

/** A categorical column as one 0/1 input per category (unseen: all 0). */
const OneHotFeatureSpecSchema = z.object({
  kind: z.literal('onehot'),
  column: z.string(),
  categories: z.array(z.string()),
});
export type OneHotFeatureSpec = z.infer<typeof OneHotFeatureSpecSchema>;

const FeatureSpecSchema = z.discriminatedUnion('kind', [
  NumericFeatureSpecSchema,
  OrdinalFeatureSpecSchema,
  OneHotFeatureSpecSchema,
]);
export type FeatureSpec = z.infer<typeof FeatureSpecSchema>;

const TargetSpecSchema = z.object({
  transform: z.enum(['none', 'standardize', 'log']),
  shift: z.number(),
  scale: z.number(),
});
export type TargetSpec = z.infer<typeof TargetSpecSchema>;

export const TabularEncodingSchema = z.object({
  format: z.literal('lgt-tabular-encoding'),
  version: z.literal(1),
  problem: z.enum(['classification', 'regression']),
  /** The column the model predicts. */
  target: z.string(),
  features: z.array(FeatureSpecSchema),
  /** Classification: the label of each output, in order. */
  classNames: z.array(z.string()).optional(),
  /** Regression: how the model's output goes back to the target's units. */
  targetScaling: TargetSpecSchema.optional(),
});
export type TabularEncoding = z.infer<typeof TabularEncodingSchema>;

/** A raw cell: what a CSV reader or a program hands over. */
export type RawValue = string | number | boolean | null | undefined;
export type RawRow = Record<string, RawValue>;

/** The label shown for a missing categorical value (kept as a category of its own in training). */
export const MISSING_CATEGORY = '(missing)';

/** A row that cannot be encoded: says which row (1-based) and which column, and what to fix. */
export class RowError extends LgtError {
  constructor(
    readonly row: number,
    readonly column: string,
    problem: string,
  ) {
    super('invalid-request', `row ${row}, column "${column}": ${problem}`);
    this.name = 'RowError';
  }
}

function isMissing(value: RawValue): boolean {
  return (
    value === null ||
    value === undefined ||
    (typeof value === 'number' && Number.isNaN(value)) ||
    (typeof value === 'string' && isMissingText(value.trim()))
  );
}

function numberOf(value: RawValue, row: number, column: string): number {
  if (isMissing(value)) return NaN;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (typeof value === 'boolean' || !Number.isFinite(n))
    throw new RowError(row, column, `${JSON.stringify(value)} is not a number`);
  return n;
}

function categoryOf(value: RawValue): string {
  return isMissing(value) ? MISSING_CATEGORY : String(value).trim();
}

/** How many inputs the encoding makes per row. */
export function encodedWidth(encoding: TabularEncoding): number {
  return encoding.features.reduce((n, f) => n + (f.kind === 'onehot' ? f.categories.length : 1), 0);
}

/**
 * The model inputs of `rows`, row-major. A column the encoding needs and a row lacks, or a text
 * where a number belongs, is a RowError; a missing value is imputed as in training (numbers: the
 * training median, mean or 0, as the configuration chose; categories: "(missing)"); a category
 * never seen in training sets no one-hot input (ordinal: the code after the last), and is told
 * to `onUnseen` as "column=value". Rows are numbered from `firstRow` in errors.
 */
export function encodeRows(
  encoding: TabularEncoding,
  rows: readonly RawRow[],
  options: { firstRow?: number; onUnseen?: (index: number, value: string) => void } = {},
): Float32Array {
  const width = encodedWidth(encoding);
  const out = new Float32Array(rows.length * width);
  const firstRow = options.firstRow ?? 1;
  rows.forEach((row, i) => {
    let offset = i * width;
    for (const f of encoding.features) {
      if (!(f.column in row))
        throw new RowError(
          firstRow + i,
          f.column,
          'the column is missing (the model was trained with it)',
        );
      const value = row[f.column];
      if (f.kind === 'onehot') {
        const k = f.categories.indexOf(categoryOf(value));
        if (k >= 0) out[offset + k] = 1;
        else options.onUnseen?.(i, `${f.column}=${categoryOf(value)}`);
        offset += f.categories.length;
        continue;
      }
      let raw: number;
      if (f.kind === 'ordinal') {
        const k = f.categories.indexOf(categoryOf(value));
        if (k < 0) options.onUnseen?.(i, `${f.column}=${categoryOf(value)}`);
        raw = k >= 0 ? k : f.categories.length;
      } else {
        raw = numberOf(value, firstRow + i, f.column);
      }
      out[offset] = encodeNumber(f, raw);
      offset += 1;
    }
  });
  return out;
}

/** One numeric input: impute a missing value, maybe log1p, then shift and scale (training too). */
export function encodeNumber(
  f: Pick<NumericFeatureSpec, 'fill' | 'log' | 'shift' | 'scale'>,
  raw: number,
): number {
  let v = Number.isNaN(raw) ? f.fill : raw;
  if (f.log) v = Math.log1p(Math.max(v, 0));
  return (v - f.shift) / f.scale;
}

/** A regression output back in the target's units (training's TargetScaler too). */
export function toTargetUnits(spec: TargetSpec | undefined, value: number): number {
  if (!spec) return value;
  const u = value * spec.scale + spec.shift;
  return spec.transform === 'log' ? Math.expm1(u) : u;
}
