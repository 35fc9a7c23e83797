/**
 * The stored-video job machinery, through the emulator: states, the Get envelope and its
 * pagination, ClientRequestToken idempotency, the 20-open-jobs limit, failures, notifications (the
 * exact SNS Publish request, and --notify-url), resuming jobs a restart left IN_PROGRESS, and
 * stopping a running job's ffmpeg at shutdown.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { serializeOutput } from '../../src/api/serialize';
import type { Config } from '../../src/emulator';
import { servedOperations } from '../../scripts/coverage';
import { createStores } from '../../src/store';
import type { ModelsClient } from '../../models/client';
import { ApiError, testEmulator, type TestEmulator } from '../support/emulator';
import type { Scope } from '../../src/runtime/scope';
import { synthVideo } from './synth';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'video-jobs-'));
const s3Dir = path.join(tmp, 's3');
const VIDEO = { S3Object: { Bucket: 'vids', Name: 'clips/two shots.mp4' } };
/** A few frames, for tests about jobs rather than what they find. */
const SHORT = { S3Object: { Bucket: 'vids', Name: 'short.mp4' } };

/** A stand-in SNS (query protocol) and webhook receiver that records what it is sent. */
interface Captured {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
const captured: Captured[] = [];

// Listening before the suites below build their emulators, which need its URL.
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
  await synthVideo(path.join(s3Dir, 'vids', 'short.mp4'), [{ kind: 'testsrc2', frames: 5 }]);
  await synthVideo(path.join(s3Dir, 'vids', 'xvid.avi'), [{ kind: 'testsrc2', frames: 10 }], { codec: 'mpeg4' });
  writeFileSync(path.join(s3Dir, 'vids', 'corrupt.mp4'), Buffer.alloc(4096, 7));
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

/** Inference for jobs that need none (segment detection) or a stand-in: label jobs get no objects and no faces. */
function fakeInference(run: (task: string) => Promise<unknown> = () => Promise.reject(new Error('no models in this test'))): ModelsClient {
  const fake = { size: 1, plugins: [], run, broadcast: async () => undefined, close: async () => undefined, background: () => fake };
  return fake as unknown as ModelsClient;
}

const opened: TestEmulator[] = [];
function makeEmulator(config: Partial<Config> = {}, inference = fakeInference()): TestEmulator {
  const t = testEmulator({ s3Dir, snsEndpoint: `${receiverUrl}/sns`, notifyUrl: `${receiverUrl}/hook`, ...config }, { inference });
  opened.push(t);
  return t;
}
afterAll(async () => {
  for (const t of opened) await t.close();
});
/** Stops an emulator as a shutdown would. */
async function stop(t: TestEmulator): Promise<void> {
  opened.splice(opened.indexOf(t), 1);
  await t.close();
}

const CALLER: Scope = { account: '111122223333', region: 'eu-west-1' };

async function callError(t: TestEmulator, operation: string, input: Record<string, unknown>, caller = CALLER): Promise<ApiError> {
  const err = await t.call(operation, input, caller).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

const start = (t: TestEmulator, extra: Record<string, unknown> = {}, caller = CALLER) => t.call('StartSegmentDetection', { Video: VIDEO, SegmentTypes: ['SHOT', 'TECHNICAL_CUE'], ...extra }, caller);
const get = (t: TestEmulator, input: Record<string, unknown>, caller = CALLER) => t.call('GetSegmentDetection', input, caller);
const defined = (o: Record<string, unknown>) => Object.keys(o).filter((k) => o[k] !== undefined);
const published = () => captured.filter((c) => c.path.startsWith('/sns')).map((c) => new URLSearchParams(c.body));
const sqlite = (dataDir: string) => new Database(path.join(dataDir, 'rekognition-local.sqlite'), { readonly: true });

describe('a segment detection job', () => {
  const t = makeEmulator();
  let jobId: string;

  it('answers Start with a 64-character lowercase hex JobId, and is IN_PROGRESS right after', async () => {
    jobId = (await start(t, { JobTag: 'nightly-run', NotificationChannel: { SNSTopicArn: 'arn:aws:sns:ap-south-1:111122223333:AmazonRekognitionDone', RoleArn: 'arn:aws:iam::111122223333:role/Rek' } })).JobId as string;
    expect(jobId).toMatch(/^[0-9a-f]{64}$/);
    const early = await get(t, { JobId: jobId });
    expect(early.JobStatus).toBe('IN_PROGRESS');
    expect(early.Segments).toEqual([]);
  });

  it('ends SUCCEEDED with the AWS envelope, in AWS order', async () => {
    await t.emulator.idle();
    const done = await get(t, { JobId: jobId });
    expect(defined(done)).toEqual(['JobStatus', 'VideoMetadata', 'AudioMetadata', 'Segments', 'SelectedSegmentTypes', 'JobId', 'Video', 'JobTag']);
    expect(done).toMatchObject({ JobStatus: 'SUCCEEDED', JobId: jobId, Video: VIDEO, JobTag: 'nightly-run', AudioMetadata: [] });
    expect(done.VideoMetadata).toEqual([{ Codec: 'h264', DurationMillis: 2400, Format: 'QuickTime / MOV', FrameRate: 25, FrameHeight: 240, FrameWidth: 320, ColorRange: 'LIMITED' }]);
    const segments = done.Segments as { Type: string; StartFrameNumber: number; TechnicalCueSegment?: { Type: string } }[];
    expect(segments.filter((s) => s.Type === 'SHOT').map((s) => s.StartFrameNumber)).toEqual([0, 25, 35]);
    expect(segments.filter((s) => s.Type === 'TECHNICAL_CUE').map((s) => `${s.TechnicalCueSegment!.Type}@${s.StartFrameNumber}`)).toEqual(['Content@0', 'BlackFrames@25', 'Content@35']);
    const wire = serializeOutput(done, 'GetSegmentDetectionResponse');
    expect(wire).toMatch(/^\{"JobStatus":"SUCCEEDED","VideoMetadata":\[\{"Codec":"h264","DurationMillis":2400,"Format":"QuickTime \/ MOV","FrameRate":25\.0,/);
    // And so it is on the wire.
    const raw = await t.emulator.dispatch('GetSegmentDetection', JSON.stringify({ JobId: jobId }), CALLER);
    expect(raw.body).toBe(wire);
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
    const all = (await get(t, { JobId: jobId })).Segments as unknown[];
    expect(all).toHaveLength(6);
    const pages: unknown[][] = [];
    let token: string | undefined;
    do {
      const page = await get(t, { JobId: jobId, MaxResults: 4, ...(token ? { NextToken: token } : {}) });
      pages.push(page.Segments as unknown[]);
      token = page.NextToken as string | undefined;
      if (token) expect(token).toMatch(/^[A-Za-z0-9+/]{72}$/);
    } while (token);
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    expect(pages.flat()).toEqual(all);

    const first = await get(t, { JobId: jobId, MaxResults: 1 });
    const other = (await start(t)).JobId as string;
    const wrongJob = await callError(t, 'GetSegmentDetection', { JobId: other, NextToken: first.NextToken });
    expect([wrongJob.type, wrongJob.message]).toEqual(['InvalidPaginationTokenException', 'Invalid Token']);
    const garbage = await callError(t, 'GetSegmentDetection', { JobId: jobId, NextToken: 'bm90IGEgdG9rZW4=' });
    expect(garbage.type).toBe('InvalidPaginationTokenException');
    // Above the cap of 1000 is not an error.
    expect(((await get(t, { JobId: jobId, MaxResults: 5000 })).Segments as unknown[]).length).toBe(6);
    await t.emulator.idle();
  });

  it('answers an unknown JobId with ResourceNotFoundException, per account and region', async () => {
    const err = await callError(t, 'GetSegmentDetection', { JobId: 'a'.repeat(64) });
    expect(err.type).toBe('ResourceNotFoundException');
    const elsewhere = await callError(t, 'GetSegmentDetection', { JobId: jobId }, { account: '999988887777', region: CALLER.region });
    expect(elsewhere.type).toBe('ResourceNotFoundException');
  });
});

describe('ClientRequestToken', () => {
  const t = makeEmulator();

  it('gives the same JobId for the same token and input, without a second job or notification', async () => {
    const input = { ClientRequestToken: 'token-1', JobTag: 'idem', NotificationChannel: { SNSTopicArn: 'arn:aws:sns:eu-west-1:111122223333:AmazonRekognitionIdem', RoleArn: 'arn:aws:iam::111122223333:role/Rek' } };
    const a = (await start(t, input)).JobId;
    const b = (await start(t, input)).JobId;
    await t.emulator.idle();
    const c = (await start(t, input)).JobId;
    expect(b).toBe(a);
    expect(c).toBe(a);
    await t.emulator.idle();
    expect(published().filter((p) => p.get('Message')!.includes(a as string))).toHaveLength(1);
    expect(captured.filter((h) => h.path === '/hook' && h.body.includes(a as string))).toHaveLength(1);
    // Another token starts another job.
    expect((await start(t, { ...input, ClientRequestToken: 'token-2' })).JobId).not.toBe(a);
    await t.emulator.idle();
  });

  it('refuses the same token with other parameters', async () => {
    await start(t, { ClientRequestToken: 'token-3' });
    const err = await callError(t, 'StartSegmentDetection', { Video: VIDEO, SegmentTypes: ['SHOT'], ClientRequestToken: 'token-3' });
    expect([err.type, err.message]).toEqual(['IdempotentParameterMismatchException', 'The ClientRequestToken: token-3 you have supplied is already in use.']);
    await t.emulator.idle();
  });
});

describe('containment', () => {
  const t = makeEmulator();

  it('analyses the video Start accepted, even when the object becomes a symlink to an outside file while the job waits', async () => {
    const inside = path.join(s3Dir, 'vids', 'swapped.mp4');
    copyFileSync(path.join(s3Dir, 'vids', 'clips', 'two shots.mp4'), inside);
    const outside = path.join(tmp, 'outside.mp4');
    await synthVideo(outside, [{ kind: 'testsrc2', frames: 10 }]);
    // A first job holds the runner, so the second one is still queued when its object is swapped.
    await start(t);
    const { JobId } = await start(t, { Video: { S3Object: { Bucket: 'vids', Name: 'swapped.mp4' } } });
    rmSync(inside);
    symlinkSync(outside, inside);
    await t.emulator.idle();
    const done = await get(t, { JobId });
    expect(done.JobStatus).toBe('SUCCEEDED');
    expect(done.VideoMetadata[0].DurationMillis).toBe(2400); // the accepted clip; the outside one lasts 400 ms
  });
});

describe('the time budget (--video-job-timeout)', () => {
  it('fails a job that runs past it, cleanly and with a message naming the flag', async () => {
    const t = makeEmulator({ videoJobTimeoutSeconds: 0.001 });
    const { JobId } = await start(t);
    await t.emulator.idle();
    const done = await get(t, { JobId });
    expect(done.JobStatus).toBe('FAILED');
    expect(done.StatusMessage).toBe('The job exceeded the 0.001-second time budget of rekognition-local (--video-job-timeout).');
    // The killed ffmpeg may take a moment to be reaped.
    for (let i = 0; i < 50 && ffmpegChildren().length; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ffmpegChildren()).toEqual([]);
  });
});

describe('failures', () => {
  const dataDir = path.join(tmp, 'failures');
  const t = makeEmulator({ notifyUrl: undefined, dataDir });

  it.each([
    ['a corrupt file', 'corrupt.mp4'],
    ['MPEG-4 part 2 in AVI', 'xvid.avi'],
  ])('%s: Start succeeds, the job FAILS with "Unsupported codec/format." and is announced', async (_what, name) => {
    const video = { S3Object: { Bucket: 'vids', Name: name } };
    const { JobId } = await t.call('StartSegmentDetection', { Video: video, SegmentTypes: ['SHOT'], NotificationChannel: { SNSTopicArn: 'arn:aws:sns:eu-west-1:111122223333:AmazonRekognitionFail', RoleArn: 'arn:aws:iam::111122223333:role/Rek' } }, CALLER);
    await t.emulator.idle();
    const failed = await get(t, { JobId });
    expect(defined(failed)).toEqual(['JobStatus', 'StatusMessage', 'Segments', 'JobId', 'Video']);
    expect(failed).toMatchObject({ JobStatus: 'FAILED', StatusMessage: 'Unsupported codec/format.', Segments: [] });
    const message = published().find((p) => p.get('Message')!.includes(JobId as string))!.get('Message')!;
    expect(JSON.parse(message)).toMatchObject({ Status: 'FAILED', API: 'StartSegmentDetection', Video: { S3ObjectName: name, S3Bucket: 'vids' } });
    expect(message).not.toContain('JobTag');
  });

  it('a missing object is InvalidS3ObjectException at Start, and no job is made', async () => {
    const err = await callError(t, 'StartSegmentDetection', { Video: { S3Object: { Bucket: 'vids', Name: 'nope.mp4' } }, SegmentTypes: ['SHOT'] });
    expect(err.type).toBe('InvalidS3ObjectException');
    const db = sqlite(dataDir);
    expect(db.prepare("SELECT COUNT(*) AS n FROM video_jobs WHERE account = ? AND region = ? AND status = 'IN_PROGRESS'").get(CALLER.account, CALLER.region)).toEqual({ n: 0 });
    db.close();
  });
});

describe('label detection', () => {
  it('filters labels, not instances, by MinConfidence, as DetectLabels does', async () => {
    // A sure face makes a sure Person; centernet's box around it is weaker than MinConfidence.
    const face = { box: { Left: 0.4, Top: 0.2, Width: 0.1, Height: 0.15 }, confidence: 99.9 };
    const person = { coco: 'person', score: 0.35, box: { Left: 0.3, Top: 0.1, Width: 0.3, Height: 0.8 } };
    const t = makeEmulator({ notifyUrl: undefined }, fakeInference(async (task) => (task === 'vision.objects' ? { objects: [person] } : task === 'vision.faces' ? [face] : [])));
    const { JobId } = await t.call('StartLabelDetection', { Video: SHORT, MinConfidence: 90 });
    await t.emulator.idle();
    const out = await t.call('GetLabelDetection', { JobId });
    expect(out.JobStatus, String(out.StatusMessage)).toBe('SUCCEEDED');
    const persons = (out.Labels as { Label: { Name: string; Confidence: number; Instances: { Confidence: number }[] } }[]).filter((l) => l.Label.Name === 'Person');
    expect(persons.length).toBeGreaterThan(0);
    for (const { Label } of persons) {
      expect(Label.Confidence).toBeGreaterThanOrEqual(90);
      expect(Label.Instances).toHaveLength(1);
      expect(Label.Instances[0].Confidence).toBeLessThan(90);
    }
  });
});

describe('the open-jobs limit', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('refuses the 21st open job of an account with AWS message, and frees a slot when one ends', async () => {
    vi.stubEnv('REKOGNITION_LOCAL_VIDEO_CONCURRENCY', '2');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Label jobs wait for the gate at their first frame: they stay open until it opens.
    const t = makeEmulator({ notifyUrl: undefined }, fakeInference(async (task) => (await gate, task === 'vision.objects' ? { objects: [] } : [])));
    const caller = { account: '123456789012', region: CALLER.region };
    const input = { Video: SHORT };
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await t.call('StartLabelDetection', input, caller)).JobId as string);
    const refused = await callError(t, 'StartLabelDetection', input, caller);
    expect(refused.type).toBe('LimitExceededException');
    expect(refused.message).toBe('20  open Jobs for User arn:aws:iam::123456789012:root Maximum limit: 20');
    // Another account has its own quota.
    await t.call('StartLabelDetection', input, { account: '210987654321', region: CALLER.region });
    release();
    await t.emulator.idle();
    for (const JobId of ids) expect((await t.call('GetLabelDetection', { JobId }, caller)).JobStatus).toBe('SUCCEEDED');
    await t.call('StartLabelDetection', input, caller);
    await t.emulator.idle();
  });
});

describe('restarts (--data-dir)', () => {
  it('keeps results, and resumes a job left IN_PROGRESS', async () => {
    const dataDir = path.join(tmp, 'data');
    const first = makeEmulator({ notifyUrl: undefined, dataDir });
    const done = (await start(first)).JobId as string;
    await first.emulator.idle();
    const before = await get(first, { JobId: done });
    // A job accepted just before the process dies: stop before it runs.
    const pending = (await start(first, { JobTag: 'interrupted' })).JobId as string;
    await stop(first);

    const second = makeEmulator({ notifyUrl: undefined, dataDir });
    expect((await get(second, { JobId: pending })).JobStatus).toBe('IN_PROGRESS');
    expect(await get(second, { JobId: done })).toEqual(before);
    await second.emulator.start();
    await second.emulator.idle();
    const resumed = await get(second, { JobId: pending });
    expect(resumed).toMatchObject({ JobStatus: 'SUCCEEDED', JobTag: 'interrupted' });
    expect(resumed.Segments).toEqual(before.Segments);
  });

  /** A data dir holding video_jobs rows as a previous process left them. */
  function leftBehind(dataDir: string, rows: { jobId: string; api: string; status: string; attempts: number; ageDays?: number }[]): void {
    const stores = createStores({ dataDir });
    const day = 24 * 3600 * 1000;
    for (const row of rows) {
      const at = Date.now() - (row.ageDays ?? 0) * day;
      stores.db
        .prepare('INSERT INTO video_jobs (account, region, job_id, api, status, request, request_hash, attempts, created_ms, completed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(CALLER.account, CALLER.region, row.jobId, row.api, row.status, JSON.stringify({ Video: VIDEO, SegmentTypes: ['SHOT'] }), 'x', row.attempts, at, row.status === 'IN_PROGRESS' ? null : at);
    }
    stores.close();
  }

  it('fails a job that keeps being interrupted, or whose analysis is gone, instead of leaving it IN_PROGRESS', async () => {
    const dataDir = path.join(tmp, 'interrupted');
    leftBehind(dataDir, [
      { jobId: '1'.repeat(64), api: 'StartSegmentDetection', status: 'IN_PROGRESS', attempts: 3 },
      { jobId: '2'.repeat(64), api: 'StartNothing', status: 'IN_PROGRESS', attempts: 0 },
    ]);
    const t = makeEmulator({ notifyUrl: undefined, dataDir });
    await t.emulator.start();
    await t.emulator.idle();
    expect(await get(t, { JobId: '1'.repeat(64) })).toMatchObject({ JobStatus: 'FAILED', StatusMessage: 'The job was interrupted by restarts of rekognition-local too many times.' });
    const db = sqlite(dataDir);
    expect(db.prepare('SELECT status, status_message FROM video_jobs WHERE job_id = ?').get('2'.repeat(64))).toEqual({ status: 'FAILED', status_message: 'StartNothing is not available in this version of rekognition-local.' });
    db.close();
    expect(servedOperations().has('StartSegmentDetection')).toBe(true);
  });

  it('forgets finished jobs after the 7 days AWS keeps them, and keeps younger ones', async () => {
    const dataDir = path.join(tmp, 'expired');
    leftBehind(dataDir, [
      { jobId: '3'.repeat(64), api: 'StartSegmentDetection', status: 'SUCCEEDED', attempts: 1, ageDays: 8 },
      { jobId: '4'.repeat(64), api: 'StartSegmentDetection', status: 'SUCCEEDED', attempts: 1, ageDays: 6 },
    ]);
    const t = makeEmulator({ notifyUrl: undefined, dataDir });
    await t.emulator.start();
    expect((await callError(t, 'GetSegmentDetection', { JobId: '3'.repeat(64) })).type).toBe('ResourceNotFoundException');
    expect((await get(t, { JobId: '4'.repeat(64) })).JobStatus).toBe('SUCCEEDED');
  });
});

/** ffmpeg processes this test process started that are still there (zombies included). */
function ffmpegChildren(): string[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there is no child at all.
  }
  return out.split('\n').filter((line) => line.includes('ffmpeg'));
}

describe.skipIf(process.platform !== 'linux')('shutdown', () => {
  it('kills the ffmpeg of a running job, which stays IN_PROGRESS for the next start', async () => {
    const dataDir = path.join(tmp, 'shutdown');
    let reached!: () => void;
    const frameRead = new Promise<void>((resolve) => (reached = resolve));
    // The first frame's inference never answers: the job is mid-run, ffmpeg decoding.
    const t = makeEmulator({ notifyUrl: undefined, dataDir }, fakeInference(() => (reached(), new Promise(() => undefined))));
    const { JobId } = await t.call('StartLabelDetection', { Video: VIDEO }, CALLER);
    await frameRead;
    expect(ffmpegChildren()).not.toEqual([]);
    await stop(t);
    for (let i = 0; i < 50 && ffmpegChildren().length; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ffmpegChildren()).toEqual([]);
    const db = sqlite(dataDir);
    expect(db.prepare('SELECT status FROM video_jobs WHERE job_id = ?').get(JobId)).toEqual({ status: 'IN_PROGRESS' });
    db.close();
  });
});
