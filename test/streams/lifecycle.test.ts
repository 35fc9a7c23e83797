/**
 * The stream processor resource through its handlers: validation and business rules, statuses and
 * their transitions, tagging, persistence, and the control plane's refusals. No models run here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_STREAM_PROCESSORS } from '../../src/providers/stream-processors/handlers';
import { StreamFeedError } from '../../src/providers/stream-processors/sessions';
import { ACCOUNT, call, captureServer, epochMs, failure, faceSearchInput, homeInput, kds, kvs, makeEmulator, REGION, ROLE, TOPIC, type Caller } from './helpers';
import type { TestEmulator } from '../support/emulator';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'streams-lifecycle-'));
const s3Dir = path.join(tmp, 's3');
mkdirSync(path.join(s3Dir, 'media'), { recursive: true });
mkdirSync(path.join(s3Dir, 'home-bucket'), { recursive: true });
writeFileSync(path.join(s3Dir, 'media', 'notes.txt'), 'not a video');

let capture: Awaited<ReturnType<typeof captureServer>>;
let t: TestEmulator;
let ctx: Caller;

beforeAll(async () => {
  // Date runs on (so timestamps differ) but can jump ahead: the asynchronous status changes are due by time.
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  capture = await captureServer();
  ({ t, ctx } = makeEmulator({ s3Dir, snsEndpoint: capture.url }));
  await call(ctx, 'CreateCollection', { CollectionId: 'crew' });
});

afterAll(async () => {
  vi.useRealTimers();
  await t.close();
  await capture.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Moves Date forward, as if that much time had passed. */
