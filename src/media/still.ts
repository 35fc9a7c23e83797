/** One frame of a video as a JPEG, for the web console's video timeline ("a frame to look at"). */
import { execFile } from 'node:child_process';
import { ffmpegPath } from './probe';

/** Widest still, in pixels. */
export const STILL_MAX_WIDTH = 640;

/** The frame at `ms` (the last one when past the end), at most STILL_MAX_WIDTH wide. */
export function videoStill(file: string, ms: number): Promise<Buffer> {
  const seconds = Math.max(0, ms) / 1000;
  // -ss before -i seeks by keyframe then decodes to the exact time; -update keeps the last frame when the seek runs past the end.
  const args = ['-v', 'error', '-ss', seconds.toFixed(3), '-i', file, '-frames:v', '1', '-vf', `scale='min(iw,${STILL_MAX_WIDTH})':-2`, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '4', 'pipe:1'];
  return new Promise((resolve, reject) => {
    execFile(ffmpegPath(), args, { encoding: 'buffer', maxBuffer: 4 * 1024 * 1024, timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`ffmpeg could not take a frame at ${seconds} s: ${stderr.toString('utf8').trim() || err.message}`));
      if (stdout.length === 0) return reject(new Error(`the video has no frame at ${seconds} s`));
      resolve(stdout);
    });
  });
}
