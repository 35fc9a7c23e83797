/**
 * DetectLabels IMAGE_PROPERTIES from pixel statistics, run in a pool worker (AWS publishes no
 * formula; these are ours). Results are evidence (numbers and CSS colour shares);
 * src/analysis/image-properties.ts makes the API's ImageProperties and DominantColors of them.
 *
 * - Brightness: mean luma (BT.601 Y) as a percentage of white.
 * - Contrast: spread between the 5th and 95th luma percentiles, as a percentage of the full range
 *   (robust to a few specular or black pixels, unlike max - min).
 * - Sharpness: mean squared Laplacian of luma on the image scaled so its longest side is at most
 *   512 px (so the number does not depend on resolution), mapped to 0-100 by
 *   100 * (1 - exp(-energy / SHARPNESS_SCALE)). SHARPNESS_SCALE puts in-focus photos in the
 *   80s-90s and a 3 px Gaussian blur of them under 40 (test/vision/image-properties.test.ts).
 * - DominantColors: k-means in CIELAB snapped to CSS colours (models/colors.ts).
 * - Foreground: pixels inside detected instance boxes; Background: the rest.
 */
import { colorsOfClusters, dominantColors, kmeans, sampleLab, type ColorShare } from './colors';
import type { RatioBox, RgbPixels } from './evidence';

export type { RgbPixels };

/** A rectangle in pixels: [x0, x1) x [y0, y1). */
export interface PixelRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const QUALITY_MAX_SIDE = 512;
export const SHARPNESS_SCALE = 250;
/** Pixels clustered: enough for percentages stable to about a point, cheap on two cores. */
const COLOR_SAMPLES = 6_000;
const INSTANCE_COLOR_SAMPLES = 1_500;
/** Observed instance colour lists hold 0-3 entries (taxonomy image_properties_colors.json). */
export const INSTANCE_MAX_COLORS = 3;
/** An instance colour must cover this share of its box to be listed. */
export const INSTANCE_MIN_PERCENT = 10;

export function toPixelRect(box: RatioBox, width: number, height: number): PixelRect {
  const x0 = Math.max(0, Math.min(width, Math.floor(box.Left * width)));
  const y0 = Math.max(0, Math.min(height, Math.floor(box.Top * height)));
  const x1 = Math.max(x0, Math.min(width, Math.ceil((box.Left + box.Width) * width)));
  const y1 = Math.max(y0, Math.min(height, Math.ceil((box.Top + box.Height) * height)));
  return { x0, y0, x1, y1 };
}

export interface Gray {
  data: Float32Array;
  width: number;
  height: number;
}

/** BT.601 luma, box-averaged down by an integer factor so the longest side is at most `maxSide`. */
export function luma(rgb: RgbPixels, maxSide = QUALITY_MAX_SIDE): Gray {
  const f = Math.max(1, Math.ceil(Math.max(rgb.width, rgb.height) / maxSide));
  const width = Math.max(1, Math.floor(rgb.width / f));
  const height = Math.max(1, Math.floor(rgb.height / f));
  const data = new Float32Array(width * height);
  const norm = 1 / (f * f);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = 0; dy < f; dy++) {
        let i = ((y * f + dy) * rgb.width + x * f) * 3;
        for (let dx = 0; dx < f; dx++, i += 3) sum += 0.299 * rgb.data[i] + 0.587 * rgb.data[i + 1] + 0.114 * rgb.data[i + 2];
      }
      data[y * width + x] = sum * norm;
    }
  }
  return { data, width, height };
}

export interface Quality {
  Brightness: number;
  Sharpness: number;
  Contrast: number;
}

