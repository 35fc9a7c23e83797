/**
 * What the models report, in model-neutral form, shared by the workers (which produce it) and
 * src/analysis (which turns it into Rekognition shapes). Each type exists once, here, because
 * models/ imports nothing from src/. Boxes and points are ratios of the image (0-1, as the API
 * uses them); `score` is a model's own 0-1 output, `confidence` is 0-100.
 */

/** Raw 8-bit RGB pixels, row-major, as decoded images and video frames carry them. */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A box as ratios of the image, with the API's field names. */
export interface RatioBox {
  Width: number;
  Height: number;
  Left: number;
  Top: number;
}

export interface Point {
  x: number;
  y: number;
}

/** A point in image pixels, [x, y] (face-mesh geometry). */
export type PixelPoint = [number, number];

/** One COCO-80 detection from the object detector. */
export interface DetectedObject {
  /** COCO class name (`cell phone`). */
  coco: string;
  /** The detector's own score, 0-1 (centernet's run 0.1-0.8: see src/analysis/calibration.ts). */
  score: number;
  box: RatioBox;
  /** 0-100, when the domain has calibrated the object from several views (src/analysis/object-calibration.ts). */
  confidence?: number;
}

/** A face as far as labels and PPE need it. */
export interface FaceEvidence {
  box: RatioBox;
  /** 0-100 */
  confidence: number;
  /** Eye centres, nose tip, mouth corners and chin, when the detector gives landmarks. */
  eyes?: [Point, Point];
  nose?: Point;
  mouth?: [Point, Point];
  chin?: Point;
  ageLow?: number;
  ageHigh?: number;
  gender?: 'Male' | 'Female';
  /** 0-100 */
  genderConfidence?: number;
  /** 0-100: a smile, and the HAPPY emotion. */
  smile?: number;
  happy?: number;
}

/** A body keypoint (movenet names: nose, leftEye, leftWrist, ...). */
export interface Keypoint {
  part: string;
  x: number;
  y: number;
  /** 0-1 */
  score: number;
}

/** Clamps a box to the image (detectors overshoot the edges by a few pixels). */
export function clampBox(box: RatioBox): RatioBox {
  const left = Math.min(1, Math.max(0, box.Left));
  const top = Math.min(1, Math.max(0, box.Top));
  const right = Math.min(1, Math.max(left, box.Left + box.Width));
  const bottom = Math.min(1, Math.max(top, box.Top + box.Height));
  return { Width: right - left, Height: bottom - top, Left: left, Top: top };
}

export function boxArea(b: RatioBox): number {
  return Math.max(0, b.Width) * Math.max(0, b.Height);
}

/** Intersection over the smaller box's area: 1 when one box sits inside the other. */
export function overlapOfSmaller(a: RatioBox, b: RatioBox): number {
  const w = Math.min(a.Left + a.Width, b.Left + b.Width) - Math.max(a.Left, b.Left);
  const h = Math.min(a.Top + a.Height, b.Top + b.Height) - Math.max(a.Top, b.Top);
  if (w <= 0 || h <= 0) return 0;
  const smaller = Math.min(boxArea(a), boxArea(b));
  return smaller > 0 ? (w * h) / smaller : 0;
}

/** Intersection over union: 1 for the same box, 0 for boxes that do not touch. */
export function intersectionOverUnion(a: RatioBox, b: RatioBox): number {
  const w = Math.min(a.Left + a.Width, b.Left + b.Width) - Math.max(a.Left, b.Left);
  const h = Math.min(a.Top + a.Height, b.Top + b.Height) - Math.max(a.Top, b.Top);
  if (w <= 0 || h <= 0) return 0;
  const union = boxArea(a) + boxArea(b) - w * h;
  return union > 0 ? (w * h) / union : 0;
}

export function boxContains(box: RatioBox, p: Point): boolean {
  return p.x >= box.Left && p.x <= box.Left + box.Width && p.y >= box.Top && p.y <= box.Top + box.Height;
}

/**
 * A monotone curve from a model's raw score to a 0-100 confidence: a logistic in the score (or its
 * logit), `midpoint` being the raw value that maps to 50. The fitted curves are domain knowledge
 * (src/analysis/calibration.ts); a task that must rank or filter by confidence gets them in its
 * payload, so the worker never decides what a score means.
 */
export interface Logistic {
  midpoint: number;
  slope: number;
  /** Apply to logit(x) instead of x (for probabilities that crowd near 0 and 1). */
  logit?: boolean;
}

export const logit = (p: number) => {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return Math.log(q / (1 - q));
};

export function applyCurve(curve: Logistic, x: number): number {
  const v = curve.logit ? logit(x) : x;
  const m = curve.logit ? logit(curve.midpoint) : curve.midpoint;
  return 100 / (1 + Math.exp(-curve.slope * (v - m)));
}

/** Persons detected twice (a box inside another person's box, holding no face of its own) count once. */
export function dedupePersons<T extends { box: RatioBox }>(persons: T[], faces: FaceEvidence[]): T[] {
  const sorted = [...persons].sort((a, b) => boxArea(b.box) - boxArea(a.box));
  const kept: T[] = [];
  for (const p of sorted) {
    const hasFace = faces.some((f) => boxContains(p.box, { x: f.box.Left + f.box.Width / 2, y: f.box.Top + f.box.Height / 2 }) && overlapOfSmaller(p.box, f.box) > 0.7);
    const nested = kept.some((k) => overlapOfSmaller(k.box, p.box) > 0.85 && boxArea(p.box) < 0.6 * boxArea(k.box));
    if (!nested || hasFace) kept.push(p);
  }
  return kept;
}
