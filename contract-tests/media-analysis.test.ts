/**
 * Bulk image analysis (StartMediaAnalysisJob, GetMediaAnalysisJob, ListMediaAnalysisJobs) on both
 * targets: a two-line manifest (one fixture photo, one missing object) placed in the target's S3,
 * the job run to completion, and the output manifest and summary read back from S3.
 * AWS no longer offers bulk analysis to new accounts: there the suite needs an account that has it.
 */
import { GetMediaAnalysisJobCommand, ListMediaAnalysisJobsCommand, StartMediaAnalysisJobCommand, type GetMediaAnalysisJobResponse } from '@aws-sdk/client-rekognition';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contractContext, expectServiceError, isEmulator, rekognitionClient, s3Image, uniqueName } from './support/client';

/** Object access on the target's S3: the emulator's --s3-dir folder, or the real bucket. */
const s3 = isEmulator ? undefined : new S3Client({});
async function putObject(key: string, text: string): Promise<void> {
  const { bucket, s3Dir } = contractContext();
  if (!s3) {
    const file = join(s3Dir!, bucket, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text }));
}
async function getObject(bucket: string, key: string): Promise<string> {
  if (!s3) return readFileSync(join(contractContext().s3Dir!, bucket, key), 'utf8');
  return (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf8'));
}

describe('media analysis jobs', () => {
  const client = rekognitionClient();
  const { bucket, prefix } = contractContext();
  const runPrefix = `${prefix}media-analysis/${uniqueName('bulk')}`;
  const photo = s3Image('images/astronaut.png').S3Object;

  afterAll(async () => {
    if (!s3) return;
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: runPrefix }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    s3.destroy();
  });

  it('moderates every image of a manifest and writes the results and a summary to OutputConfig', async () => {
    const manifestKey = `${runPrefix}/input.jsonl`;
    await putObject(manifestKey, `{"source-ref":"s3://${photo.Bucket}/${photo.Name}"}\n{"source-ref":"s3://${bucket}/${runPrefix}/missing.png"}\n`);
    const jobName = uniqueName('bulk').replace(/[^a-zA-Z0-9_.-]/g, '-');
    const { JobId } = await client.send(
      new StartMediaAnalysisJobCommand({
        JobName: jobName,
        OperationsConfig: { DetectModerationLabels: { MinConfidence: 50 } },
        Input: { S3Object: { Bucket: bucket, Name: manifestKey } },
        OutputConfig: { S3Bucket: bucket, S3KeyPrefix: `${runPrefix}/out` },
      }),
    );
    expect(JobId).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);

    let job: GetMediaAnalysisJobResponse;
    const deadline = Date.now() + (isEmulator ? 60_000 : 600_000);
    for (;;) {
      job = await client.send(new GetMediaAnalysisJobCommand({ JobId }));
      expect(['CREATED', 'QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED']).toContain(job.Status);
      if (job.Status === 'SUCCEEDED' || job.Status === 'FAILED') break;
      if (Date.now() > deadline) throw new Error(`job ${JobId} still ${job.Status}`);
      await new Promise((resolve) => setTimeout(resolve, isEmulator ? 200 : 5000));
    }
    expect(job.FailureDetails).toBeUndefined();
    expect(job).toMatchObject({ JobId, JobName: jobName, Status: 'SUCCEEDED', OutputConfig: { S3Bucket: bucket, S3KeyPrefix: `${runPrefix}/out` } });
    expect(job.Results!.ModelVersions!.Moderation).toBe('7.0');
    if (isEmulator) {
      expect(job.Results!.S3Object).toEqual({ Bucket: bucket, Name: `${runPrefix}/out/${JobId}/results/output.jsonl` });
      expect(job.ManifestSummary!.S3Object).toEqual({ Bucket: bucket, Name: `${runPrefix}/out/${JobId}/manifest-summary.json` });
    }

    const lines = (await getObject(job.Results!.S3Object!.Bucket!, job.Results!.S3Object!.Name!)).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]['source-ref']).toBe(`s3://${photo.Bucket}/${photo.Name}`);
    expect(lines[0]['detect-moderation-labels']).toMatchObject({ ModerationLabels: [], ModerationModelVersion: '7.0' });

    const summary = JSON.parse(await getObject(job.ManifestSummary!.S3Object!.Bucket!, job.ManifestSummary!.S3Object!.Name!)) as Record<string, unknown>;
    expect(summary.statistics).toEqual({ 'total-json-lines': 2, 'valid-json-lines': 1, 'invalid-json-lines': 1 });
    expect(summary.errors).toHaveLength(1);
    if (isEmulator) {
      expect(summary.errors).toEqual([
        {
          'line-numer': 2,
          'source-ref': `s3://${bucket}/${runPrefix}/missing.png`,
          code: 'InvalidS3ObjectException',
          message: 'Unable to get object metadata from S3. Check object key, region and/or access permissions.',
        },
      ]);
    }

    const listed = await client.send(new ListMediaAnalysisJobsCommand({ MaxResults: 100 }));
    expect(listed.MediaAnalysisJobs!.some((j) => j.JobId === JobId)).toBe(true);
  }, 660_000);

  it('answers ResourceNotFoundException for an unknown JobId', async () => {
    await expectServiceError(
      client.send(new GetMediaAnalysisJobCommand({ JobId: 'no-such-job-0123456789' })),
      'ResourceNotFoundException',
      isEmulator ? { message: 'The job id: no-such-job-0123456789 does not exist', status: 400 } : { status: 400 },
    );
  });
});
