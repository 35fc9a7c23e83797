/**
 * Stream processors analysing fed video with the real models:
 * - face search on fixtures/video/stream-faces.mp4 (2 s of one person, whose other photo is in the
 *   collection, then 2 s of someone who is not), records put to a stand-in Kinesis;
 * - label detection on a clip made here (1 s coffee cup, 1 s cat, 1 s astronaut, 1 s coffee cup),
 *   frames and summary to an S3 folder, events to a stand-in SNS.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModels } from '../support/models';
import { ffmpegPath } from '../../src/media/probe';
import type { FaceSearchRecord } from '../../src/providers/stream-processors/records';
import type { FeedReport } from '../../src/providers/stream-processors/sessions';
import { StreamFeedError } from '../../src/providers/stream-processors/sessions';
import { TRANSITION_MS } from '../../src/providers/stream-processors/status';
import { testEmulator, type TestEmulator } from '../support/emulator';
import { ACCOUNT, call, captureServer, faceSearchInput, homeInput, kvs, REGION, TOPIC, type Caller } from './helpers';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'streams-processing-'));
const s3Dir = path.join(tmp, 's3');
const P = 1_700_000_000_000;

const inference = sharedModels();
let capture: Awaited<ReturnType<typeof captureServer>>;
let setup: { t: TestEmulator; ctx: Caller };
/** How far the emulator's clock runs ahead of the wall clock: status transitions fall due when it jumps. */
let skewMs = 0;
const feedStreamProcessor = (name: string, body: unknown) => setup.t.emulator.control.feedStreamProcessor(name, body);
const streamProcessorResults = (name: string) => setup.t.emulator.control.streamProcessorResults(name, {});

beforeAll(async () => {
  for (const bucket of ['media', 'faces', 'home']) mkdirSync(path.join(s3Dir, bucket), { recursive: true });
  copyFileSync(fixture('video/stream-faces.mp4'), path.join(s3Dir, 'media', 'stream-faces.mp4'));
  copyFileSync(fixture('face-search/alex_lacamoire/1.png'), path.join(s3Dir, 'faces', 'alex.png'));
  // Filled 4:3 frames: centernet finds the cat and the astronaut far less surely in letterboxed ones.
  const fit = 'scale=480:360:force_original_aspect_ratio=increase,crop=480:360,setsar=1,fps=25';
  const inputs = ['images/coffee.png', 'images/chelsea.png', 'images/astronaut.png', 'images/coffee.png'].flatMap((f) => ['-loop', '1', '-t', '1', '-i', fixture(f)]);
  await promisify(execFile)(ffmpegPath(), [
    '-v', 'error', '-y', ...inputs,
    '-filter_complex', `${[0, 1, 2, 3].map((i) => `[${i}:v]${fit}[v${i}]`).join(';')};[v0][v1][v2][v3]concat=n=4:v=1:a=0,format=yuv420p[v]`,
    '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', path.join(s3Dir, 'media', 'home.mp4'),
  ]);
  capture = await captureServer();
  const t = testEmulator({ s3Dir, kinesisEndpoint: capture.url, snsEndpoint: capture.url }, { inference, runtime: { clock: { now: () => Date.now() + skewMs } } });
  setup = { t, ctx: { t, account: ACCOUNT, region: REGION } };
}, 120_000);

