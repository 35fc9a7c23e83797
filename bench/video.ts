/**
 * Stored-video speed: segment detection (target >= 10x real time) and, when registered, label
 * detection (target >= 1x) on a 60 s 640x480 H.264 video of twelve 5 s shots made with ffmpeg.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { detectSegments } from '../src/analysis/segments';
import { defaultConfig } from '../src/config';
import { videoAnalyzers } from '../src/jobs/handlers';
import { probeVideo } from '../src/media/probe';
import '../src/operations/video';
import { openDatabase } from '../src/store/database';
import { IdGenerator } from '../src/store/ids';
import { WorkerPool } from '../models/pool';
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

    const labels = videoAnalyzers().get('StartLabelDetection');
    if (!labels) return console.log('label detection: not registered');
    const inference = new WorkerPool();
    try {
      await inference.broadcast('vision.warmup', {});
      const services = { config: defaultConfig, db: openDatabase(), ids: new IdGenerator(), startedAt: new Date(), inference };
      const job = { ...services, account: 'bench', region: 'us-east-1', requestId: 'bench', operation: labels.start, jobId: 'bench', file, info, signal: new AbortController().signal };
      const t = performance.now();
      const c = cpuSeconds();
      const out = await labels.run({ Video: {} } as never, job);
      const wall = (performance.now() - t) / 1000;
      const cpu = cpuSeconds().own - c.own;
      console.log(
        `label detection (2 frames/s, objects + faces on ${inference.size} inference workers): ${wall.toFixed(1)} s wall = ${(seconds / wall).toFixed(2)}x real time (target >= 1x); ` +
          `CPU ${cpu.toFixed(1)} s in this process and its workers; ${out.items.length} labels`,
      );
    } finally {
      await inference.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
