/**
 * Geometry for text detection: rotated boxes, convex hull and minimum-area rectangle, the DB
 * (differentiable binarisation) box extraction from a probability map, point-in-polygon tests and
 * the upright crop of a rotated box. Pure functions on plain arrays, no model and no I/O.
 */
import type { Point, RgbPixels } from '../evidence';

export type { Point, RgbPixels };

/**
 * A rotated rectangle: centre, unit reading direction `u`, length `w` along `u` and `h` along
 * v = (-uy, ux), which points "down" in the text's own frame (image y grows downwards).
 */
export interface RotatedBox {
  cx: number;
  cy: number;
  ux: number;
  uy: number;
  w: number;
  h: number;
}

/** Corners in reading order: top-left, top-right, bottom-right, bottom-left (as Rekognition's Polygon). */
export function boxCorners(b: RotatedBox): [Point, Point, Point, Point] {
  const vx = -b.uy;
  const vy = b.ux;
  const hw = b.w / 2;
  const hh = b.h / 2;
  const at = (su: number, sv: number): Point => ({ x: b.cx + su * hw * b.ux + sv * hh * vx, y: b.cy + su * hw * b.uy + sv * hh * vy });
  return [at(-1, -1), at(1, -1), at(1, 1), at(-1, 1)];
}

/**
 * The part of a box between fractions `from` and `to` of its width and, across it, `top` and
 * `bottom` of its height (a word inside a line).
 */
export function subBox(b: RotatedBox, from: number, to: number, top = 0, bottom = 1): RotatedBox {
  const midU = ((from + to) / 2 - 0.5) * b.w;
  const midV = ((top + bottom) / 2 - 0.5) * b.h;
  return {
    cx: b.cx + midU * b.ux - midV * b.uy,
    cy: b.cy + midU * b.uy + midV * b.ux,
    ux: b.ux,
    uy: b.uy,
    w: Math.max(0, to - from) * b.w,
    h: Math.max(0, bottom - top) * b.h,
  };
}

/** The same rectangle with the reading direction turned 90° clockwise (text running downwards). */
export function rotate90(b: RotatedBox): RotatedBox {
  return { cx: b.cx, cy: b.cy, ux: -b.uy, uy: b.ux, w: b.h, h: b.w };
}

export function rotate180(b: RotatedBox): RotatedBox {
  return { ...b, ux: -b.ux, uy: -b.uy };
}

/** Picks, among the four ways to read a rectangle, the one whose direction is nearest to left-to-right. */
export function mostHorizontal(b: RotatedBox): RotatedBox {
  let best = b;
  let candidate = b;
  for (let i = 0; i < 3; i++) {
    candidate = rotate90(candidate);
    if (candidate.ux > best.ux + 1e-9) best = candidate;
  }
  return best;
}

function cross(o: Point, a: Point, b: Point): number {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

/** Andrew's monotone chain; returns the hull counter-clockwise (in y-up terms) without repeats. */
export function convexHull(points: Point[]): Point[] {
  const pts = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (pts.length < 3) return pts;
  const lower: Point[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/** Minimum-area enclosing rectangle (rotating calipers over the hull edges), read as horizontally as possible. */
export function minAreaRect(points: Point[]): RotatedBox {
  const hull = convexHull(points);
  if (hull.length === 0) return { cx: 0, cy: 0, ux: 1, uy: 0, w: 0, h: 0 };
  if (hull.length === 1) return { cx: hull[0].x, cy: hull[0].y, ux: 1, uy: 0, w: 0, h: 0 };
  let best: RotatedBox | undefined;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i];
    const b = hull[(i + 1) % hull.length];
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (len === 0) continue;
    const ux = (b.x - a.x) / len;
    const uy = (b.y - a.y) / len;
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const p of hull) {
      const pu = p.x * ux + p.y * uy;
      const pv = -p.x * uy + p.y * ux;
      if (pu < minU) minU = pu;
      if (pu > maxU) maxU = pu;
      if (pv < minV) minV = pv;
      if (pv > maxV) maxV = pv;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const mu = (minU + maxU) / 2;
      const mv = (minV + maxV) / 2;
      best = { cx: mu * ux - mv * uy, cy: mu * uy + mv * ux, ux, uy, w: maxU - minU, h: maxV - minV };
    }
  }
  return mostHorizontal(best!);
}

/**
 * DB's unclip: grows the shrunk text kernel back to the text's extent by the offset
 * area * ratio / perimeter on every side (what a rounded polygon offset gives for a rectangle).
 */
export function unclip(b: RotatedBox, ratio: number): RotatedBox {
  const perimeter = 2 * (b.w + b.h);
  const d = perimeter > 0 ? (b.w * b.h * ratio) / perimeter : 0;
  return { ...b, w: b.w + 2 * d, h: b.h + 2 * d };
}

