/**
 * Media analysis jobs, through the emulator, on an --s3-dir layout: a manifest with good and bad lines, the
 * output manifest and summary the job writes (each result being what DetectModerationLabels answers
 * for that image), job failures with their FailureDetails, Start errors and idempotency, listing
 * and pagination, and resuming a job a restart interrupted.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputKey, parseS3Uri, SUMMARY_LINE_KEY } from '../../src/providers/media-analysis/jobs';
import type { Scope } from '../../src/runtime/scope';
import { createStores } from '../../src/store';
import type { ModelsClient } from '../../models/client';
import { sharedModels } from '../support/models';
import { ApiError, testEmulator, type TestEmulator } from '../support/emulator';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'media-analysis-'));
const s3Dir = path.join(tmp, 's3');
const IN = 'bulk-input';
const OUT = 'bulk-output';
const fixture = (name: string) => path.join(path.dirname(new URL(import.meta.url).pathname), '../../fixtures/images', name);

mkdirSync(path.join(s3Dir, IN, 'photos'), { recursive: true });
mkdirSync(path.join(s3Dir, OUT), { recursive: true });
copyFileSync(fixture('astronaut.png'), path.join(s3Dir, IN, 'photos', 'astronaut.png'));
copyFileSync(fixture('chelsea.png'), path.join(s3Dir, IN, 'photos', 'chelsea cat.png'));
writeFileSync(path.join(s3Dir, IN, 'photos', 'notes.jpg'), 'not an image');

const MIXED = [
  `{"source-ref": "s3://${IN}/photos/astronaut.png", "id": 1, "tags": ["a"]}`,
  `{"source-ref":"s3://${IN}/photos/chelsea cat.png"}`,
  '',
  'this is not json',
  `{"source-ref": "s3://${IN}/photos/missing.png"}`,
  `{"source-ref": "s3://${IN}/photos/notes.jpg"}`,
  '{"image": "photos/astronaut.png"}',
  `{"source-ref": "s3://ab/photo.png"}`,
  '',
].join('\n');
const put = (key: string, text: string) => {
  mkdirSync(path.dirname(path.join(s3Dir, IN, key)), { recursive: true });
  writeFileSync(path.join(s3Dir, IN, key), text);
};
put('manifests/mixed.jsonl', MIXED);
put('manifests/empty.jsonl', '\n\n');
put('manifests/garbage.jsonl', 'PK\u0003\u0004 binary\n{"no": "source-ref"}\n');
put('manifests/one.jsonl', `{"source-ref": "s3://${IN}/photos/astronaut.png"}\n`);

// One pool for every emulator of the file, so the moderation model loads once: each emulator gets
// a view of it that it cannot close, and that does not warm up models it does not need.
const pool = sharedModels();
function sharedPool(): ModelsClient {
  const view = Object.create(pool) as ModelsClient;
  view.close = async () => undefined;
  view.broadcast = async () => undefined;
  return view;
}
const opened: TestEmulator[] = [];
function makeEmulator(dataDir?: string): TestEmulator {
  const t = testEmulator({ s3Dir, dataDir }, { inference: sharedPool() });
  opened.push(t);
  return t;
}

afterAll(async () => {
  for (const t of opened) await t.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Who calls which emulator. */
