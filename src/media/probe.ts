/**
 * ffmpeg and ffprobe binaries, and the probe of a stored video: Rekognition's VideoMetadata and
 * AudioMetadata, plus what frame sampling needs (exact frame rate, frame count).
 *
 * Binaries: the system's when on PATH (the Docker image installs Debian's), else the static builds
 * that @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe ship (MODELS.md trap 8: the ffprobe
 * one is stored without the execute bit).
 */
import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants as fsConstants, copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { AudioMetadata, VideoColorRange, VideoMetadata } from '../api/generated/types';

const require = createRequire(import.meta.url);

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Makes a packaged binary executable: in place when allowed, else as a copy under the temp folder. */
function ensureExecutable(file: string): string {
  try {
    accessSync(file, fsConstants.X_OK);
    return file;
  } catch {
    // fall through
  }
  try {
    chmodSync(file, statSync(file).mode | 0o755);
    accessSync(file, fsConstants.X_OK);
    return file;
  } catch {
    // node_modules may be read-only (a container image): run a private copy instead
    const dir = path.join(os.tmpdir(), `rekognition-local-bin-${process.getuid?.() ?? 'u'}`);
    const copy = path.join(dir, `${path.basename(file)}-${statSync(file).size}`);
    if (!existsSync(copy)) {
      mkdirSync(dir, { recursive: true });
      const partial = `${copy}.${process.pid}.tmp`;
      copyFileSync(file, partial);
      chmodSync(partial, 0o755);
      // rename is atomic: a concurrent process never runs a half-written copy
      renameSync(partial, copy);
    }
    return copy;
  }
}

let ffmpegBinary: string | undefined;
let ffprobeBinary: string | undefined;

export function ffmpegPath(): string {
  ffmpegBinary ??= onPath('ffmpeg') ?? ensureExecutable((require('@ffmpeg-installer/ffmpeg') as { path: string }).path);
  return ffmpegBinary;
}

export function ffprobePath(): string {
  ffprobeBinary ??= onPath('ffprobe') ?? ensureExecutable((require('@ffprobe-installer/ffprobe') as { path: string }).path);
  return ffprobeBinary;
}

/** The video cannot be analysed; the job fails with AWS's own status message. */
export class UnsupportedVideoError extends Error {
  static readonly STATUS_MESSAGE = 'Unsupported codec/format.';
  constructor(readonly reason: string) {
    super(UnsupportedVideoError.STATUS_MESSAGE);
    this.name = 'UnsupportedVideoError';
  }
}

export interface VideoInfo {
  /** As Rekognition reports it (Get* responses). */
  metadata: VideoMetadata;
  audio: AudioMetadata[];
  /** Exact frame rate as a fraction, for frame-number <-> time conversions. */
  fpsNum: number;
  fpsDen: number;
  /** Frames in the stream (from the container, else estimated from the duration). */
  frameCount: number;
  /** Size of decoded frames as ffmpeg hands them out (rotation applied). */
  width: number;
  height: number;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  color_range?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  sample_rate?: string;
  channels?: number;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
  disposition?: { attached_pic?: number };
}

interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { format_name?: string; format_long_name?: string; duration?: string };
}

function parseRate(rate: string | undefined): { num: number; den: number } | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(rate ?? '');
  if (!m) return undefined;
  const num = Number(m[1]);
  const den = Number(m[2]);
  return num > 0 && den > 0 ? { num, den } : undefined;
}

const toMillis = (seconds: string | undefined) => {
  const s = Number(seconds);
  return Number.isFinite(s) && s > 0 ? Math.floor(s * 1000 + 1e-6) : undefined;
};

function runFfprobe(file: string): Promise<ProbeOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobePath(),
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
      { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new UnsupportedVideoError(`ffprobe failed: ${(stderr || err.message).trim().slice(0, 300)}`));
        try {
          resolve(JSON.parse(stdout) as ProbeOutput);
        } catch {
          reject(new UnsupportedVideoError('ffprobe printed no JSON'));
        }
      },
    );
  });
}

/**
 * Probes a video file. Anything but H.264 in an MP4/MOV container is an UnsupportedVideoError,
 * as on AWS (which accepts "H.264 in MPEG-4 or MOV"), and so is a file ffprobe cannot read.
 */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const out = await runFfprobe(file);
  const formatName = out.format?.format_name ?? '';
  const video = out.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) throw new UnsupportedVideoError('no video stream');
  if (!formatName.split(',').some((f) => f === 'mov' || f === 'mp4')) throw new UnsupportedVideoError(`container ${formatName || 'unknown'}`);
  if (video.codec_name !== 'h264') throw new UnsupportedVideoError(`codec ${video.codec_name ?? 'unknown'}`);
  const rate = parseRate(video.avg_frame_rate) ?? parseRate(video.r_frame_rate);
  if (!rate || !video.width || !video.height) throw new UnsupportedVideoError('no frame rate or size');

  const durationMillis = toMillis(video.duration) ?? toMillis(out.format?.duration) ?? 0;
  const nbFrames = Number(video.nb_frames);
  const frameCount = Number.isInteger(nbFrames) && nbFrames > 0 ? nbFrames : Math.max(1, Math.round((durationMillis / 1000) * (rate.num / rate.den)));

  // ffmpeg turns frames upright when the stream carries a rotation; report what it hands out.
  const rotation = Number(video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? video.tags?.rotate ?? 0);
  const quarterTurn = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  const width = quarterTurn ? video.height : video.width;
  const height = quarterTurn ? video.width : video.height;

  // Unflagged YUV is studio range by convention; the yuvj formats are full range.
  const colorRange: VideoColorRange = video.color_range === 'pc' || video.color_range === 'jpeg' || /^yuvj/.test(video.pix_fmt ?? '') ? 'FULL' : 'LIMITED';

  const metadata: VideoMetadata = {
    Codec: video.codec_name,
    DurationMillis: durationMillis,
    Format: out.format?.format_long_name ?? formatName,
    FrameRate: rate.num / rate.den,
    FrameHeight: height,
    FrameWidth: width,
    ColorRange: colorRange,
  };
  const audio: AudioMetadata[] = (out.streams ?? [])
    .filter((s) => s.codec_type === 'audio')
    .map((s) => ({
      Codec: s.codec_name,
      DurationMillis: toMillis(s.duration) ?? durationMillis,
      SampleRate: Number(s.sample_rate) || undefined,
      NumberOfChannels: s.channels,
    }));
  return { metadata, audio, fpsNum: rate.num, fpsDen: rate.den, frameCount, width, height };
}

/** Start time in ms of a frame, as Rekognition reports frame times (truncated, not rounded). */
export function frameToMillis(frame: number, info: Pick<VideoInfo, 'fpsNum' | 'fpsDen'>): number {
  return Math.floor((frame * 1000 * info.fpsDen) / info.fpsNum + 1e-9);
}
