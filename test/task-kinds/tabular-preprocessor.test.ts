import { describe, expect, it } from 'vitest';
import type { Column } from '../../src/data/table.ts';
import { MISSING_CATEGORY } from '../../src/task-kinds/tabular/tabular-encoding.ts';
import {
  TabularPreprocessor,
  TargetScaler,
} from '../../src/task-kinds/tabular/tabular-preprocessor.ts';

const columns: Column[] = [
  { name: 'a', kind: 'numeric', values: Float64Array.from([1, 2, NaN, 4, 100]) },
  { name: 'colour', kind: 'categorical', values: ['red', 'blue', 'red', null, 'green'] },
];
const train = Int32Array.from([0, 1, 2, 3]);
const rows = (m: Float32Array, width: number) =>
  Array.from({ length: m.length / width }, (_, i) =>
    Array.from(m.subarray(i * width, (i + 1) * width)),
  );

describe('TabularPreprocessor', () => {
  it('imputes with training statistics, scales and one-hot encodes', () => {
    const pre = TabularPreprocessor.fit(columns, train, {
      scaling: 'none',
      imputation: 'median',
      categoricalEncoding: 'onehot',
      logSkewed: false,
    });
    // categories by training frequency: red (2), then blue and (missing) (1 each, alphabetical)
    expect(pre.featureNames).toEqual(['a', 'colour=red', 'colour=(missing)', 'colour=blue']);
    expect(MISSING_CATEGORY).toBe('(missing)');
    const m = rows(pre.transform(Int32Array.from([2, 4])), 4);
    expect(m[0]).toEqual([2, 1, 0, 0]); // median of 1, 2, 4
    expect(m[1]).toEqual([100, 0, 0, 0]); // green was never seen in training: all zeros
  });

  it('fits scaling on the training rows only', () => {
    const pre = TabularPreprocessor.fit(columns.slice(0, 1), train, {
      scaling: 'standard',
      imputation: 'mean',
      categoricalEncoding: 'onehot',
      logSkewed: false,
    });
    const x = Array.from(pre.transform(train));
    const mean = x.reduce((a, b) => a + b) / x.length;
    const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length);
    expect(mean).toBeCloseTo(0, 6);
    expect(sd).toBeCloseTo(1, 6);
    // The held-out row (100) is far outside, which it would not be had it been fitted on.
    expect(pre.transform(Int32Array.from([4]))[0]).toBeGreaterThan(50);
  });

  it('min-max, robust and ordinal encodings', () => {
    const minmax = TabularPreprocessor.fit(columns, train, {
      scaling: 'minmax',
      imputation: 'zero',
      categoricalEncoding: 'ordinal',
      logSkewed: false,
    });
    expect(minmax.featureCount).toBe(2);
    const m = rows(minmax.transform(train), 2);
    expect(m.map((r) => r[0])).toEqual([0.25, 0.5, 0, 1]); // zero-imputed, range 0..4
    expect(m.map((r) => r[1])).toEqual([0, 1, 0, 0.5]); // red 0, (missing) 1, blue 2 -> /2
    const robust = TabularPreprocessor.fit(columns.slice(0, 1), train, {
      scaling: 'robust',
      imputation: 'zero',
      categoricalEncoding: 'onehot',
      logSkewed: false,
    });
    // training values 1 2 0 4: median 1.5, quartiles 0.75 and 2.5
    expect(Array.from(robust.transform(train))).toEqual(
      [1, 2, 0, 4].map((v) => Math.fround((v - 1.5) / 1.75)),
    );
  });

  it('log-transforms skewed non-negative columns when asked', () => {
    const skewed: Column[] = [
      { name: 's', kind: 'numeric', values: Float64Array.from([0, 1, 1, 2, 1000]) },
    ];
    const all = Int32Array.from([0, 1, 2, 3, 4]);
    const pre = TabularPreprocessor.fit(skewed, all, {
      scaling: 'none',
      imputation: 'mean',
      categoricalEncoding: 'onehot',
      logSkewed: true,
    });
    expect(pre.transform(all)[4]).toBeCloseTo(Math.log1p(1000), 4);
  });
});

describe('TargetScaler', () => {
  it('round-trips values through the training units', () => {
    const y = Float64Array.from([100, 200, 300, 400]);
    for (const t of ['none', 'standardize', 'log'] as const) {
      const s = TargetScaler.fit(y, Int32Array.from([0, 1, 2, 3]), t);
      const training = Float32Array.from(y, (v) => s.toTraining(v));
      const back = s.toOriginal(training);
      back.forEach((v, i) => expect(v).toBeCloseTo(y[i]!, 1));
    }
  });

  it('refuses a log transform of a negative target', () => {
    expect(() =>
      TargetScaler.fit(Float64Array.from([-1, 2]), Int32Array.from([0, 1]), 'log'),
    ).toThrow(/non-negative/);
  });
});
