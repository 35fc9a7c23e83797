/**
 * Segment detection against ground truth: synthetic programmes whose every part has a known frame
 * count (bars, black, slate, shots, rolling credits), and the Megamind fixture whose cuts were
 * checked by eye (fixtures/README.md). Boundaries must be within 2 frames; errors are printed.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentDetection } from '../../src/api/generated/types';
import { blackFilter, buildSegments, isDropFrame, scanVideo, smpteTimecode, type Scan } from '../../src/analysis/segments';
import { probeVideo, type VideoInfo } from '../../src/media/probe';
import { fontFile, synthVideo, type Part } from './synth';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'video-segments-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TOLERANCE = 2;

interface Expected {
  type: string;
  start: number;
  end: number;
}

/** Pairs each expected segment with the detected one of its type nearest in start, and checks the frame errors. */
function expectSegments(label: string, detected: SegmentDetection[], expected: Expected[], exact = true): void {
  const kind = (s: SegmentDetection) => s.TechnicalCueSegment?.Type ?? 'SHOT';
  const errors: string[] = [];
  for (const e of expected) {
    const candidates = detected.filter((d) => kind(d) === e.type);
    const best = candidates.sort((a, b) => Math.abs(a.StartFrameNumber! - e.start) - Math.abs(b.StartFrameNumber! - e.start))[0];
    expect(best, `${label}: no ${e.type} near frame ${e.start}`).toBeDefined();
    const ds = best.StartFrameNumber! - e.start;
    const de = best.EndFrameNumber! - e.end;
    errors.push(`${e.type}[${e.start},${e.end}] ${ds >= 0 ? '+' : ''}${ds}/${de >= 0 ? '+' : ''}${de}`);
    expect(Math.abs(ds), `${label} ${e.type} start ${e.start}`).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(de), `${label} ${e.type} end ${e.end}`).toBeLessThanOrEqual(TOLERANCE);
  }
  console.log(`${label} boundary errors (start/end frames): ${errors.join(', ')}`);
  if (exact) expect(detected.map(kind).sort()).toEqual(expected.map((e) => e.type).sort());
}

function shotsOf(starts: number[], total: number): Expected[] {
  return starts.map((start, i) => ({ type: 'SHOT', start, end: (starts[i + 1] ?? total) - 1 }));
}

describe('SMPTE timecodes', () => {
  it('counts plain frames at 25 fps with colons', () => {
    expect(smpteTimecode(0, 25)).toBe('00:00:00:00');
    expect(smpteTimecode(24, 25)).toBe('00:00:00:24');
    expect(smpteTimecode(25, 25)).toBe('00:00:01:00');
    expect(smpteTimecode(25 * 3600 + 25 * 61 + 3, 25)).toBe('01:01:01:03');
    expect(isDropFrame(25)).toBe(false);
    expect(isDropFrame(30)).toBe(false);
    expect(smpteTimecode(1800, 30)).toBe('00:01:00:00');
  });

  it('drops frame labels 0 and 1 each minute but every tenth at 29.97, with a semicolon', () => {
    const fps = 30000 / 1001;
    expect(isDropFrame(fps)).toBe(true);
    // AWS's documented sample: frames 299, 300, 449 at 29.97.
    expect(smpteTimecode(299, fps)).toBe('00:00:09;29');
    expect(smpteTimecode(300, fps)).toBe('00:00:10;00');
    expect(smpteTimecode(449, fps)).toBe('00:00:14;29');
    expect(smpteTimecode(1799, fps)).toBe('00:00:59;29');
    expect(smpteTimecode(1800, fps)).toBe('00:01:00;02');
    expect(smpteTimecode(17981, fps)).toBe('00:09:59;29');
    expect(smpteTimecode(17982, fps)).toBe('00:10:00;00');
    expect(smpteTimecode(17982 * 6, fps)).toBe('01:00:00;00');
  });

  it('drops four labels a minute at 59.94', () => {
    const fps = 60000 / 1001;
    expect(smpteTimecode(3599, fps)).toBe('00:00:59;59');
    expect(smpteTimecode(3600, fps)).toBe('00:01:00;04');
  });
});

const SLATE = ['SLATE', 'PROD 1234  ROLL 7', 'SCENE 4  TAKE 2', 'DATE 2026-11-22'];
const CREDITS = ['DIRECTED BY', 'A. PERSON', '', 'PRODUCED BY', 'B. PERSON', 'C. PERSON', '', 'MUSIC BY', 'D. PERSON', 'E. PERSON', 'F. PERSON', 'G. PERSON'];

