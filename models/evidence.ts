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

/** One COCO-80 detection from the object detector. */
export interface DetectedObject {
  /** COCO class name (`cell phone`). */
  coco: string;
  /** The detector's own score, 0-1 (centernet's run 0.1-0.8: see src/analysis/calibration.ts). */
  score: number;
  box: RatioBox;
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

export function boxContains(box: RatioBox, p: Point): boolean {
  return p.x >= box.Left && p.x <= box.Left + box.Width && p.y >= box.Top && p.y <= box.Top + box.Height;
}
