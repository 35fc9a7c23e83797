/**
 * Colour maths for DetectLabels IMAGE_PROPERTIES, run in a pool worker: sRGB to CIELAB, nearest
 * CSS keyword, and dominant colours by k-means in Lab. Pure functions over pixels; results are
 * CSS colours with their share of the pixels. src/analysis/colors.ts makes DominantColors of them.
 */
import { CSS_COLORS, type CssColor } from './css-colors';
import type { RgbPixels } from './evidence';

export type { CssColor };

export type Lab = [number, number, number];

const srgbToLinear = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  srgbToLinear[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

const labF = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);

/** CIELAB (D65) of an 8-bit sRGB colour. */
export function rgbToLab(r: number, g: number, b: number): Lab {
  const R = srgbToLinear[r];
  const G = srgbToLinear[g];
  const B = srgbToLinear[b];
  const x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const fx = labF(x);
  const fy = labF(y);
  const fz = labF(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

const cssLab = CSS_COLORS.map((c) => ({ color: c, lab: rgbToLab(...c.rgb) }));

/** The CSS keyword nearest in CIELAB (ΔE76) — AWS reports dominant colours snapped to these. */
export function nearestCssColor(lab: Lab): CssColor {
  let best = cssLab[0];
  let bestD = Infinity;
  for (const entry of cssLab) {
    const d = (entry.lab[0] - lab[0]) ** 2 + (entry.lab[1] - lab[1]) ** 2 + (entry.lab[2] - lab[2]) ** 2;
    if (d < bestD) {
      bestD = d;
      best = entry;
    }
  }
  return best.color;
}

/** Pixels to cluster: Lab triples and where each came from. */
export interface LabSamples {
  lab: Float32Array;
  x: Int32Array;
  y: Int32Array;
  count: number;
}

/** Lab values of about `maxSamples` pixels of `rgb` on a regular grid, optionally only those `keep` accepts. */
export function sampleLab(
  rgb: RgbPixels,
  region: { x0: number; y0: number; x1: number; y1: number },
  maxSamples: number,
  keep?: (x: number, y: number) => boolean,
  /** How many pixels `keep` accepts, so a small masked region is still sampled densely. */
  keptArea?: number,
): LabSamples {
  const w = Math.max(0, region.x1 - region.x0);
  const h = Math.max(0, region.y1 - region.y0);
  const step = Math.max(1, Math.floor(Math.sqrt((keptArea ?? w * h) / maxSamples)));
  const cap = Math.ceil(w / step) * Math.ceil(h / step);
  const lab = new Float32Array(cap * 3);
  const xs = new Int32Array(cap);
  const ys = new Int32Array(cap);
  let count = 0;
  for (let y = region.y0; y < region.y1; y += step) {
    for (let x = region.x0; x < region.x1; x += step) {
      if (keep && !keep(x, y)) continue;
      const i = (y * rgb.width + x) * 3;
      const [L, a, b] = rgbToLab(rgb.data[i], rgb.data[i + 1], rgb.data[i + 2]);
      lab[count * 3] = L;
      lab[count * 3 + 1] = a;
      lab[count * 3 + 2] = b;
      xs[count] = x;
      ys[count] = y;
      count++;
    }
  }
  return { lab, x: xs, y: ys, count };
}

/** A small seeded PRNG (mulberry32), so clustering is repeatable. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Clusters {
  /** k centres, 3 values each. */
  centres: Float64Array;
  k: number;
  /** The cluster of each sample. */
  assign: Int32Array;
}

/** k-means in Lab with k-means++ seeding from a fixed seed, so equal inputs give equal answers. */
export function kmeans(samples: LabSamples, k: number, iterations = 10): Clusters {
  const { lab, count } = samples;
  const assign = new Int32Array(count);
  if (count === 0 || k <= 0) return { centres: new Float64Array(0), k: 0, assign };
  const random = prng(0x5eed);
  const centres = new Float64Array(k * 3);
  const nearestD = new Float64Array(count).fill(Infinity);
  let n = 0;
  let pick = Math.floor(random() * count);
  while (n < k) {
    centres[n * 3] = lab[pick * 3];
    centres[n * 3 + 1] = lab[pick * 3 + 1];
    centres[n * 3 + 2] = lab[pick * 3 + 2];
    n++;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const d0 = lab[i * 3] - centres[(n - 1) * 3];
      const d1 = lab[i * 3 + 1] - centres[(n - 1) * 3 + 1];
      const d2 = lab[i * 3 + 2] - centres[(n - 1) * 3 + 2];
      const d = d0 * d0 + d1 * d1 + d2 * d2;
      if (d < nearestD[i]) nearestD[i] = d;
      total += nearestD[i];
    }
    if (total <= 1e-6) break; // every sample already sits on a centre
    let r = random() * total;
    pick = count - 1;
    for (let i = 0; i < count; i++) {
      r -= nearestD[i];
      if (r <= 0) {
        pick = i;
        break;
      }
    }
  }
  const sums = new Float64Array(n * 3);
  const sizes = new Int32Array(n);
  for (let it = 0; it < iterations; it++) {
    sums.fill(0);
    sizes.fill(0);
    let moved = 0;
    for (let i = 0; i < count; i++) {
      const l = lab[i * 3];
      const a = lab[i * 3 + 1];
      const b = lab[i * 3 + 2];
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < n; c++) {
        const d0 = l - centres[c * 3];
        const d1 = a - centres[c * 3 + 1];
        const d2 = b - centres[c * 3 + 2];
        const d = d0 * d0 + d1 * d1 + d2 * d2;
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (assign[i] !== best || it === 0) moved++;
      assign[i] = best;
      sizes[best]++;
      sums[best * 3] += l;
      sums[best * 3 + 1] += a;
      sums[best * 3 + 2] += b;
    }
    for (let c = 0; c < n; c++) {
      if (!sizes[c]) continue;
      centres[c * 3] = sums[c * 3] / sizes[c];
      centres[c * 3 + 1] = sums[c * 3 + 1] / sizes[c];
      centres[c * 3 + 2] = sums[c * 3 + 2] / sizes[c];
    }
    if (moved === 0) break;
  }
  return { centres: centres.subarray(0, n * 3), k: n, assign };
}

