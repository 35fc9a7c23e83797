/**
 * Stored-video speed: segment detection (target >= 10x real time) and label detection (target
 * >= 1x, a job on an emulator, Start to its end) on a 60 s 640x480 H.264 video of twelve 5 s shots
 * made with ffmpeg, and how synchronous requests fare on a server while video jobs run.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { detectSegments } from '../src/analysis/segments';
import { createEmulator } from '../src/emulator';
import { probeVideo } from '../src/media/probe';
import { Logger } from '../src/runtime/logger';
import type { Scope } from '../src/runtime/scope';
import { ModelsClient } from '../models/client';
import { call, startServer } from '../test/support/spawn-server';
import { synthVideo, type Part } from '../test/video/synth';

const SHOT = 150; // 5 s at 30 fps
const kinds: Part['kind'][] = ['bars', 'testsrc2', 'mandelbrot', 'life', 'rgbtest', 'testsrc2', 'black', 'mandelbrot', 'life', 'testsrc2', 'rgbtest', 'life'];

/** CPU seconds of this process and of its finished children (ffmpeg); children only on Linux. */
function cpuSeconds(): { own: number; children: number } {
  const { user, system } = process.cpuUsage();
  let children = NaN;
  if (existsSync('/proc/self/stat')) {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    children = (Number(fields[13]) + Number(fields[14])) / 100;
  }
  return { own: (user + system) / 1e6, children };
}

