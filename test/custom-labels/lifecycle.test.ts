/**
 * The whole Custom Labels path in-process: datasets from the fixture manifests, training, the
 * evaluation files, start, DetectCustomLabels on held-out images that were in neither dataset, a
 * restart under --data-dir, stop. Embeddings come from helpers.ts's stand-in (colour grid and
 * brightness), so this checks the flow and its files; the accuracy of the real embedding model
 * is asserted by contract-tests/custom-labels.test.ts, which trains on the same manifests.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callError, describeDataset, describeVersion, fakeInference, FIXTURE_BUCKET, makeClient, manifestObject, manifestPaths, restarted, s3DirWithFixtures, tempDir, waitFor, type Client } from './helpers';

let inference: ReturnType<typeof fakeInference>;
let ctx: Client;
let s3Dir: string;
let dataDir: string;
let projectArn: string;
let versionArn: string;
const timings: Record<string, number> = {};

/** The held-out images and their labels (holdout.manifest: in neither the train nor the test dataset). */
const holdout = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'custom-labels', 'holdout.manifest'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => {
    const j = JSON.parse(l) as { 'source-ref': string; 'shape-class-metadata': { 'class-name': string } };
    return { key: j['source-ref'].replace(`s3://${FIXTURE_BUCKET}/`, ''), label: j['shape-class-metadata']['class-name'] };
  });

beforeAll(() => {
  inference = fakeInference();
  s3Dir = s3DirWithFixtures();
  dataDir = tempDir('custom-labels-data-');
  ctx = makeClient({ s3Dir, dataDir, inference });
});