describe.skipIf(!fontFile)('a full programme at 25 fps: bars, black, slate, six shots, rolling end credits', () => {
  const parts: Part[] = [
    { kind: 'bars', frames: 50 },
    { kind: 'black', frames: 25 },
    { kind: 'card', lines: SLATE, frames: 50 },
    { kind: 'black', frames: 12 },
    { kind: 'testsrc2', frames: 40 },
    { kind: 'mandelbrot', frames: 35 },
    { kind: 'life', frames: 30 },
    { kind: 'testsrc2', frames: 30, hue: 120 },
    { kind: 'rgbtest', frames: 20 },
    { kind: 'color', color: 'darkgreen', frames: 30 },
    { kind: 'black', frames: 10 },
    { kind: 'credits', lines: CREDITS, frames: 90 },
    { kind: 'black', frames: 20 },
  ];
  let info: VideoInfo;
  let scan: Scan;
  let starts: number[];
  let total: number;
  beforeAll(async () => {
    const file = path.join(tmp, 'programme25.mp4');
    ({ starts, total } = await synthVideo(file, parts, { rate: '25' }));
    info = await probeVideo(file);
    scan = await scanVideo(file, info, blackFilter());
  });

  it('finds every technical cue within 2 frames', () => {
    const { segments } = buildSegments(scan, info, ['TECHNICAL_CUE']);
    const range = (from: number, to: number) => ({ start: starts[from], end: (starts[to + 1] ?? total) - 1 });
    expectSegments('cues@25', segments, [
      { type: 'ColorBars', ...range(0, 0) },
      { type: 'BlackFrames', ...range(1, 1) },
      { type: 'Slate', ...range(2, 2) },
      { type: 'BlackFrames', ...range(3, 3) },
      { type: 'Content', ...range(4, 9) },
      { type: 'BlackFrames', ...range(10, 10) },
      { type: 'EndCredits', ...range(11, 11) },
      { type: 'BlackFrames', ...range(12, 12) },
    ]);
    for (const s of segments) expect(s.TechnicalCueSegment!.Confidence).toBeGreaterThanOrEqual(50);
  });

  it('finds every shot boundary within 2 frames', () => {
    const { segments, selected } = buildSegments(scan, info, ['SHOT']);
    expectSegments('shots@25', segments, shotsOf(starts, total));
    expect(segments.map((s) => s.ShotSegment!.Index)).toEqual(segments.map((_, i) => i));
    expect(selected).toEqual([{ Type: 'SHOT', ModelVersion: '2.0' }]);
  });

  it('gives frame numbers, times and timecodes with AWS arithmetic (duration = end - start)', () => {
    const { segments } = buildSegments(scan, info, ['SHOT']);
    const slate = segments.find((s) => s.StartFrameNumber === starts[2])!;
    expect(slate).toMatchObject({
      Type: 'SHOT',
      StartFrameNumber: 75,
      EndFrameNumber: 124,
      DurationFrames: 49,
      StartTimestampMillis: 3000,
      EndTimestampMillis: 4960,
      DurationMillis: 1960,
      StartTimecodeSMPTE: '00:00:03:00',
      EndTimecodeSMPTE: '00:00:04:24',
      DurationSMPTE: '00:00:01:24',
    });
    // Shots tile the video: each starts right after the previous one ends.
    for (let i = 1; i < segments.length; i++) expect(segments[i].StartFrameNumber).toBe(segments[i - 1].EndFrameNumber! + 1);
    expect(segments[segments.length - 1].EndFrameNumber).toBe(total - 1);
  });

  it('groups by type in the order requested, each sorted by time', () => {
    const { segments, selected } = buildSegments(scan, info, ['SHOT', 'TECHNICAL_CUE']);
    expect(selected.map((s) => s.Type)).toEqual(['SHOT', 'TECHNICAL_CUE']);
    const firstCue = segments.findIndex((s) => s.Type === 'TECHNICAL_CUE');
    expect(segments.slice(0, firstCue).every((s) => s.Type === 'SHOT')).toBe(true);
    expect(segments.slice(firstCue).every((s) => s.Type === 'TECHNICAL_CUE')).toBe(true);
    const cueStarts = segments.slice(firstCue).map((s) => s.StartFrameNumber!);
    expect(cueStarts).toEqual([...cueStarts].sort((a, b) => a - b));
  });
});

