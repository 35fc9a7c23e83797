/**
 * What analyses of video frames share (stored-video jobs, stream processors): frames as the image
 * analyses take them, the sampling loop of analyses that look at sampled frames one by one (labels,
 * faces, moderation, text, people), and AggregateBy SEGMENTS (runs of consecutive detections).
 */
import { createHash } from 'node:crypto';
import { readFrames, SAMPLE_FPS, sampledFrameCount, type Frame } from '../media/frames';
import type { LoadedImage } from '../media/image';
import type { VideoInfo } from '../media/probe';
import type { StoredItem } from '../store/video-jobs';

/** A frame as the image analyses take it (the pixel hash keys their caches). */
export function frameImage(frame: Frame): LoadedImage {
  const rgb = { data: frame.data, width: frame.width, height: frame.height, channels: 3 as const };
  return { bytes: Buffer.alloc(0), format: 'png', width: frame.width, height: frame.height, orientation: 1, sha256: createHash('sha256').update(frame.data).digest('hex'), rgb: async () => rgb };
}

/** The local video a sampling pass reads, and what stops it. */
export interface SampledVideo {
  file: string;
  info: VideoInfo;
  signal: AbortSignal;
  /** Awaited between frames: where a job may give its turn to another (src/jobs/runner.ts). */
  checkpoint?: () => Promise<void>;
  /** Told how far the pass has got, after each frame; see FrameProgress. */
  progress?: FrameProgress;
}

/**
 * How far a pass over a video's frames has got: `done` frames analysed of `total` expected. The
 * total comes from the probe; the container's count can be a little off, so while the pass runs
 * `total` is never below `done`, and the last report, at the end, is the count actually analysed.
 */
export type FrameProgress = (done: number, total: number) => void;

export interface SampledOptions {
  fps?: number;
  maxWidth?: number;
  /** Frames analysed at once (one per inference worker keeps them all busy). */
  parallel?: number;
}

/** Runs `analyze` on every sampled frame (rgb24); results keep the frame order. */
export async function analyzeSampledFrames(video: SampledVideo, analyze: (frame: Frame) => Promise<StoredItem[]>, options: SampledOptions = {}): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  const window = Math.max(1, options.parallel ?? 1);
  const pending: Promise<StoredItem[]>[] = [];
  const expected = sampledFrameCount(video.info, options.fps);
  let done = 0;
  const finished = async (result: Promise<StoredItem[]>) => {
    items.push(...(await result));
    done++;
    video.progress?.(done, Math.max(expected, done));
  };
  video.progress?.(0, expected);
  for await (const frame of readFrames(video.file, video.info, { mode: 'sample', fps: options.fps, maxWidth: options.maxWidth, pixelFormat: 'rgb24', signal: video.signal })) {
    await video.checkpoint?.();
    const result = analyze(frame);
    // Handled now, awaited in order below: a later frame failing first must not go unhandled.
    result.catch(() => undefined);
    pending.push(result);
    if (pending.length >= window) await finished(pending.shift()!);
  }
  for (const result of pending) await finished(result);
  video.progress?.(done, done);
  return items;
}

/** Interval between two samples of a `sample` pass, in ms. */
export function sampleIntervalMs(info: VideoInfo, fps = SAMPLE_FPS): number {
  const rate = info.fpsNum / info.fpsDen;
  return (1000 * Math.max(1, Math.round(rate / fps))) / rate;
}

export interface Run {
  key: string;
  items: StoredItem[];
  start: number;
  /** Timestamp of the last detection in the run. */
  end: number;
}

/**
 * Groups detections by key into runs: a run continues while the next detection of the same key
 * comes within `maxGapMs` (one missed sample is tolerated by passing twice the interval).
 * Runs come out ordered by start time, then key.
 */
export function detectionRuns(items: StoredItem[], keyOf: (item: StoredItem) => string, maxGapMs: number): Run[] {
  const open = new Map<string, Run>();
  const runs: Run[] = [];
  for (const item of [...items].sort((a, b) => a.ts - b.ts)) {
    const key = keyOf(item);
    const run = open.get(key);
    if (run && item.ts - run.end <= maxGapMs) {
      if (item.ts !== run.end || run.items.length === 0) run.end = item.ts;
      run.items.push(item);
      continue;
    }
    const fresh: Run = { key, items: [item], start: item.ts, end: item.ts };
    open.set(key, fresh);
    runs.push(fresh);
  }
  return runs.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * AggregateBy SEGMENTS of labels and moderation labels: one item per run of a name (samples
 * `intervalMs` apart, one missed sample tolerated), built from the run's most confident detection
 * by `detection` (its members besides the timestamps), with the run's start, end and duration.
 */
export function detectionSegments(items: StoredItem[], intervalMs: number, detection: (best: Record<string, unknown>) => Record<string, unknown>): StoredItem[] {
  return detectionRuns(items, (s) => s.name!, 2 * intervalMs).map((run) => {
    const best = run.items.reduce((a, b) => ((b.confidence ?? 0) > (a.confidence ?? 0) ? b : a));
    const item = { Timestamp: run.start, ...detection(best.item), StartTimestampMillis: run.start, EndTimestampMillis: run.end, DurationMillis: run.end - run.start };
    return { item, ts: run.start, name: run.key, confidence: best.confidence };
  });
}