function later(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

const describeProcessor = (name: string) => call(ctx, 'DescribeStreamProcessor', { Name: name });

describe('CreateStreamProcessor and DescribeStreamProcessor', () => {
  it('creates a STOPPED face search processor and describes it with the settings as applied', async () => {
    const before = Date.now();
    const out = await call(ctx, 'CreateStreamProcessor', faceSearchInput('lobby', 'crew', { Settings: { FaceSearch: { CollectionId: 'crew', FaceMatchThreshold: 42.5 } }, Tags: { site: 'hq' } }));
    expect(out).toEqual({ StreamProcessorArn: `arn:aws:rekognition:${REGION}:${ACCOUNT}:streamprocessor/lobby` });
    const d = await describeProcessor('lobby');
    expect(Object.keys(d).filter((k) => d[k] !== undefined)).toEqual([
      'Name',
      'StreamProcessorArn',
      'Status',
      'CreationTimestamp',
      'LastUpdateTimestamp',
      'Input',
      'Output',
      'RoleArn',
      'Settings',
      'DataSharingPreference',
    ]);
    expect(d).toMatchObject({
      Name: 'lobby',
      Status: 'STOPPED',
      Input: { KinesisVideoStream: { Arn: kvs('lobby-video') } },
      Output: { KinesisDataStream: { Arn: kds('lobby-results') } },
      RoleArn: ROLE,
      // Below 80 is raised to 80 (API_FaceSearchSettings).
      Settings: { FaceSearch: { CollectionId: 'crew', FaceMatchThreshold: 80 } },
      DataSharingPreference: { OptIn: false },
    });
    expect(epochMs(d.CreationTimestamp)).toBeGreaterThanOrEqual(before);
    expect(d.LastUpdateTimestamp).toEqual(d.CreationTimestamp);
    expect(await call(ctx, 'ListTagsForResource', { ResourceArn: out.StreamProcessorArn })).toEqual({ Tags: { site: 'hq' } });
  });

  it('keeps a threshold above 80, and defaults it to 80', async () => {
    await call(ctx, 'CreateStreamProcessor', faceSearchInput('gate', 'crew', { Settings: { FaceSearch: { CollectionId: 'crew', FaceMatchThreshold: 91.5 } } }));
    expect((await describeProcessor('gate')).Settings).toEqual({ FaceSearch: { CollectionId: 'crew', FaceMatchThreshold: 91.5 } });
    await call(ctx, 'CreateStreamProcessor', faceSearchInput('dock', 'crew'));
    expect((await describeProcessor('dock')).Settings).toEqual({ FaceSearch: { CollectionId: 'crew', FaceMatchThreshold: 80 } });
  });

  it('creates a label detection processor with MinConfidence 50 by default, and echoes the rest', async () => {
    const regions = [{ BoundingBox: { Left: 0.5, Top: 0.5, Width: 0.5, Height: 0.5 } }];
    await call(ctx, 'CreateStreamProcessor', homeInput('porch', 'home-bucket', { KmsKeyId: 'alias/home', RegionsOfInterest: regions, DataSharingPreference: { OptIn: true } }));
    expect(await describeProcessor('porch')).toMatchObject({
      Status: 'STOPPED',
      Output: { S3Destination: { Bucket: 'home-bucket', KeyPrefix: 'events/' } },
      Settings: { ConnectedHome: { Labels: ['PERSON', 'PET'], MinConfidence: 50 } },
      NotificationChannel: { SNSTopicArn: TOPIC },
      KmsKeyId: 'alias/home',
      RegionsOfInterest: regions,
      DataSharingPreference: { OptIn: true },
    });
  });

  it('refuses a taken name, a shared video or data stream, and an unknown collection', async () => {
    expect(await failure(ctx, 'CreateStreamProcessor', faceSearchInput('lobby', 'crew'))).toEqual({ type: 'ResourceInUseException', message: 'Stream processor name already in use.' });
    const sameVideo = faceSearchInput('lobby2', 'crew', { Input: { KinesisVideoStream: { Arn: kvs('lobby-video') } } });
    expect(await failure(ctx, 'CreateStreamProcessor', sameVideo)).toEqual({ type: 'ResourceInUseException', message: 'Specified resource is in use.' });
    const sameOutput = faceSearchInput('lobby2', 'crew', { Output: { KinesisDataStream: { Arn: kds('lobby-results') } } });
    expect(await failure(ctx, 'CreateStreamProcessor', sameOutput)).toEqual({ type: 'ResourceInUseException', message: 'Specified resource is in use.' });
    expect(await failure(ctx, 'CreateStreamProcessor', faceSearchInput('lobby2', 'nobody'))).toEqual({ type: 'ResourceNotFoundException', message: 'The collection id: nobody does not exist' });
    await expect(describeProcessor('lobby2')).rejects.toMatchObject({ type: 'ResourceNotFoundException', message: 'The stream processor lobby2 does not exist.' });
  });

  it('refuses settings and outputs that do not go together', async () => {
    const both = faceSearchInput('x', 'crew', { Settings: { FaceSearch: { CollectionId: 'crew' }, ConnectedHome: { Labels: ['PET'] } } });
    const cases: Record<string, unknown>[] = [
      both,
      faceSearchInput('x', 'crew', { Settings: {} }),
      faceSearchInput('x', 'crew', { Settings: { FaceSearch: {} } }),
      faceSearchInput('x', 'crew', { Output: { S3Destination: { Bucket: 'home-bucket' } } }),
      faceSearchInput('x', 'crew', { Input: {} }),
      homeInput('x', 'home-bucket', { Output: { KinesisDataStream: { Arn: kds('x') } } }),
      homeInput('x', 'home-bucket', { NotificationChannel: undefined }),
      homeInput('x', 'home-bucket', { Settings: { ConnectedHome: { Labels: ['PERSON', 'CAR'] } } }),
      homeInput('x', 'home-bucket', { RegionsOfInterest: [{ Polygon: [{ X: 0, Y: 0 }, { X: 1, Y: 1 }] }] }),
    ];
    for (const input of cases) expect((await failure(ctx, 'CreateStreamProcessor', input)).type, JSON.stringify(input)).toBe('InvalidParameterException');
    expect((await failure(ctx, 'CreateStreamProcessor', cases[7])).message).toBe('ConnectedHome Labels must be PERSON, PET, PACKAGE or ALL, not CAR.');
  });

  it('allows 10 processors per account and region', async () => {
    const scoped = { ...ctx, account: '999988887777' };
    await call(scoped, 'CreateCollection', { CollectionId: 'c' });
    for (let i = 0; i < MAX_STREAM_PROCESSORS; i++) await call(scoped, 'CreateStreamProcessor', faceSearchInput(`p${i}`, 'c'));
    expect(await failure(scoped, 'CreateStreamProcessor', faceSearchInput('p10', 'c'))).toEqual({
      type: 'LimitExceededException',
      message: 'Stream processor limit exceeded for account, limit - 10',
    });
    // Another region of the same account has its own allowance.
    await call({ ...scoped, region: 'eu-west-1' }, 'CreateCollection', { CollectionId: 'c' });
    await call({ ...scoped, region: 'eu-west-1' }, 'CreateStreamProcessor', faceSearchInput('p10', 'c'));
  });
});

describe('ListStreamProcessors', () => {
  it('lists names and statuses in name order, in pages', async () => {
    const all = (await call(ctx, 'ListStreamProcessors', {})).StreamProcessors as { Name: string; Status: string }[];
    expect(all).toEqual([
      { Name: 'dock', Status: 'STOPPED' },
      { Name: 'gate', Status: 'STOPPED' },
      { Name: 'lobby', Status: 'STOPPED' },
      { Name: 'porch', Status: 'STOPPED' },
    ]);
    const first = await call(ctx, 'ListStreamProcessors', { MaxResults: 3 });
    expect((first.StreamProcessors as unknown[]).length).toBe(3);
    const second = await call(ctx, 'ListStreamProcessors', { MaxResults: 3, NextToken: first.NextToken });
    expect(second).toEqual({ NextToken: undefined, StreamProcessors: [{ Name: 'porch', Status: 'STOPPED' }] });
    expect((await failure(ctx, 'ListStreamProcessors', { NextToken: 'bogus' })).type).toBe('InvalidPaginationTokenException');
  });
});

describe('Start, Stop, Update, Delete', () => {
  it('face search: STARTING, then RUNNING; STOPPING, then STOPPED; with the rules of each status', async () => {
    later(1000);
    const { SessionId } = await call(ctx, 'StartStreamProcessor', { Name: 'dock' });
    expect(SessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const starting = await describeProcessor('dock');
    expect(starting.Status).toBe('STARTING');
    expect(epochMs(starting.LastUpdateTimestamp) - epochMs(starting.CreationTimestamp)).toBeGreaterThanOrEqual(1000);
    expect(await failure(ctx, 'StartStreamProcessor', { Name: 'dock' })).toEqual({ type: 'ResourceInUseException', message: 'Specified resource is in use.' });
    later(600);
    expect((await describeProcessor('dock')).Status).toBe('RUNNING');
    expect(await failure(ctx, 'DeleteStreamProcessor', { Name: 'dock' })).toEqual({ type: 'ResourceInUseException', message: 'Cannot delete stream processor.' });
    expect(await failure(ctx, 'UpdateStreamProcessor', { Name: 'porch', ParametersToDelete: ['RegionsOfInterest'], RegionsOfInterestForUpdate: [] })).toMatchObject({ type: 'InvalidParameterException' });
    expect(await call(ctx, 'StopStreamProcessor', { Name: 'dock' })).toEqual({});
    expect((await describeProcessor('dock')).Status).toBe('STOPPING');
    expect(await failure(ctx, 'StopStreamProcessor', { Name: 'dock' })).toEqual({ type: 'ResourceInUseException', message: 'Stream Processor not available for stopping' });
    later(1200);
    expect((await call(ctx, 'ListStreamProcessors', {})).StreamProcessors).toContainEqual({ Name: 'dock', Status: 'STOPPED' });
    expect(await failure(ctx, 'StopStreamProcessor', { Name: 'dock' })).toEqual({ type: 'ResourceInUseException', message: 'Stream Processor not available for stopping' });
  });

  it('face search: selectors are refused, and a processor whose collection went away FAILS instead of running', async () => {
    expect((await failure(ctx, 'StartStreamProcessor', { Name: 'gate', StopSelector: { MaxDurationInSeconds: 5 } })).type).toBe('InvalidParameterException');
    await call(ctx, 'CreateCollection', { CollectionId: 'temp' });
    await call(ctx, 'CreateStreamProcessor', faceSearchInput('temp-door', 'temp'));
    await call(ctx, 'StartStreamProcessor', { Name: 'temp-door' });
    await call(ctx, 'DeleteCollection', { CollectionId: 'temp' });
    later(600);
    expect(await describeProcessor('temp-door')).toMatchObject({ Status: 'FAILED', StatusMessage: 'The collection id: temp does not exist' });
    // FAILED processors can be deleted, and their tags go with them.
    await call(ctx, 'DeleteStreamProcessor', { Name: 'temp-door' });
    await expect(call(ctx, 'ListTagsForResource', { ResourceArn: `arn:aws:rekognition:${REGION}:${ACCOUNT}:streamprocessor/temp-door` })).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
  });

  it('face search processors cannot be updated', async () => {
    expect(await failure(ctx, 'UpdateStreamProcessor', { Name: 'lobby', DataSharingPreferenceForUpdate: { OptIn: true } })).toEqual({
      type: 'InvalidParameterException',
      message: 'A face search stream processor cannot be updated: delete it and create it again.',
    });
  });

  it('label detection: updates labels, MinConfidence and regions when STOPPED, through UPDATING', async () => {
    await call(ctx, 'UpdateStreamProcessor', {
      Name: 'porch',
      SettingsForUpdate: { ConnectedHomeForUpdate: { Labels: ['ALL'], MinConfidence: 70 } },
      ParametersToDelete: ['RegionsOfInterest'],
      DataSharingPreferenceForUpdate: { OptIn: false },
    });
    const updating = await describeProcessor('porch');
    expect(updating).toMatchObject({ Status: 'UPDATING', Settings: { ConnectedHome: { Labels: ['ALL'], MinConfidence: 70 } }, DataSharingPreference: { OptIn: false } });
    expect(updating.RegionsOfInterest).toBeUndefined();
    expect(await failure(ctx, 'UpdateStreamProcessor', { Name: 'porch', SettingsForUpdate: { ConnectedHomeForUpdate: { MinConfidence: 60 } } })).toEqual({
      type: 'ResourceInUseException',
      message: 'Specified resource is in use.',
    });
    later(600);
    expect((await describeProcessor('porch')).Status).toBe('STOPPED');
    await call(ctx, 'UpdateStreamProcessor', { Name: 'porch', ParametersToDelete: ['ConnectedHomeMinConfidence'], RegionsOfInterestForUpdate: [{ Polygon: [{ X: 0, Y: 0 }, { X: 1, Y: 0 }, { X: 0, Y: 1 }] }] });
    expect(await describeProcessor('porch')).toMatchObject({ Settings: { ConnectedHome: { Labels: ['ALL'], MinConfidence: 50 } }, RegionsOfInterest: [{ Polygon: [{ X: 0, Y: 0 }, { X: 1, Y: 0 }, { X: 0, Y: 1 }] }] });
    expect((await failure(ctx, 'UpdateStreamProcessor', { Name: 'porch', SettingsForUpdate: { ConnectedHomeForUpdate: { Labels: ['BIKE'] } } })).type).toBe('InvalidParameterException');
    expect((await failure(ctx, 'UpdateStreamProcessor', { Name: 'porch', SettingsForUpdate: { ConnectedHomeForUpdate: { MinConfidence: 5 } }, ParametersToDelete: ['ConnectedHomeMinConfidence'] })).type).toBe(
      'InvalidParameterException',
    );
    later(600);
  });

  it('label detection: needs a start selector; stays STARTING, then stops itself after MaxDurationInSeconds with a summary', async () => {
    expect((await failure(ctx, 'StartStreamProcessor', { Name: 'porch' })).type).toBe('InvalidParameterException');
    expect((await failure(ctx, 'StartStreamProcessor', { Name: 'porch', StartSelector: { KVSStreamStartSelector: {} } })).type).toBe('InvalidParameterException');
    const sent = capture.captured.length;
    const { SessionId } = await call(ctx, 'StartStreamProcessor', { Name: 'porch', StartSelector: { KVSStreamStartSelector: { FragmentNumber: '1' } }, StopSelector: { MaxDurationInSeconds: 1 } });
    expect((await describeProcessor('porch')).Status).toBe('STARTING');
    // No video arrives: after one second (wall clock) the session ends by itself.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect((await describeProcessor('porch')).Status).toBe('STOPPED');
    const published = capture.captured.slice(sent).map((c) => new URLSearchParams(c.body));
    expect(published).toHaveLength(1);
    expect(published[0].get('Subject')).toBe('Rekognition Stream Processing Event');
    expect(published[0].get('TopicArn')).toBe(TOPIC);
    const message = JSON.parse(published[0].get('Message')!);
    expect(message).toMatchObject({
      inputInformation: { kinesisVideo: { streamArn: kvs('porch-video'), processedVideoDurationMillis: 0 } },
      eventNamespace: { type: 'STREAM_PROCESSING_COMPLETE' },
      sessionId: SessionId,
      startStreamProcessorRequest: { name: 'porch', startSelector: { kvsStreamStartSelector: { fragmentNumber: '1' } }, stopSelector: { maxDurationInSeconds: 1 } },
    });
    const results = t.emulator.control.streamProcessorResults('porch', {});
    expect(results).toMatchObject({ sessionId: SessionId, status: 'STOPPED', framesAnalysed: 0, ended: { reason: 'MAX_DURATION' } });
    expect(results.s3Objects).toEqual([`s3://home-bucket/events/porch/${SessionId}/session-summary.json`]);
  });
});

describe('the control plane feed refuses what it cannot take', () => {
  const feed = (name: string, body: unknown) =>
    t.emulator.control.feedStreamProcessor(name, body).then(
      () => ({ status: 200, error: '' }),
      (err: unknown) => {
        if (err instanceof StreamFeedError) return { status: err.status, error: err.message };
        throw err;
      },
    );

  it('answers 404 for an unknown name and 409 for a stopped processor', async () => {
    expect(await feed('nope', { path: 'media/clip.mp4' })).toEqual({ status: 404, error: 'no stream processor is named nope' });
    expect(await feed('lobby', { path: 'media/clip.mp4' })).toEqual({
      status: 409,
      error: 'the stream processor lobby is STOPPED, not RUNNING: start it with StartStreamProcessor before sending video',
    });
  });

  it('checks the body, the source and the media before analysing anything', async () => {
    await call(ctx, 'StartStreamProcessor', { Name: 'lobby' });
    later(600);
    expect(await feed('lobby', 'x')).toMatchObject({ status: 400 });
    expect(await feed('lobby', {})).toMatchObject({ status: 400, error: expect.stringContaining(`give either 's3'`) });
    expect(await feed('lobby', { path: 'media/clip.mp4', s3: { Bucket: 'media', Name: 'clip.mp4' } })).toMatchObject({ status: 400 });
    expect(await feed('lobby', { path: 'media/clip.mp4', producerTimestamp: -1 })).toMatchObject({ status: 400, error: expect.stringContaining('producerTimestamp') });
    expect(await feed('lobby', { path: '../etc/passwd' })).toMatchObject({ status: 400, error: expect.stringContaining('InvalidS3ObjectException') });
    expect(await feed('lobby', { path: 'media/missing.mp4' })).toMatchObject({ status: 400, error: expect.stringContaining('InvalidS3ObjectException') });
    expect(await feed('lobby', { s3: { Bucket: 'media', Name: 'notes.txt' } })).toMatchObject({ status: 400, error: expect.stringContaining('is not a video ffmpeg can read') });
    expect(await feed('lobby', { path: 'media', account: ACCOUNT, region: REGION })).toMatchObject({ status: 400, error: expect.stringContaining('<Bucket>/<Key>') });
    await call(ctx, 'StopStreamProcessor', { Name: 'lobby' });
    later(600);
  });

  it('has no results before a processor has had a session', () => {
    expect(() => t.emulator.control.streamProcessorResults('gate', {})).toThrow(/has no session/);
  });
});

describe('persistence', () => {
  it('keeps processors and their status in SQLite across a restart', async () => {
    const dataDir = path.join(tmp, 'data');
    const first = makeEmulator({ dataDir });
    await call(first.ctx, 'CreateCollection', { CollectionId: 'kept' });
    await call(first.ctx, 'CreateStreamProcessor', faceSearchInput('kept', 'kept', { Tags: { a: 'b' } }));
    await call(first.ctx, 'StartStreamProcessor', { Name: 'kept' });
    await first.t.close();
    const second = makeEmulator({ dataDir });
    later(600);
    expect(await call(second.ctx, 'DescribeStreamProcessor', { Name: 'kept' })).toMatchObject({ Name: 'kept', Status: 'RUNNING', Settings: { FaceSearch: { CollectionId: 'kept' } } });
    expect(await call(second.ctx, 'ListTagsForResource', { ResourceArn: `arn:aws:rekognition:${REGION}:${ACCOUNT}:streamprocessor/kept` })).toEqual({ Tags: { a: 'b' } });
    await second.t.close();
  });
});
