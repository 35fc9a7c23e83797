/** Calling the Custom Labels handlers as the protocol does, with an S3 folder holding the fixtures. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { operations, type OperationName } from '../../src/api/generated/model';
import { RekognitionError } from '../../src/api/errors';
import { serializeOutput } from '../../src/api/serialize';
import { validateInput } from '../../src/api/validate';
import { defaultConfig } from '../../src/runtime/config';
import type { RequestContext } from '../../src/operations/context';
import { handlerFor } from '../../src/operations/registry';
import { storesFor } from '../support/stores';
import { IdGenerator } from '../../src/runtime/ids';
import { systemClock } from '../../src/runtime/clock';
import { Logger } from '../../src/runtime/logger';
import { SdkClients } from '../../src/runtime/sdk-clients';
import type { ModelsClient } from '../../models/client';
import type { FitPayload } from '../../models/tasks/custom-labels';
import { trainLinear } from '../../src/analysis/custom-labels-train';
import '../../src/operations/tags';
import '../../src/operations/custom-labels';

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

export function makeContext(options: { s3Dir?: string; dataDir?: string; inference?: ModelsClient; account?: string } = {}): RequestContext {
  return {
    config: { ...defaultConfig, s3Dir: options.s3Dir, dataDir: options.dataDir },
    ...storesFor(options.dataDir),
    ids: new IdGenerator(), clock: systemClock, log: new Logger('warn'), clients: new SdkClients(),
    startedAt: new Date(),
    inference: options.inference ?? (undefined as unknown as ModelsClient),
    account: options.account ?? '123456789012',
    region: 'us-east-1',
    requestId: 'test',
    operation: '',
  };
}

// The tests read arbitrary paths of the wire JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Wire = Record<string, any>;

/** Runs one operation: validated input, handler, wire JSON parsed back. */
export async function call(ctx: RequestContext, operation: OperationName, input: Record<string, unknown>): Promise<Wire> {
  const model = operations[operation];
  const validated = validateInput(JSON.parse(JSON.stringify(input)), model.input!);
  const info = handlerFor(operation);
  if (!info) throw new Error(`no handler for ${operation}`);
  const output = await info.handler(validated as never, { ...ctx, operation });
  return JSON.parse(serializeOutput(output, model.output)) as Wire;
}

/** The Rekognition error a call fails with (or a failure if it succeeds). */
export async function callError(ctx: RequestContext, operation: OperationName, input: Record<string, unknown>): Promise<RekognitionError> {
  try {
    await call(ctx, operation, input);
  } catch (err) {
    if (err instanceof RekognitionError) return err;
    throw err;
  }
  throw new Error(`${operation} succeeded but an error was expected`);
}

/** Polls until `done` holds for what `read` returns. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 120_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const manifestObject = (name: string) => ({ S3Object: { Bucket: FIXTURE_BUCKET, Name: `custom-labels/${name}` } });

export async function describeVersion(ctx: RequestContext, projectArn: string, version: string): Promise<Wire> {
  const out = await call(ctx, 'DescribeProjectVersions', { ProjectArn: projectArn, VersionNames: [version] });
  return out.ProjectVersionDescriptions[0];
}

export async function describeDataset(ctx: RequestContext, datasetArn: string): Promise<Wire> {
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
  };
  return fake as unknown as ModelsClient & { embedded: number };
}
