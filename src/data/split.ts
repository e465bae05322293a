import { Rng } from '../random/rng.ts';

export interface SplitOptions {
  /** Fraction of the rows for validation, in [0, 1). */
  validation: number;
  /** Fraction of the rows for the test set, in [0, 1); validation + test < 1. */
  test: number;
  seed: number;
  /** Class index of each row: each class is split in the same proportions. */
  stratify?: ArrayLike<number>;
}

export interface Splits {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/**
 * Splits row indices 0..count-1 into train/validation/test, the same way for the same seed.
 * The validation and test sets get round(count x fraction) rows each; train gets the rest.
 * Stratified, each class contributes its share (floor or ceiling of it, the largest remainders
 * getting the ceiling), so the totals are exact and no row is lost or used twice.
 */
export function splitIndices(count: number, options: SplitOptions): Splits {
  const { validation, test } = options;
  if (
    !(Number.isFinite(validation) && Number.isFinite(test)) ||
    validation < 0 ||
    test < 0 ||
    validation + test >= 1
  ) {
    throw new Error(
      `validation (${validation}) and test (${test}) fractions must be >= 0 and add up to less than 1, to leave rows for training`,
    );
  }
  return splitByCounts(
    count,
    Math.round(count * validation),
    Math.round(count * test),
    options.seed,
    options.stratify,
  );
}

/**
 * Holds `size` rows out of a set (a validation set carved from an official training set, as
 * Fashion-MNIST comes as train and test files only), stratified when classes are given.
 */
export function holdOut(
  count: number,
  size: number,
  seed: number,
  stratify?: ArrayLike<number>,
): { rest: Int32Array; heldOut: Int32Array } {
  if (!Number.isInteger(size) || size < 0 || size >= count) {
    throw new Error(
      `cannot hold out ${size} of ${count} rows: the size must be an integer in [0, ${count})`,
    );
  }
  const { train, validation } = splitByCounts(count, size, 0, seed, stratify);
  return { rest: train, heldOut: validation };
}

function splitByCounts(
  count: number,
  validationCount: number,
  testCount: number,
  seed: number,
  stratify: ArrayLike<number> | undefined,
): Splits {
  if (!Number.isInteger(count) || count < 0) throw new Error(`cannot split ${count} rows`);
  if (stratify && stratify.length !== count) {
    throw new Error(`cannot stratify ${count} rows by ${stratify.length} class labels`);
  }
  const rng = new Rng(seed);
  const groups = classGroups(count, stratify);
  for (const rows of groups) rng.shuffle(rows);
  const sizes = groups.map((rows) => rows.length);
  const testPerClass = apportion(sizes, testCount, sizes);
  const validationPerClass = apportion(
    sizes,
    validationCount,
    sizes.map((size, c) => size - testPerClass[c]!),
  );
  const train: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  groups.forEach((rows, c) => {
    const nTest = testPerClass[c]!;
    const nValidation = validationPerClass[c]!;
    test.push(...rows.slice(0, nTest));
    validation.push(...rows.slice(nTest, nTest + nValidation));
    train.push(...rows.slice(nTest + nValidation));
  });
  // The parts were filled class after class: shuffle so each part mixes the classes.
  return {
    train: rng.shuffle(Int32Array.from(train)),
    validation: rng.shuffle(Int32Array.from(validation)),
    test: rng.shuffle(Int32Array.from(test)),
  };
}

/**
 * Shares `total` among groups in proportion to their sizes (largest-remainder method), never
 * giving a group more than its cap. Each group gets the floor of its share, and the rows still
 * owed go one by one to the groups with the largest fractional parts.
 */
function apportion(sizes: number[], total: number, caps: number[]): number[] {
  const all = sizes.reduce((a, b) => a + b, 0);
  if (total > caps.reduce((a, b) => a + b, 0)) {
    throw new Error(`cannot take ${total} of ${all} rows here`);
  }
  if (all === 0) return sizes.map(() => 0);
  // size * total is an exact integer, so the floor below is exact.
  const shares = sizes.map((size) => (size * total) / all);
  const given = shares.map((share, c) => Math.min(Math.floor(share), caps[c]!));
  let owed = total - given.reduce((a, b) => a + b, 0);
  const order = sizes
    .map((_, c) => c)
    .sort((a, b) => {
      const byRemainder =
        shares[b]! - Math.floor(shares[b]!) - (shares[a]! - Math.floor(shares[a]!));
      return byRemainder !== 0 ? byRemainder : sizes[b]! - sizes[a]! || a - b;
    });
  while (owed > 0) {
    for (const c of order) {
      if (owed === 0) break;
      if (given[c]! < caps[c]!) {
        given[c]!++;
        owed--;
      }
    }
  }
  return given;
}

/** Row indices grouped by class (in class order), or all rows as one group. */
function classGroups(count: number, stratify?: ArrayLike<number>): number[][] {
  if (!stratify) return [Array.from({ length: count }, (_, i) => i)];
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const c = stratify[i]!;
    let rows = byClass.get(c);
    if (!rows) byClass.set(c, (rows = []));
    rows.push(i);
  }
  // Sorted by class, so the order the classes first appear in does not change the split.
  return [...byClass.entries()].sort(([a], [b]) => compareClasses(a, b)).map(([, rows]) => rows);
}

/** Numeric order, with NaN (a missing class) last, so that the sort is consistent. */
function compareClasses(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b;
}
