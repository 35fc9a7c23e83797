import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Model-backed tests are CPU-heavy on two cores: run files one after another.
    fileParallelism: false,
    // The two include globs, one per project, so that only a run with contract tests in it starts
    // the emulator (or, with CONTRACT_TARGET=aws, uploads the fixtures). Both projects inherit the
    // settings above (`extends: true`); keep `include` out of the root, where it would be merged
    // into both.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'contract',
          include: ['contract-tests/**/*.test.ts'],
          // Against real AWS the emulator-only tests are left out (each also skips itself).
          exclude: [...configDefaults.exclude, ...(process.env.CONTRACT_TARGET?.trim().toLowerCase() === 'aws' ? ['contract-tests/emulator-only/**'] : [])],
          globalSetup: ['contract-tests/support/global-setup.ts'],
        },
      },
    ],
  },
});
