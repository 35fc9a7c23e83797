/** probeVideo (VideoMetadata, AudioMetadata, what AWS refuses) and readFrames (which frames, their times). */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameSize, readFrames, sampleStep } from '../../src/media/frames';
import { ffmpegPath, ffprobePath, frameToMillis, probeVideo, UnsupportedVideoError } from '../../src/media/probe';
import { synthVideo } from './synth';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'video-probe-'));
const file = (name: string) => path.join(tmp, name);
const run = promisify(execFile);

beforeAll(async () => {
  await Promise.all([
    synthVideo(file('ntsc.mp4'), [{ kind: 'testsrc2', frames: 61 }], { rate: '30000/1001', audio: true }),
    synthVideo(file('pal.mov'), [{ kind: 'testsrc2', frames: 50 }], { rate: '25', width: 352, height: 288 }),
    synthVideo(file('xvid.avi'), [{ kind: 'testsrc2', frames: 25 }], { codec: 'mpeg4' }),
    synthVideo(file('h264.mkv'), [{ kind: 'testsrc2', frames: 25 }]),
    synthVideo(file('mpeg4.mp4'), [{ kind: 'testsrc2', frames: 25 }], { codec: 'mpeg4' }),
  ]);
  // Full-range (JPEG) YUV, as phones record.
  await run(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25', '-frames:v', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuvj420p', file('full.mp4')]);
  writeFileSync(file('corrupt.mp4'), Buffer.from('this is not a video at all, just text pretending to be an mp4'.repeat(40)));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('binaries', () => {
  it('finds an ffprobe it can run (the packaged one lacks the execute bit)', async () => {
    const { stdout } = await run(ffprobePath(), ['-version']);
    expect(stdout).toMatch(/^ffprobe version/);
  });
});

describe('probeVideo', () => {
  it('reports H.264 in MP4 as AWS does: QuickTime / MOV, float frame rate, studio range, audio', async () => {
    const info = await probeVideo(file('ntsc.mp4'));
    expect(info.metadata).toEqual({ Codec: 'h264', DurationMillis: 2035, Format: 'QuickTime / MOV', FrameRate: 30000 / 1001, FrameHeight: 240, FrameWidth: 320, ColorRange: 'LIMITED' });
    expect(info.audio).toHaveLength(1);
    expect(info.audio[0]).toMatchObject({ Codec: 'aac', SampleRate: 48000, NumberOfChannels: 1 });
    expect(Math.abs(info.audio[0].DurationMillis! - 2035)).toBeLessThan(200);
    expect(info).toMatchObject({ fpsNum: 30000, fpsDen: 1001, frameCount: 61 });
  });

  it('accepts MOV and reads 25 fps exactly', async () => {
    const info = await probeVideo(file('pal.mov'));
    expect(info.metadata).toMatchObject({ Codec: 'h264', DurationMillis: 2000, Format: 'QuickTime / MOV', FrameRate: 25, FrameWidth: 352, FrameHeight: 288 });
    expect(info.audio).toEqual([]);
    expect(info.frameCount).toBe(50);
  });

  it('reports full-range video as FULL', async () => {
    expect((await probeVideo(file('full.mp4'))).metadata.ColorRange).toBe('FULL');
  });

  it.each([
    ['MPEG-4 part 2 in AVI', 'xvid.avi', /container avi/],
    ['H.264 in Matroska', 'h264.mkv', /container matroska/],
    ['MPEG-4 part 2 in MP4', 'mpeg4.mp4', /codec mpeg4/],
    ['a corrupt file', 'corrupt.mp4', /ffprobe failed/],
  ])('refuses %s with "Unsupported codec/format."', async (_what, name, reason) => {
    const err = await probeVideo(file(name)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnsupportedVideoError);
    expect((err as UnsupportedVideoError).message).toBe('Unsupported codec/format.');
    expect((err as UnsupportedVideoError).reason).toMatch(reason);
  });
});

describe('readFrames', () => {
  it('samples about 5 fps: every 6th frame at 29.97, with exact frame numbers and truncated times', async () => {
    const info = await probeVideo(file('ntsc.mp4'));
    expect(sampleStep(info)).toBe(6);
    const frames = [];
    for await (const f of readFrames(file('ntsc.mp4'), info)) frames.push(f);
    expect(frames.map((f) => f.frameNumber)).toEqual([0, 6, 12, 18, 24, 30, 36, 42, 48, 54, 60]);
    // 6 frames at 30000/1001 fps is 200.2 ms; frame 60 starts at 2002 ms.
    expect(frames.map((f) => f.timestampMs)).toEqual([0, 200, 400, 600, 800, 1001, 1201, 1401, 1601, 1801, 2002]);
    expect(frames[0]).toMatchObject({ width: 320, height: 240, format: 'rgb24' });
    expect(frames[0].data.length).toBe(320 * 240 * 3);
  });

  it('hands out the same picture for a frame number in every mode', async () => {
    const info = await probeVideo(file('pal.mov'));
    const all = [];
    for await (const f of readFrames(file('pal.mov'), info, { mode: 'all', maxWidth: 64, pixelFormat: 'gray' })) all.push(f);
    expect(all).toHaveLength(50);
    expect(all.map((f) => f.frameNumber)).toEqual([...Array(50).keys()]);
    const picked = [];
    for await (const f of readFrames(file('pal.mov'), info, { mode: 'all', maxWidth: 64, pixelFormat: 'gray', ranges: [[30, 32], [7, 8]] })) picked.push(f);
    expect(picked.map((f) => f.frameNumber)).toEqual([7, 8, 30, 31, 32]);
    for (const f of picked) expect(f.data.equals(all[f.frameNumber].data)).toBe(true);
    // testsrc2 moves: neighbouring frames differ, so the comparison above means something.
    expect(all[30].data.equals(all[31].data)).toBe(false);
    expect(picked[0].timestampMs).toBe(frameToMillis(7, info));
  });

  it('scales large frames down to the analysis width, keeping the aspect', async () => {
    const info = await probeVideo(file('pal.mov'));
    expect(frameSize(info, 176)).toEqual({ width: 176, height: 144 });
    for await (const f of readFrames(file('pal.mov'), info, { maxWidth: 176 })) {
      expect([f.width, f.height, f.data.length]).toEqual([176, 144, 176 * 144 * 3]);
      break;
    }
  });

  it('stops ffmpeg when asked to', async () => {
    const info = await probeVideo(file('pal.mov'));
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const f of readFrames(file('pal.mov'), info, { mode: 'all', signal: controller.signal })) {
        seen.push(f.frameNumber);
        if (f.frameNumber === 3) controller.abort(new Error('enough'));
      }
    })();
    await expect(reading).rejects.toThrow('enough');
    expect(seen).toEqual([0, 1, 2, 3]);
  });
});