afterAll(async () => {
  await ctx.t.close();
  rmSync(s3Dir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(`custom labels timings (ms): ${JSON.stringify(timings)}\n`);
});

describe('Custom Labels', () => {
  it('holds out images that are in neither dataset', () => {
    const used = new Set([...manifestPaths('train.manifest'), ...manifestPaths('test.manifest')]);
    expect(holdout.length).toBeGreaterThanOrEqual(30);
    for (const h of holdout) expect(used.has(h.key)).toBe(false);
  });

  it('creates the project and its datasets from the manifests', async () => {
    projectArn = (await call(ctx, 'CreateProject', { ProjectName: 'shapes' })).ProjectArn;
    const train = (await call(ctx, 'CreateDataset', { ProjectArn: projectArn, DatasetType: 'TRAIN', DatasetSource: { GroundTruthManifest: manifestObject('train.manifest') } })).DatasetArn;
    const test = (await call(ctx, 'CreateDataset', { ProjectArn: projectArn, DatasetType: 'TEST', DatasetSource: { GroundTruthManifest: manifestObject('test.manifest') } })).DatasetArn;
    for (const arn of [train, test]) await waitFor(ctx, () => describeDataset(ctx, arn), (d) => d.Status !== 'CREATE_IN_PROGRESS');
    expect((await describeDataset(ctx, train)).DatasetStats).toEqual({ LabeledEntries: 68, TotalEntries: 68, TotalLabels: 4, ErrorEntries: 0 });
    expect((await describeDataset(ctx, test)).DatasetStats).toEqual({ LabeledEntries: 24, TotalEntries: 24, TotalLabels: 4, ErrorEntries: 0 });
  });

  it('trains a model, reports its test F1 and writes the summary file', async () => {
    const started = Date.now();
    versionArn = (await call(ctx, 'CreateProjectVersion', { ProjectArn: projectArn, VersionName: 'v1', OutputConfig: { S3Bucket: 'out', S3KeyPrefix: 'shapes/' } })).ProjectVersionArn;
    expect((await describeVersion(ctx, projectArn, 'v1')).Status).toBe('TRAINING_IN_PROGRESS');
    const done = await waitFor(ctx, () => describeVersion(ctx, projectArn, 'v1'), (v) => v.Status !== 'TRAINING_IN_PROGRESS');
    timings.train = Date.now() - started;
    expect(done.StatusMessage).toBe('The model is ready to run.');
    expect(done.Status).toBe('TRAINING_COMPLETED');
    expect(done.BillableTrainingTimeInSeconds).toBeGreaterThanOrEqual(1);
    expect(done.EvaluationResult.F1Score).toBeGreaterThan(0);
    expect(done.EvaluationResult.F1Score).toBeLessThanOrEqual(1);
    expect(done.EvaluationResult.Summary.S3Object).toEqual({ Bucket: 'out', Name: 'shapes/EvaluationResultSummary-shapes-v1.json' });
    const summary = JSON.parse(readFileSync(join(s3Dir, 'out', 'shapes', 'EvaluationResultSummary-shapes-v1.json'), 'utf8'));
    expect(summary.EvaluationDetails).toMatchObject({ NumberOfTrainingImages: 68, NumberOfTestingImages: 24, ProjectVersionArn: versionArn });
    expect(summary.LabelEvaluationResults.map((l: { Label: string }) => l.Label).sort()).toEqual(['circle', 'portrait', 'square', 'stripes']);
    expect(summary.AggregatedEvaluationResults.F1Score).toBeCloseTo(done.EvaluationResult.F1Score, 6);
    expect(done.ManifestSummary.S3Object.Name).toBe('shapes/shapes-v1/manifest_summary.json');
    expect(existsSync(join(s3Dir, 'out', 'shapes', 'shapes-v1', 'training_manifest_with_validation.json'))).toBe(true);
  });

  it('refuses DetectCustomLabels before the model runs', async () => {
    const err = await callError(ctx, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: { S3Object: { Bucket: FIXTURE_BUCKET, Name: holdout[0].key } } });
    expect(err.type).toBe('ResourceNotReadyException');
  });

  it('starts, then scores every label on held-out images, highest first, summing to 100', async () => {
    const started = Date.now();
    expect((await call(ctx, 'StartProjectVersion', { ProjectVersionArn: versionArn, MinInferenceUnits: 1 })).Status).toBe('STARTING');
    const running = await waitFor(ctx, () => describeVersion(ctx, projectArn, 'v1'), (v) => v.Status !== 'STARTING');
    timings.start = Date.now() - started;
    expect(running.Status).toBe('RUNNING');
    expect(running.MinInferenceUnits).toBe(1);

    const detectStarted = Date.now();
    for (const h of holdout) {
      const out = await call(ctx, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: { S3Object: { Bucket: FIXTURE_BUCKET, Name: h.key } }, MinConfidence: 0 });
      expect(out.CustomLabels).toHaveLength(4);
      const confidences = out.CustomLabels.map((l: { Confidence: number }) => l.Confidence);
      expect([...confidences].sort((a, b) => b - a)).toEqual(confidences);
      expect(confidences.reduce((s: number, c: number) => s + c, 0)).toBeCloseTo(100, 2);
    }
    timings.detectEach = Math.round((Date.now() - detectStarted) / holdout.length);
  });

  it('applies the assumed thresholds without MinConfidence, and MaxResults', async () => {
    const image = { S3Object: { Bucket: FIXTURE_BUCKET, Name: holdout[0].key } };
    const all = (await call(ctx, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: image, MinConfidence: 0 })).CustomLabels;
    const summary = JSON.parse(readFileSync(join(s3Dir, 'out', 'shapes', 'EvaluationResultSummary-shapes-v1.json'), 'utf8'));
    const threshold = new Map<string, number>(summary.LabelEvaluationResults.map((l: { Label: string; Metrics: { Threshold: number } }) => [l.Label, l.Metrics.Threshold * 100]));
    const expected = all.filter((l: { Name: string; Confidence: number }) => l.Confidence >= Math.fround(threshold.get(l.Name)!) - 1e-3).map((l: { Name: string }) => l.Name);
    const byDefault = (await call(ctx, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: image })).CustomLabels.map((l: { Name: string }) => l.Name);
    expect(byDefault).toEqual(expected);
    const top = await call(ctx, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: image, MinConfidence: 0, MaxResults: 1 });
    expect(top.CustomLabels).toEqual([all[0]]);
    const high = await call(ctx, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: image, MinConfidence: 100 });
    expect(high.CustomLabels.every((l: { Confidence: number }) => l.Confidence >= 100)).toBe(true);
  });

  it('keeps the running model across a restart with --data-dir, then stops', async () => {
    const image = { S3Object: { Bucket: FIXTURE_BUCKET, Name: holdout[3].key } };
    const before = await call(ctx, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: image, MinConfidence: 0 });
    ctx = await restarted(ctx, { s3Dir, dataDir, inference });
    expect((await describeVersion(ctx, projectArn, 'v1')).Status).toBe('RUNNING');
    const after = await call(ctx, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: image, MinConfidence: 0 });
    expect(after).toEqual(before);

    expect((await call(ctx, 'StopProjectVersion', { ProjectVersionArn: versionArn })).Status).toBe('STOPPING');
    expect((await describeVersion(ctx, projectArn, 'v1')).Status).toBe('STOPPED');
    expect((await callError(ctx, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: image })).type).toBe('ResourceNotReadyException');
  });
});
