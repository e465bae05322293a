import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Code the tests load (test fixtures among it) imports 'lgt' as the sources, as the code under
  // test is: package.json's exports give the build (dist/), a second copy of every class.
  resolve: {
    alias: [{ find: /^lgt$/, replacement: path.resolve(import.meta.dirname, 'src/index.ts') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Training tests are real (TF.js on real data), so they need more than the default 5 s.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time: most integration files wait on timers, locks and child processes
    // (hardening used 74 s of CPU in 161 s), so a second one fills the idle core. Measured on
    // the 2-core machine: 977 s with one, 724 s with two, all tests passing both times.
    maxWorkers: 2,
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
