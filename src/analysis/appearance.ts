/**
 * What a person looks like in a video frame, for telling people apart across cuts and gaps (the
 * tracker in ./tracking.ts): a coarse colour histogram of the middle of a box (clothes, hair, skin),
 * and of the whole frame (a cut changes it at once). Pure pixel arithmetic on rgb24 frames.
 */
import type { RatioBox } from '../../models/evidence';

/** Levels per channel: 4 x 4 x 4 = 64 bins, coarse enough for a small box to fill them. */
const LEVELS = 4;
export const HISTOGRAM_BINS = LEVELS ** 3;

export interface RgbFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Pixels looked at along each side at most: a histogram needs a few thousand, not a million. */
const MAX_SAMPLES_PER_SIDE = 96;

/**
 * Normalised joint RGB histogram (sums to 1) of a box, or of the whole frame without one. The box
 * is shrunk to its middle (`inset` of its width and height off each side), where the person is
 * rather than the background around them.
 */
export function colourHistogram(frame: RgbFrame, box?: RatioBox, inset = 0): number[] {
  const b = box ?? { Left: 0, Top: 0, Width: 1, Height: 1 };
  const x0 = Math.max(0, Math.floor((b.Left + inset * b.Width) * frame.width));
  const x1 = Math.min(frame.width, Math.ceil((b.Left + (1 - inset) * b.Width) * frame.width));
  const y0 = Math.max(0, Math.floor((b.Top + inset * b.Height) * frame.height));
  const y1 = Math.min(frame.height, Math.ceil((b.Top + (1 - inset) * b.Height) * frame.height));
  const histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  if (x1 <= x0 || y1 <= y0) return histogram;
  const stepX = Math.max(1, Math.floor((x1 - x0) / MAX_SAMPLES_PER_SIDE));
  const stepY = Math.max(1, Math.floor((y1 - y0) / MAX_SAMPLES_PER_SIDE));
  const shift = 8 - Math.log2(LEVELS);
  let n = 0;
  for (let y = y0; y < y1; y += stepY) {
    for (let x = x0; x < x1; x += stepX) {
      const i = (y * frame.width + x) * 3;
      histogram[((frame.data[i] >> shift) * LEVELS + (frame.data[i + 1] >> shift)) * LEVELS + (frame.data[i + 2] >> shift)]++;
      n++;
    }
  }
  return histogram.map((v) => v / n);
}

/** Bhattacharyya coefficient of two normalised histograms: 1 when equal, 0 when disjoint. */
export function histogramSimilarity(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.sqrt(a[i] * b[i]);
  return Math.min(1, sum);
}

/** Mean of several histograms (still normalised). */
export function meanHistogram(histograms: readonly (readonly number[])[]): number[] {
  const mean = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const h of histograms) for (let i = 0; i < mean.length; i++) mean[i] += h[i] / histograms.length;
  return mean;
}
