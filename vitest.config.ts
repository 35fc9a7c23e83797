import { configDefaults, defineConfig } from 'vitest/config';
import LongestFirst from './test/support/sequencer';

/**
 * Test files that run real models, ffmpeg-heavy video jobs or their own emulator process. Test
 * files run without isolation, so the model-backed files one test process runs share its warmed
 * models client (test/support/models.ts). Everything else is `unit`. Listed by cost, longest
 * first: test/support/sequencer.ts starts them in this order when vitest has no durations from a
 * previous run.
 */
const modelBacked = [
  'test/video/analyzers.test.ts',
  'test/video/jobs.test.ts',
  'test/faces/face-groups.test.ts',
  'test/streams/processing.test.ts',
  'test/vision/detector-plugins.test.ts',
  'test/faces/real-photos.test.ts',
  'test/vision/models.test.ts',
  'test/liveness/liveness.test.ts',
  'test/browser/detect-faces.test.ts',
  'test/browser/console.test.ts',
  'test/video/restart.test.ts',
  'test/media-analysis/jobs.test.ts',
  'test/text/detect-text.test.ts',
  'test/store/crash.test.ts',
  'test/vision/coco-ground-truth.test.ts',
  'test/vision/plugins.test.ts',
  'test/server/startup-errors.test.ts',
  'test/models/pool.test.ts',
];
/** Pairwise accuracy evaluations over many photos: `npm run accuracy`, not `npm test`. */
const accuracy = ['**/*.accuracy.test.ts'];
const controlPlane = 'contract-tests/emulator-only/control-plane.test.ts';
const againstAws = process.env.CONTRACT_TARGET?.trim().toLowerCase() === 'aws';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The test processes mostly wait on model workers and the contract suite's emulator, so three
    // share the two cores: one takes the model-backed files in turn, the others the rest.
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    // No module keeps state, so test files need no isolation from each other: each process loads
    // the modules once, and the model-backed files of a process share its models client.
    isolate: false,
    // Each project keeps its own include (root-level include would be merged into every project).
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...modelBacked, ...accuracy] } },
      { extends: true, test: { name: 'models', include: modelBacked } },
      {
        extends: true,
        test: {
          name: 'contract',
          include: ['contract-tests/**/*.test.ts'],
          // Against real AWS the emulator-only tests are left out (each also skips itself).
          exclude: [...configDefaults.exclude, controlPlane, ...accuracy, ...(againstAws ? ['contract-tests/emulator-only/**'] : [])],
          globalSetup: ['contract-tests/support/global-setup.ts'],
        },
      },
      // Reset and id seeding act on the whole emulator: this file gets an emulator of its own (its
      // models load on first use), so the contract files running beside it are not disturbed.
      {
        extends: true,
        test: { name: 'control-plane', include: againstAws ? [] : [controlPlane], env: { REKOGNITION_LOCAL_LAZY_MODELS: '1' }, globalSetup: ['contract-tests/support/global-setup.ts'] },
      },
      { extends: true, test: { name: 'accuracy', include: accuracy, globalSetup: ['contract-tests/support/global-setup.ts'] } },
    ],
  },
});