interface Ctx {
  t: TestEmulator;
  caller: Scope;
}
const ctxOf = (t: TestEmulator, account = '111122223333', region = 'eu-west-1'): Ctx => ({ t, caller: { account, region } });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed wire JSON; the assertions check its shape
type Wire = Record<string, any>;
/** What a client would receive. */
const call = (operation: string, input: Record<string, unknown>, ctx: Ctx): Promise<Wire> => ctx.t.call(operation, input, ctx.caller);
async function callError(operation: string, input: Record<string, unknown>, ctx: Ctx): Promise<ApiError> {
  const err = await call(operation, input, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected an error').toBeInstanceOf(ApiError);
  return err as ApiError;
}

const startInput = (manifest: string, extra: Record<string, unknown> = {}) => ({
  OperationsConfig: { DetectModerationLabels: { MinConfidence: 0 } },
  Input: { S3Object: { Bucket: IN, Name: manifest } },
  OutputConfig: { S3Bucket: OUT, S3KeyPrefix: 'moderation/run-1/' },
  ...extra,
});

/** Starts a job, waits for the runner, returns the final GetMediaAnalysisJob. */
async function runJob(ctx: Ctx, input: Record<string, unknown>): Promise<Wire> {
  const { JobId } = await call('StartMediaAnalysisJob', input, ctx);
  await ctx.t.emulator.idle();
  return call('GetMediaAnalysisJob', { JobId }, ctx);
}
const readOut = (key: string) => readFileSync(path.join(s3Dir, OUT, key), 'utf8');

describe('a media analysis job over a mixed manifest', () => {
  const services = makeEmulator();
  const ctx = ctxOf(services);
  let job: Wire;

  it('is queued or running right after Start, with the request echoed', async () => {
    const { JobId } = await call('StartMediaAnalysisJob', startInput('manifests/mixed.jsonl', { JobName: 'nightly.batch-1', KmsKeyId: 'alias/bulk' }), ctx);
    expect(JobId).toMatch(/^[0-9a-f-]{36}$/);
    const early = await call('GetMediaAnalysisJob', { JobId }, ctx);
    expect(['QUEUED', 'IN_PROGRESS']).toContain(early.Status);
    expect(early).toMatchObject({
      JobId,
      JobName: 'nightly.batch-1',
      OperationsConfig: { DetectModerationLabels: { MinConfidence: 0 } },
      Input: { S3Object: { Bucket: IN, Name: 'manifests/mixed.jsonl' } },
      OutputConfig: { S3Bucket: OUT, S3KeyPrefix: 'moderation/run-1/' },
      KmsKeyId: 'alias/bulk',
    });
    expect(early.Results).toBeUndefined();
    await ctx.t.emulator.idle();
    job = await call('GetMediaAnalysisJob', { JobId }, ctx);
  });

  it('SUCCEEDS and points Results and ManifestSummary at <prefix>/<JobId>/...', () => {
    expect(job.Status).toBe('SUCCEEDED');
    expect(job.FailureDetails).toBeUndefined();
    expect(job.CompletionTimestamp).toBeGreaterThanOrEqual(job.CreationTimestamp);
    expect(job.Results).toEqual({ S3Object: { Bucket: OUT, Name: `moderation/run-1/${job.JobId}/results/output.jsonl` }, ModelVersions: { Moderation: '7.0' } });
    expect(job.ManifestSummary).toEqual({ S3Object: { Bucket: OUT, Name: `moderation/run-1/${job.JobId}/manifest-summary.json` } });
  });

  it('writes each usable line with its own fields plus what DetectModerationLabels answers for the image', async () => {
    const lines = readOut(job.Results.S3Object.Name).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l) as Wire);
    expect(Object.keys(first)).toEqual(['source-ref', 'id', 'tags', 'detect-moderation-labels']);
    expect(first).toMatchObject({ 'source-ref': `s3://${IN}/photos/astronaut.png`, id: 1, tags: ['a'] });
    expect(second['source-ref']).toBe(`s3://${IN}/photos/chelsea cat.png`);
    for (const [entry, name] of [[first, 'photos/astronaut.png'], [second, 'photos/chelsea cat.png']] as const) {
      const direct = await call('DetectModerationLabels', { Image: { S3Object: { Bucket: IN, Name: name } }, MinConfidence: 0 }, ctx);
      expect(entry['detect-moderation-labels']).toEqual(direct);
      // at MinConfidence 0 every mapped label is reported, with the nets' (low) confidence
      expect(direct.ModerationLabels.length).toBeGreaterThan(0);
    }
    // the wire form of the result is kept in the line (floats as the service prints them)
    const direct = (await ctx.t.emulator.dispatch('DetectModerationLabels', JSON.stringify({ Image: { S3Object: { Bucket: IN, Name: 'photos/astronaut.png' } }, MinConfidence: 0 }), ctx.caller)).body;
    expect(lines[0].endsWith(`,"detect-moderation-labels":${direct}}`)).toBe(true);
  });

  it('lists every unusable line in the summary with its line number, source-ref and the error DetectModerationLabels gives', () => {
    const summary = JSON.parse(readOut(job.ManifestSummary.S3Object.Name)) as Wire;
    expect(summary.version).toBe('1.0');
    expect(summary.statistics).toEqual({ 'total-json-lines': 7, 'valid-json-lines': 2, 'invalid-json-lines': 5 });
    expect(summary.errors).toEqual([
      { [SUMMARY_LINE_KEY]: 4, code: 'InvalidManifestException', message: 'The line is not a JSON object.' },
      {
        [SUMMARY_LINE_KEY]: 5,
        'source-ref': `s3://${IN}/photos/missing.png`,
        code: 'InvalidS3ObjectException',
        message: 'Unable to get object metadata from S3. Check object key, region and/or access permissions.',
      },
      { [SUMMARY_LINE_KEY]: 6, 'source-ref': `s3://${IN}/photos/notes.jpg`, code: 'InvalidImageFormatException', message: 'Request has invalid image format' },
      { [SUMMARY_LINE_KEY]: 7, code: 'InvalidManifestException', message: 'The line has no source-ref of the form s3://bucket/key.' },
      {
        [SUMMARY_LINE_KEY]: 8,
        'source-ref': 's3://ab/photo.png',
        code: 'ValidationException',
        message: "1 validation error detected: Value 'ab' at 'image.s3Object.bucket' failed to satisfy constraint: Member must have length greater than or equal to 3",
      },
    ]);
  });

  it('is not visible to another account', async () => {
    const err = await callError('GetMediaAnalysisJob', { JobId: job.JobId }, ctxOf(services, '444455556666'));
    expect(err).toMatchObject({ type: 'ResourceNotFoundException', message: `The job id: ${job.JobId} does not exist` });
  });
});

