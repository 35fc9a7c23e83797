/**
 * The stored-video job machinery, in process: states, the Get envelope and its pagination,
 * ClientRequestToken idempotency, the 20-open-jobs limit, failures, notifications (the exact SNS
 * Publish request, and --notify-url), and resuming jobs a restart left IN_PROGRESS.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RekognitionError } from '../../src/api/errors';
import { serializeOutput } from '../../src/api/serialize';
import { defaultConfig, type Config } from '../../src/runtime/config';
import type { JobContext, VideoAnalyzer } from '../../src/jobs/analyzer';
import { startVideoJobs, videoAnalyzers, videoJobs } from '../../src/jobs/handlers';
import { forgetVideoJobQueue, VideoJobQueue } from '../../src/jobs/queue';
import type { RequestContext, Services } from '../../src/operations/context';
import { handlerFor } from '../../src/operations/registry';
import '../../src/operations/video';
import { storesFor } from '../support/stores';
import { IdGenerator } from '../../src/runtime/ids';
import { systemClock } from '../../src/runtime/clock';
import { Logger } from '../../src/runtime/logger';
import { SdkClients } from '../../src/runtime/sdk-clients';
import { ModelsClient } from '../../models/client';
import { synthVideo } from './synth';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'video-jobs-'));
const s3Dir = path.join(tmp, 's3');
const VIDEO = { S3Object: { Bucket: 'vids', Name: 'clips/two shots.mp4' } };

/** A stand-in SNS (query protocol) and webhook receiver that records what it is sent. */
interface Captured {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
const captured: Captured[] = [];

// Listening before the suites below build their services, which need its URL.
const receiver: Server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    captured.push({ path: req.url ?? '', headers: req.headers, body });
    if (req.url === '/hook') return res.writeHead(204).end();
    res.writeHead(200, { 'Content-Type': 'text/xml' }).end(
      '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>5ec0d0b4-6d0b-4f0e-9d2c-0d6c1b1b1b1b</MessageId></PublishResult><ResponseMetadata><RequestId>0f5d0e0e-1111-2222-3333-444455556666</RequestId></ResponseMetadata></PublishResponse>',
    );
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

beforeAll(async () => {
  mkdirSync(path.join(s3Dir, 'vids', 'clips'), { recursive: true });
  await synthVideo(path.join(s3Dir, 'vids', 'clips', 'two shots.mp4'), [
    { kind: 'testsrc2', frames: 25 },
    { kind: 'black', frames: 10 },
    { kind: 'mandelbrot', frames: 25 },
  ]);
  await synthVideo(path.join(s3Dir, 'vids', 'xvid.avi'), [{ kind: 'testsrc2', frames: 10 }], { codec: 'mpeg4' });
  writeFileSync(path.join(s3Dir, 'vids', 'corrupt.mp4'), Buffer.alloc(4096, 7));
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

function makeServices(config: Partial<Config> = {}, dataDir?: string): Services {
  return {
    config: { ...defaultConfig, s3Dir, snsEndpoint: `${receiverUrl}/sns`, notifyUrl: `${receiverUrl}/hook`, dataDir, ...config },
    ...storesFor(dataDir),
    ids: new IdGenerator(), clock: systemClock, log: new Logger('warn'), clients: new SdkClients(),
    startedAt: new Date(),
    // Segment detection needs no model, so the pool never starts a worker.
    inference: new ModelsClient({ size: 1 }),
  };
}

const ctxOf = (services: Services, account = '111122223333', region = 'eu-west-1'): RequestContext => ({ ...services, account, region, requestId: 'test', operation: 'test' });

async function call(operation: 'StartSegmentDetection' | 'GetSegmentDetection', input: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
  const info = handlerFor(operation);
  if (!info) throw new Error(`${operation} is not registered`);
  return (await info.handler(input as never, ctx)) as Record<string, unknown>;
}

async function callError(operation: 'StartSegmentDetection' | 'GetSegmentDetection', input: Record<string, unknown>, ctx: RequestContext): Promise<RekognitionError> {
  const err = await call(operation, input, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RekognitionError);
  return err as RekognitionError;
}

const start = (ctx: RequestContext, extra: Record<string, unknown> = {}) => call('StartSegmentDetection', { Video: VIDEO, SegmentTypes: ['SHOT', 'TECHNICAL_CUE'], ...extra }, ctx);
const defined = (o: Record<string, unknown>) => Object.keys(o).filter((k) => o[k] !== undefined);
const published = () => captured.filter((c) => c.path.startsWith('/sns')).map((c) => new URLSearchParams(c.body));

describe('a segment detection job', () => {
  const services = makeServices();
  const ctx = ctxOf(services);
  let jobId: string;
  afterAll(() => forgetVideoJobQueue(services.db));

  it('answers Start with a 64-character lowercase hex JobId, and is IN_PROGRESS right after', async () => {
    jobId = (await start(ctx, { JobTag: 'nightly-run', NotificationChannel: { SNSTopicArn: 'arn:aws:sns:ap-south-1:111122223333:AmazonRekognitionDone', RoleArn: 'arn:aws:iam::111122223333:role/Rek' } })).JobId as string;
    expect(jobId).toMatch(/^[0-9a-f]{64}$/);
    const get = await call('GetSegmentDetection', { JobId: jobId }, ctx);
    expect(get.JobStatus).toBe('IN_PROGRESS');
    expect(get.Segments).toEqual([]);
  });

  it('ends SUCCEEDED with the AWS envelope, in AWS order', async () => {
    await videoJobs(services).idle();
    const get = await call('GetSegmentDetection', { JobId: jobId }, ctx);
    expect(defined(get)).toEqual(['JobStatus', 'VideoMetadata', 'AudioMetadata', 'Segments', 'SelectedSegmentTypes', 'JobId', 'Video', 'JobTag']);
    expect(get).toMatchObject({ JobStatus: 'SUCCEEDED', JobId: jobId, Video: VIDEO, JobTag: 'nightly-run', AudioMetadata: [] });
    expect(get.VideoMetadata).toEqual([{ Codec: 'h264', DurationMillis: 2400, Format: 'QuickTime / MOV', FrameRate: 25, FrameHeight: 240, FrameWidth: 320, ColorRange: 'LIMITED' }]);
    const segments = get.Segments as { Type: string; StartFrameNumber: number; TechnicalCueSegment?: { Type: string } }[];
    expect(segments.filter((s) => s.Type === 'SHOT').map((s) => s.StartFrameNumber)).toEqual([0, 25, 35]);
    expect(segments.filter((s) => s.Type === 'TECHNICAL_CUE').map((s) => `${s.TechnicalCueSegment!.Type}@${s.StartFrameNumber}`)).toEqual(['Content@0', 'BlackFrames@25', 'Content@35']);
    const wire = serializeOutput(get, 'GetSegmentDetectionResponse');
    expect(wire).toMatch(/^\{"JobStatus":"SUCCEEDED","VideoMetadata":\[\{"Codec":"h264","DurationMillis":2400,"Format":"QuickTime \/ MOV","FrameRate":25\.0,/);
  });

  it('published the completion to the topic as AWS does, through the SNS endpoint', () => {
    const publishes = published().filter((p) => JSON.parse(p.get('Message')!).JobId === jobId);
    expect(publishes).toHaveLength(1);
    const p = publishes[0];
    expect(p.get('Action')).toBe('Publish');
    expect(p.get('TopicArn')).toBe('arn:aws:sns:ap-south-1:111122223333:AmazonRekognitionDone');
    expect(p.has('Subject')).toBe(false);
    const message = p.get('Message')!;
    const timestamp = JSON.parse(message).Timestamp as number;
    expect(Math.abs(timestamp - Date.now())).toBeLessThan(60_000);
    expect(message).toBe(
      `{"JobId":"${jobId}","Status":"SUCCEEDED","API":"StartSegmentDetection","JobTag":"nightly-run","Timestamp":${timestamp},"Video":{"S3ObjectName":"clips/two shots.mp4","S3Bucket":"vids"}}`,
    );
    // Signed for the topic's region.
    const request = captured.find((c) => c.path.startsWith('/sns') && c.body.includes(jobId))!;
    expect(request.headers.authorization).toMatch(/Credential=\w+\/\d{8}\/ap-south-1\/sns\/aws4_request/);
    expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    // And the same message to --notify-url.
    expect(captured.filter((c) => c.path === '/hook').map((c) => c.body)).toContain(message);
  });

  it('pages with MaxResults and opaque 72-character NextTokens that only fit their own job', async () => {
    const all = (await call('GetSegmentDetection', { JobId: jobId }, ctx)).Segments as unknown[];
    expect(all).toHaveLength(6);
    const pages: unknown[][] = [];
    let token: string | undefined;
    do {
      const page = await call('GetSegmentDetection', { JobId: jobId, MaxResults: 4, ...(token ? { NextToken: token } : {}) }, ctx);
      pages.push(page.Segments as unknown[]);
      token = page.NextToken as string | undefined;
      if (token) expect(token).toMatch(/^[A-Za-z0-9+/]{72}$/);
    } while (token);
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    expect(pages.flat()).toEqual(all);

    const first = await call('GetSegmentDetection', { JobId: jobId, MaxResults: 1 }, ctx);
    const other = (await start(ctx)).JobId as string;
    const wrongJob = await callError('GetSegmentDetection', { JobId: other, NextToken: first.NextToken }, ctx);
    expect([wrongJob.type, wrongJob.message]).toEqual(['InvalidPaginationTokenException', 'Invalid Token']);
    const garbage = await callError('GetSegmentDetection', { JobId: jobId, NextToken: 'bm90IGEgdG9rZW4=' }, ctx);
    expect(garbage.type).toBe('InvalidPaginationTokenException');
    // Above the cap of 1000 is not an error.
    expect(((await call('GetSegmentDetection', { JobId: jobId, MaxResults: 5000 }, ctx)).Segments as unknown[]).length).toBe(6);
    await videoJobs(services).idle();
  });

  it('answers an unknown JobId with ResourceNotFoundException, per account and region', async () => {
    const err = await callError('GetSegmentDetection', { JobId: 'a'.repeat(64) }, ctx);
    expect(err.type).toBe('ResourceNotFoundException');
    const elsewhere = await callError('GetSegmentDetection', { JobId: jobId }, ctxOf(services, '999988887777'));
    expect(elsewhere.type).toBe('ResourceNotFoundException');
  });
});

describe('ClientRequestToken', () => {
  const services = makeServices();
  const ctx = ctxOf(services);
  afterAll(() => forgetVideoJobQueue(services.db));

  it('gives the same JobId for the same token and input, without a second job or notification', async () => {
    const input = { ClientRequestToken: 'token-1', JobTag: 'idem', NotificationChannel: { SNSTopicArn: 'arn:aws:sns:eu-west-1:111122223333:AmazonRekognitionIdem', RoleArn: 'arn:aws:iam::111122223333:role/Rek' } };
    const a = (await start(ctx, input)).JobId;
    const b = (await start(ctx, input)).JobId;
    await videoJobs(services).idle();
    const c = (await start(ctx, input)).JobId;
    expect(b).toBe(a);
    expect(c).toBe(a);
    await videoJobs(services).idle();
    expect(published().filter((p) => p.get('Message')!.includes(a as string))).toHaveLength(1);
    expect(captured.filter((h) => h.path === '/hook' && h.body.includes(a as string))).toHaveLength(1);
    // Another token starts another job.
    expect((await start(ctx, { ...input, ClientRequestToken: 'token-2' })).JobId).not.toBe(a);
    await videoJobs(services).idle();
  });

  it('refuses the same token with other parameters', async () => {
    await start(ctx, { ClientRequestToken: 'token-3' });
    const err = await callError('StartSegmentDetection', { Video: VIDEO, SegmentTypes: ['SHOT'], ClientRequestToken: 'token-3' }, ctx);
    expect([err.type, err.message]).toEqual(['IdempotentParameterMismatchException', 'The ClientRequestToken: token-3 you have supplied is already in use.']);
    await videoJobs(services).idle();
  });
});

describe('failures', () => {
  const services = makeServices({ notifyUrl: undefined });
  const ctx = ctxOf(services);
  afterAll(() => forgetVideoJobQueue(services.db));

  it.each([
    ['a corrupt file', 'corrupt.mp4'],
    ['MPEG-4 part 2 in AVI', 'xvid.avi'],
  ])('%s: Start succeeds, the job FAILS with "Unsupported codec/format." and is announced', async (_what, name) => {
    const video = { S3Object: { Bucket: 'vids', Name: name } };
    const { JobId } = await call('StartSegmentDetection', { Video: video, SegmentTypes: ['SHOT'], NotificationChannel: { SNSTopicArn: 'arn:aws:sns:eu-west-1:111122223333:AmazonRekognitionFail', RoleArn: 'arn:aws:iam::111122223333:role/Rek' } }, ctx);
    await videoJobs(services).idle();
    const get = await call('GetSegmentDetection', { JobId }, ctx);
    expect(defined(get)).toEqual(['JobStatus', 'StatusMessage', 'Segments', 'JobId', 'Video']);
    expect(get).toMatchObject({ JobStatus: 'FAILED', StatusMessage: 'Unsupported codec/format.', Segments: [] });
    const message = published().find((p) => p.get('Message')!.includes(JobId as string))!.get('Message')!;
    expect(JSON.parse(message)).toMatchObject({ Status: 'FAILED', API: 'StartSegmentDetection', Video: { S3ObjectName: name, S3Bucket: 'vids' } });
    expect(message).not.toContain('JobTag');
  });

  it('a missing object is InvalidS3ObjectException at Start, and no job is made', async () => {
    const err = await callError('StartSegmentDetection', { Video: { S3Object: { Bucket: 'vids', Name: 'nope.mp4' } }, SegmentTypes: ['SHOT'] }, ctx);
    expect(err.type).toBe('InvalidS3ObjectException');
    expect(videoJobs(services).store.countOpen(ctx.account, ctx.region)).toBe(0);
  });
});

describe('the open-jobs limit', () => {
  it('refuses the 21st open job of an account with AWS message, and frees a slot when one ends', async () => {
    const services = makeServices({ notifyUrl: undefined });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: VideoAnalyzer<'StartSegmentDetection'> = {
      start: 'StartSegmentDetection',
      get: 'GetSegmentDetection',
      resultsKey: 'Segments',
      notes: '',
      run: async (_input: unknown, job: JobContext) => {
        await gate;
        return { items: [{ item: { frames: job.info.frameCount }, ts: 0 }] };
      },
    };
    const queue = new VideoJobQueue(services, new Map([['StartSegmentDetection', slow as unknown as VideoAnalyzer]]), { concurrency: 2 });
    const ctx = ctxOf(services, '123456789012');
    const input = { Video: VIDEO, SegmentTypes: ['SHOT' as const] };
    for (let i = 0; i < 20; i++) await queue.start(slow, input, ctx);
    const refused = await queue.start(slow, input, ctx).then(
      () => undefined,
      (e: unknown) => e as RekognitionError,
    );
    expect(refused?.type).toBe('LimitExceededException');
    expect(refused?.message).toBe('20  open Jobs for User arn:aws:iam::123456789012:root Maximum limit: 20');
    // Another account has its own quota.
    await queue.start(slow, input, ctxOf(services, '210987654321'));
    release();
    await queue.idle();
    expect(queue.store.countOpen('123456789012', ctx.region)).toBe(0);
    await queue.start(slow, input, ctx);
    await queue.idle();
    queue.close();
  });
});

describe('restarts (--data-dir)', () => {
  it('keeps results, and resumes a job left IN_PROGRESS', async () => {
    const dataDir = path.join(tmp, 'data');
    const first = makeServices({ notifyUrl: undefined }, dataDir);
    const ctx1 = ctxOf(first);
    const done = (await start(ctx1)).JobId as string;
    await videoJobs(first).idle();
    const before = await call('GetSegmentDetection', { JobId: done }, ctx1);
    // A job accepted just before the process dies: stop the queue before it runs.
    const queue = videoJobs(first);
    const pending = (await start(ctx1, { JobTag: 'interrupted' })).JobId as string;
    forgetVideoJobQueue(first.db);
    await queue.idle();
    expect((await call('GetSegmentDetection', { JobId: pending }, ctx1)).JobStatus).toBe('IN_PROGRESS');
    first.db.close();

    const second = makeServices({ notifyUrl: undefined }, dataDir);
    const ctx2 = ctxOf(second);
    expect(await call('GetSegmentDetection', { JobId: done }, ctx2)).toEqual(before);
    startVideoJobs(second);
    await videoJobs(second).idle();
    const resumed = await call('GetSegmentDetection', { JobId: pending }, ctx2);
    expect(resumed).toMatchObject({ JobStatus: 'SUCCEEDED', JobTag: 'interrupted' });
    expect(resumed.Segments).toEqual(before.Segments);
    forgetVideoJobQueue(second.db);
    second.db.close();
  });

  it('fails a job that keeps being interrupted, or whose analysis is gone, instead of leaving it IN_PROGRESS', async () => {
    const services = makeServices({ notifyUrl: undefined });
    const ctx = ctxOf(services);
    const insert = (jobId: string, api: string, attempts: number) =>
      services.db
        .prepare("INSERT INTO video_jobs (account, region, job_id, api, status, request, request_hash, attempts, created_ms) VALUES (?, ?, ?, ?, 'IN_PROGRESS', ?, 'x', ?, ?)")
        .run(ctx.account, ctx.region, jobId, api, JSON.stringify({ Video: VIDEO, SegmentTypes: ['SHOT'] }), attempts, Date.now());
    insert('1'.repeat(64), 'StartSegmentDetection', 3);
    insert('2'.repeat(64), 'StartNothing', 0);
    startVideoJobs(services);
    await videoJobs(services).idle();
    expect(await call('GetSegmentDetection', { JobId: '1'.repeat(64) }, ctx)).toMatchObject({ JobStatus: 'FAILED', StatusMessage: 'The job was interrupted by restarts of rekognition-local too many times.' });
    const row = services.db.prepare('SELECT status, status_message FROM video_jobs WHERE job_id = ?').get('2'.repeat(64));
    expect(row).toEqual({ status: 'FAILED', status_message: 'StartNothing is not available in this version of rekognition-local.' });
    expect(videoAnalyzers().has('StartSegmentDetection')).toBe(true);
    forgetVideoJobQueue(services.db);
  });

  it('forgets finished jobs after the 7 days AWS keeps them, and keeps younger ones', async () => {
    const services = makeServices({ notifyUrl: undefined });
    const ctx = ctxOf(services);
    const day = 24 * 3600 * 1000;
    const insert = (jobId: string, ageDays: number) =>
      services.db
        .prepare("INSERT INTO video_jobs (account, region, job_id, api, status, request, request_hash, attempts, created_ms, completed_ms) VALUES (?, ?, ?, 'StartSegmentDetection', 'SUCCEEDED', ?, 'x', 1, ?, ?)")
        .run(ctx.account, ctx.region, jobId, JSON.stringify({ Video: VIDEO, SegmentTypes: ['SHOT'] }), Date.now() - ageDays * day, Date.now() - ageDays * day);
    insert('3'.repeat(64), 8);
    insert('4'.repeat(64), 6);
    startVideoJobs(services);
    expect((await callError('GetSegmentDetection', { JobId: '3'.repeat(64) }, ctx)).type).toBe('ResourceNotFoundException');
    expect((await call('GetSegmentDetection', { JobId: '4'.repeat(64) }, ctx)).JobStatus).toBe('SUCCEEDED');
    forgetVideoJobQueue(services.db);
  });
});
