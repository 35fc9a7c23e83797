/**
 * Which service the contract suite talks to, and what the global setup hands the test files.
 * Safe to import from the global setup (Node) and from test files (vitest workers).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CUSTOM_LABELS_FIXTURES } from '../custom-labels-fixtures';

export type ContractTarget = 'emulator' | 'aws';

/** `CONTRACT_TARGET=aws` runs the suite against real Amazon Rekognition; anything else is refused. */
export function contractTarget(): ContractTarget {
  const value = (process.env.CONTRACT_TARGET ?? 'emulator').trim().toLowerCase();
  if (value === '' || value === 'emulator') return 'emulator';
  if (value === 'aws') return 'aws';
  throw new Error(`CONTRACT_TARGET must be 'emulator' (the default) or 'aws', not '${process.env.CONTRACT_TARGET}'`);
}

/** True when the suite runs against rekognition-local (the default). */
export const isEmulator: boolean = contractTarget() === 'emulator';

/** What the global setup provides to every test file (vitest `provide`/`inject`). */
export interface ContractContext {
  target: ContractTarget;
  /** The emulator's base URL (`http://127.0.0.1:PORT`); absent for AWS, where the SDK resolves it. */
  endpoint?: string;
  /** Bucket holding the fixtures (`s3Image`). */
  bucket: string;
  /** Key prefix of the fixtures inside `bucket`, ending in `/`. */
  prefix: string;
  /** A token unique to this run, used by `uniqueName`. */
  runId: string;
  /** The emulator's `--s3-dir` (objects at `<s3Dir>/<bucket>/<key>`), for tests that place or read objects; absent for AWS. */
  s3Dir?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    contract: ContractContext;
  }
}

/** The bucket folder the emulator's `--s3-dir` gets; any valid bucket name would do. */
export const EMULATOR_BUCKET = 'contract-fixtures';

/**
 * Every fixture the suite uses, as paths under the project's `fixtures/` folder (whose README gives
 * their provenance); the global setup places each one in the target's S3 under the same path.
 */
export const FIXTURES = [
  'images/chelsea.png',
  'video/megamind.mp4',
  'video/stream-faces.mp4', // stream processors (contract-tests/stream-processors.test.ts)
  // image understanding (contract-tests/vision.test.ts)
  'images/astronaut.png',
  'images/coffee.png',
  'images/motorcycle_left.png',
  'images/rocket.jpg',
  'images/hubble_deep_field.jpg',
  'images/kit-harington-gloves.jpg',
  'images/page.png',
  // faces (contract-tests/faces-detect.test.ts; fixtures/faces/ground-truth.json lists them)
  'face-search/alex_lacamoire/1.png',
  'faces/fr/alex_lacamoire/2.jpg',
  'face-search/alex_lacamoire/3.jpg',
  'celebrities/barack_obama/1.jpg',
  'face-search/barack_obama/2.jpg',
  'celebrities/barack_obama/3.jpg',
  'face-search/barack_obama/4.jpg',
  'face-search/joe_biden/1.jpg',
  'celebrities/joe_biden/2.jpg',
  'face-search/kit_harington/1.jpg',
  'face-search/kit_harington/2.jpeg',
  'celebrities/kit_harington/3.jpeg',
  'face-search/lin_manuel_miranda/1.png',
  'face-search/rose_leslie/1.jpg',
  'face-search/rose_leslie/2.jpg',
  'faces/bbt/leonard/leonard1.png',
  'faces/bbt/leonard/leonard2.png',
  'faces/bbt/leonard/leonard3.png',
  'faces/bbt/leonard/leonard4.png',
  'faces/bbt/leonard/leonard5.png',
  'faces/bbt/bernadette/bernadette1.png',
  'faces/bbt/bernadette/bernadette2.png',
  'faces/bbt/bernadette/bernadette3.png',
  'faces/bbt/penny/penny1.png',
  'faces/bbt/penny/penny2.png',
  'faces/bbt/penny/penny3.png',
  'faces/johns/John_Salley/000179_02159509.jpg',
  'faces/johns/John_Salley/000183_02159543.jpg',
  'faces/johns/John_Salley/000186_02159346.jpg',
  'faces/johns/John_Savage/000264_01099001.jpg',
  'faces/johns/John_Savage/000274_01099061.jpg',
  'faces/johns/John_Savage/000277_01099000.jpg',
  'faces/johns/John_Simm/000288_00470387.jpg',
  'faces/johns/John_Simm/000297_00470170.jpg',
  'faces/johns/John_Simm/000300_00470148.jpg',
  // custom labels (contract-tests/custom-labels.test.ts; generated list)
  ...CUSTOM_LABELS_FIXTURES,
] as const;
export type FixtureName = (typeof FIXTURES)[number];

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, 'fixtures');

export function fixtureBytes(name: FixtureName): Buffer {
  return readFileSync(join(fixturesDir, name));
}