describe('StartMediaAnalysisJob', () => {
  const services = makeEmulator();
  const ctx = ctxOf(services);

  it('refuses a manifest that is not there, and a config without an operation', async () => {
    expect(await callError('StartMediaAnalysisJob', startInput('manifests/nope.jsonl'), ctx)).toMatchObject({ type: 'InvalidS3ObjectException' });
    expect(await callError('StartMediaAnalysisJob', { ...startInput('manifests/one.jsonl'), OperationsConfig: {} }, ctx)).toMatchObject({
      type: 'InvalidParameterException',
      message: 'OperationsConfig must include DetectModerationLabels.',
    });
    expect((await call('ListMediaAnalysisJobs', {}, ctx)).MediaAnalysisJobs).toEqual([]);
  });

  it('returns the same JobId for a repeated ClientRequestToken and refuses the token with other parameters', async () => {
    const input = startInput('manifests/one.jsonl', { ClientRequestToken: 'run-2026-03-01' });
    const first = await call('StartMediaAnalysisJob', input, ctx);
    expect(await call('StartMediaAnalysisJob', input, ctx)).toEqual(first);
    const err = await callError('StartMediaAnalysisJob', { ...input, JobName: 'other' }, ctx);
    expect(err.type).toBe('IdempotentParameterMismatchException');
    await ctx.t.emulator.idle();
    expect((await call('ListMediaAnalysisJobs', {}, ctx)).MediaAnalysisJobs).toHaveLength(1);
  });
});