/** Maps a box through a per-axis scale (detection map -> image pixels). */
export function scaleBox(b: RotatedBox, sx: number, sy: number): RotatedBox {
  const ux = b.ux * sx;
  const uy = b.uy * sy;
  const lu = Math.hypot(ux, uy);
  const lv = Math.hypot(-b.uy * sx, b.ux * sy);
  return { cx: b.cx * sx, cy: b.cy * sy, ux: ux / lu, uy: uy / lu, w: b.w * lu, h: b.h * lv };
}

/** Rectangle in direction (ux, uy) that encloses the given boxes. */
function enclose(boxes: RotatedBox[], ux: number, uy: number): RotatedBox {
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (const p of boxes.flatMap(boxCorners)) {
    const pu = p.x * ux + p.y * uy;
    const pv = -p.x * uy + p.y * ux;
    minU = Math.min(minU, pu);
    maxU = Math.max(maxU, pu);
    minV = Math.min(minV, pv);
    maxV = Math.max(maxV, pv);
  }
  const mu = (minU + maxU) / 2;
  const mv = (minV + maxV) / 2;
  return { cx: mu * ux - mv * uy, cy: mu * uy + mv * ux, ux, uy, w: maxU - minU, h: maxV - minV };
}

/** Most a joined pair's directions may differ, and how far `b` may sit off `a`'s centre line (in heights). */
const JOIN_MAX_ANGLE = (10 * Math.PI) / 180;
const JOIN_MAX_OFFSET = 0.3;
const JOIN_MIN_HEIGHT_RATIO = 0.6;

/** Whether `b` continues `a`'s line: same direction and size, on its centre line, just after it. */
export function continuesLine(a: RotatedBox, b: RotatedBox, maxGap: number): boolean {
  if (a.ux * b.ux + a.uy * b.uy < Math.cos(JOIN_MAX_ANGLE)) return false;
  const h = Math.max(a.h, b.h);
  if (Math.min(a.h, b.h) < JOIN_MIN_HEIGHT_RATIO * h) return false;
  const dx = b.cx - a.cx;
  const dy = b.cy - a.cy;
  const along = dx * a.ux + dy * a.uy;
  const across = -dx * a.uy + dy * a.ux;
  return along > 0 && Math.abs(across) <= JOIN_MAX_OFFSET * h && along - (a.w + b.w) / 2 <= maxGap * h;
}

/**
 * Joins boxes that are words of one line the detector split (it often cuts at wide word gaps):
 * Rekognition only ends a line at a gap that is large for the text's size. `maxGap` is in box
 * heights; detector boxes are already grown by the unclip margin, so real gaps are larger.
 */
export function joinLines(boxes: RotatedBox[], maxGap = 0.5): RotatedBox[] {
  const list = [...boxes];
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < list.length && !changed; i++) {
      for (let j = 0; j < list.length && !changed; j++) {
        if (i === j || !continuesLine(list[i], list[j], maxGap)) continue;
        const a = list[i];
        const b = list[j];
        const dx = a.ux * a.w + b.ux * b.w;
        const dy = a.uy * a.w + b.uy * b.w;
        const len = Math.hypot(dx, dy);
        list[i] = enclose([a, b], dx / len, dy / len);
        list.splice(j, 1);
        changed = true;
      }
    }
  }
  return list;
}

export interface DbOptions {
  /** Pixels above this probability are text. */
  threshold: number;
  /** A candidate's mean probability over its pixels must reach this. */
  boxThreshold: number;
  unclipRatio: number;
  /** Shorter side, in map pixels, below which a candidate is noise. */
  minSize: number;
  maxCandidates: number;
}

export const DB_DEFAULTS: DbOptions = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3, maxCandidates: 1000 };

export interface ScoredBox {
  box: RotatedBox;
  score: number;
}

/**
 * DB post-processing: threshold the map, take 8-connected components, fit each a minimum-area
 * rectangle through its pixel centres, keep confident ones and unclip them. The score is the mean
 * over the component (PP-OCR's "slow" mode): the box mean would punish gently curved lines. Boxes are in map
 * pixel coordinates, with pixel centres at integer positions (as the model's training used).
 */
