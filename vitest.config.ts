import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'contract-tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Model-backed tests are CPU-heavy on two cores: run files one after another.
    fileParallelism: false,
  },
});
