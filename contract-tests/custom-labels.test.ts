/**
 * Custom Labels through the SDK: project, TRAIN and TEST datasets filled with UpdateDatasetEntries
 * from the fixture manifests (fixtures/custom-labels/, source-refs pointed at the target's bucket),
 * labels and entries, project policies, then training with the SDK waiters, DetectCustomLabels on
 * held-out images (accuracy computed here), stop and clean-up.
 *
 * Against AWS the training part costs real money (training hours, then inference hours while the
 * model runs): it runs only with CONTRACT_CUSTOM_LABELS_TRAIN=1, and its waits allow AWS's hours.
 */
import {
  CreateDatasetCommand,
  CreateProjectCommand,
  CreateProjectVersionCommand,
  DeleteDatasetCommand,
  DeleteProjectCommand,
  DeleteProjectPolicyCommand,
  DeleteProjectVersionCommand,
  DescribeDatasetCommand,
  DescribeProjectsCommand,
  DescribeProjectVersionsCommand,
  DetectCustomLabelsCommand,
  ListDatasetEntriesCommand,
  ListDatasetLabelsCommand,
  ListProjectPoliciesCommand,
  PutProjectPolicyCommand,
  StartProjectVersionCommand,
  StopProjectVersionCommand,
  UpdateDatasetEntriesCommand,
  waitUntilProjectVersionRunning,
  waitUntilProjectVersionTrainingCompleted,
  type DatasetDescription,
  type RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractContext, expectServiceError, isEmulator, rekognitionClient, s3Image, uniqueName } from './support/client';
import { fixturesDir, type FixtureName } from './support/target';

const TRAIN = !isEmulator ? process.env.CONTRACT_CUSTOM_LABELS_TRAIN === '1' : true;
/** Waiter pacing: the emulator trains in seconds, AWS in about an hour (and starts in minutes). */
const WAIT = isEmulator ? { minDelay: 1, maxDelay: 1, maxWaitTime: 300 } : { minDelay: 60, maxDelay: 120, maxWaitTime: 4 * 3600 };

let client: RekognitionClient;
let projectArn: string;
const datasets: Record<'TRAIN' | 'TEST', string> = { TRAIN: '', TEST: '' };
let versionArn: string | undefined;
let running = false;

interface ManifestLine {
  'source-ref': string;
  'shape-class-metadata': { 'class-name': string };
}

/** A fixture manifest with its source-refs pointed at the target's copy of the fixtures. */
function manifest(name: 'train' | 'test' | 'holdout'): { lines: string[]; parsed: ManifestLine[] } {
  const { bucket, prefix } = contractContext();
  const lines = readFileSync(join(fixturesDir, 'custom-labels', `${name}.manifest`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.replace('"s3://fixtures/', `"s3://${bucket}/${prefix}`));
  return { lines, parsed: lines.map((l) => JSON.parse(l) as ManifestLine) };
}

async function describeDataset(arn: string): Promise<DatasetDescription> {
  return (await client.send(new DescribeDatasetCommand({ DatasetArn: arn }))).DatasetDescription!;
}

async function settle(arn: string, pending: string[]): Promise<DatasetDescription> {
  const deadline = Date.now() + (isEmulator ? 30_000 : 600_000);
  for (;;) {
    const d = await describeDataset(arn);
    if (!pending.includes(d.Status!)) return d;
    if (Date.now() > deadline) throw new Error(`dataset ${arn} still ${d.Status}`);
    await new Promise((r) => setTimeout(r, isEmulator ? 100 : 5000));
  }
}

beforeAll(() => {
  client = rekognitionClient();
});

afterAll(async () => {
  if (versionArn && running) await client.send(new StopProjectVersionCommand({ ProjectVersionArn: versionArn })).catch(() => undefined);
  if (versionArn) {
    // A stopping model cannot be deleted yet: retry for a while.
    for (let i = 0; i < (isEmulator ? 5 : 60); i++) {
      const ok = await client.send(new DeleteProjectVersionCommand({ ProjectVersionArn: versionArn })).then(
        () => true,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, isEmulator ? 100 : 10_000));
    }
  }
  for (const arn of Object.values(datasets)) if (arn) await client.send(new DeleteDatasetCommand({ DatasetArn: arn })).catch(() => undefined);
  if (projectArn) await client.send(new DeleteProjectCommand({ ProjectArn: projectArn })).catch(() => undefined);
  client.destroy();
}, 900_000);

