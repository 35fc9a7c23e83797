/**
 * Segment detection (StartSegmentDetection): shots and technical cues, frame-accurate.
 *
 * One ffmpeg pass decodes every frame (decoding dominates the cost, and H.264 must decode every
 * frame anyway, so keeping all of them small costs about what 5 fps sampling does). Each frame
 * gets cheap measures: black coverage by AWS's definition, and its distance to the previous
 * frame (mean colour of 8x8 blocks). Every 5 fps sample also gets the costlier
 * tests: colour bars and text cards. Sampled runs are then refined to the exact frame from the
 * per-frame measures, so each boundary is where the picture actually changes.
 *
 * What is measured, per cue:
 * - BlackFrames: a frame whose pixels are at most `min + MaxPixelThreshold * range` luminance
 *   (studio range 16-235 or full range 0-255) over at least MinCoveragePercentage of the frame.
 * - ColorBars: uniform vertical bars whose saturated colours run yellow, cyan, green, magenta,
 *   red, blue (SMPTE, SMPTE HD and EBU bars all do).
 * - Slate: a static text card (a few lines of text on a plain background) in the leader, after
 *   colour bars. OpeningCredits: text cards on a dark background in the leader without bars.
 *   EndCredits: text on a dark background (static cards or rolling) running to the end of the
 *   video, black excepted.
 * - Content: every frame not in another cue.
 * Not detected: StudioLogo (no measurable trait separates a logo from a short shot), and credits
 * shown over picture, which need text recognition in every frame.
 */
import type { SegmentDetection, SegmentType, SegmentTypeInfo, StartSegmentDetectionFilters, TechnicalCueType } from '../api/generated/types';
import { readFrames, sampleStep } from '../media/frames';
import type { FrameProgress } from './video-frames';
import { frameToMillis, UnsupportedVideoError, type VideoInfo } from '../media/probe';

export const SEGMENT_MODEL_VERSION = '2.0';
/** Width frames are scanned at: fine for block colours, bars and text lines; cheap for every frame. */
const SCAN_WIDTH = 256;
/** AWS defaults for the BlackFrame filter. */
export const DEFAULT_MAX_PIXEL_THRESHOLD = 0.2;
export const DEFAULT_MIN_COVERAGE = 99;
/** AWS's floor for MinSegmentConfidence, and its default. */
const MIN_CONFIDENCE = 50;

// ---------------------------------------------------------------------------------------------
// SMPTE timecodes