describe('failed media analysis jobs', () => {
  const services = makeEmulator();
  const ctx = ctxOf(services);

  it.each([
    ['an empty manifest', 'manifests/empty.jsonl', {}, 'INVALID_MANIFEST', 'The manifest file has no JSON lines.'],
    ['a manifest without one usable line', 'manifests/garbage.jsonl', {}, 'INVALID_MANIFEST', 'No line of the manifest file is a JSON object with a source-ref of the form s3://bucket/key.'],
    [
      'an output bucket that does not exist',
      'manifests/one.jsonl',
      { OutputConfig: { S3Bucket: 'missing-bucket' } },
      'INVALID_OUTPUT_CONFIG',
      /^Unable to write the job output to s3:\/\/missing-bucket: .*the bucket missing-bucket does not exist/,
    ],
    [
      'a moderation adapter (ProjectVersion) DetectModerationLabels refuses',
      'manifests/one.jsonl',
      { OperationsConfig: { DetectModerationLabels: { ProjectVersion: 'arn:aws:rekognition:eu-west-1:111122223333:project/mod/version/mod.1/1700000000000' } } },
      'RESOURCE_NOT_FOUND',
      'The project version arn:aws:rekognition:eu-west-1:111122223333:project/mod/version/mod.1/1700000000000 does not exist.',
    ],
  ])('FAIL on %s', async (_name, manifest, extra, code, message) => {
    const job = await runJob(ctx, startInput(manifest, extra));
    expect(job.Status).toBe('FAILED');
    expect(job.FailureDetails.Code).toBe(code);
    if (typeof message === 'string') expect(job.FailureDetails.Message).toBe(message);
    else expect(job.FailureDetails.Message).toMatch(message);
    expect(job.Results).toBeUndefined();
    expect(job.ManifestSummary).toBeUndefined();
  });

  it('FAIL with INVALID_S3_OBJECT when the manifest is gone by the time the job runs', async () => {
    put('manifests/short-lived.jsonl', `{"source-ref": "s3://${IN}/photos/astronaut.png"}\n`);
    // Keep the runner busy with a job so the next one waits in the queue.
    const busy = await call('StartMediaAnalysisJob', startInput('manifests/one.jsonl'), ctx);
    const { JobId } = await call('StartMediaAnalysisJob', startInput('manifests/short-lived.jsonl'), ctx);
    expect((await call('GetMediaAnalysisJob', { JobId }, ctx)).Status).toBe('QUEUED');
    unlinkSync(path.join(s3Dir, IN, 'manifests', 'short-lived.jsonl'));
    await ctx.t.emulator.idle();
    expect((await call('GetMediaAnalysisJob', { JobId: busy.JobId }, ctx)).Status).toBe('SUCCEEDED');
    expect((await call('GetMediaAnalysisJob', { JobId }, ctx)).FailureDetails).toEqual({
      Code: 'INVALID_S3_OBJECT',
      Message: 'Unable to get object metadata from S3. Check object key, region and/or access permissions.',
    });
  });
});

describe('ListMediaAnalysisJobs', () => {
  const services = makeEmulator();
  const ctx = ctxOf(services, '222233334444', 'us-west-2');

  it('lists newest first in pages, with an opaque NextToken', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await call('StartMediaAnalysisJob', startInput('manifests/empty.jsonl', { JobName: `job-${i}` }), ctx)).JobId);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await ctx.t.emulator.idle();
    const page1 = await call('ListMediaAnalysisJobs', { MaxResults: 2 }, ctx);
    expect(page1.MediaAnalysisJobs.map((j: { JobId: string }) => j.JobId)).toEqual([ids[2], ids[1]]);
    expect(typeof page1.NextToken).toBe('string');
    const page2 = await call('ListMediaAnalysisJobs', { MaxResults: 2, NextToken: page1.NextToken }, ctx);
    expect(page2.MediaAnalysisJobs.map((j: { JobId: string }) => j.JobId)).toEqual([ids[0]]);
    expect(page2.NextToken).toBeUndefined();
    expect(page2.MediaAnalysisJobs[0]).toMatchObject({ JobName: 'job-0', Status: 'FAILED', FailureDetails: { Code: 'INVALID_MANIFEST' } });
    expect((await call('ListMediaAnalysisJobs', {}, ctx)).MediaAnalysisJobs).toHaveLength(3);
    expect((await call('ListMediaAnalysisJobs', {}, ctxOf(services))).MediaAnalysisJobs).toEqual([]);
  });

  it('refuses a token it did not issue', async () => {
    expect((await callError('ListMediaAnalysisJobs', { NextToken: 'bm90LWEtdG9rZW4=' }, ctx)).type).toBe('InvalidPaginationTokenException');
  });
});

