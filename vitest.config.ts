import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Training tests are real (TF.js on real data), so they need more than the default 5 s.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