describe('Custom Labels', () => {
  it('creates a project; a second one with the same name is ResourceInUseException', async () => {
    const name = uniqueName('cl');
    projectArn = (await client.send(new CreateProjectCommand({ ProjectName: name }))).ProjectArn!;
    expect(projectArn).toMatch(new RegExp(`^arn:aws:rekognition:[a-z0-9-]+:\\d{12}:project/${name.replace(/\./g, '\\.')}/\\d{13}$`));
    await expectServiceError(client.send(new CreateProjectCommand({ ProjectName: name })), 'ResourceInUseException', { status: 400 });
    const described = await client.send(new DescribeProjectsCommand({ ProjectNames: [name] }));
    expect(described.ProjectDescriptions).toHaveLength(1);
    expect(described.ProjectDescriptions![0]).toMatchObject({ ProjectArn: projectArn, Feature: 'CUSTOM_LABELS' });
    expect(['CREATING', 'CREATED']).toContain(described.ProjectDescriptions![0].Status);
  });

  it('fills TRAIN and TEST datasets from Ground Truth lines', async () => {
    for (const type of ['TRAIN', 'TEST'] as const) {
      datasets[type] = (await client.send(new CreateDatasetCommand({ ProjectArn: projectArn, DatasetType: type }))).DatasetArn!;
      expect(datasets[type]).toContain(`/dataset/${type.toLowerCase()}/`);
      expect((await settle(datasets[type], ['CREATE_IN_PROGRESS'])).Status).toBe('CREATE_COMPLETE');
      const { lines } = manifest(type === 'TRAIN' ? 'train' : 'test');
      await client.send(new UpdateDatasetEntriesCommand({ DatasetArn: datasets[type], Changes: { GroundTruth: Buffer.from(lines.join('\n')) } }));
      const done = await settle(datasets[type], ['UPDATE_IN_PROGRESS']);
      expect(done.Status).toBe('UPDATE_COMPLETE');
      expect(done.DatasetStats).toMatchObject({ TotalEntries: lines.length, LabeledEntries: lines.length, TotalLabels: 4, ErrorEntries: 0 });
    }
    const labels = await client.send(new ListDatasetLabelsCommand({ DatasetArn: datasets.TRAIN }));
    const counts = Object.fromEntries(labels.DatasetLabelDescriptions!.map((d) => [d.LabelName, d.LabelStats!.EntryCount]));
    expect(counts).toEqual({ circle: 16, square: 16, stripes: 16, portrait: 20 });
    const circles = await client.send(new ListDatasetEntriesCommand({ DatasetArn: datasets.TRAIN, ContainsLabels: ['circle'], MaxResults: 10 }));
    expect(circles.DatasetEntries).toHaveLength(10);
    expect(circles.NextToken).toBeDefined();
    for (const line of circles.DatasetEntries!) expect((JSON.parse(line) as ManifestLine)['shape-class-metadata']['class-name']).toBe('circle');
  });

  it('keeps project policies by revision', async () => {
    const account = projectArn.split(':')[4];
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'rekognition:CopyProjectVersion', Resource: '*' }] });
    const { PolicyRevisionId } = await client.send(new PutProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'self', PolicyDocument: document }));
    expect(PolicyRevisionId).toMatch(/^[0-9a-fA-F]+$/);
    const listed = await client.send(new ListProjectPoliciesCommand({ ProjectArn: projectArn }));
    expect(listed.ProjectPolicies!.map((p) => [p.PolicyName, p.PolicyRevisionId])).toEqual([['self', PolicyRevisionId]]);
    await expectServiceError(client.send(new PutProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'bad', PolicyDocument: '{"Statement":' })), 'MalformedPolicyDocumentException');
    await client.send(new DeleteProjectPolicyCommand({ ProjectArn: projectArn, PolicyName: 'self', PolicyRevisionId }));
    expect((await client.send(new ListProjectPoliciesCommand({ ProjectArn: projectArn }))).ProjectPolicies).toEqual([]);
  });

  it.skipIf(!TRAIN)(
    'trains, starts and labels held-out images with at least 90% accuracy',
    async () => {
      const { bucket, prefix, runId } = contractContext();
      versionArn = (
        await client.send(
          new CreateProjectVersionCommand({ ProjectArn: projectArn, VersionName: 'v1', OutputConfig: { S3Bucket: bucket, S3KeyPrefix: `${prefix}custom-labels-output/${runId}/` } }),
        )
      ).ProjectVersionArn!;
      await waitUntilProjectVersionTrainingCompleted({ client, ...WAIT }, { ProjectArn: projectArn, VersionNames: ['v1'] });
      const trained = (await client.send(new DescribeProjectVersionsCommand({ ProjectArn: projectArn, VersionNames: ['v1'] }))).ProjectVersionDescriptions![0];
      expect(trained.Status).toBe('TRAINING_COMPLETED');
      expect(trained.EvaluationResult!.F1Score).toBeGreaterThan(0.8);
      if (isEmulator) expect(trained.EvaluationResult!.Summary!.S3Object!.Name).toBe(`${prefix}custom-labels-output/${runId}/EvaluationResultSummary-${projectArn.split('/')[1]}-v1.json`);

      const holdout = manifest('holdout').parsed;
      const firstImage = s3Image(holdout[0]['source-ref'].replace(`s3://${bucket}/${prefix}`, '') as FixtureName);
      await expectServiceError(client.send(new DetectCustomLabelsCommand({ ProjectVersionArn: versionArn, Image: firstImage })), 'ResourceNotReadyException', { status: 400 });

      expect((await client.send(new StartProjectVersionCommand({ ProjectVersionArn: versionArn, MinInferenceUnits: 1 }))).Status).toBe('STARTING');
      running = true;
      await waitUntilProjectVersionRunning({ client, ...WAIT }, { ProjectArn: projectArn, VersionNames: ['v1'] });

      let hits = 0;
      for (const line of holdout) {
        const image = s3Image(line['source-ref'].replace(`s3://${bucket}/${prefix}`, '') as FixtureName);
        const out = await client.send(new DetectCustomLabelsCommand({ ProjectVersionArn: versionArn, Image: image, MinConfidence: 0 }));
        if (out.CustomLabels![0]?.Name === line['shape-class-metadata']['class-name']) hits++;
      }
      expect(hits / holdout.length).toBeGreaterThanOrEqual(0.9);

      expect((await client.send(new StopProjectVersionCommand({ ProjectVersionArn: versionArn }))).Status).toBe('STOPPING');
      running = false;
    },
    isEmulator ? 300_000 : 6 * 3600_000,
  );

  it('answers ResourceNotFoundException for a project that does not exist', async () => {
    const missing = projectArn.replace(/\/\d{13}$/, '/1000000000000');
    await expectServiceError(client.send(new DescribeProjectVersionsCommand({ ProjectArn: missing })), 'ResourceNotFoundException', { status: 400 });
  });
});
