/**
 * The Custom Labels operations through their handlers: projects, datasets, policies, versions,
 * copy, errors, tagging and restart recovery. Training runs the real job with a stand-in embedding
 * (helpers.ts fakeInference), so these tests check the service's rules, not model quality
 * (lifecycle.test.ts does that with the real model).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModelsClient } from '../../models/client';
import { PoolClosedError } from '../../models/pool';
import { DATASET_MESSAGES } from '../../src/providers/custom-labels/datasets';
import { TRAINING_MESSAGES } from '../../src/providers/custom-labels/training';
import { call, callError, describeDataset, describeVersion, fakeInference, FIXTURE_BUCKET, makeClient, manifestObject, restarted, s3DirWithFixtures, tempDir, waitFor, type Client, type Wire } from './helpers';

const PROJECT_ARN = /^arn:aws:rekognition:us-east-1:123456789012:project\/[a-zA-Z0-9_.-]+\/\d{13}$/;
const VERSION_ARN = /^arn:aws:rekognition:us-east-1:123456789012:project\/[a-zA-Z0-9_.-]+\/version\/[a-zA-Z0-9_.-]+\/\d{13}$/;
const DATASET_ARN = /^arn:aws:rekognition:us-east-1:123456789012:project\/[a-zA-Z0-9_.-]+\/dataset\/(train|test)\/\d{13}$/;

let s3Dir: string;
let ctx: Client;

beforeEach(() => {
  s3Dir = s3DirWithFixtures();
  ctx = makeClient({ s3Dir, inference: fakeInference() });
});
afterEach(async () => {
  await ctx.t.close();
  rmSync(s3Dir, { recursive: true, force: true });
});

/** Writes a manifest into the `data` bucket and returns its GroundTruthManifest. */
function putManifest(name: string, lines: unknown[]): { S3Object: { Bucket: string; Name: string } } {
  writeFileSync(join(s3Dir, 'data', name), lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return { S3Object: { Bucket: 'data', Name: name } };
}

const classLine = (ref: string, name: string) => ({ 'source-ref': ref, c: 0, 'c-metadata': { 'class-name': name, type: 'groundtruth/image-classification', 'human-annotated': 'yes' } });

async function project(name = 'p', extra: Record<string, unknown> = {}): Promise<string> {
  return (await call(ctx, 'CreateProject', { ProjectName: name, ...extra })).ProjectArn;
}

async function dataset(projectArn: string, type: 'TRAIN' | 'TEST', source?: Record<string, unknown>): Promise<string> {
  const arn = (await call(ctx, 'CreateDataset', { ProjectArn: projectArn, DatasetType: type, DatasetSource: source })).DatasetArn;
  await waitFor(ctx, () => describeDataset(ctx, arn), (d) => d.Status !== 'CREATE_IN_PROGRESS');
  return arn;
}

async function trained(projectArn: string, version: string): Promise<Wire> {
  return waitFor(ctx, () => describeVersion(ctx, projectArn, version), (v) => v.Status !== 'TRAINING_IN_PROGRESS');
}

describe('projects', () => {
  it('creates, describes, filters, pages and deletes', async () => {
    const a = await project('alpha');
    expect(a).toMatch(PROJECT_ARN);
    await project('beta');
    const moderation = await project('gamma', { Feature: 'CONTENT_MODERATION' });

    const all = await call(ctx, 'DescribeProjects', {});
    expect(all.ProjectDescriptions.map((p: Wire) => p.ProjectArn)).toEqual([a, expect.stringContaining('/beta/')]);
    expect(Object.keys(all.ProjectDescriptions[0])).toEqual(['ProjectArn', 'CreationTimestamp', 'Status', 'Datasets', 'Feature']);
    expect(all.ProjectDescriptions[0]).toMatchObject({ Status: 'CREATED', Datasets: [], Feature: 'CUSTOM_LABELS' });
    const mod = await call(ctx, 'DescribeProjects', { Features: ['CONTENT_MODERATION'] });
    expect(mod.ProjectDescriptions).toEqual([expect.objectContaining({ ProjectArn: moderation, Feature: 'CONTENT_MODERATION', AutoUpdate: 'DISABLED' })]);
    const named = await call(ctx, 'DescribeProjects', { ProjectNames: ['gamma', 'alpha'] });
    expect(named.ProjectDescriptions.map((p: Wire) => p.ProjectArn)).toEqual([a, moderation]);

    const page1 = await call(ctx, 'DescribeProjects', { MaxResults: 1 });
    expect(page1.ProjectDescriptions).toHaveLength(1);
    const page2 = await call(ctx, 'DescribeProjects', { MaxResults: 1, NextToken: page1.NextToken });
    expect(page2.ProjectDescriptions[0].ProjectArn).toContain('/beta/');
    expect(page2.NextToken).toBeUndefined();
    expect((await callError(ctx, 'DescribeProjects', { NextToken: 'garbage' })).type).toBe('InvalidPaginationTokenException');

    expect(await call(ctx, 'DeleteProject', { ProjectArn: a })).toEqual({ Status: 'DELETING' });
    expect((await call(ctx, 'DescribeProjects', { ProjectNames: ['alpha'] })).ProjectDescriptions).toEqual([]);
    expect((await callError(ctx, 'DeleteProject', { ProjectArn: a })).type).toBe('ResourceNotFoundException');
  });

  it('refuses a name in use with ResourceInUseException, and AutoUpdate on Custom Labels', async () => {
    await project('dup');
    const err = await callError(ctx, 'CreateProject', { ProjectName: 'dup' });
    expect(err.type).toBe('ResourceInUseException');
    expect((await callError(ctx, 'CreateProject', { ProjectName: 'x', AutoUpdate: 'ENABLED' })).type).toBe('InvalidParameterException');
  });

  it('finds no project from an ARN with another timestamp, account or region', async () => {
    const a = await project('exact');
    for (const wrong of [a.replace(/\/\d{13}$/, '/1000000000000'), a.replace('123456789012', '210987654321'), a.replace('us-east-1', 'eu-west-1')]) {
      expect((await callError(ctx, 'DescribeProjectVersions', { ProjectArn: wrong })).type).toBe('ResourceNotFoundException');
    }
  });

  it('tags projects, datasets and versions through the tagging operations', async () => {
    const a = await project('tagged', { Tags: { team: 'vision' } });
    expect((await call(ctx, 'ListTagsForResource', { ResourceArn: a })).Tags).toEqual({ team: 'vision' });
    const d = await dataset(a, 'TRAIN');
    await call(ctx, 'TagResource', { ResourceArn: d, Tags: { kind: 'train' } });
    expect((await call(ctx, 'ListTagsForResource', { ResourceArn: d })).Tags).toEqual({ kind: 'train' });
    await call(ctx, 'DeleteDataset', { DatasetArn: d });
    expect((await callError(ctx, 'ListTagsForResource', { ResourceArn: d })).type).toBe('ResourceNotFoundException');
    await call(ctx, 'DeleteProject', { ProjectArn: a });
    expect((await callError(ctx, 'ListTagsForResource', { ResourceArn: a })).type).toBe('ResourceNotFoundException');
    // A project created again under the same name has no tags left over.
    const again = await project('tagged');
    expect((await call(ctx, 'ListTagsForResource', { ResourceArn: again })).Tags).toEqual({});
  });
});

describe('datasets', () => {
  it('imports a manifest in the background and counts its entries', async () => {
    const p = await project();
    const arn = (await call(ctx, 'CreateDataset', { ProjectArn: p, DatasetType: 'TRAIN', DatasetSource: { GroundTruthManifest: manifestObject('train.manifest') } })).DatasetArn;
    expect(arn).toMatch(DATASET_ARN);
    expect(arn).toContain('/dataset/train/');
    // The manifest is read from S3 after the call answers.
    expect((await describeDataset(ctx, arn)).Status).toBe('CREATE_IN_PROGRESS');
    expect((await callError(ctx, 'ListDatasetEntries', { DatasetArn: arn })).type).toBe('ResourceNotReadyException');
    const done = await waitFor(ctx, () => describeDataset(ctx, arn), (d) => d.Status !== 'CREATE_IN_PROGRESS');
    expect(done).toMatchObject({ Status: 'CREATE_COMPLETE', StatusMessageCode: 'SUCCESS', DatasetStats: { LabeledEntries: 68, TotalEntries: 68, TotalLabels: 4, ErrorEntries: 0 } });
    const described = await call(ctx, 'DescribeProjects', {});
    expect(described.ProjectDescriptions[0].Datasets).toEqual([expect.objectContaining({ DatasetArn: arn, DatasetType: 'TRAIN', Status: 'CREATE_COMPLETE' })]);
    expect((await callError(ctx, 'CreateDataset', { ProjectArn: p, DatasetType: 'TRAIN' })).type).toBe('ResourceAlreadyExistsException');
  });

  it('fails a dataset whose manifest is missing or mostly invalid', async () => {
    const p = await project();
    const missing = await dataset(p, 'TRAIN', { GroundTruthManifest: { S3Object: { Bucket: 'data', Name: 'nope.manifest' } } });
    expect(await describeDataset(ctx, missing)).toMatchObject({ Status: 'CREATE_FAILED', StatusMessageCode: 'CLIENT_ERROR', StatusMessage: DATASET_MESSAGES.inaccessible });
    const junk = putManifest('junk.manifest', [classLine('s3://fixtures/a.jpg', 'x'), 'not json', '{"no":"source-ref"}', classLine('s3://fixtures/b.jpg', 'y')]);
    const invalid = await dataset(p, 'TEST', { GroundTruthManifest: junk });
    expect(await describeDataset(ctx, invalid)).toMatchObject({ Status: 'CREATE_FAILED', StatusMessage: DATASET_MESSAGES.tooManyInvalid });
  });

  it('copies another dataset, starts empty, and lists entries with filters and pages', async () => {
    const p = await project();
    const detection = {
      'source-ref': 's3://fixtures/boxes/1.jpg',
      'bounding-box': { image_size: [{ width: 100, height: 100, depth: 3 }], annotations: [{ class_id: 0, left: 10, top: 10, width: 20, height: 20 }, { class_id: 0, left: 90, top: 90, width: 50, height: 50 }] },
      'bounding-box-metadata': { 'class-map': { '0': 'box' }, type: 'groundtruth/object-detection' },
    };
    const manifest = putManifest('mixed.manifest', [
      classLine('s3://fixtures/a/cat-1.jpg', 'cat'),
      classLine('s3://fixtures/a/cat-2.jpg', 'cat'),
      classLine('s3://fixtures/a/dog-1.jpg', 'dog'),
      { 'source-ref': 's3://fixtures/a/unlabeled.jpg' },
      detection,
    ]);
    const source = await dataset(p, 'TRAIN', { GroundTruthManifest: manifest });
    expect((await describeDataset(ctx, source)).DatasetStats).toEqual({ LabeledEntries: 4, TotalEntries: 5, TotalLabels: 3, ErrorEntries: 1 });

    const other = await project('other');
    const copy = (await call(ctx, 'CreateDataset', { ProjectArn: other, DatasetType: 'TEST', DatasetSource: { DatasetArn: source } })).DatasetArn;
    expect((await describeDataset(ctx, copy)).Status).toBe('CREATE_COMPLETE');
    expect((await describeDataset(ctx, copy)).DatasetStats.TotalEntries).toBe(5);
    const empty = await dataset(other, 'TRAIN');
    expect((await describeDataset(ctx, empty)).DatasetStats).toEqual({ LabeledEntries: 0, TotalEntries: 0, TotalLabels: 0, ErrorEntries: 0 });

    const refs = async (filter: Record<string, unknown>) =>
      (await call(ctx, 'ListDatasetEntries', { DatasetArn: source, ...filter })).DatasetEntries.map((l: string) => JSON.parse(l)['source-ref'] as string);
    expect(await refs({ ContainsLabels: ['cat', 'box'] })).toEqual(['s3://fixtures/a/cat-1.jpg', 's3://fixtures/a/cat-2.jpg', 's3://fixtures/boxes/1.jpg']);
    expect(await refs({ Labeled: false })).toEqual(['s3://fixtures/a/unlabeled.jpg']);
    expect(await refs({ SourceRefContains: 'dog' })).toEqual(['s3://fixtures/a/dog-1.jpg']);
    expect(await refs({ HasErrors: true })).toEqual(['s3://fixtures/boxes/1.jpg']);
    const withErrors = JSON.parse((await call(ctx, 'ListDatasetEntries', { DatasetArn: source, HasErrors: true })).DatasetEntries[0]);
    expect(withErrors.errors[0].code).toBe('ERROR_INVALID_BOUNDING_BOX');

    const first = await call(ctx, 'ListDatasetEntries', { DatasetArn: source, MaxResults: 2 });
    const second = await call(ctx, 'ListDatasetEntries', { DatasetArn: source, MaxResults: 2, NextToken: first.NextToken });
    const third = await call(ctx, 'ListDatasetEntries', { DatasetArn: source, MaxResults: 2, NextToken: second.NextToken });
    expect([...first.DatasetEntries, ...second.DatasetEntries, ...third.DatasetEntries]).toHaveLength(5);
    expect(third.NextToken).toBeUndefined();

    const labels = await call(ctx, 'ListDatasetLabels', { DatasetArn: source });
    expect(labels.DatasetLabelDescriptions).toEqual([
      { LabelName: 'box', LabelStats: { EntryCount: 1, BoundingBoxCount: 1 } },
      { LabelName: 'cat', LabelStats: { EntryCount: 2, BoundingBoxCount: 0 } },
      { LabelName: 'dog', LabelStats: { EntryCount: 1, BoundingBoxCount: 0 } },
    ]);
  });

  it('updates entries by source-ref: replaces labels of known images, appends new ones', async () => {
    const p = await project();
    const d = await dataset(p, 'TRAIN', { GroundTruthManifest: putManifest('u.manifest', [classLine('s3://fixtures/1.jpg', 'cat'), classLine('s3://fixtures/2.jpg', 'cat')]) });
    const blob = Buffer.from([JSON.stringify(classLine('s3://fixtures/2.jpg', 'dog')), JSON.stringify(classLine('s3://fixtures/3.jpg', 'bird'))].join('\n')).toString('base64');
    expect(await call(ctx, 'UpdateDatasetEntries', { DatasetArn: d, Changes: { GroundTruth: blob } })).toEqual({});
    const described = await describeDataset(ctx, d);
    expect(described).toMatchObject({ Status: 'UPDATE_COMPLETE', DatasetStats: { LabeledEntries: 3, TotalEntries: 3, TotalLabels: 3, ErrorEntries: 0 } });
    const entries = (await call(ctx, 'ListDatasetEntries', { DatasetArn: d })).DatasetEntries.map((l: string) => JSON.parse(l));
    expect(entries.map((e: Wire) => [e['source-ref'], e['c-metadata']['class-name']])).toEqual([
      ['s3://fixtures/1.jpg', 'cat'],
      ['s3://fixtures/2.jpg', 'dog'],
      ['s3://fixtures/3.jpg', 'bird'],
    ]);
    const bad = Buffer.from('{"source-ref": "http://x/y.jpg"}').toString('base64');
    expect((await callError(ctx, 'UpdateDatasetEntries', { DatasetArn: d, Changes: { GroundTruth: bad } })).type).toBe('InvalidParameterException');
  });

  it('distributes 20% of the training entries to an empty test dataset, the same way for the same seed', async () => {
    let run = 0;
    const split = async (seed: string) => {
      ctx.t.emulator.control.seed(seed);
      const p = await project(`d-${seed}-${run++}`);
      const train = await dataset(p, 'TRAIN', { GroundTruthManifest: manifestObject('train.manifest') });
      const test = await dataset(p, 'TEST');
      expect(await call(ctx, 'DistributeDatasetEntries', { Datasets: [{ Arn: test }, { Arn: train }] })).toEqual({});
      expect((await describeDataset(ctx, train)).Status).toBe('UPDATE_COMPLETE');
      expect((await callError(ctx, 'DistributeDatasetEntries', { Datasets: [{ Arn: train }, { Arn: test }] })).message).toBe('The test dataset must be empty.');
      const moved = (await call(ctx, 'ListDatasetEntries', { DatasetArn: test })).DatasetEntries.map((l: string) => JSON.parse(l)['source-ref'] as string);
      const labels = await call(ctx, 'ListDatasetLabels', { DatasetArn: test });
      return { moved, labels: labels.DatasetLabelDescriptions, trainTotal: (await describeDataset(ctx, train)).DatasetStats.TotalEntries };
    };
    const a = await split('one');
    // 16 per shape -> round(3.2) = 3 each; 20 portraits -> 4.
    expect(a.labels.map((l: Wire) => [l.LabelName, l.LabelStats.EntryCount])).toEqual([
      ['circle', 3],
      ['portrait', 4],
      ['square', 3],
      ['stripes', 3],
    ]);
    expect(a.trainTotal).toBe(68 - 13);
    expect((await split('one')).moved).toEqual(a.moved);
    expect((await split('two')).moved).not.toEqual(a.moved);
  });

  it('blocks DeleteProject while datasets exist', async () => {
    const p = await project();
    const d = await dataset(p, 'TRAIN');
    expect((await callError(ctx, 'DeleteProject', { ProjectArn: p })).type).toBe('ResourceInUseException');
    await call(ctx, 'DeleteDataset', { DatasetArn: d });
    expect((await callError(ctx, 'DescribeDataset', { DatasetArn: d })).type).toBe('ResourceNotFoundException');
    expect(await call(ctx, 'DeleteProject', { ProjectArn: p })).toEqual({ Status: 'DELETING' });
  });
});

describe('project policies', () => {
  const doc = (account = '111122223333') =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'rekognition:CopyProjectVersion', Resource: '*' }] });

  it('creates, updates by revision, lists and deletes', async () => {
    const p = await project();
    const { PolicyRevisionId: r1 } = await call(ctx, 'PutProjectPolicy', { ProjectArn: p, PolicyName: 'share', PolicyDocument: doc() });
    expect(r1).toMatch(/^[0-9a-f]{32}$/);
    expect((await callError(ctx, 'PutProjectPolicy', { ProjectArn: p, PolicyName: 'share', PolicyDocument: doc() })).type).toBe('ResourceAlreadyExistsException');
    expect((await callError(ctx, 'PutProjectPolicy', { ProjectArn: p, PolicyName: 'share', PolicyDocument: doc(), PolicyRevisionId: 'abc' })).type).toBe('InvalidPolicyRevisionIdException');
    expect((await callError(ctx, 'PutProjectPolicy', { ProjectArn: p, PolicyName: 'new', PolicyDocument: doc(), PolicyRevisionId: r1 })).type).toBe('InvalidPolicyRevisionIdException');
    const { PolicyRevisionId: r2 } = await call(ctx, 'PutProjectPolicy', { ProjectArn: p, PolicyName: 'share', PolicyDocument: doc('444455556666'), PolicyRevisionId: r1 });
    expect(r2).not.toBe(r1);
    expect((await callError(ctx, 'PutProjectPolicy', { ProjectArn: p, PolicyName: 'bad', PolicyDocument: '{"Statement": ' })).type).toBe('MalformedPolicyDocumentException');
    expect((await callError(ctx, 'PutProjectPolicy', { ProjectArn: p, PolicyName: 'bad', PolicyDocument: '{"Version": "2012-10-17"}' })).type).toBe('MalformedPolicyDocumentException');

    const listed = await call(ctx, 'ListProjectPolicies', { ProjectArn: p });
    expect(listed.ProjectPolicies).toEqual([
      { ProjectArn: p, PolicyName: 'share', PolicyRevisionId: r2, PolicyDocument: doc('444455556666'), CreationTimestamp: expect.any(Number), LastUpdatedTimestamp: expect.any(Number) },
    ]);
    expect((await callError(ctx, 'DeleteProjectPolicy', { ProjectArn: p, PolicyName: 'share', PolicyRevisionId: r1 })).type).toBe('InvalidPolicyRevisionIdException');
    expect(await call(ctx, 'DeleteProjectPolicy', { ProjectArn: p, PolicyName: 'share', PolicyRevisionId: r2 })).toEqual({});
    expect((await callError(ctx, 'DeleteProjectPolicy', { ProjectArn: p, PolicyName: 'share' })).type).toBe('ResourceNotFoundException');
  });

  it('allows 5 policies per project, paged', async () => {
    const p = await project();
    for (let i = 0; i < 5; i++) await call(ctx, 'PutProjectPolicy', { ProjectArn: p, PolicyName: `p${i}`, PolicyDocument: doc() });
    expect((await callError(ctx, 'PutProjectPolicy', { ProjectArn: p, PolicyName: 'p5', PolicyDocument: doc() })).type).toBe('LimitExceededException');
    const first = await call(ctx, 'ListProjectPolicies', { ProjectArn: p, MaxResults: 3 });
    const rest = await call(ctx, 'ListProjectPolicies', { ProjectArn: p, MaxResults: 3, NextToken: first.NextToken });
    expect([...first.ProjectPolicies, ...rest.ProjectPolicies].map((x: Wire) => x.PolicyName)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });
});

