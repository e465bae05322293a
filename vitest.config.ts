import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Training tests are real (TF.js on real data), so they need more than the default 5 s.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Workers write reports only under their runs directory: the tests' output directories are
    // temporary ones, so the temporary directory is the tests' runs directory. Workers read data
    // only from their operator's directories: the tests' operator allows the shared data sets.
    env: {
      LGT_RUNS_DIR: os.tmpdir(),
      LGT_DATA_DIR: [
        path.resolve(import.meta.dirname, '../shared/datasets'),
        path.resolve(import.meta.dirname, '../shared/benchmarks'),
      ].join(path.delimiter),
    },
  },
});