describe('a media analysis job interrupted by a restart', () => {
  const dataDir = path.join(tmp, 'data');
  const manifest = `{"source-ref": "s3://${IN}/photos/astronaut.png"}\n{"source-ref": "s3://${IN}/photos/chelsea cat.png"}\n`;
  put('manifests/resume.jsonl', manifest);
  const sha = createHash('sha256').update(manifest).digest('hex');
  const account = '111122223333', region = 'eu-west-1';

  it('runs again after the restart, skipping the lines it had done (same manifest), and FAILS one interrupted three times', async () => {
    // What the first run left behind: a job IN_PROGRESS with line 1 done, and one interrupted three times.
    const before = createStores({ dataDir });
    const insert = before.db.prepare(
      'INSERT INTO media_analysis_jobs (account, region, job_id, status, operations_config, input, output_config, created_ms, manifest_sha256, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const common = [JSON.stringify({ DetectModerationLabels: {} }), JSON.stringify({ S3Object: { Bucket: IN, Name: 'manifests/resume.jsonl' } }), JSON.stringify({ S3Bucket: OUT, S3KeyPrefix: 'resumed' })];
    insert.run(account, region, 'job-resumed', 'IN_PROGRESS', ...common, Date.now() - 2000, sha, 1);
    insert.run(account, region, 'job-given-up', 'IN_PROGRESS', ...common, Date.now() - 1000, sha, 3);
    before.db
      .prepare('INSERT INTO media_analysis_lines (account, region, job_id, line, output, error) VALUES (?, ?, ?, ?, ?, NULL)')
      .run(account, region, 'job-resumed', 1, '{"source-ref":"from the first run"}');
    before.close();

    const after = makeEmulator(dataDir);
    const ctx = ctxOf(after, account, region);
    await after.emulator.start();
    // The first request after the restart finds both jobs already handled (resumed or failed).
    const resumed = await call('GetMediaAnalysisJob', { JobId: 'job-resumed' }, ctx);
    expect(['QUEUED', 'IN_PROGRESS']).toContain(resumed.Status);
    expect(await call('GetMediaAnalysisJob', { JobId: 'job-given-up' }, ctx)).toMatchObject({ Status: 'FAILED', FailureDetails: { Code: 'INTERNAL_ERROR', Message: 'The job was interrupted too often.' } });
    await ctx.t.emulator.idle();
    const done = await call('GetMediaAnalysisJob', { JobId: 'job-resumed' }, ctx);
    expect(done.Status).toBe('SUCCEEDED');
    const lines = readOut(done.Results.S3Object.Name).trim().split('\n');
    expect(lines[0]).toBe('{"source-ref":"from the first run"}');
    expect(JSON.parse(lines[1])['source-ref']).toBe(`s3://${IN}/photos/chelsea cat.png`);
    expect(done.Results.S3Object.Name).toBe('resumed/job-resumed/results/output.jsonl');
  });
});

describe('helpers', () => {
  it('build output keys and parse source-refs', () => {
    expect(outputKey('a/b/', 'J', 'manifest-summary.json')).toBe('a/b/J/manifest-summary.json');
    expect(outputKey('a/b', 'J', 'results/output.jsonl')).toBe('a/b/J/results/output.jsonl');
    expect(outputKey(undefined, 'J', 'manifest-summary.json')).toBe('J/manifest-summary.json');
    expect(parseS3Uri('s3://bucket/dir/key with space.png')).toEqual({ Bucket: 'bucket', Name: 'dir/key with space.png' });
    for (const bad of ['https://bucket/key', 's3://bucket', 's3://bucket/', 42, undefined]) expect(parseS3Uri(bad)).toBeUndefined();
  });
});