/** The first `perLabel` lines of each label of a fixture manifest, as a manifest in the `data` bucket (smaller, faster trainings). */
function subset(name: 'train' | 'test', perLabel: number): { S3Object: { Bucket: string; Name: string } } {
  const seen = new Map<string, number>();
  const lines = readFileSync(join(s3Dir, FIXTURE_BUCKET, 'custom-labels', `${name}.manifest`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .filter((l) => {
      const label = (JSON.parse(l) as { 'shape-class-metadata': { 'class-name': string } })['shape-class-metadata']['class-name'];
      seen.set(label, (seen.get(label) ?? 0) + 1);
      return seen.get(label)! <= perLabel;
    });
  return putManifest(`${name}-${perLabel}.manifest`, lines);
}

describe('model versions', () => {
  /** A project with small datasets from the fixtures (5 training and 2 test images per label), trained as `v1` (with the stand-in embedding). */
  async function trainedProject(name = 'shapes', outputConfig: Record<string, unknown> = { S3Bucket: 'out', S3KeyPrefix: 'run/' }) {
    const p = await project(name);
    await dataset(p, 'TRAIN', { GroundTruthManifest: subset('train', 5) });
    await dataset(p, 'TEST', { GroundTruthManifest: subset('test', 2) });
    const arn = (await call(ctx, 'CreateProjectVersion', { ProjectArn: p, VersionName: 'v1', OutputConfig: outputConfig, VersionDescription: 'first try' })).ProjectVersionArn;
    return { p, arn };
  }

  it('trains from the project datasets, reports the evaluation, refuses what is not allowed meanwhile', async () => {
    const { p, arn } = await trainedProject();
    expect(arn).toMatch(VERSION_ARN);
    const inProgress = await describeVersion(ctx, p, 'v1');
    expect(inProgress).toMatchObject({ ProjectVersionArn: arn, Status: 'TRAINING_IN_PROGRESS', OutputConfig: { S3Bucket: 'out', S3KeyPrefix: 'run/' }, VersionDescription: 'first try', Feature: 'CUSTOM_LABELS' });
    expect(inProgress.EvaluationResult).toBeUndefined();
    expect((await callError(ctx, 'DeleteProjectVersion', { ProjectVersionArn: arn })).type).toBe('ResourceInUseException');
    expect((await callError(ctx, 'StartProjectVersion', { ProjectVersionArn: arn, MinInferenceUnits: 1 })).type).toBe('ResourceInUseException');
    expect((await callError(ctx, 'CreateProjectVersion', { ProjectArn: p, VersionName: 'v1', OutputConfig: {} })).type).toBe('ResourceInUseException');
    expect((await callError(ctx, 'DeleteProject', { ProjectArn: p })).type).toBe('ResourceInUseException');

    const done = await trained(p, 'v1');
    expect(done.Status).toBe('TRAINING_COMPLETED');
    expect(Object.keys(done)).toEqual([
      'ProjectVersionArn',
      'CreationTimestamp',
      'Status',
      'StatusMessage',
      'BillableTrainingTimeInSeconds',
      'TrainingEndTimestamp',
      'OutputConfig',
      'TrainingDataResult',
      'TestingDataResult',
      'EvaluationResult',
      'ManifestSummary',
      'VersionDescription',
      'Feature',
    ]);
    expect(done.EvaluationResult.F1Score).toBeGreaterThan(0);
    expect(done.EvaluationResult.Summary.S3Object).toEqual({ Bucket: 'out', Name: 'run/EvaluationResultSummary-shapes-v1.json' });
    expect(done.TrainingDataResult.Validation.Assets[0].GroundTruthManifest.S3Object).toEqual({ Bucket: 'out', Name: 'run/shapes-v1/training_manifest_with_validation.json' });
    const summary = JSON.parse(readFileSync(join(s3Dir, 'out', 'run', 'EvaluationResultSummary-shapes-v1.json'), 'utf8'));
    expect(Object.keys(summary)).toEqual(['Version', 'AggregatedEvaluationResults', 'EvaluationDetails', 'LabelEvaluationResults']);
    expect(summary.AggregatedEvaluationResults.ConfusionMatrix).toHaveLength(16);
    const manifestSummary = JSON.parse(readFileSync(join(s3Dir, 'out', 'run', 'shapes-v1', 'manifest_summary.json'), 'utf8'));
    expect(manifestSummary.statistics.training).toMatchObject({ use_case: 'IMAGE_LEVEL_LABELS', total_json_lines: 20, valid_json_lines: 20, invalid_json_lines: 0 });
  });

  it('omits the summary objects when the output bucket does not exist', async () => {
    const { p } = await trainedProject('nowhere', { S3Bucket: 'no-such-bucket' });
    const done = await trained(p, 'v1');
    expect(done.Status).toBe('TRAINING_COMPLETED');
    expect(done.EvaluationResult.Summary).toBeUndefined();
    expect(done.ManifestSummary).toBeUndefined();
  });

  it('starts, detects, stops, copies and deletes', async () => {
    const { p, arn } = await trainedProject();
    await trained(p, 'v1');
    const image = { S3Object: { Bucket: FIXTURE_BUCKET, Name: 'custom-labels/holdout/circle/01.jpg' } };
    const notReady = await callError(ctx, 'DetectCustomLabels', { ProjectVersionArn: arn, Image: image });
    expect(notReady).toMatchObject({ type: 'ResourceNotReadyException', message: `ProjectVersion ${arn} is not ready.` });
    expect((await callError(ctx, 'StartProjectVersion', { ProjectVersionArn: arn, MinInferenceUnits: 2, MaxInferenceUnits: 1 })).type).toBe('InvalidParameterException');
    expect(await call(ctx, 'StartProjectVersion', { ProjectVersionArn: arn, MinInferenceUnits: 1, MaxInferenceUnits: 2 })).toEqual({ Status: 'STARTING' });
    expect((await describeVersion(ctx, p, 'v1')).Status).toBe('STARTING');
    const running = await waitFor(ctx, () => describeVersion(ctx, p, 'v1'), (v) => v.Status === 'RUNNING');
    expect(running).toMatchObject({ MinInferenceUnits: 1, MaxInferenceUnits: 2 });
    const labels = (await call(ctx, 'DetectCustomLabels', { ProjectVersionArn: arn, Image: image, MinConfidence: 0 })).CustomLabels;
    expect(labels.map((l: Wire) => l.Name).sort()).toEqual(['circle', 'portrait', 'square', 'stripes']);
    expect(Object.keys(labels[0])).toEqual(['Name', 'Confidence']);
    expect((await callError(ctx, 'DeleteProjectVersion', { ProjectVersionArn: arn })).type).toBe('ResourceInUseException');

    // Copy within the account: no policy needed; the copy can run on its own.
    const dest = await project('dest');
    const copyArn = (await call(ctx, 'CopyProjectVersion', { SourceProjectArn: p, SourceProjectVersionArn: arn, DestinationProjectArn: dest, VersionName: 'copied', OutputConfig: { S3Bucket: 'out' }, Tags: { copy: 'yes' } })).ProjectVersionArn;
    expect(copyArn).toContain('/dest/version/copied/');
    const copy = await describeVersion(ctx, dest, 'copied');
    expect(copy).toMatchObject({ Status: 'COPYING_COMPLETED', SourceProjectVersionArn: arn, EvaluationResult: { F1Score: (await describeVersion(ctx, p, 'v1')).EvaluationResult.F1Score } });
    expect((await call(ctx, 'ListTagsForResource', { ResourceArn: copyArn })).Tags).toEqual({ copy: 'yes' });
    expect((await callError(ctx, 'CopyProjectVersion', { SourceProjectArn: p, SourceProjectVersionArn: arn, DestinationProjectArn: dest, VersionName: 'copied', OutputConfig: {} })).type).toBe('ResourceInUseException');
    await call(ctx, 'StartProjectVersion', { ProjectVersionArn: copyArn, MinInferenceUnits: 1 });
    await waitFor(ctx, () => describeVersion(ctx, dest, 'copied'), (v) => v.Status === 'RUNNING');
    expect((await call(ctx, 'DetectCustomLabels', { ProjectVersionArn: copyArn, Image: image, MinConfidence: 0 })).CustomLabels).toEqual(labels);

    expect(await call(ctx, 'StopProjectVersion', { ProjectVersionArn: arn })).toEqual({ Status: 'STOPPING' });
    expect((await describeVersion(ctx, p, 'v1')).Status).toBe('STOPPED');
    expect((await callError(ctx, 'StopProjectVersion', { ProjectVersionArn: arn })).type).toBe('ResourceInUseException');
    expect(await call(ctx, 'DeleteProjectVersion', { ProjectVersionArn: arn })).toEqual({ Status: 'DELETING' });
    expect((await call(ctx, 'DescribeProjectVersions', { ProjectArn: p })).ProjectVersionDescriptions).toEqual([]);
    expect((await callError(ctx, 'DetectCustomLabels', { ProjectVersionArn: arn, Image: image })).type).toBe('ResourceNotFoundException');
  });

  it('copies from another account only when its project policy allows the caller', async () => {
    const owner = ctx;
    const { p, arn } = await trainedProject();
    await trained(p, 'v1');
    const other = { ...owner, account: '999988887777' };
    const dest = (await call(other, 'CreateProject', { ProjectName: 'mine' })).ProjectArn;
    const copy = (name: string) => call(other, 'CopyProjectVersion', { SourceProjectArn: p, SourceProjectVersionArn: arn, DestinationProjectArn: dest, VersionName: name, OutputConfig: {} });
    await expect(copy('a')).rejects.toMatchObject({ type: 'AccessDeniedException' });
    const allow = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'rekognition:CopyProjectVersion', Resource: arn };
    const { PolicyRevisionId } = await call(owner, 'PutProjectPolicy', { ProjectArn: p, PolicyName: 'share', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [allow] }) });
    expect((await copy('b')).ProjectVersionArn).toContain(':999988887777:project/mine/version/b/');
    const deny = { ...allow, Effect: 'Deny', Resource: '*' };
    await call(owner, 'PutProjectPolicy', { ProjectArn: p, PolicyName: 'share', PolicyRevisionId, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [allow, deny] }) });
    await expect(copy('c')).rejects.toMatchObject({ type: 'AccessDeniedException' });
  });

  it('trains from manifests with an AutoCreate test split and echoes the inputs', async () => {
    const p = await project('manifests');
    const trainingData = { Assets: [{ GroundTruthManifest: subset('train', 5) }] };
    await call(ctx, 'CreateProjectVersion', { ProjectArn: p, VersionName: 'auto', OutputConfig: { S3Bucket: 'out' }, TrainingData: trainingData, TestingData: { AutoCreate: true } });
    const done = await trained(p, 'auto');
    expect(done.Status).toBe('TRAINING_COMPLETED');
    expect(done.TrainingDataResult.Input).toEqual(trainingData);
    expect(done.TestingDataResult.Input).toEqual({ AutoCreate: true });
    const summary = JSON.parse(readFileSync(join(s3Dir, 'out', 'EvaluationResultSummary-manifests-auto.json'), 'utf8'));
    // 5 per label -> round(1) = 1 per label to test.
    expect(summary.EvaluationDetails).toMatchObject({ NumberOfTrainingImages: 16, NumberOfTestingImages: 4 });
  });

  it('refuses training input that does not fit the project', async () => {
    const bare = await project('bare');
    expect((await callError(ctx, 'CreateProjectVersion', { ProjectArn: bare, VersionName: 'v', OutputConfig: {} })).message).toMatch(/TrainingData/);
    expect((await callError(ctx, 'CreateProjectVersion', { ProjectArn: bare, VersionName: 'v', OutputConfig: {}, TrainingData: { Assets: [{ GroundTruthManifest: manifestObject('train.manifest') }] } })).type).toBe(
      'InvalidParameterException',
    );
    const withData = await project('with-data');
    await dataset(withData, 'TRAIN', { GroundTruthManifest: manifestObject('train.manifest') });
    expect((await callError(ctx, 'CreateProjectVersion', { ProjectArn: withData, VersionName: 'v', OutputConfig: {} })).message).toMatch(/no test dataset/);
    const manifests = { TrainingData: { Assets: [{ GroundTruthManifest: manifestObject('train.manifest') }] }, TestingData: { AutoCreate: true } };
    expect((await callError(ctx, 'CreateProjectVersion', { ProjectArn: withData, VersionName: 'v', OutputConfig: {}, ...manifests })).type).toBe('InvalidParameterException');
  });

  it('fails training with a StatusMessage for bounding boxes, one label, adapters, and bad images', async () => {
    const boxes = putManifest('boxes.manifest', [
      {
        'source-ref': 's3://fixtures/custom-labels/train/circle/01.jpg',
        'bounding-box': { image_size: [{ width: 300, height: 200, depth: 3 }], annotations: [{ class_id: 0, left: 10, top: 10, width: 50, height: 50 }] },
        'bounding-box-metadata': { 'class-map': { '0': 'circle' }, type: 'groundtruth/object-detection' },
      },
    ]);
    const single = putManifest('single.manifest', [classLine('s3://fixtures/custom-labels/train/circle/01.jpg', 'circle'), classLine('s3://fixtures/custom-labels/train/circle/02.jpg', 'circle')]);
    const missing = putManifest(
      'missing.manifest',
      ['a', 'b', 'c', 'd'].flatMap((x) => [classLine(`s3://fixtures/nope/${x}.jpg`, 'cat'), classLine(`s3://fixtures/nope/${x}2.jpg`, 'dog')]),
    );
    const cases: [string, Record<string, unknown>, string][] = [
      ['boxes', { TrainingData: { Assets: [{ GroundTruthManifest: boxes }] }, TestingData: { Assets: [{ GroundTruthManifest: boxes }] } }, TRAINING_MESSAGES.detection],
      ['single', { TrainingData: { Assets: [{ GroundTruthManifest: single }] }, TestingData: { Assets: [{ GroundTruthManifest: single }] } }, TRAINING_MESSAGES.oneLabel],
      ['missing', { TrainingData: { Assets: [{ GroundTruthManifest: missing }] }, TestingData: { Assets: [{ GroundTruthManifest: missing }] } }, TRAINING_MESSAGES.tooManyInvalid],
      ['no-manifest', { TrainingData: { Assets: [{ GroundTruthManifest: { S3Object: { Bucket: 'data', Name: 'absent' } } }] }, TestingData: { AutoCreate: true } }, DATASET_MESSAGES.inaccessible],
    ];
    for (const [name, data, message] of cases) {
      const p = await project(name);
      await call(ctx, 'CreateProjectVersion', { ProjectArn: p, VersionName: 'v', OutputConfig: {}, ...data });
      const done = await trained(p, 'v');
      expect([name, done.Status, done.StatusMessage]).toEqual([name, 'TRAINING_FAILED', message]);
      expect(done.EvaluationResult).toBeUndefined();
      expect((await callError(ctx, 'StartProjectVersion', { ProjectVersionArn: done.ProjectVersionArn, MinInferenceUnits: 1 })).type).toBe('ResourceInUseException');
      expect(await call(ctx, 'DeleteProjectVersion', { ProjectVersionArn: done.ProjectVersionArn })).toEqual({ Status: 'DELETING' });
    }
    const adapter = await project('adapter', { Feature: 'CONTENT_MODERATION' });
    await call(ctx, 'CreateProjectVersion', { ProjectArn: adapter, VersionName: 'v', OutputConfig: {}, TrainingData: { Assets: [{ GroundTruthManifest: single }] } });
    expect((await trained(adapter, 'v')).StatusMessage).toBe(TRAINING_MESSAGES.moderation);
  });
});