/** A dominant colour: the CSS colour and its share of the pixels (0-100). */
export interface ColorShare {
  css: CssColor;
  percent: number;
}

/**
 * The dominant colours of the samples that `select` accepts (all when absent): their clusters
 * snapped to the nearest CSS colour, clusters that snap to the same colour merged, largest first,
 * percent = share of the selected samples.
 */
export function colorsOfClusters(
  samples: LabSamples,
  clusters: Clusters,
  max: number,
  options: { select?: (i: number) => boolean; minPercent?: number } = {},
): ColorShare[] {
  if (max <= 0) return [];
  const sizes = new Float64Array(clusters.k);
  let total = 0;
  for (let i = 0; i < samples.count; i++) {
    if (options.select && !options.select(i)) continue;
    sizes[clusters.assign[i]]++;
    total++;
  }
  if (total === 0) return [];
  const byName = new Map<string, { css: CssColor; size: number }>();
  for (let c = 0; c < clusters.k; c++) {
    if (!sizes[c]) continue;
    const css = nearestCssColor([clusters.centres[c * 3], clusters.centres[c * 3 + 1], clusters.centres[c * 3 + 2]]);
    const entry = byName.get(css.name);
    if (entry) entry.size += sizes[c];
    else byName.set(css.name, { css, size: sizes[c] });
  }
  return [...byName.values()]
    .map(({ css, size }) => ({ css, percent: (100 * size) / total }))
    .filter((c) => c.percent >= (options.minPercent ?? 0))
    .sort((a, b) => b.percent - a.percent || a.css.name.localeCompare(b.css.name))
    .slice(0, max);
}

/** Clusters the samples into max(k, max) groups and reports their dominant colours. */
export function dominantColors(samples: LabSamples, max: number, options: { k?: number; minPercent?: number } = {}): ColorShare[] {
  if (max <= 0 || samples.count === 0) return [];
  return colorsOfClusters(samples, kmeans(samples, Math.max(options.k ?? 10, max)), max, { minPercent: options.minPercent });
}