export function dbBoxes(prob: Float32Array, width: number, height: number, options: Partial<DbOptions> = {}): ScoredBox[] {
  const opt = { ...DB_DEFAULTS, ...options };
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const rowMin = new Int32Array(height).fill(-1);
  const rowMax = new Int32Array(height);
  const out: ScoredBox[] = [];
  let candidates = 0;
  for (let start = 0; start < prob.length && candidates < opt.maxCandidates; start++) {
    if (seen[start] || prob[start] <= opt.threshold) continue;
    candidates++;
    // Flood fill, remembering each row's leftmost and rightmost pixel: enough for the convex hull.
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let yMin = height;
    let yMax = -1;
    let sum = 0;
    let count = 0;
    while (top > 0) {
      const i = stack[--top];
      sum += prob[i];
      count++;
      const y = (i / width) | 0;
      const x = i - y * width;
      if (rowMin[y] < 0) {
        rowMin[y] = x;
        rowMax[y] = x;
      } else if (x < rowMin[y]) rowMin[y] = x;
      else if (x > rowMax[y]) rowMax[y] = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if ((dx === 0 && dy === 0) || nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (!seen[j] && prob[j] > opt.threshold) {
            seen[j] = 1;
            stack[top++] = j;
          }
        }
      }
    }
    const points: Point[] = [];
    for (let y = yMin; y <= yMax; y++) {
      if (rowMin[y] < 0) continue;
      points.push({ x: rowMin[y], y });
      if (rowMax[y] !== rowMin[y]) points.push({ x: rowMax[y], y });
      rowMin[y] = -1;
      rowMax[y] = 0;
    }
    const kernel = minAreaRect(points);
    if (Math.min(kernel.w, kernel.h) < opt.minSize) continue;
    const score = sum / count;
    if (score < opt.boxThreshold) continue;
    const box = unclip(kernel, opt.unclipRatio);
    if (Math.min(box.w, box.h) < opt.minSize + 2) continue;
    out.push({ box, score });
  }
  return out;
}

/** Even-odd ray casting; points on an edge may fall either way. */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i];
    const b = polygon[j];
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** Share of a convex quadrilateral's area inside a polygon, from a regular grid of samples. */
export function fractionInside(quad: readonly [Point, Point, Point, Point], polygon: readonly Point[], samples = 8): number {
  const [tl, tr, , bl] = quad;
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const s = (i + 0.5) / samples;
    for (let j = 0; j < samples; j++) {
      const t = (j + 0.5) / samples;
      const p = { x: tl.x + s * (tr.x - tl.x) + t * (bl.x - tl.x), y: tl.y + s * (tr.y - tl.y) + t * (bl.y - tl.y) };
      if (pointInPolygon(p, polygon)) inside++;
    }
  }
  return inside / (samples * samples);
}

/**
 * Samples a rotated box from an RGB image into an upright outW x outH RGB crop (the box's reading
 * direction becomes +x). Bilinear, with supersampling when shrinking so small crops do not alias.
 * Coordinates are continuous: pixel i covers [i, i+1).
 */
export function warpBox(img: RgbPixels, b: RotatedBox, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH * 3);
  const [tl] = boxCorners(b);
  const vx = -b.uy;
  const vy = b.ux;
  const stepU = b.w / outW;
  const stepV = b.h / outH;
  const ss = Math.min(4, Math.max(1, Math.ceil(Math.max(stepU, stepV))));
  const { data, width, height } = img;
  const acc = [0, 0, 0];
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sy = 0; sy < ss; sy++) {
        const fv = (oy + (sy + 0.5) / ss) * stepV;
        for (let sx = 0; sx < ss; sx++) {
          const fu = (ox + (sx + 0.5) / ss) * stepU;
          // Continuous position, then to pixel-centre grid for bilinear weights.
          const px = Math.min(width - 1, Math.max(0, tl.x + fu * b.ux + fv * vx - 0.5));
          const py = Math.min(height - 1, Math.max(0, tl.y + fu * b.uy + fv * vy - 0.5));
          const x0 = Math.floor(px);
          const y0 = Math.floor(py);
          const x1 = Math.min(width - 1, x0 + 1);
          const y1 = Math.min(height - 1, y0 + 1);
          const ax = px - x0;
          const ay = py - y0;
          const i00 = (y0 * width + x0) * 3;
          const i01 = (y0 * width + x1) * 3;
          const i10 = (y1 * width + x0) * 3;
          const i11 = (y1 * width + x1) * 3;
          for (let c = 0; c < 3; c++) {
            const top = data[i00 + c] + (data[i01 + c] - data[i00 + c]) * ax;
            const bottom = data[i10 + c] + (data[i11 + c] - data[i10 + c]) * ax;
            acc[c] += top + (bottom - top) * ay;
          }
        }
      }
      const o = (oy * outW + ox) * 3;
      const n = ss * ss;
      out[o] = Math.round(acc[0] / n);
      out[o + 1] = Math.round(acc[1] / n);
      out[o + 2] = Math.round(acc[2] / n);
    }
  }
  return out;
}
