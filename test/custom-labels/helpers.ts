/** Calling the Custom Labels operations through an emulator, with an S3 folder holding the fixtures. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ModelsClient } from '../../models/client';
import type { FitPayload } from '../../models/tasks/custom-labels';
import { trainLinear } from '../../src/analysis/custom-labels-train';
import { ApiError, testEmulator, type TestEmulator } from '../support/emulator';

export const fixturesDir = join(import.meta.dirname, '..', '..', 'fixtures');
/** The bucket the committed manifests name (`s3://fixtures/<path under fixtures/>`). */
export const FIXTURE_BUCKET = 'fixtures';

export const tempDir = (prefix = 'custom-labels-') => mkdtempSync(join(tmpdir(), prefix));

/** The source-refs of a committed manifest, as paths under fixtures/. */
export function manifestPaths(name: string): string[] {
  return readFileSync(join(fixturesDir, 'custom-labels', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { 'source-ref': string })['source-ref'].replace(`s3://${FIXTURE_BUCKET}/`, ''));
}

/** A fresh --s3-dir with the fixture manifests and every image they name, plus empty buckets `out` and `data`. */
export function s3DirWithFixtures(): string {
  const dir = tempDir('custom-labels-s3-');
  const paths = new Set(['custom-labels/train.manifest', 'custom-labels/test.manifest', 'custom-labels/holdout.manifest']);
  for (const m of ['train.manifest', 'test.manifest', 'holdout.manifest']) for (const p of manifestPaths(m)) paths.add(p);
  for (const p of paths) {
    const target = join(dir, FIXTURE_BUCKET, p);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(fixturesDir, p), target);
  }
  mkdirSync(join(dir, 'out'));
  mkdirSync(join(dir, 'data'));
  return dir;
}

/** Who calls: an emulator, and the caller's account and region. */
export interface Client {
  t: TestEmulator;
  account: string;
  region: string;
}

/** An emulator over `s3Dir` (and `dataDir` when given) with `inference` as its models, and a caller. */
export function makeClient(options: { s3Dir?: string; dataDir?: string; inference?: ModelsClient; account?: string } = {}): Client {
  const t = testEmulator({ s3Dir: options.s3Dir, dataDir: options.dataDir, logLevel: 'warn' }, options.inference ? { inference: options.inference } : {});
  return { t, account: options.account ?? '123456789012', region: 'us-east-1' };
}

/** The pool as an emulator's models that stopping the emulator does not close (the test closes it). */
export function shared(pool: ModelsClient): ModelsClient {
  const view = { size: pool.size, run: pool.run.bind(pool), broadcast: pool.broadcast.bind(pool), background: () => view, close: async () => undefined };
  return view as unknown as ModelsClient;
}

/** A new emulator on the same folders, started as the server starts it (unfinished work resumes). */
export async function restarted(client: Client, options: { s3Dir?: string; dataDir?: string; inference?: ModelsClient }): Promise<Client> {
  await client.t.close();
  const next = makeClient({ ...options, account: client.account });
  await next.t.emulator.start();
  return next;
}

// The tests read arbitrary paths of the wire JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Wire = Record<string, any>;

/** Runs one operation through dispatch: validated input, handler, wire JSON parsed back. */
export async function call(ctx: Client, operation: string, input: Record<string, unknown>): Promise<Wire> {
  return ctx.t.call(operation, JSON.parse(JSON.stringify(input)) as Record<string, unknown>, { account: ctx.account, region: ctx.region });
}

/** The API error a call fails with (or a failure if it succeeds). */
export async function callError(ctx: Client, operation: string, input: Record<string, unknown>): Promise<ApiError> {
  try {
    await call(ctx, operation, input);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error(`${operation} succeeded but an error was expected`);
}

/** Once the background jobs (imports, trainings, starts) are done: what `read` returns, which must satisfy `done`. */
export async function waitFor<T>(ctx: Client, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  await ctx.t.emulator.idle();
  const value = await read();
  if (!done(value)) throw new Error(`not done once the background jobs ended; value: ${JSON.stringify(value).slice(0, 500)}`);
  return value;
}

export const manifestObject = (name: string) => ({ S3Object: { Bucket: FIXTURE_BUCKET, Name: `custom-labels/${name}` } });

export async function describeVersion(ctx: Client, projectArn: string, version: string): Promise<Wire> {
  const out = await call(ctx, 'DescribeProjectVersions', { ProjectArn: projectArn, VersionNames: [version] });
  return out.ProjectVersionDescriptions[0];
}

export async function describeDataset(ctx: Client, datasetArn: string): Promise<Wire> {
  return (await call(ctx, 'DescribeDataset', { DatasetArn: datasetArn })).DatasetDescription;
}

/**
 * A stand-in for the worker pool that runs the Custom Labels tasks without the CNN: the "embedding"
 * is a 4x4 grid of mean colours plus a 16-bin grey histogram of the 224x224 pixels (image-dependent,
 * cheap, and weak), and the fit runs the real optimiser. For tests of the operations, not of quality.
 */
export function fakeInference(): ModelsClient & { embedded: number } {
  const fake = {
    size: 2,
    embedded: 0,
    async run(task: string, payload: unknown): Promise<unknown> {
      if (task === 'customLabels.embed') {
        const { images } = payload as { images: Uint8Array[] };
        const count = images.length;
        fake.embedded += count;
        const side = 224;
        const dim = 4 * 4 * 3 + 16;
        const features = new Float32Array(count * dim);
        for (let n = 0; n < count; n++) {
          const data = images[n];
          const f = features.subarray(n * dim, (n + 1) * dim);
          for (let y = 0; y < side; y++)
            for (let x = 0; x < side; x++) {
              const i = (y * side + x) * 3;
              const cell = (Math.floor(y / 56) * 4 + Math.floor(x / 56)) * 3;
              for (let c = 0; c < 3; c++) f[cell + c] += data[i + c] / (56 * 56 * 255);
              f[48 + Math.min(15, Math.floor((data[i] + data[i + 1] + data[i + 2]) / 48))] += 1 / (side * side);
            }
        }
        return { features, dim, featureVersion: 'fake-grid-colour' };
      }
      if (task === 'customLabels.fit') {
        const p = payload as FitPayload;
        return trainLinear({ X: p.X, n: p.n, dim: p.dim, targets: p.targets, labels: p.labels }, undefined, p.featureVersion);
      }
      return true;
    },
    async broadcast(): Promise<void> {},
    async close(): Promise<void> {},
    /** Background work runs on the same stand-in. */
    background: () => fake,
  };
  return fake as unknown as ModelsClient & { embedded: number };
}
