/**
 * Stored video: segment and label detection on the Megamind fixture (H.264 MP4, 480x352 at
 * 23.976 fps, AAC mono; two animated people talking; four hard cuts at frames 2, 99, 155 and 201,
 * checked by eye).
 * Runs on both targets; values only the emulator's choices fix are asserted under `isEmulator`.
 */
import {
  GetLabelDetectionCommand,
  GetSegmentDetectionCommand,
  StartLabelDetectionCommand,
  StartSegmentDetectionCommand,
  type GetSegmentDetectionCommandOutput,
  type RekognitionClient,
  type SegmentDetection,
} from '@aws-sdk/client-rekognition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectServiceError, isEmulator, rekognitionClient, s3Image, uniqueName } from './support/client';

/** AWS takes minutes for a video job; the emulator seconds. */
const JOB_TIMEOUT_MS = isEmulator ? 60_000 : 15 * 60_000;
const video = s3Image('video/megamind.mp4');

let client: RekognitionClient;

async function finished(jobId: string): Promise<GetSegmentDetectionCommandOutput> {
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  for (;;) {
    const out = await client.send(new GetSegmentDetectionCommand({ JobId: jobId }));
    if (out.JobStatus !== 'IN_PROGRESS') return out;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still IN_PROGRESS`);
    await new Promise((resolve) => setTimeout(resolve, isEmulator ? 200 : 5000));
  }
}

let jobId: string;
let result: GetSegmentDetectionCommandOutput;

beforeAll(async () => {
  client = rekognitionClient();
  const started = await client.send(new StartSegmentDetectionCommand({ Video: video, SegmentTypes: ['SHOT', 'TECHNICAL_CUE'], JobTag: 'contract-segments' }));
  jobId = started.JobId!;
  result = await finished(jobId);
}, JOB_TIMEOUT_MS + 30_000);

afterAll(() => client.destroy());

describe('StartSegmentDetection / GetSegmentDetection', () => {
  it('answers a 64-character lowercase hex JobId and ends SUCCEEDED', () => {
    expect(jobId).toMatch(/^[0-9a-f]{64}$/);
    expect(result.JobStatus).toBe('SUCCEEDED');
    expect(result.StatusMessage).toBeUndefined();
  });

  it('describes the video and its audio as lists', () => {
    expect(result.VideoMetadata).toHaveLength(1);
    const v = result.VideoMetadata![0];
    expect(v).toMatchObject({ Codec: 'h264', Format: 'QuickTime / MOV', FrameWidth: 480, FrameHeight: 352, ColorRange: 'LIMITED' });
    expect(v.FrameRate).toBeCloseTo(23.976, 2);
    expect(Math.abs(v.DurationMillis! - 11303)).toBeLessThan(100);
    expect(result.AudioMetadata).toHaveLength(1);
    expect(result.AudioMetadata![0]).toMatchObject({ Codec: 'aac', NumberOfChannels: 1 });
  });

  it('echoes the selected types in request order with model 2.0, and the video and tag', () => {
    expect(result.SelectedSegmentTypes).toEqual([
      { Type: 'SHOT', ModelVersion: '2.0' },
      { Type: 'TECHNICAL_CUE', ModelVersion: '2.0' },
    ]);
    expect(result.Video).toEqual(video);
    expect(result.JobTag).toBe('contract-segments');
    expect(result.JobId).toBe(jobId);
  });

  it('finds the four cuts within 2 frames, with consistent frame, time and timecode fields', () => {
    const segments = result.Segments!;
    const firstCue = segments.findIndex((s) => s.Type === 'TECHNICAL_CUE');
    const shots = segments.slice(0, firstCue);
    expect(shots.every((s) => s.Type === 'SHOT')).toBe(true);
    const starts = shots.map((s) => s.StartFrameNumber!);
    for (const cut of [99, 155, 201]) expect(Math.min(...starts.map((s) => Math.abs(s - cut))), `cut at ${cut}`).toBeLessThanOrEqual(2);
    const fps = result.VideoMetadata![0].FrameRate!;
    for (const s of segments as SegmentDetection[]) {
      expect(s.DurationFrames).toBe(s.EndFrameNumber! - s.StartFrameNumber!);
      expect(s.DurationMillis).toBe(s.EndTimestampMillis! - s.StartTimestampMillis!);
      expect(Math.abs(s.StartTimestampMillis! - (s.StartFrameNumber! * 1000) / fps)).toBeLessThanOrEqual(1);
      // 23.976 fps is not drop-frame: colons throughout.
      expect(s.StartTimecodeSMPTE).toMatch(/^\d\d:\d\d:\d\d:\d\d$/);
    }
    expect(segments.slice(firstCue).some((s) => s.TechnicalCueSegment?.Type === 'Content')).toBe(true);
    if (isEmulator) {
      expect(starts).toEqual([0, 2, 99, 155, 201]);
      expect(segments.slice(firstCue).map((s) => `${s.TechnicalCueSegment!.Type}:${s.StartFrameNumber}-${s.EndFrameNumber}`)).toEqual(['BlackFrames:0-1', 'Content:2-270']);
    }
  });

  it('pages with MaxResults and NextToken', async () => {
    const all = result.Segments!;
    const seen: SegmentDetection[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetSegmentDetectionCommand({ JobId: jobId, MaxResults: 2, NextToken: token }));
      expect(page.Segments!.length).toBeLessThanOrEqual(2);
      seen.push(...page.Segments!);
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual(all);
  });

  it('returns the same JobId for a repeated ClientRequestToken, and refuses it with other parameters', async () => {
    const token = uniqueName('seg');
    const input = { Video: video, SegmentTypes: ['TECHNICAL_CUE' as const], ClientRequestToken: token };
    const a = await client.send(new StartSegmentDetectionCommand(input));
    const b = await client.send(new StartSegmentDetectionCommand(input));
    expect(b.JobId).toBe(a.JobId);
    await expectServiceError(client.send(new StartSegmentDetectionCommand({ ...input, SegmentTypes: ['SHOT'] })), 'IdempotentParameterMismatchException', {
      message: `The ClientRequestToken: ${token} you have supplied is already in use.`,
      status: 400,
    });
    await finished(a.JobId!);
  }, JOB_TIMEOUT_MS + 30_000);

  it('refuses a missing S3 object at Start with InvalidS3ObjectException', async () => {
    const missing = { S3Object: { Bucket: video.S3Object.Bucket, Name: `${video.S3Object.Name}.missing` } };
    await expectServiceError(client.send(new StartSegmentDetectionCommand({ Video: missing, SegmentTypes: ['SHOT'] })), 'InvalidS3ObjectException', {
      message: 'Unable to get object metadata from S3. Check object key, region and/or access permissions.',
      status: 400,
    });
  });

  it('answers an unknown JobId with an error (ResourceNotFoundException on the emulator, a guess)', async () => {
    const err = await expectServiceError(client.send(new GetSegmentDetectionCommand({ JobId: 'b'.repeat(64) })), isEmulator ? 'ResourceNotFoundException' : null);
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('StartLabelDetection / GetLabelDetection', () => {
  // Models load on first use in the emulator's workers: allow for that on top of the analysis.
  const LABEL_TIMEOUT_MS = isEmulator ? 240_000 : 15 * 60_000;
  let labelJob: string;

  async function labelsDone(jobId: string) {
    const deadline = Date.now() + LABEL_TIMEOUT_MS;
    for (;;) {
      const out = await client.send(new GetLabelDetectionCommand({ JobId: jobId }));
      if (out.JobStatus !== 'IN_PROGRESS') return out;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still IN_PROGRESS`);
      await new Promise((resolve) => setTimeout(resolve, isEmulator ? 500 : 5000));
    }
  }

  it('labels the video in time order and echoes the default sort and aggregation', async () => {
    labelJob = (await client.send(new StartLabelDetectionCommand({ Video: video, MinConfidence: 60 }))).JobId!;
    const out = await labelsDone(labelJob);
    expect(out.JobStatus).toBe('SUCCEEDED');
    expect(out.LabelModelVersion).toBe('3.0');
    expect(out.GetRequestMetadata).toEqual({ SortBy: 'TIMESTAMP', AggregateBy: 'TIMESTAMPS' });
    expect(out.VideoMetadata).toMatchObject({ Codec: 'h264', Format: 'QuickTime / MOV', FrameWidth: 480, FrameHeight: 352 });
    const labels = out.Labels!;
    expect(labels.length).toBeGreaterThan(0);
    const times = labels.map((l) => l.Timestamp!);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.max(...times)).toBeLessThanOrEqual(out.VideoMetadata!.DurationMillis!);
    for (const l of labels) expect(l.Label!.Confidence).toBeGreaterThanOrEqual(60);
    // MinConfidence filters labels; boxes are reported from 50 (API reference, StartLabelDetection
    // MinConfidence), and video instances carry no colours (a recorded GetLabelDetection response).
    for (const i of labels.flatMap((l) => l.Label!.Instances ?? [])) {
      expect(i.Confidence).toBeGreaterThanOrEqual(50);
      expect(i.DominantColors ?? []).toEqual([]);
    }
    if (isEmulator) expect(new Set(labels.map((l) => l.Label!.Name))).toContain('Person');
  }, 15 * 60_000 + 30_000);

  it('aggregates into segments on request', async () => {
    const out = await client.send(new GetLabelDetectionCommand({ JobId: labelJob, AggregateBy: 'SEGMENTS' }));
    expect(out.GetRequestMetadata).toEqual({ SortBy: 'TIMESTAMP', AggregateBy: 'SEGMENTS' });
    for (const s of out.Labels!) {
      expect(s.StartTimestampMillis).toBeLessThanOrEqual(s.EndTimestampMillis!);
      expect(s.Label!.Instances ?? []).toEqual([]);
    }
    if (isEmulator) for (const s of out.Labels!) expect(s.DurationMillis).toBe(s.EndTimestampMillis! - s.StartTimestampMillis!);
  });
});
