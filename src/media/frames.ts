/**
 * Decoded video frames, piped raw out of an ffmpeg child process and cut into one buffer per frame.
 *
 * Two modes: `sample` keeps every k-th frame so that about `fps` (default 5) frames per second come
 * out, the rate the per-frame analyzers work at; `all` keeps every frame (or only given frame
 * ranges), for frame-accurate work such as segment boundaries. Frames are selected by frame number
 * inside ffmpeg, so each one's number, and its time, is exact. Large videos are scaled down to an
 * analysis width; the event loop gets a turn between frames, so jobs never starve requests.
 */
import { spawn } from 'node:child_process';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ffmpegPath, frameToMillis, UnsupportedVideoError, type VideoInfo } from './probe';

export type PixelFormat = 'rgb24' | 'yuv420p' | 'gray';

export interface Frame {
  /** 0-based index of the frame in the stream. */
  frameNumber: number;
  /** Start time of the frame in ms, truncated as Rekognition reports it. */
  timestampMs: number;
  width: number;
  height: number;
  format: PixelFormat;
  /** rgb24: width*height*3 bytes; yuv420p: Y plane then U and V at half size; gray: Y only. */
  data: Buffer;
}

export interface FrameOptions {
  /** `sample` (default): about `fps` frames per second; `all`: every frame. */
  mode?: 'sample' | 'all';
  /** Sampling rate for `sample` mode. */
  fps?: number;
  /** Frames wider than this are scaled down (aspect kept). */
  maxWidth?: number;
  pixelFormat?: PixelFormat;
  /** `all` mode only: just these inclusive frame-number ranges; decoding stops after the last one. */
  ranges?: [number, number][];
  /** Skip H.264's deblocking filter: a third less decoding work, slight blocking; fine for measuring. */
  fast?: boolean;
  signal?: AbortSignal;
}

/** The rate per-frame analyzers sample at. */
export const SAMPLE_FPS = 5;
/** Wide enough for the detectors (they resize to 512 or so), small enough to pipe quickly. */
export const ANALYSIS_WIDTH = 640;
/** Longest stretch of synchronous frame work before the event loop gets a turn. */
const SLICE_MS = 8;

/** Every how many frames a `sample` pass keeps one: 5 for 25 fps, 6 for 29.97. */
export function sampleStep(info: Pick<VideoInfo, 'fpsNum' | 'fpsDen'>, fps = SAMPLE_FPS): number {
  return Math.max(1, Math.round(info.fpsNum / info.fpsDen / fps));
}

/**
 * Frames a `sample` pass is expected to yield: every `sampleStep`-th of the stream's frames (its
 * duration times its frame rate when the container does not count them), about duration × `fps`.
 */
export function sampledFrameCount(info: Pick<VideoInfo, 'fpsNum' | 'fpsDen' | 'frameCount'>, fps = SAMPLE_FPS): number {
  return Math.ceil(info.frameCount / sampleStep(info, fps));
}

/** Output size for a maximum width: even sides (yuv420p needs them), aspect kept. */
export function frameSize(info: Pick<VideoInfo, 'width' | 'height'>, maxWidth = ANALYSIS_WIDTH): { width: number; height: number } {
  const even = (v: number) => Math.max(2, 2 * Math.round(v / 2));
  const width = even(Math.min(maxWidth, info.width));
  return { width, height: even((info.height * width) / info.width) };
}

function bytesPerFrame(format: PixelFormat, width: number, height: number): number {
  if (format === 'rgb24') return width * height * 3;
  if (format === 'yuv420p') return (width * height * 3) / 2;
  return width * height;
}

/** Merged, sorted ranges and the frame numbers they select, in order. */
function normaliseRanges(ranges: [number, number][], frameLimit: number): [number, number][] {
  const sorted = ranges
    .map(([a, b]) => [Math.max(0, Math.floor(a)), Math.min(frameLimit, Math.floor(b))] as [number, number])
    .filter(([a, b]) => b >= a)
    .sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}

