import type { Column } from '../../data/table.ts';
import {
  encodeNumber,
  MISSING_CATEGORY,
  toTargetUnits,
  type FeatureSpec,
  type TargetSpec,
} from './tabular-encoding.ts';

export type Scaling = 'none' | 'standard' | 'minmax' | 'robust';
export type Imputation = 'mean' | 'median' | 'zero';
export type CategoricalEncoding = 'onehot' | 'ordinal';
export type TargetTransform = 'none' | 'standardize' | 'log';

export interface FeatureOptions {
  scaling: Scaling;
  imputation: Imputation;
  categoricalEncoding: CategoricalEncoding;
  /** log1p on non-negative numeric columns whose training skewness is above 1. */
  logSkewed: boolean;
}

/** How one numeric input (a numeric column, or an ordinal-coded categorical) becomes a feature. */
interface NumericPlan {
  kind: 'numeric';
  name: string;
  /** Set for an ordinal-coded categorical column: the codes, most frequent first. */
  categories?: string[];
  read: (row: number) => number;
  fill: number;
  log: boolean;
  shift: number;
  scale: number;
}

interface OneHotPlan {
  kind: 'onehot';
  name: string;
  values: (string | null)[];
  index: Map<string, number>;
}

type FeaturePlan = NumericPlan | OneHotPlan;

/**
 * Feature engineering of a table: imputation, skew correction, scaling and categorical
 * encoding, fitted on the training rows only and then applied unchanged to validation and test
 * rows (fitting on them would leak their statistics into the model).
 */
export class TabularPreprocessor {
  private constructor(private readonly plans: FeaturePlan[]) {}

  static fit(
    columns: Column[],
    trainRows: Int32Array,
    options: FeatureOptions,
  ): TabularPreprocessor {
    const plans: FeaturePlan[] = [];
    for (const column of columns) {
      if (column.kind === 'numeric') {
        const values = column.values;
        plans.push(fitNumeric(column.name, (r) => values[r]!, trainRows, options));
        continue;
      }
      const categories = categoriesByFrequency(column.values, trainRows);
      const index = new Map(categories.map((c, i) => [c, i]));
      if (options.categoricalEncoding === 'onehot') {
        plans.push({ kind: 'onehot', name: column.name, values: column.values, index });
      } else {
        const values = column.values;
        // Unseen categories at validation/test time get the code after the last known one.
        const read = (r: number) => index.get(values[r] ?? MISSING_CATEGORY) ?? categories.length;
        plans.push({
          ...fitNumeric(column.name, read, trainRows, { ...options, logSkewed: false }),
          categories,
        });
      }
    }
    return new TabularPreprocessor(plans);
  }

  /** What was fitted, as data: enough to encode new rows the same way (see tabular-encoding). */
  toSpec(): FeatureSpec[] {
    return this.plans.map((p): FeatureSpec => {
      if (p.kind === 'onehot')
        return { kind: 'onehot', column: p.name, categories: [...p.index.keys()] };
      const numbers = { fill: p.fill, log: p.log, shift: p.shift, scale: p.scale };
      return p.categories
        ? { kind: 'ordinal', column: p.name, categories: p.categories, ...numbers }
        : { kind: 'numeric', column: p.name, ...numbers };
    });
  }

  get featureCount(): number {
    return this.plans.reduce((n, p) => n + (p.kind === 'onehot' ? p.index.size : 1), 0);
  }

  get featureNames(): string[] {
    return this.plans.flatMap((p) =>
      p.kind === 'onehot' ? [...p.index.keys()].map((c) => `${p.name}=${c}`) : [p.name],
    );
  }

  /** The feature matrix of the given rows, row-major. */
  transform(rows: Int32Array): Float32Array {
    const width = this.featureCount;
    const out = new Float32Array(rows.length * width);
    let offset = 0;
    for (const plan of this.plans) {
      if (plan.kind === 'onehot') {
        for (let i = 0; i < rows.length; i++) {
          const k = plan.index.get(plan.values[rows[i]!] ?? MISSING_CATEGORY);
          if (k !== undefined) out[i * width + offset + k] = 1;
        }
        offset += plan.index.size;
        continue;
      }
      for (let i = 0; i < rows.length; i++) {
        out[i * width + offset] = encodeNumber(plan, plan.read(rows[i]!));
      }
      offset += 1;
    }
    return out;
  }
}

