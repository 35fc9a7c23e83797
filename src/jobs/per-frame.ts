/**
 * Helpers for analyzers that look at sampled frames one by one (labels, faces, moderation, text,
 * people): the sampling loop, and AggregateBy SEGMENTS (runs of consecutive detections).
 */
import { readFrames, SAMPLE_FPS, type Frame } from '../media/frames';
import type { JobContext } from './analyzer';
import type { StoredItem } from './store';

export interface SampledOptions {
  fps?: number;
  maxWidth?: number;
  /** Frames analysed at once (one per inference worker keeps them all busy). */
  parallel?: number;
}

/** Runs `analyze` on every sampled frame (rgb24); results keep the frame order. */
export async function analyzeSampledFrames(job: JobContext, analyze: (frame: Frame) => Promise<StoredItem[]>, options: SampledOptions = {}): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  const window = Math.max(1, options.parallel ?? 1);
  const pending: Promise<StoredItem[]>[] = [];
  for await (const frame of readFrames(job.file, job.info, { mode: 'sample', fps: options.fps, maxWidth: options.maxWidth, pixelFormat: 'rgb24', signal: job.signal })) {
    const result = analyze(frame);
    // Handled now, awaited in order below: a later frame failing first must not go unhandled.
    result.catch(() => undefined);
    pending.push(result);
    if (pending.length >= window) items.push(...(await pending.shift()!));
  }
  for (const result of pending) items.push(...(await result));
  return items;
}

/** Interval between two samples of a `sample` pass, in ms. */
export function sampleIntervalMs(job: Pick<JobContext, 'info'>, fps = SAMPLE_FPS): number {
  const rate = job.info.fpsNum / job.info.fpsDen;
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
