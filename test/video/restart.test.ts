/**
 * The real server with --data-dir: a job whose process is killed (SIGKILL) right after Start is
 * resumed by the next start, and finished results survive further restarts.
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, startServer } from '../support/spawn-server';
import { synthVideo } from './synth';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'video-restart-'));
const s3Dir = path.join(tmp, 's3');
const dataDir = path.join(tmp, 'data');
const args = ['--data-dir', dataDir, '--s3-dir', s3Dir];
const VIDEO = { S3Object: { Bucket: 'vids', Name: 'shots.mp4' } };

beforeAll(async () => {
  mkdirSync(path.join(s3Dir, 'vids'), { recursive: true });
  await synthVideo(path.join(s3Dir, 'vids', 'shots.mp4'), [
    { kind: 'bars', frames: 25 },
    { kind: 'testsrc2', frames: 30 },
    { kind: 'mandelbrot', frames: 30 },
  ]);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function until(endpoint: string, jobId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 300; i++) {
    const { body } = await call(endpoint, 'GetSegmentDetection', { JobId: jobId });
    if (body.JobStatus !== 'IN_PROGRESS') return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${jobId} still IN_PROGRESS after 30 s`);
}

it('resumes a job interrupted by SIGKILL, and keeps its results across restarts', async () => {
  const first = await startServer(args);
  const { status, body } = await call(first.endpoint, 'StartSegmentDetection', { Video: VIDEO, SegmentTypes: ['SHOT', 'TECHNICAL_CUE'], JobTag: 'survivor' });
  expect(status).toBe(200);
  const jobId = body.JobId as string;
  await first.stop('SIGKILL');
  // The kill came mid-job: what the next start finds is an unfinished job.
  const db = new Database(path.join(dataDir, 'rekognition-local.sqlite'), { readonly: true });
  expect(db.prepare('SELECT status FROM video_jobs WHERE job_id = ?').get(jobId)).toEqual({ status: 'IN_PROGRESS' });
  db.close();

  const second = await startServer(args);
  let done: Record<string, unknown>;
  try {
    done = await until(second.endpoint, jobId);
  } finally {
    await second.stop();
  }
  expect(done).toMatchObject({ JobStatus: 'SUCCEEDED', JobId: jobId, JobTag: 'survivor', Video: VIDEO });
  const segments = done.Segments as { Type: string; StartFrameNumber: number; TechnicalCueSegment?: { Type: string } }[];
  expect(segments.filter((s) => s.Type === 'SHOT').map((s) => s.StartFrameNumber)).toEqual([0, 25, 55]);
  expect(segments.filter((s) => s.Type === 'TECHNICAL_CUE').map((s) => s.TechnicalCueSegment!.Type)).toEqual(['ColorBars', 'Content']);

  const third = await startServer(args);
  try {
    expect((await call(third.endpoint, 'GetSegmentDetection', { JobId: jobId })).body).toEqual(done);
  } finally {
    await third.stop();
  }
});