/**
 * Decodes `file` and yields frames in order. A file ffmpeg cannot decode at all is an
 * UnsupportedVideoError; a stream that breaks off after some frames just ends there.
 */
export async function* readFrames(file: string, info: VideoInfo, options: FrameOptions = {}): AsyncGenerator<Frame> {
  const mode = options.mode ?? 'sample';
  const format = options.pixelFormat ?? 'rgb24';
  const { width, height } = frameSize(info, options.maxWidth);
  const frameBytes = bytesPerFrame(format, width, height);

  // Which decoded frame the i-th output frame is.
  let numberOf: (i: number) => number;
  let expected = Infinity;
  const filters: string[] = [];
  if (mode === 'sample') {
    const step = sampleStep(info, options.fps);
    if (step > 1) filters.push(`select='not(mod(n\\,${step}))'`);
    numberOf = (i) => i * step;
  } else if (options.ranges) {
    // Upper bound generous: the container's frame count can be a little off.
    const ranges = normaliseRanges(options.ranges, info.frameCount + 1000);
    if (ranges.length === 0) return;
    filters.push(`select='${ranges.map(([a, b]) => `between(n\\,${a}\\,${b})`).join('+')}'`);
    const starts: number[] = [];
    let total = 0;
    for (const [a, b] of ranges) {
      starts.push(total);
      total += b - a + 1;
    }
    expected = total;
    numberOf = (i) => {
      let r = ranges.length - 1;
      while (r > 0 && starts[r] > i) r--;
      return ranges[r][0] + (i - starts[r]);
    };
  } else {
    numberOf = (i) => i;
  }
  // Area averaging: the right filter for shrinking, and cheaper than the default bicubic.
  if (width !== info.width || height !== info.height) filters.push(`scale=${width}:${height}:flags=area`);

  const args = [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-threads', '2', ...(options.fast ? ['-skip_loop_filter', 'all'] : [])],
    ...['-i', file, '-an', '-sn', '-dn', ...(filters.length ? ['-vf', filters.join(',')] : []), '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', format, 'pipe:1'],
  ];
  const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let failure: Error | undefined;
  let finished = false;
  let killed = false;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    // The end says why decoding failed.
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  child.on('error', (err) => {
    if (!killed) failure = err;
  });
  child.on('close', (code) => {
    finished = true;
    if (code !== 0 && !killed) failure ??= new Error(`ffmpeg exited with code ${code}: ${stderr.trim()}`);
  });
  const stream = child.stdout;
  const kill = () => {
    if (finished || killed) return;
    killed = true;
    child.kill('SIGKILL');
  };
  options.signal?.addEventListener('abort', kill, { once: true });

  let produced = 0;
  // Chunks are copied once, straight into the frame they belong to.
  let frame = Buffer.allocUnsafe(frameBytes);
  let filled = 0;
  let sliceStart = performance.now();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        chunk.copy(frame, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled < frameBytes) break;
        const data = frame;
        frame = Buffer.allocUnsafe(frameBytes);
        filled = 0;
        const frameNumber = numberOf(produced++);
        yield { frameNumber, timestampMs: frameToMillis(frameNumber, info), width, height, format, data };
        if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
        if (produced >= expected) return;
        if (performance.now() - sliceStart > SLICE_MS) {
          await nextTurn();
          sliceStart = performance.now();
        }
      }
    }
    // The exit status comes just after stdout closes (bounded, in case ffmpeg lingers).
    if (!finished && !failure) await Promise.race([new Promise((resolve) => child.once('close', resolve)), new Promise((resolve) => setTimeout(resolve, 1000))]);
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    if (produced === 0 && failure) throw new UnsupportedVideoError(`decoding failed: ${failure.message.slice(0, 300)}`);
  } finally {
    options.signal?.removeEventListener('abort', kill);
    kill();
    stream.destroy();
  }
}

