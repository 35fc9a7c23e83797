/**
 * Synthetic test videos with known ground truth, made with ffmpeg's lavfi sources: each part has
 * an exact frame count, so every shot and cue boundary is known to the frame.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath } from '../../src/media/probe';

const run = promisify(execFile);

export type Part =
  | { kind: 'bars' | 'hdbars' | 'black' | 'testsrc2' | 'mandelbrot' | 'life' | 'rgbtest' | 'cellauto'; frames: number; hue?: number }
  | { kind: 'color'; color: string; frames: number }
  /** Black with a white box over `share` of the frame (0-1). */
  | { kind: 'boxed'; share: number; frames: number }
  /** A static text card (a slate) on a plain background. */
  | { kind: 'card'; lines: string[]; frames: number; background?: string }
  /** Text lines scrolling up over black (rolling credits). */
  | { kind: 'credits'; lines: string[]; frames: number };

export interface SynthOptions {
  width?: number;
  height?: number;
  /** ffmpeg rate: '25', '30000/1001', … */
  rate?: string;
  codec?: 'libx264' | 'mpeg4';
  /** Output container follows the file extension. */
  audio?: boolean;
  /** x264 preset; ultrafast keeps the tests quick. */
  preset?: string;
}

const FONTS = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf'];

/** A TrueType font for drawtext, or undefined when the machine has none of the usual ones. */
export const fontFile: string | undefined = FONTS.find((f) => existsSync(f));

function source(part: Part, width: number, height: number, rate: string, dir: string, i: number): string {
  const s = `s=${width}x${height}:r=${rate}`;
  switch (part.kind) {
    case 'bars':
      return `smptebars=${s}`;
    case 'hdbars':
      return `smptehdbars=${s}`;
    case 'black':
      return `color=c=black:${s}`;
    case 'color':
      return `color=c=${part.color}:${s}`;
    case 'boxed':
      return `color=c=black:${s},drawbox=x=0:y=0:w=${Math.round(width / 2)}:h=${Math.round(2 * part.share * height)}:color=white:t=fill`;
    case 'testsrc2':
      return `testsrc2=${s}`;
    case 'rgbtest':
      return `rgbtestsrc=${s}`;
    case 'mandelbrot':
      return `mandelbrot=${s}`;
    case 'life':
      return `life=${s}:mold=10:ratio=0.3:death_color=#202080:life_color=#e0e040`;
    case 'cellauto':
      return `cellauto=${s}:rule=110`;
    case 'card':
    case 'credits': {
      if (!fontFile) throw new Error('no font for drawtext');
      const textFile = path.join(dir, `text-${i}.txt`);
      writeFileSync(textFile, part.lines.join('\n'));
      const bg = part.kind === 'card' ? (part.background ?? '0x202020') : 'black';
      const y = part.kind === 'card' ? '(h-th)/2' : 'h*0.6-t*h/4';
      return `color=c=${bg}:${s},drawtext=fontfile=${fontFile}:textfile=${textFile}:fontcolor=white:fontsize=${Math.round(height / 14)}:line_spacing=${Math.round(height / 40)}:x=(w-tw)/2:y=${y}`;
    }
  }
}

/** Writes the video; returns the first frame of every part and the total frame count. */
export async function synthVideo(file: string, parts: Part[], options: SynthOptions = {}): Promise<{ starts: number[]; total: number }> {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const rate = options.rate ?? '25';
  const dir = path.dirname(file);
  const inputs: string[] = [];
  const chains: string[] = [];
  parts.forEach((part, i) => {
    inputs.push('-f', 'lavfi', '-i', source(part, width, height, rate, dir, i));
    const hue = 'hue' in part && part.hue ? `,hue=h=${part.hue}` : '';
    chains.push(`[${i}:v]trim=end_frame=${part.frames},setpts=PTS-STARTPTS,format=yuv420p${hue}[p${i}]`);
  });
  const graph = `${chains.join(';')};${parts.map((_, i) => `[p${i}]`).join('')}concat=n=${parts.length}:v=1:a=0[v]`;
  const total = parts.reduce((n, p) => n + p.frames, 0);
  const audio = options.audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : [];
  const codec = options.codec ?? 'libx264';
  const [num, den = '1'] = rate.split('/');
  const gop = String(Math.round((4 * Number(num)) / Number(den)));
  const args = [
    '-v', 'error', '-y', ...inputs, ...audio,
    '-filter_complex', graph, '-map', '[v]',
    ...(options.audio ? ['-map', `${parts.length}:a`, '-c:a', 'aac', '-ac', '1', '-shortest'] : []),
    '-c:v', codec, ...(codec === 'libx264' ? ['-preset', options.preset ?? 'ultrafast', '-g', gop] : ['-q:v', '5']),
    '-pix_fmt', 'yuv420p', '-frames:v', String(total), file,
  ];
  await run(ffmpegPath(), args, { maxBuffer: 4 * 1024 * 1024 });
  const starts: number[] = [];
  parts.reduce((n, p) => (starts.push(n), n + p.frames), 0);
  return { starts, total };
}