describe('restart recovery (--data-dir)', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = tempDir('custom-labels-data-');
    await ctx.t.close();
    ctx = makeClient({ s3Dir, dataDir, inference: fakeInference() });
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const restart = async (inference = fakeInference()) => {
    ctx = await restarted(ctx, { s3Dir, dataDir, inference });
  };

  it('resumes an interrupted training and an interrupted dataset import', async () => {
    const p = await project('resume');
    const train = (await call(ctx, 'CreateDataset', { ProjectArn: p, DatasetType: 'TRAIN', DatasetSource: { GroundTruthManifest: subset('train', 4) } })).DatasetArn;
    await restart(); // before the manifest was read
    expect((await describeDataset(ctx, train)).Status).toBe('CREATE_IN_PROGRESS');
    await waitFor(ctx, () => describeDataset(ctx, train), (d) => d.Status === 'CREATE_COMPLETE');
    await dataset(p, 'TEST', { GroundTruthManifest: subset('test', 2) });

    await call(ctx, 'CreateProjectVersion', { ProjectArn: p, VersionName: 'v1', OutputConfig: {} });
    await restart(); // while training
    expect((await describeVersion(ctx, p, 'v1')).Status).toBe('TRAINING_IN_PROGRESS');
    expect((await trained(p, 'v1')).Status).toBe('TRAINING_COMPLETED');
  });

  it('fails a training interrupted too often, and brings a starting model up', async () => {
    const p = await project('flaky');
    await dataset(p, 'TRAIN', { GroundTruthManifest: subset('train', 4) });
    await dataset(p, 'TEST', { GroundTruthManifest: subset('test', 2) });
    // Models that answer only when closed, as a pool does when the server stops: each run of the
    // training is still embedding when the emulator stops.
    const embeddings: number[] = [];
    let current: ModelsClient | undefined;
    const stuck = () => {
      const models = fakeInference();
      const pending: (() => void)[] = [];
      const run = () => (embeddings.push(1), new Promise((_, reject) => pending.push(() => reject(new PoolClosedError()))));
      Object.assign(models, { size: 1, run, close: async () => pending.forEach((fail) => fail()) });
      return (current = models);
    };
    await restart(stuck());
    await call(ctx, 'CreateProjectVersion', { ProjectArn: p, VersionName: 'v1', OutputConfig: {} });
    for (let run = 1; run <= 3; run++) {
      await vi.waitFor(() => expect(embeddings).toHaveLength(run), { timeout: 10_000 });
      const stopped = current!;
      const restarting = restart(run < 3 ? stuck() : fakeInference());
      await stopped.close();
      await restarting;
    }
    await ctx.t.emulator.idle();
    expect(await describeVersion(ctx, p, 'v1')).toMatchObject({ Status: 'TRAINING_FAILED', StatusMessage: TRAINING_MESSAGES.interrupted });

    await call(ctx, 'CreateProjectVersion', { ProjectArn: p, VersionName: 'v2', OutputConfig: {} });
    const v2 = await trained(p, 'v2');
    await call(ctx, 'StartProjectVersion', { ProjectVersionArn: v2.ProjectVersionArn, MinInferenceUnits: 1 });
    await restart(); // while STARTING
    await waitFor(ctx, () => describeVersion(ctx, p, 'v2'), (v) => v.Status === 'RUNNING');
  });
});