describe.skipIf(!fontFile)('29.97 fps: opening credits without bars, HD bars, drop-frame timecodes', () => {
  const parts: Part[] = [
    { kind: 'black', frames: 15 },
    { kind: 'card', lines: ['A FILM BY', 'SOMEBODY'], frames: 45 },
    { kind: 'testsrc2', frames: 45 },
    { kind: 'hdbars', frames: 40 },
    { kind: 'mandelbrot', frames: 40 },
    { kind: 'black', frames: 15 },
  ];
  let info: VideoInfo;
  let scan: Scan;
  let starts: number[];
  let total: number;
  beforeAll(async () => {
    const file = path.join(tmp, 'programme2997.mp4');
    ({ starts, total } = await synthVideo(file, parts, { rate: '30000/1001' }));
    info = await probeVideo(file);
    scan = await scanVideo(file, info, blackFilter());
  });

  it('finds the cues within 2 frames (bars mid-programme are bars too)', () => {
    const { segments } = buildSegments(scan, info, ['TECHNICAL_CUE']);
    expectSegments('cues@29.97', segments, [
      { type: 'BlackFrames', start: 0, end: 14 },
      { type: 'OpeningCredits', start: starts[1], end: starts[2] - 1 },
      { type: 'Content', start: starts[2], end: starts[3] - 1 },
      { type: 'ColorBars', start: starts[3], end: starts[4] - 1 },
      { type: 'Content', start: starts[4], end: starts[5] - 1 },
      { type: 'BlackFrames', start: starts[5], end: total - 1 },
    ]);
  });

  it('finds the shots within 2 frames, with drop-frame timecodes', () => {
    const { segments } = buildSegments(scan, info, ['SHOT']);
    expectSegments('shots@29.97', segments, shotsOf(starts, total));
    const last = segments[segments.length - 1];
    // 200 frames: the last one (199) starts at 6639.97 ms.
    expect(last).toMatchObject({ EndFrameNumber: 199, EndTimestampMillis: 6639, EndTimecodeSMPTE: '00:00:06;19' });
    for (const s of segments) expect(s.StartTimecodeSMPTE).toMatch(/^\d\d:\d\d:\d\d;\d\d$/);
  });
});

describe('the BlackFrame filter', () => {
  let file: string;
  let info: VideoInfo;
  // Dark grey (luma about 52 of 16-235), pure black, black with a white box over 3%, then picture.
  const parts: Part[] = [
    { kind: 'color', color: '0x2a2a2a', frames: 20 },
    { kind: 'black', frames: 20 },
    { kind: 'boxed', share: 0.03, frames: 20 },
    { kind: 'testsrc2', frames: 20 },
  ];
  beforeAll(async () => {
    file = path.join(tmp, 'blacks.mp4');
    await synthVideo(file, parts, { rate: '25', width: 160, height: 120 });
    info = await probeVideo(file);
  });

  const blackRuns = async (filters?: Parameters<typeof blackFilter>[0]) => {
    const scan = await scanVideo(file, info, blackFilter(filters));
    return buildSegments(scan, info, ['TECHNICAL_CUE'], filters)
      .segments.filter((s) => s.TechnicalCueSegment!.Type === 'BlackFrames')
      .map((s) => [s.StartFrameNumber, s.EndFrameNumber]);
  };

  it('by default (0.2, 99%) counts dark grey as black but not a frame with 3% white', async () => {
    expect(await blackRuns()).toEqual([[0, 39]]);
  });

  it('a stricter MaxPixelThreshold leaves the dark grey out', async () => {
    expect(await blackRuns({ TechnicalCueFilter: { BlackFrame: { MaxPixelThreshold: 0.1 } } })).toEqual([[20, 39]]);
  });

  it('a lower MinCoveragePercentage lets the frame with 3% white in', async () => {
    expect(await blackRuns({ TechnicalCueFilter: { BlackFrame: { MinCoveragePercentage: 95 } } })).toEqual([[0, 59]]);
  });
});

describe('the Megamind fixture (real animation, four cuts checked by eye)', () => {
  let info: VideoInfo;
  let scan: Scan;
  beforeAll(async () => {
    const file = path.join(tmp, 'megamind.mp4');
    copyFileSync(fileURLToPath(new URL('../../fixtures/video/megamind.mp4', import.meta.url)), file);
    info = await probeVideo(file);
    scan = await scanVideo(file, info, blackFilter());
  });

  it('finds its shots within 2 frames, and nothing in dark busy frames passes for credits', () => {
    const { segments } = buildSegments(scan, info, ['SHOT', 'TECHNICAL_CUE']);
    const shots = segments.filter((s) => s.Type === 'SHOT');
    const cues = segments.filter((s) => s.Type === 'TECHNICAL_CUE');
    expectSegments('megamind shots', shots, shotsOf([0, 2, 99, 155, 201], scan.frames));
    expectSegments('megamind cues', cues, [
      { type: 'BlackFrames', start: 0, end: 1 },
      { type: 'Content', start: 2, end: scan.frames - 1 },
    ]);
    expect(info.metadata).toMatchObject({ FrameRate: 2997 / 125, FrameWidth: 480, FrameHeight: 352, Codec: 'h264' });
  });

  it('MinSegmentConfidence drops exactly the shots below it and keeps their Index gaps', () => {
    const all = buildSegments(scan, info, ['SHOT']).segments;
    const confidences = [...new Set(all.map((s) => s.ShotSegment!.Confidence!))].sort((a, b) => a - b);
    expect(confidences.length).toBeGreaterThan(1);
    const threshold = (confidences[0] + confidences[confidences.length - 1]) / 2;
    const kept = buildSegments(scan, info, ['SHOT'], { ShotFilter: { MinSegmentConfidence: threshold } }).segments;
    expect(kept).toEqual(all.filter((s) => s.ShotSegment!.Confidence! >= threshold));
    expect(kept.length).toBeLessThan(all.length);
  });
});