function fitNumeric(
  name: string,
  read: (row: number) => number,
  trainRows: Int32Array,
  options: FeatureOptions,
): NumericPlan {
  const present: number[] = [];
  for (const r of trainRows) {
    const v = read(r);
    if (!Number.isNaN(v)) present.push(v);
  }
  const fill =
    present.length === 0 || options.imputation === 'zero'
      ? 0
      : options.imputation === 'median'
        ? quantile(present, 0.5)
        : mean(present);
  const plan: NumericPlan = { kind: 'numeric', name, read, fill, log: false, shift: 0, scale: 1 };
  let values =
    trainRows.length === 0
      ? []
      : Array.from(trainRows, (r) => {
          const v = read(r);
          return Number.isNaN(v) ? fill : v;
        });
  if (options.logSkewed && values.length > 0 && minOf(values) >= 0 && skewness(values) > 1) {
    plan.log = true;
    values = values.map((v) => Math.log1p(v));
  }
  Object.assign(plan, scalingOf(values, options.scaling));
  return plan;
}

function scalingOf(values: number[], scaling: Scaling): { shift: number; scale: number } {
  if (scaling === 'none' || values.length === 0) return { shift: 0, scale: 1 };
  const nonZero = (s: number) => (s > 1e-12 && Number.isFinite(s) ? s : 1);
  switch (scaling) {
    case 'standard': {
      const m = mean(values);
      return { shift: m, scale: nonZero(Math.sqrt(mean(values.map((v) => (v - m) ** 2)))) };
    }
    case 'minmax': {
      const lo = minOf(values);
      return { shift: lo, scale: nonZero(maxOf(values) - lo) };
    }
    case 'robust':
      return {
        shift: quantile(values, 0.5),
        scale: nonZero(quantile(values, 0.75) - quantile(values, 0.25)),
      };
  }
}

function categoriesByFrequency(values: (string | null)[], rows: Int32Array): string[] {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const v = values[r] ?? MISSING_CATEGORY;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c]) => c);
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length === 0 ? 0 : s / values.length;
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

// Loops, not Math.min(...values): spreading a large column overflows the call stack.
function minOf(values: number[]): number {
  return values.reduce((a, b) => (b < a ? b : a), Infinity);
}

function maxOf(values: number[]): number {
  return values.reduce((a, b) => (b > a ? b : a), -Infinity);
}

function skewness(values: number[]): number {
  const m = mean(values);
  const sd = Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
  if (sd === 0) return 0;
  return mean(values.map((v) => ((v - m) / sd) ** 3));
}

/**
 * The regression target in training units and back. `log` is log1p then standardization, for
 * positive, right-skewed targets such as prices.
 */
export class TargetScaler {
  private constructor(
    private readonly transform: TargetTransform,
    private readonly shift: number,
    private readonly scale: number,
  ) {}

  static fit(
    values: Float64Array,
    trainRows: Int32Array,
    transform: TargetTransform,
  ): TargetScaler {
    if (transform === 'none') return new TargetScaler('none', 0, 1);
    const train = Array.from(trainRows, (r) => values[r]!);
    if (transform === 'log' && minOf(train) < 0) {
      throw new Error('targetTransform "log" needs a non-negative target; use "standardize"');
    }
    const base = transform === 'log' ? train.map((v) => Math.log1p(v)) : train;
    const m = mean(base);
    const sd = Math.sqrt(mean(base.map((v) => (v - m) ** 2)));
    return new TargetScaler(transform, m, sd > 0 ? sd : 1);
  }

  toTraining(value: number): number {
    const v = this.transform === 'log' ? Math.log1p(value) : value;
    return (v - this.shift) / this.scale;
  }

  toSpec(): TargetSpec {
    return { transform: this.transform, shift: this.shift, scale: this.scale };
  }

  toOriginal(values: Float32Array): Float32Array {
    const spec = this.toSpec();
    return values.map((v) => toTargetUnits(spec, v));
  }
}