export async function benchVideo(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-video-'));
  try {
    const file = path.join(dir, 'bench.mp4');
    const parts = kinds.map((kind, i) => ({ kind, frames: SHOT, hue: i * 40 }) as Part);
    const t0 = performance.now();
    const { starts } = await synthVideo(file, parts, { width: 640, height: 480, rate: '30', preset: 'veryfast' });
    const info = await probeVideo(file);
    const seconds = info.metadata.DurationMillis! / 1000;
    console.log(`test video: ${seconds} s, ${info.width}x${info.height} @ ${info.metadata.FrameRate} fps, ${info.frameCount} frames (made in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    const runs: { wall: number; node: number; ffmpeg: number }[] = [];
    let shots: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      const c = cpuSeconds();
      const { segments } = await detectSegments(file, info, { types: ['SHOT', 'TECHNICAL_CUE'] });
      const after = cpuSeconds();
      runs.push({ wall: (performance.now() - t) / 1000, node: after.own - c.own, ffmpeg: after.children - c.children });
      shots = segments.filter((s) => s.Type === 'SHOT').map((s) => s.StartFrameNumber!);
    }
    const best = runs.reduce((a, b) => (b.wall < a.wall ? b : a));
    const missed = starts.filter((s) => !shots.some((f) => Math.abs(f - s) <= 2));
    console.log(
      `segment detection: ${best.wall.toFixed(2)} s wall for ${seconds} s of video = ${(seconds / best.wall).toFixed(1)}x real time (target >= 10x); ` +
        `CPU ${best.node.toFixed(2)} s node + ${best.ffmpeg.toFixed(2)} s ffmpeg = ${(seconds / (best.node + best.ffmpeg)).toFixed(1)}x real time per CPU second; ` +
        `${shots.length} shots, ${missed.length} of ${starts.length} true cuts missed`,
    );

    await benchLabelDetection(dir, file, seconds);
    await benchRequestsDuringJobs(dir, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One StartLabelDetection job on an emulator (models warmed up first), timed from Start to its end. */
async function benchLabelDetection(dir: string, video: string, seconds: number): Promise<void> {
  const s3 = path.join(dir, 's3-labels');
  mkdirSync(path.join(s3, 'bench'), { recursive: true });
  copyFileSync(video, path.join(s3, 'bench', 'video.mp4'));
  const inference = new ModelsClient();
  const emulator = createEmulator({ s3Dir: s3, logLevel: 'warn' }, { inference, runtime: { log: new Logger('warn') } });
  const caller: Scope = { account: '000000000000', region: 'us-east-1' };
  const call = async (operation: string, input: Record<string, unknown>) => {
    const answer = await emulator.dispatch(operation, JSON.stringify(input), caller);
    if (answer.status !== 200) throw new Error(`${operation} answered ${answer.status}: ${answer.body}`);
    return JSON.parse(answer.body) as Record<string, unknown>;
  };
  try {
    await inference.broadcast('vision.warmup');
    const t = performance.now();
    const c = cpuSeconds();
    const { JobId } = await call('StartLabelDetection', { Video: { S3Object: { Bucket: 'bench', Name: 'video.mp4' } } });
    await emulator.idle();
    const wall = (performance.now() - t) / 1000;
    const cpu = cpuSeconds().own - c.own;
    let labels = 0;
    let page: Record<string, unknown> = {};
    do {
      page = await call('GetLabelDetection', { JobId, ...(page.NextToken ? { NextToken: page.NextToken } : {}) });
      if (page.JobStatus !== 'SUCCEEDED') throw new Error(`label detection ended ${String(page.JobStatus)}: ${String(page.StatusMessage)}`);
      labels += (page.Labels as unknown[]).length;
    } while (page.NextToken);
    console.log(
      `label detection (2 frames/s, objects + faces on ${inference.size} inference workers): ${wall.toFixed(1)} s wall = ${(seconds / wall).toFixed(2)}x real time (target >= 1x); ` +
        `CPU ${cpu.toFixed(1)} s in this process and its workers; ${labels} labels`,
    );
  } finally {
    await emulator.stop();
  }
}

const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** DetectFaces and health latency on an idle server, then while two label-detection jobs run side by side. */
async function benchRequestsDuringJobs(dir: string, video: string): Promise<void> {
  const s3 = path.join(dir, 's3');
  mkdirSync(path.join(s3, 'bench'), { recursive: true });
  copyFileSync(video, path.join(s3, 'bench', 'video.mp4'));
  const server = await startServer(['--s3-dir', s3], { REKOGNITION_LOCAL_VIDEO_CONCURRENCY: '2' });
  try {
    // A different image each round: identical bytes would be answered from the face analysis cache.
    const photo = readFileSync(new URL('../fixtures/images/astronaut.png', import.meta.url));
    const variants = await Promise.all(
      Array.from({ length: 33 }, async (_, i) => (await sharp(photo).modulate({ brightness: 1 + i / 200 }).jpeg({ quality: 90 }).toBuffer()).toString('base64')),
    );
    let next = 0;
    const measure = async (rounds: number) => {
      const faces: number[] = [];
      const health: number[] = [];
      for (let i = 0; i < rounds; i++) {
        let t = performance.now();
        const res = await call(server.endpoint, 'DetectFaces', { Image: { Bytes: variants[next++] } });
        if (res.status !== 200) throw new Error(`DetectFaces answered ${res.status}`);
        faces.push(performance.now() - t);
        t = performance.now();
        await fetch(`${server.endpoint}/_rekognition/health`);
        health.push(performance.now() - t);
      }
      return { faces: p50(faces), health: p50(health) };
    };
    await measure(3); // models load
    const idle = await measure(15);
    const jobs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await call(server.endpoint, 'StartLabelDetection', { Video: { S3Object: { Bucket: 'bench', Name: 'video.mp4' } }, JobTag: `bench${i}` });
      jobs.push(res.body.JobId as string);
    }
    const busy = await measure(15);
    const states = await Promise.all(jobs.map(async (JobId) => (await call(server.endpoint, 'GetLabelDetection', { JobId, MaxResults: 1 })).body.JobStatus));
    console.log(
      `while 2 label-detection jobs run (${states.join(', ')} after the measurement): DetectFaces p50 ${busy.faces.toFixed(0)} ms (idle ${idle.faces.toFixed(0)} ms), ` +
        `health p50 ${busy.health.toFixed(1)} ms (idle ${idle.health.toFixed(1)} ms)`,
    );
  } finally {
    await server.stop();
  }
}
