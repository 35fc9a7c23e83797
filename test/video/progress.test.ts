/**
 * Progress of stored-video jobs (frames analysed of those expected), which the web console shows:
 * the sampling loop and the segment scan report it, the job writes it to its store at a bounded
 * rate, and no API answer carries it. Small synthetic videos and fake inference, no models.
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzeSampledFrames } from '../../src/analysis/video-frames';
import { progressRecorder } from '../../src/jobs/progress';
import { sampledFrameCount } from '../../src/media/frames';
import { probeVideo } from '../../src/media/probe';
import { createStores } from '../../src/store';
import type { ModelsClient } from '../../models/client';
import { TEST_CALLER, testEmulator, type TestEmulator } from '../support/emulator';
import { synthVideo } from './synth';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'video-progress-'));
const s3Dir = path.join(tmp, 's3');
/** Two seconds at 25 fps. */
const FILE = path.join(s3Dir, 'vids', 'two-seconds.mp4');
const VIDEO = { S3Object: { Bucket: 'vids', Name: 'two-seconds.mp4' } };
/** ffprobe and ffmpeg start slowly on a busy machine; the default 1 s is not enough there. */
const FFMPEG_WAIT = { timeout: 15_000, interval: 20 };

beforeAll(async () => {
  mkdirSync(path.dirname(FILE), { recursive: true });
  await synthVideo(FILE, [{ kind: 'testsrc2', frames: 50 }], { width: 160, height: 120 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('progressRecorder', () => {
  it('writes the first report at once, then at most one per interval, and the last on flush', () => {
    let now = 1000;
    const writes: string[] = [];
    const recorder = progressRecorder((p) => writes.push(`${p.done}/${p.total}`), () => now, 500);
    recorder.report(0, 10);
    recorder.report(1, 10);
    now += 499;
    recorder.report(2, 10);
    expect(writes).toEqual(['0/10']);
    now += 1;
    recorder.report(3, 10);
    recorder.report(4, 10);
    expect(writes).toEqual(['0/10', '3/10']);
    recorder.flush();
    recorder.flush();
    expect(writes).toEqual(['0/10', '3/10', '4/10']);
  });
});

describe('analyzeSampledFrames', () => {
  it('reports frames analysed against the sampled frames the probe expects, then the count analysed', async () => {
    const info = await probeVideo(FILE);
    // Every 5th frame of 50 at 25 fps: duration × 5 fps.
    expect(sampledFrameCount(info, 5)).toBe(10);
    const reports: [number, number][] = [];
    const analysed: number[] = [];
    await analyzeSampledFrames(
      { file: FILE, info, signal: new AbortController().signal, progress: (done, total) => reports.push([done, total]) },
      async (frame) => {
        analysed.push(frame.frameNumber);
        return [];
      },
      { fps: 5, parallel: 2 },
    );
    expect(analysed).toHaveLength(10);
    expect(reports).toEqual([[0, 10], ...analysed.map((_, i) => [i + 1, 10]), [10, 10]]);
  });
});

/** Label-job inference whose face task waits, frame by frame, until the test lets it go. */
function gatedInference() {
  const waiting: (() => void)[] = [];
  let open = false;
  const run = async (task: string) => {
    if (task === 'vision.objects') return { objects: [] };
    if (task === 'vision.faces' && !open) await new Promise<void>((resolve) => waiting.push(resolve));
    return [];
  };
  const fake = { size: 1, plugins: [], run, broadcast: async () => undefined, close: async () => undefined, background: () => fake };
  return {
    models: fake as unknown as ModelsClient,
    waiting: () => waiting.length,
    releaseOne: () => waiting.shift()!(),
    releaseAll() {
      open = true;
      waiting.splice(0).forEach((resolve) => resolve());
    },
  };
}

describe('a video job', () => {
  let t: TestEmulator | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('records its progress at most every 500 ms while it runs, and all of its frames when it succeeds', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const gate = gatedInference();
    t = testEmulator({ s3Dir }, { inference: gate.models, runtime: { clock: { now: () => now } } });
    const { JobId } = await t.call('StartLabelDetection', { Video: VIDEO });
    const progress = () => t!.emulator.console.state.videoJobs(TEST_CALLER)[0].Progress;
    // Labels every 500 ms: every 13th frame of 50 (0, 13, 26, 39).
    expect(progress()).toBeNull();

    await vi.waitFor(() => expect(gate.waiting()).toBe(1), FFMPEG_WAIT);
    expect(progress()).toEqual({ Fraction: 0, FramesDone: 0, FramesTotal: 4 });
    gate.releaseOne();
    await vi.waitFor(() => expect(gate.waiting()).toBe(1), FFMPEG_WAIT);
    // One frame done, but the last write was just now.
    expect(progress()).toEqual({ Fraction: 0, FramesDone: 0, FramesTotal: 4 });
    now += 500;
    gate.releaseOne();
    await vi.waitFor(() => expect(gate.waiting()).toBe(1), FFMPEG_WAIT);
    expect(progress()).toEqual({ Fraction: 0.5, FramesDone: 2, FramesTotal: 4 });
    expect(t.emulator.console.state.videoJob(TEST_CALLER, JobId)).toMatchObject({ JobStatus: 'IN_PROGRESS', Progress: { Fraction: 0.5 } });

    gate.releaseAll();
    await t.emulator.idle();
    expect(t.emulator.console.state.videoJob(TEST_CALLER, JobId)).toMatchObject({ JobStatus: 'SUCCEEDED', Progress: { Fraction: 1, FramesDone: 4, FramesTotal: 4 } });
    // Progress is the console's: the API answer has no such member.
    const answer = await t.call('GetLabelDetection', { JobId });
    expect(answer.JobStatus).toBe('SUCCEEDED');
    expect(JSON.stringify(answer)).not.toMatch(/progress|frames/i);
  });

  it('segment detection counts every decoded frame', async () => {
    t = testEmulator({ s3Dir }, { inference: gatedInference().models });
    const { JobId } = await t.call('StartSegmentDetection', { Video: VIDEO, SegmentTypes: ['SHOT'] });
    await t.emulator.idle();
    expect(t.emulator.console.state.videoJob(TEST_CALLER, JobId)).toMatchObject({ JobStatus: 'SUCCEEDED', Progress: { Fraction: 1, FramesDone: 50, FramesTotal: 50 } });
  });
});

describe('the video jobs store', () => {
  it('adds the progress columns to a data folder written before them, and a new run starts its progress over', () => {
    const dataDir = path.join(tmp, 'old-data');
    mkdirSync(dataDir);
    const old = new Database(path.join(dataDir, 'rekognition-local.sqlite'));
    old.exec(`CREATE TABLE video_jobs (
      account TEXT NOT NULL, region TEXT NOT NULL, job_id TEXT NOT NULL, api TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
      request TEXT NOT NULL, request_hash TEXT NOT NULL, client_token TEXT, video_metadata TEXT, audio_metadata TEXT, extra TEXT,
      attempts INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, completed_ms INTEGER, PRIMARY KEY (account, region, job_id))`);
    old.prepare("INSERT INTO video_jobs VALUES (?, ?, 'old', 'StartLabelDetection', 'IN_PROGRESS', NULL, '{}', 'h', NULL, NULL, NULL, NULL, 1, 0, NULL)").run(TEST_CALLER.account, TEST_CALLER.region);
    old.close();

    const stores = createStores({ dataDir });
    try {
      const jobs = stores.videoJobs.in(TEST_CALLER);
      expect(jobs.get('old')?.progress).toBeUndefined();
      jobs.setProgress('old', { done: 3, total: 8 });
      expect(jobs.get('old')?.progress).toEqual({ done: 3, total: 8 });
      jobs.countAttempt('old');
      expect(jobs.get('old')?.progress).toBeUndefined();
      // A finished job's progress is not rewritten.
      jobs.fail('old', 'gone', 1);
      jobs.setProgress('old', { done: 1, total: 8 });
      expect(jobs.get('old')?.progress).toBeUndefined();
    } finally {
      stores.close();
    }
  });
});