afterAll(async () => {
  await setup.t.close();
  await capture.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Lets the processor's pending status transition fall due (the clock jumps, nothing sleeps) and checks where it led. */
const waitForStatus = async (name: string, status: string) => {
  skewMs += Math.max(TRANSITION_MS.start, TRANSITION_MS.stop, TRANSITION_MS.update);
  expect((await call(setup.ctx, 'DescribeStreamProcessor', { Name: name })).Status).toBe(status);
};

describe('face search', () => {
  let faceId: string;
  let records: FaceSearchRecord[];
  let report: FeedReport;

  beforeAll(async () => {
    const { ctx } = setup;
    await call(ctx, 'CreateCollection', { CollectionId: 'crew' });
    const indexed = await call(ctx, 'IndexFaces', { CollectionId: 'crew', Image: { S3Object: { Bucket: 'faces', Name: 'alex.png' } }, ExternalImageId: 'alex' });
    faceId = (indexed.FaceRecords as { Face: { FaceId: string } }[])[0].Face.FaceId;
    await call(ctx, 'CreateStreamProcessor', faceSearchInput('door', 'crew'));
    await call(ctx, 'StartStreamProcessor', { Name: 'door' });
    // Fed while still STARTING: the video waits until the processor runs.
    report = await feedStreamProcessor('door', { path: 'media/stream-faces.mp4', producerTimestamp: P });
    records = streamProcessorResults('door').records!;
  }, 180_000);

  it('analyses one frame per second and puts one record per analysed frame', () => {
    expect(report).toMatchObject({ name: 'door', status: 'RUNNING', producerTimestamp: P, framesAnalysed: 4, records: 4, facesDetected: 4, facesMatched: 2, kinesis: { sent: 4, failed: 0, endpoint: capture.url } });
    expect(records).toHaveLength(4);
  });

  it('places each frame in its 2 s fragment, with producer and server times in seconds', () => {
    const kv = records.map((r) => r.InputInformation.KinesisVideo);
    expect(kv.map((k) => k.StreamArn)).toEqual(Array(4).fill(kvs('door-video')));
    expect(kv.map((k) => k.ProducerTimestamp)).toEqual([P / 1000, P / 1000, P / 1000 + 2, P / 1000 + 2]);
    expect(kv.map((k) => k.FrameOffsetInSeconds)).toEqual([0, 1, 0, 1]);
    expect(kv[0].FragmentNumber).toMatch(/^\d{47}$/);
    expect(kv[1].FragmentNumber).toBe(kv[0].FragmentNumber);
    expect(kv[2].FragmentNumber > kv[0].FragmentNumber).toBe(true);
    expect(kv[3].ServerTimestamp - kv[0].ServerTimestamp).toBeCloseTo(2, 3);
    expect(records.every((r) => r.StreamProcessorInformation.Status === 'RUNNING')).toBe(true);
  });

  it('finds the indexed person in the first two seconds and nobody in the last two', () => {
    for (const record of records.slice(0, 2)) {
      expect(record.FaceSearchResponse).toHaveLength(1);
      const [match] = record.FaceSearchResponse[0].MatchedFaces;
      expect(record.FaceSearchResponse[0].MatchedFaces).toHaveLength(1);
      expect(match.Face).toMatchObject({ FaceId: faceId, ExternalImageId: 'alex' });
      expect(match.Similarity).toBeGreaterThanOrEqual(80);
    }
    for (const record of records.slice(2)) {
      expect(record.FaceSearchResponse).toHaveLength(1);
      expect(record.FaceSearchResponse[0].MatchedFaces).toEqual([]);
    }
    const face = records[0].FaceSearchResponse[0].DetectedFace as { BoundingBox: { Left: number; Width: number }; Landmarks: unknown[]; Confidence: number };
    // The photo is centred: the face is in the middle third of the frame.
    expect(face.BoundingBox.Left + face.BoundingBox.Width / 2).toBeGreaterThan(0.33);
    expect(face.BoundingBox.Left + face.BoundingBox.Width / 2).toBeLessThan(0.67);
    expect(face.Landmarks).toHaveLength(5);
    expect(face.Confidence).toBeGreaterThan(90);
  });

  it('put the records to Kinesis in order: PutRecord, StreamName from the ARN, the processor name as partition key', () => {
    const puts = capture.captured.filter((c) => c.headers['x-amz-target'] === 'Kinesis_20131202.PutRecord');
    expect(puts).toHaveLength(4);
    for (const [i, put] of puts.entries()) {
      expect(put.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(put.headers.authorization).toMatch(/Credential=\w+\/\d{8}\/us-east-1\/kinesis\/aws4_request/);
      const body = JSON.parse(put.body) as { StreamName: string; PartitionKey: string; Data: string };
      expect(Object.keys(body).sort()).toEqual(['Data', 'PartitionKey', 'StreamName']);
      expect(body.StreamName).toBe('door-results');
      expect(body.PartitionKey).toBe('door');
      expect(Buffer.from(body.Data, 'base64').toString('utf8')).toBe(JSON.stringify(records[i]));
    }
  });

  it('honours FaceMatchThreshold: above the match\'s similarity, the same faces have no matches', async () => {
    // Another photo of the person: similar, not identical.
    const similarity = Math.max(...records.slice(0, 2).map((r) => r.FaceSearchResponse[0].MatchedFaces[0].Similarity));
    expect(similarity).toBeLessThan(100);
    const threshold = (similarity + 100) / 2;
    const { ctx } = setup;
    await call(ctx, 'CreateStreamProcessor', faceSearchInput('strict', 'crew', { Settings: { FaceSearch: { CollectionId: 'crew', FaceMatchThreshold: threshold } } }));
    await call(ctx, 'StartStreamProcessor', { Name: 'strict' });
    const strict = await feedStreamProcessor('strict', { s3: { Bucket: 'media', Name: 'stream-faces.mp4' } });
    expect(strict).toMatchObject({ framesAnalysed: 4, facesDetected: 4, facesMatched: 0 });
    await call(ctx, 'StopStreamProcessor', { Name: 'strict' });
  }, 120_000);

  it('fails a running processor whose collection is deleted, at the next frame it analyses', async () => {
    const { ctx } = setup;
    await call(ctx, 'CreateCollection', { CollectionId: 'gone' });
    await call(ctx, 'CreateStreamProcessor', faceSearchInput('side-door', 'gone'));
    await call(ctx, 'StartStreamProcessor', { Name: 'side-door' });
    await waitForStatus('side-door', 'RUNNING');
    await call(ctx, 'DeleteCollection', { CollectionId: 'gone' });
    const failed = await feedStreamProcessor('side-door', { path: 'media/stream-faces.mp4' });
    expect(failed).toMatchObject({ status: 'FAILED', framesAnalysed: 0, sessionEnded: 'FAILED: The collection id: gone does not exist' });
    expect(await call(ctx, 'DescribeStreamProcessor', { Name: 'side-door' })).toMatchObject({ Status: 'FAILED', StatusMessage: 'The collection id: gone does not exist' });
  }, 120_000);

  it('stops on StopStreamProcessor and then refuses video', async () => {
    await call(setup.ctx, 'StopStreamProcessor', { Name: 'door' });
    await waitForStatus('door', 'STOPPED');
    const refused = await feedStreamProcessor('door', { path: 'media/stream-faces.mp4' }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StreamFeedError);
    expect((refused as StreamFeedError).status).toBe(409);
  });
});

describe('label detection (connected home)', () => {
  const published = () => capture.captured.filter((c) => c.body.includes('Action=Publish')).map((c) => new URLSearchParams(c.body));
  let report: FeedReport;
  let sessionId: string;
  let messages: Record<string, unknown>[];

  beforeAll(async () => {
    const { ctx } = setup;
    await call(ctx, 'CreateStreamProcessor', homeInput('porch', 'home', { Output: { S3Destination: { Bucket: 'home', KeyPrefix: 'cam1' } }, Settings: { ConnectedHome: { Labels: ['ALL'] } }, Tags: { floor: 'ground' } }));
    const before = published().length;
    sessionId = (await call(ctx, 'StartStreamProcessor', { Name: 'porch', StartSelector: { KVSStreamStartSelector: { ProducerTimestamp: P } }, StopSelector: { MaxDurationInSeconds: 3 } })).SessionId as string;
    report = await feedStreamProcessor('porch', { path: 'media/home.mp4', producerTimestamp: P });
    messages = published()
      .slice(before)
      .map((p) => {
        expect(p.get('Subject')).toBe('Rekognition Stream Processing Event');
        expect(p.get('TopicArn')).toBe(TOPIC);
        return JSON.parse(p.get('Message')!) as Record<string, unknown>;
      });
  }, 180_000);

  it('analyses two frames per second of the 3 s window and stops itself at its end', async () => {
    expect(report).toMatchObject({ name: 'porch', sessionId, framesAnalysed: 6, framesSkipped: 0, labelsDetected: ['PET', 'PERSON'], notifications: 3, s3Errors: [], sessionEnded: 'MAX_DURATION', status: 'STOPPED' });
    expect((await call(setup.ctx, 'DescribeStreamProcessor', { Name: 'porch' })).Status).toBe('STOPPED');
  });

  it('publishes LABEL_DETECTED the first time a pet and a person appear, with the frames in S3', async () => {
    const events = messages.filter((m) => (m.eventNamespace as { type: string }).type === 'LABEL_DETECTED');
    expect(events).toHaveLength(2);
    const [pet, person] = events.map((e) => (e.labels as Record<string, unknown>[])[0]);
    // Samples every 13th frame of 25 fps (520 ms): the cat shows from 1 s, the astronaut from 2 s.
    expect(pet).toMatchObject({ name: 'PET', videoMapping: { kinesisVideoMapping: { frameOffsetMillis: 1040, producerTimestamp: P, serverTimestamp: expect.any(Number) } } });
    expect(person).toMatchObject({ name: 'PERSON', videoMapping: { kinesisVideoMapping: { frameOffsetMillis: 2080, producerTimestamp: P + 2000 } } });
    for (const event of events) {
      expect(event).toMatchObject({ inputInformation: { kinesisVideo: { streamArn: kvs('porch-video') } }, sessionId, tags: { floor: 'ground' }, startStreamProcessorRequest: { name: 'porch', startSelector: { kvsStreamStartSelector: { producerTimestamp: P } }, stopSelector: { maxDurationInSeconds: 3 } } });
    }
    // The cat is in the middle of the frame (chelsea.png cropped to 480x360).
    const box = pet.boundingBox as { left: number; top: number; width: number; height: number };
    expect(box.left + box.width / 2).toBeGreaterThan(0.3);
    expect(box.left + box.width / 2).toBeLessThan(0.7);
    const id = pet.id as string;
    expect(pet.frameImageUri).toBe(`s3://home/cam1/porch/${sessionId}/${id}/frame.jpg`);
    expect(pet.croppedImageUri).toBe(`s3://home/cam1/porch/${sessionId}/${id}/cropped.jpg`);
    const frame = await sharp(path.join(s3Dir, 'home', 'cam1', 'porch', sessionId, id, 'frame.jpg')).metadata();
    const crop = await sharp(path.join(s3Dir, 'home', 'cam1', 'porch', sessionId, id, 'cropped.jpg')).metadata();
    expect([frame.format, frame.width, frame.height]).toEqual(['jpeg', 480, 360]);
    const left = Math.floor(box.left * 480);
    expect(crop.width).toBe(Math.max(1, Math.min(480 - left, Math.round(box.width * 480))));
    expect(crop.height).toBeLessThan(360);
  });

  it('ends with STREAM_PROCESSING_COMPLETE and a session summary in S3', () => {
    const complete = messages[messages.length - 1];
    expect(complete).toMatchObject({ eventNamespace: { type: 'STREAM_PROCESSING_COMPLETE' }, inputInformation: { kinesisVideo: { processedVideoDurationMillis: 3000 } }, sessionId });
    const summaryFile = path.join(s3Dir, 'home', 'cam1', 'porch', sessionId, 'session-summary.json');
    expect(existsSync(summaryFile)).toBe(true);
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { labels: { name: string; videoMapping: { kinesisVideoMapping: { frameOffsetMillis: number } } }[]; framesAnalysed: number };
    expect(summary.framesAnalysed).toBe(6);
    const pets = summary.labels.filter((l) => l.name === 'PET').map((l) => l.videoMapping.kinesisVideoMapping.frameOffsetMillis);
    expect(pets).toEqual([1040, 1560]);
    expect(summary.labels.some((l) => l.name === 'PERSON' && l.videoMapping.kinesisVideoMapping.frameOffsetMillis === 2080)).toBe(true);
  });

  it('honours RegionsOfInterest and a shorter window: a cat outside the region is not reported', async () => {
    const { ctx } = setup;
    await call(ctx, 'UpdateStreamProcessor', { Name: 'porch', RegionsOfInterestForUpdate: [{ BoundingBox: { Left: 0, Top: 0, Width: 0.1, Height: 1 } }] });
    await waitForStatus('porch', 'STOPPED');
    const before = published().length;
    await call(ctx, 'StartStreamProcessor', { Name: 'porch', StartSelector: { KVSStreamStartSelector: { ProducerTimestamp: P + 10_000 } }, StopSelector: { MaxDurationInSeconds: 2 } });
    const second = await feedStreamProcessor('porch', { path: 'media/home.mp4', producerTimestamp: P + 10_000 });
    expect(second).toMatchObject({ framesAnalysed: 4, labelsDetected: [], notifications: 1, sessionEnded: 'MAX_DURATION', status: 'STOPPED' });
    const [complete] = published().slice(before).map((p) => JSON.parse(p.get('Message')!) as Record<string, unknown>);
    expect(complete).toMatchObject({ eventNamespace: { type: 'STREAM_PROCESSING_COMPLETE' }, inputInformation: { kinesisVideo: { processedVideoDurationMillis: 2000 } } });
  }, 120_000);
});