/** 29.97 and 59.94 fps use drop-frame timecode. */
export function isDropFrame(fps: number): boolean {
  return Math.abs(fps - 30000 / 1001) < 0.01 || Math.abs(fps - 60000 / 1001) < 0.02;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** HH:MM:SS:FF, or HH:MM:SS;FF in drop-frame (frame labels 0 and 1 skipped each minute but every tenth). */
export function smpteTimecode(frame: number, fps: number): string {
  const nominal = Math.max(1, Math.round(fps));
  const drop = isDropFrame(fps);
  let f = frame;
  if (drop) {
    const dropped = Math.round(nominal / 15);
    const perTenMinutes = nominal * 600 - dropped * 9;
    const perMinute = nominal * 60 - dropped;
    const tens = Math.floor(f / perTenMinutes);
    const rest = f % perTenMinutes;
    f += dropped * 9 * tens + (rest > dropped ? dropped * Math.floor((rest - dropped) / perMinute) : 0);
  }
  const seconds = Math.floor(f / nominal);
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}${drop ? ';' : ':'}${pad(f % nominal)}`;
}

// ---------------------------------------------------------------------------------------------
// Per-frame scan

export interface BlackFilter {
  maxPixelThreshold: number;
  minCoveragePercentage: number;
}

interface Planes {
  y: Buffer;
  u: Buffer;
  v: Buffer;
  w: number;
  h: number;
  full: boolean;
}

export interface CardFeatures {
  /** Share of the frame in the two most common neighbouring luma bins (a plain background). */
  background: number;
  /** Share of dark pixels. */
  dark: number;
  /** Horizontal bands dense in edges, as text lines are. */
  textLines: number;
  /** Share of edges that lie inside those bands. */
  textEdgeShare: number;
}

export interface Sample {
  frame: number;
  /** Colour-bars confidence, 0 when none. */
  bars: number;
  card: CardFeatures;
}

export interface Scan {
  frames: number;
  black: Uint8Array;
  /** Percentage of pixels at or below the black level. */
  coverage: Float32Array;
  /** Change from the previous frame (0 for frame 0), 0-1. */
  change: Float32Array;
  samples: Sample[];
  step: number;
}

const GRID = 8;

function yuvToRgb(y: number, u: number, v: number, full: boolean): [number, number, number] {
  const c = full ? y : 1.164 * (y - 16);
  const d = u - 128;
  const e = v - 128;
  const k = full ? 1 : 1.138;
  return [c + 1.402 * k * e, c - 0.344 * k * d - 0.714 * k * e, c + 1.772 * k * d].map((x) => Math.max(0, Math.min(255, x))) as [number, number, number];
}

function hueOf([r, g, b]: [number, number, number]): { hue: number; chroma: number } {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const c = max - min;
  if (c === 0) return { hue: 0, chroma: 0 };
  let h: number;
  if (max === r) h = ((g - b) / c + 6) % 6;
  else if (max === g) h = (b - r) / c + 2;
  else h = (r - g) / c + 4;
  return { hue: h * 60, chroma: c / 255 };
}

const hueDistance = (a: number, b: number) => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));
/** The saturated bars of every standard pattern, left to right. */
const BAR_HUES = [60, 180, 120, 300, 0, 240];

/** Confidence (0 when not) that the frame shows colour bars. */
export function colourBars(p: Planes): number {
  const { w, h } = p;
  const r0 = Math.round(h * 0.1);
  const r1 = Math.round(h * 0.5);
  const cols: { y: number; u: number; v: number }[] = [];
  let uniform = 0;
  for (let x = 0; x < w; x++) {
    let sy = 0;
    let syy = 0;
    let su = 0;
    let suu = 0;
    let sv = 0;
    let svv = 0;
    let n = 0;
    for (let r = r0; r < r1; r += 2) {
      const y = p.y[r * w + x];
      const ci = (r >> 1) * (w >> 1) + (x >> 1);
      const u = p.u[ci];
      const v = p.v[ci];
      sy += y;
      syy += y * y;
      su += u;
      suu += u * u;
      sv += v;
      svv += v * v;
      n++;
    }
    const my = sy / n;
    const mu = su / n;
    const mv = sv / n;
    const sd = Math.sqrt(Math.max(0, syy / n - my * my)) + Math.sqrt(Math.max(0, suu / n - mu * mu)) + Math.sqrt(Math.max(0, svv / n - mv * mv));
    if (sd < 18) uniform++;
    cols.push({ y: my, u: mu, v: mv });
  }
  if (uniform < 0.85 * w) return 0;
  // Runs of columns of one colour.
  const runs: { x0: number; x1: number; y: number; u: number; v: number }[] = [];
  for (let x = 0; x < w; x++) {
    const c = cols[x];
    const run = runs[runs.length - 1];
    if (run && Math.abs(c.y - run.y) < 16 && Math.abs(c.u - run.u) < 16 && Math.abs(c.v - run.v) < 16) {
      const n = x - run.x0;
      run.y = (run.y * n + c.y) / (n + 1);
      run.u = (run.u * n + c.u) / (n + 1);
      run.v = (run.v * n + c.v) / (n + 1);
      run.x1 = x;
    } else {
      runs.push({ x0: x, x1: x, ...c });
    }
  }
  const wide = runs.filter((r) => r.x1 - r.x0 + 1 >= 0.04 * w);
  const covered = wide.reduce((s, r) => s + r.x1 - r.x0 + 1, 0);
  if (wide.length < 6 || covered < 0.85 * w) return 0;
  const hues = wide.map((r) => hueOf(yuvToRgb(r.y, r.u, r.v, p.full))).filter((c) => c.chroma > 0.25);
  let matched = 0;
  let at = 0;
  for (const c of hues) {
    while (at < BAR_HUES.length && hueDistance(c.hue, BAR_HUES[at]) > 35) at++;
    if (at >= BAR_HUES.length) break;
    matched++;
    at++;
  }
  if (matched < 5) return 0;
  return Math.min(99.9, 75 + 4 * matched + (20 * (uniform / w - 0.85)) / 0.15);
}

/** Measures how much the frame looks like lines of text on a plain background. */
export function cardFeatures(p: Planes): CardFeatures {
  const { w, h, full } = p;
  const n = w * h;
  const hist = new Uint32Array(16);
  const darkLevel = full ? 0.25 * 255 : 16 + 0.25 * 219;
  let dark = 0;
  const Y = p.y;
  for (let i = 0; i < n; i++) {
    const y = Y[i];
    hist[y >> 4]++;
    if (y <= darkLevel) dark++;
  }
  let background = 0;
  for (let i = 0; i < 15; i++) background = Math.max(background, hist[i] + hist[i + 1]);
  // Text lines: bands of rows with many strong horizontal luma steps.
  const rowEdges = new Uint16Array(h);
  let edges = 0;
  for (let r = 0; r < h; r++) {
    let count = 0;
    const base = r * w;
    for (let x = base, last = base + w - 1; x < last; x++) {
      const d = Y[x + 1] - Y[x];
      if (d >= 40 || d <= -40) count++;
    }
    rowEdges[r] = count;
    edges += count;
  }
  const rowThreshold = Math.max(4, 0.02 * w);
  let textLines = 0;
  let textEdges = 0;
  for (let r = 0; r < h; ) {
    if (rowEdges[r] < rowThreshold) {
      r++;
      continue;
    }
    let end = r;
    let sum = 0;
    while (end < h && rowEdges[end] >= rowThreshold) sum += rowEdges[end++];
    const height = end - r;
    if (height >= 2 && height <= 0.2 * h && sum / height >= 8) {
      textLines++;
      textEdges += sum;
    }
    r = end;
  }
  return { background: background / n, dark: dark / n, textLines, textEdgeShare: edges ? textEdges / edges : 0 };
}

// Nearly every strong edge sits in text lines: busy natural pictures (even dark ones) fail this.
const isCard = (c: CardFeatures) => c.textLines >= 1 && c.background >= 0.5 && c.textEdgeShare >= 0.85;
const isDarkCard = (c: CardFeatures) => isCard(c) && c.dark >= 0.5;

function grow<T extends Float32Array | Uint8Array>(a: T, size: number): T {
  if (size <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(size, a.length * 2));
  b.set(a);
  return b;
}

/** Decodes every frame once and measures it (see the module comment); `progress` counts decoded frames against the probe's frame count. */
export async function scanVideo(file: string, info: VideoInfo, black: BlackFilter, signal?: AbortSignal, checkpoint?: () => Promise<void>, progress?: FrameProgress): Promise<Scan> {
  const full = info.metadata.ColorRange === 'FULL';
  const minLum = full ? 0 : 16;
  const range = full ? 255 : 219;
  const blackLevel = minLum + black.maxPixelThreshold * range;
  const step = sampleStep(info);
  let blackFlags = new Uint8Array(info.frameCount + 16);
  let coverage = new Float32Array(info.frameCount + 16);
  let change = new Float32Array(info.frameCount + 16);
  const samples: Sample[] = [];
  let prevGrid: Float32Array | undefined;
  let gridColumn = new Uint8Array(0);
  let frames = 0;

  progress?.(0, info.frameCount);
  for await (const frame of readFrames(file, info, { mode: 'all', maxWidth: SCAN_WIDTH, pixelFormat: 'yuv420p', fast: true, signal })) {
    // Every 25th frame: often enough for time slicing, cheap for the scan.
    if (checkpoint && frame.frameNumber % 25 === 0) await checkpoint();
    const { width: w, height: h, data } = frame;
    const ySize = w * h;
    const planes: Planes = { y: data.subarray(0, ySize), u: data.subarray(ySize, ySize + ySize / 4), v: data.subarray(ySize + ySize / 4), w, h, full };
    const i = frame.frameNumber;
    blackFlags = grow(blackFlags, i + 1);
    coverage = grow(coverage, i + 1);
    change = grow(change, i + 1);

    let dark = 0;
    const Y = planes.y;
    const U = planes.u;
    const V = planes.v;
    for (let k = 0; k < ySize; k++) if (Y[k] <= blackLevel) dark++;
    coverage[i] = (100 * dark) / ySize;
    blackFlags[i] = coverage[i] >= black.minCoveragePercentage ? 1 : 0;

    // Mean Y, U and V of 8x8 blocks (every other chroma row): a cut moves them, while motion
    // moves them a little and a change of compression quality (noisy pictures) hardly at all.
    const cw = w >> 1;
    const ch = h >> 1;
    if (gridColumn.length !== cw) gridColumn = Uint8Array.from({ length: cw }, (_, cx) => Math.floor((cx * GRID) / cw));
    const grid = new Float32Array(GRID * GRID * 3);
    const cellCount = new Uint32Array(GRID * GRID);
    for (let cy = 0; cy < ch; cy += 2) {
      const gy = Math.floor((cy * GRID) / ch) * GRID;
      const row = 2 * cy * w;
      const crow = cy * cw;
      for (let cx = 0; cx < cw; cx++) {
        const ci = crow + cx;
        const cell = gy + gridColumn[cx];
        grid[cell * 3] += Y[row + 2 * cx];
        grid[cell * 3 + 1] += U[ci];
        grid[cell * 3 + 2] += V[ci];
        cellCount[cell]++;
      }
    }
    for (let k = 0; k < grid.length; k++) grid[k] /= Math.max(1, cellCount[Math.floor(k / 3)]);
    if (prevGrid) {
      let d = 0;
      for (let k = 0; k < grid.length; k++) d += Math.abs(grid[k] - prevGrid[k]);
      change[i] = Math.min(1, (2 * d) / (GRID * GRID * 255));
    }
    prevGrid = grid;

    if (i % step === 0) samples.push({ frame: i, bars: colourBars(planes), card: cardFeatures(planes) });
    frames = i + 1;
    progress?.(frames, Math.max(info.frameCount, frames));
  }
  if (frames === 0) throw new UnsupportedVideoError('no decodable frame');
  progress?.(frames, frames);
  return { frames, black: blackFlags.subarray(0, frames), coverage: coverage.subarray(0, frames), change: change.subarray(0, frames), samples, step };
}

// ---------------------------------------------------------------------------------------------
// Shots

export interface Boundary {
  /** First frame of the new shot. */
  frame: number;
  confidence: number;
}

/** A change this small is never a cut, however calm the neighbourhood. */
const CUT_MIN_CHANGE = 0.12;
/** …and a cut stands out this many times from its neighbourhood's average change. */
const CUT_RATIO = 3;

/**
 * Shot boundaries: a frame whose change from the previous one peaks well above the changes around
 * it (an adaptive threshold, so fast motion does not cut while a calm scene's soft cut does), plus
 * every entry into or exit from black frames.
 */
export function shotBoundaries(scan: Scan, fps: number): Boundary[] {
  const { change, black, frames } = scan;
  const half = Math.max(3, Math.round(fps / 2));
  const minShot = Math.max(2, Math.round(fps / 5));
  const found: Boundary[] = [];
  for (let i = 1; i < frames; i++) {
    const c = change[i];
    if (c < CUT_MIN_CHANGE) continue;
    let sum = 0;
    let count = 0;
    let isPeak = true;
    for (let j = Math.max(1, i - half); j <= Math.min(frames - 1, i + half); j++) {
      if (j === i) continue;
      if (Math.abs(j - i) < minShot && change[j] > c) isPeak = false;
      sum += change[j];
      count++;
    }
    if (!isPeak) continue;
    const ratio = c / (sum / Math.max(1, count) + 0.01);
    if (ratio < CUT_RATIO) continue;
    const strength = Math.min(1, (ratio - CUT_RATIO) / (3 * CUT_RATIO)) * 0.5 + Math.min(1, c / 0.5) * 0.5;
    found.push({ frame: i, confidence: 50 + 49.99 * strength });
  }
  for (let i = 1; i < frames; i++) {
    if (black[i] === black[i - 1]) continue;
    const near = found.find((b) => Math.abs(b.frame - i) <= 2);
    if (near) near.confidence = Math.max(near.confidence, 99);
    else found.push({ frame: i, confidence: 99 });
  }
  found.sort((a, b) => a.frame - b.frame);
  // Keep the strongest of boundaries closer than a minimum shot apart.
  const kept: Boundary[] = [];
  for (const b of found) {
    const last = kept[kept.length - 1];
    if (last && b.frame - last.frame < minShot) {
      if (b.confidence > last.confidence) kept[kept.length - 1] = b;
    } else kept.push(b);
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Technical cues

export interface Cue {
  type: TechnicalCueType;
  start: number;
  /** Last frame, inclusive. */
  end: number;
  confidence: number;
}

/** The first frame of a new state between two samples: where the picture changes most. */
function edgeBetween(scan: Scan, after: number, upTo: number): number {
  let best = upTo;
  let bestChange = -1;
  for (let i = after + 1; i <= upTo; i++) {
    if (scan.black[i] !== scan.black[i - 1]) return i;
    if (scan.change[i] > bestChange) {
      bestChange = scan.change[i];
      best = i;
    }
  }
  return best;
}

/** Frame range of samples a..b (inclusive sample indexes), refined to the frame. */
function refineRun(scan: Scan, a: number, b: number): [number, number] {
  const { samples, frames } = scan;
  const start = a === 0 ? 0 : edgeBetween(scan, samples[a - 1].frame, samples[a].frame);
  const end = b === samples.length - 1 ? frames - 1 : edgeBetween(scan, samples[b].frame, samples[b + 1].frame) - 1;
  return [start, Math.max(start, end)];
}

function runsOf(flags: ArrayLike<number | boolean>): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= flags.length; i++) {
    const on = i < flags.length && Boolean(flags[i]);
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      runs.push([start, i - 1]);
      start = -1;
    }
  }
  return runs;
}

export function technicalCues(scan: Scan, fps: number, black: BlackFilter): Cue[] {
  const cues: Cue[] = [];
  const { samples, frames } = scan;

  for (const [start, end] of runsOf(scan.black)) {
    // Confidence grows with how far the frames clear the coverage bar.
    let margin = 0;
    for (let i = start; i <= end; i++) margin += black.minCoveragePercentage >= 100 ? 1 : (scan.coverage[i] - black.minCoveragePercentage) / (100 - black.minCoveragePercentage);
    cues.push({ type: 'BlackFrames', start, end, confidence: 80 + 19.99 * Math.min(1, margin / (end - start + 1)) });
  }

  const sampleBlack = samples.map((s) => scan.black[s.frame] === 1);
  const taken = new Uint8Array(frames);
  const take = (type: TechnicalCueType, [start, end]: [number, number], confidence: number) => {
    cues.push({ type, start, end, confidence });
    taken.fill(1, start, end + 1);
  };

  const bars = samples.map((s) => s.bars > 0);
  for (const [a, b] of runsOf(bars)) {
    const confidence = samples.slice(a, b + 1).reduce((m, s) => m + s.bars, 0) / (b - a + 1);
    take('ColorBars', refineRun(scan, a, b), confidence);
  }

  // The leader: bars, black and text cards before the first sample of programme.
  let sawBars = false;
  let i = 0;
  while (i < samples.length) {
    if (bars[i] || sampleBlack[i]) {
      sawBars ||= bars[i];
      i++;
      continue;
    }
    if (!isCard(samples[i].card)) break;
    let j = i;
    while (j + 1 < samples.length && isCard(samples[j + 1].card) && !sampleBlack[j + 1]) j++;
    const range = refineRun(scan, i, j);
    const still = maxChange(scan, range[0] + 1, range[1]) < 0.02;
    if (sawBars && still) take('Slate', range, 85);
    else if (samples.slice(i, j + 1).every((s) => isDarkCard(s.card))) take('OpeningCredits', range, 70);
    else break;
    i = j + 1;
  }

  // End credits: text on dark running to the end, black frames allowed in and after it.
  let j = samples.length - 1;
  while (j >= 0 && sampleBlack[j]) j--;
  let first = -1;
  for (let k = j; k >= 0 && !taken[samples[k].frame]; k--) {
    if (sampleBlack[k]) continue;
    if (!isDarkCard(samples[k].card)) break;
    first = k;
  }
  if (first >= 0 && j >= first) {
    const [start, end] = refineRun(scan, first, j);
    if ((end - start + 1) / fps >= 1) take('EndCredits', [start, end], 80);
  }

  // Content: what no other cue covers (fragments under half a second are transition debris).
  const other = new Uint8Array(frames);
  for (const c of cues) other.fill(1, c.start, c.end + 1);
  for (const [start, end] of runsOf(Array.from(other, (v) => (v ? 0 : 1)))) {
    if ((end - start + 1) / fps >= 0.5) cues.push({ type: 'Content', start, end, confidence: 90 });
  }
  return cues.sort((a, b) => a.start - b.start || a.end - b.end);
}

function maxChange(scan: Scan, from: number, to: number): number {
  let m = 0;
  for (let i = from; i <= to; i++) m = Math.max(m, scan.change[i]);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Rekognition's SegmentDetection items

export interface SegmentOptions {
  types: SegmentType[];
  filters?: StartSegmentDetectionFilters;
  signal?: AbortSignal;
  /** Where a job may give its turn to another (src/jobs/runner.ts). */
  checkpoint?: () => Promise<void>;
  progress?: FrameProgress;
}

export interface SegmentResult {
  segments: SegmentDetection[];
  selected: SegmentTypeInfo[];
}

function segment(type: SegmentType, start: number, end: number, info: VideoInfo, fps: number): SegmentDetection {
  const startMs = frameToMillis(start, info);
  const endMs = frameToMillis(end, info);
  // AWS counts durations as end minus start, in frames and in ms (DG segment-api.md samples).
  return {
    Type: type,
    StartTimestampMillis: startMs,
    EndTimestampMillis: endMs,
    DurationMillis: endMs - startMs,
    StartTimecodeSMPTE: smpteTimecode(start, fps),
    EndTimecodeSMPTE: smpteTimecode(end, fps),
    DurationSMPTE: smpteTimecode(end - start, fps),
  };
}

/** The BlackFrame filter with AWS's defaults filled in. */
export function blackFilter(filters?: StartSegmentDetectionFilters): BlackFilter {
  const black = filters?.TechnicalCueFilter?.BlackFrame;
  return {
    maxPixelThreshold: black?.MaxPixelThreshold ?? DEFAULT_MAX_PIXEL_THRESHOLD,
    minCoveragePercentage: black?.MinCoveragePercentage ?? DEFAULT_MIN_COVERAGE,
  };
}

/** Shapes a scan into SegmentDetection items: grouped by type in the order requested, then by time. */
export function buildSegments(scan: Scan, info: VideoInfo, types: SegmentType[], filters?: StartSegmentDetectionFilters): SegmentResult {
  const fps = info.fpsNum / info.fpsDen;
  const unique = [...new Set(types)];
  const segments: SegmentDetection[] = [];
  for (const type of unique) {
    if (type === 'TECHNICAL_CUE') {
      const min = filters?.TechnicalCueFilter?.MinSegmentConfidence ?? MIN_CONFIDENCE;
      for (const cue of technicalCues(scan, fps, blackFilter(filters))) {
        if (cue.confidence < min) continue;
        const s = segment('TECHNICAL_CUE', cue.start, cue.end, info, fps);
        segments.push({ ...s, TechnicalCueSegment: { Type: cue.type, Confidence: cue.confidence }, StartFrameNumber: cue.start, EndFrameNumber: cue.end, DurationFrames: cue.end - cue.start });
      }
    } else {
      const min = filters?.ShotFilter?.MinSegmentConfidence ?? MIN_CONFIDENCE;
      const edges = [{ frame: 0, confidence: 99.99 }, ...shotBoundaries(scan, fps), { frame: scan.frames, confidence: 99.99 }];
      for (let k = 0; k + 1 < edges.length; k++) {
        const start = edges[k].frame;
        const end = edges[k + 1].frame - 1;
        // A shot is as sure as its weaker boundary; Index counts every shot, shown or filtered.
        const confidence = Math.min(edges[k].confidence, edges[k + 1].confidence);
        if (confidence < min) continue;
        const s = segment('SHOT', start, end, info, fps);
        segments.push({ ...s, ShotSegment: { Index: k, Confidence: confidence }, StartFrameNumber: start, EndFrameNumber: end, DurationFrames: end - start });
      }
    }
  }
  return { segments, selected: unique.map((Type) => ({ Type, ModelVersion: SEGMENT_MODEL_VERSION })) };
}

/** Scans the video and builds the segments. */
export async function detectSegments(file: string, info: VideoInfo, options: SegmentOptions): Promise<SegmentResult> {
  const scan = await scanVideo(file, info, blackFilter(options.filters), options.signal, options.checkpoint, options.progress);
  return buildSegments(scan, info, options.types, options.filters);
}
