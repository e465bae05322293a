import { existsSync } from 'node:fs';
import path from 'node:path';

/** The shared real data sets (never committed to this repository). */
export const SHARED_DATASETS = path.resolve(import.meta.dirname, '../../../shared/datasets');
/** The shared benchmark files (YAHPO Gym's surrogates under yahpo/), never committed either. */
export const SHARED_BENCHMARKS = path.resolve(import.meta.dirname, '../../../shared/benchmarks');
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** Fails with a message that says how to get a missing data file, instead of skipping. */
export function requireFile(file: string, howToGet: string): string {
  if (!existsSync(file)) throw new Error(`test data ${file} is missing: ${howToGet}`);
  return file;
}

export function sharedDataset(name: string): string {
  return requireFile(
    path.join(SHARED_DATASETS, name),
    `the shared data sets live in ${SHARED_DATASETS}`,
  );
}

export const loadOptions = { splitSeed: 0, dataDirs: [SHARED_DATASETS] };