/** Quality of the pixels where `mask` is 1 (all pixels when absent); undefined for an empty region. */
export function quality(gray: Gray, mask?: Uint8Array): Quality | undefined {
  const { data, width, height } = gray;
  const histogram = new Uint32Array(256);
  let n = 0;
  let sum = 0;
  let energy = 0;
  let lapN = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (mask && !mask[i]) continue;
      const v = data[i];
      n++;
      sum += v;
      histogram[Math.min(255, Math.round(v))]++;
      if (x > 0 && y > 0 && x < width - 1 && y < height - 1) {
        const lap = 4 * v - data[i - 1] - data[i + 1] - data[i - width] - data[i + width];
        energy += lap * lap;
        lapN++;
      }
    }
  }
  if (n === 0) return undefined;
  const percentile = (p: number) => {
    const target = p * n;
    let acc = 0;
    for (let v = 0; v < 256; v++) {
      acc += histogram[v];
      if (acc >= target) return v;
    }
    return 255;
  };
  const meanEnergy = lapN ? energy / lapN : 0;
  return {
    Brightness: (100 * sum) / n / 255,
    Sharpness: 100 * (1 - Math.exp(-meanEnergy / SHARPNESS_SCALE)),
    Contrast: (100 * Math.max(0, percentile(0.95) - percentile(0.05))) / 255,
  };
}

/** 1 inside any of the boxes, on a grid of the given size. */
export function boxMask(boxes: RatioBox[], width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const box of boxes) {
    const r = toPixelRect(box, width, height);
    for (let y = r.y0; y < r.y1; y++) mask.fill(1, y * width + r.x0, y * width + r.x1);
  }
  return mask;
}

export interface ImagePropertiesOptions {
  maxColors: number;
  /** Boxes of detected instances: the foreground. */
  foreground: RatioBox[];
}

/** Quality and dominant colours of part of the image (Contrast only for the whole). */
export interface RegionProperties {
  quality: Omit<Quality, 'Contrast'>;
  colors: ColorShare[];
}

export interface ImagePropertiesEvidence {
  quality: Quality;
  colors: ColorShare[];
  /** Absent when there is no foreground (or that side of it is empty). */
  foreground?: RegionProperties;
  background?: RegionProperties;
}

export function imageProperties(rgb: RgbPixels, options: ImagePropertiesOptions): ImagePropertiesEvidence {
  const gray = luma(rgb);
  const whole = quality(gray)!;
  // One clustering of the whole image; foreground and background report their shares of it.
  const samples = sampleLab(rgb, { x0: 0, y0: 0, x1: rgb.width, y1: rgb.height }, COLOR_SAMPLES);
  const clusters = kmeans(samples, Math.max(10, options.maxColors));
  const result: ImagePropertiesEvidence = {
    quality: { Brightness: whole.Brightness, Sharpness: whole.Sharpness, Contrast: whole.Contrast },
    colors: colorsOfClusters(samples, clusters, options.maxColors),
  };
  if (!options.foreground.length) return result;

  const grayMask = boxMask(options.foreground, gray.width, gray.height);
  const inFront = boxMask(options.foreground, rgb.width, rgb.height);
  const region = (front: boolean): RegionProperties | undefined => {
    const q = quality(gray, front ? grayMask : grayMask.map((v) => 1 - v));
    const select = (i: number) => (inFront[samples.y[i] * rgb.width + samples.x[i]] === 1) === front;
    const colors = colorsOfClusters(samples, clusters, options.maxColors, { select });
    if (!q || !colors.length) return undefined;
    return { quality: { Brightness: q.Brightness, Sharpness: q.Sharpness }, colors };
  };
  const foreground = region(true);
  const background = region(false);
  if (foreground) result.foreground = foreground;
  if (background) result.background = background;
  return result;
}

/** Up to INSTANCE_MAX_COLORS colours covering at least INSTANCE_MIN_PERCENT of an instance's box. */
export function instanceColors(rgb: RgbPixels, box: RatioBox, maxColors: number): ColorShare[] {
  const rect = toPixelRect(box, rgb.width, rgb.height);
  return dominantColors(sampleLab(rgb, rect, INSTANCE_COLOR_SAMPLES), Math.min(maxColors, INSTANCE_MAX_COLORS), {
    k: 6,
    minPercent: INSTANCE_MIN_PERCENT,
  });
}
