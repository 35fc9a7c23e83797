/**
 * What the vision models report, in model-neutral form: boxes and points as ratios of the image
 * (0-1, as the API uses them), confidences 0-100 unless named `score` (a model's own 0-1 output).
 * Worker tasks produce these; labels.ts, ppe.ts and moderation.ts turn them into API shapes.
 */
import type { FaceDetail } from '../api/generated/types';

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
  /** The detector's own score, 0-1 (centernet's run 0.1-0.8: see calibration.ts). */
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

/** Face evidence from a DetectFaces-style FaceDetail (the faces module's output). */
export function faceEvidenceFromDetail(detail: FaceDetail): FaceEvidence | undefined {
  const b = detail.BoundingBox;
  if (!b || b.Width === undefined || b.Height === undefined || b.Left === undefined || b.Top === undefined) return undefined;
  const mark = (type: string): Point | undefined => {
    const l = detail.Landmarks?.find((m) => m.Type === type);
    return l && l.X !== undefined && l.Y !== undefined ? { x: l.X, y: l.Y } : undefined;
  };
  const [eyeL, eyeR, mouthL, mouthR] = [mark('eyeLeft'), mark('eyeRight'), mark('mouthLeft'), mark('mouthRight')];
  const face: FaceEvidence = {
    box: { Width: b.Width, Height: b.Height, Left: b.Left, Top: b.Top },
    confidence: detail.Confidence ?? 0,
    eyes: eyeL && eyeR ? [eyeL, eyeR] : undefined,
    nose: mark('nose'),
    mouth: mouthL && mouthR ? [mouthL, mouthR] : undefined,
    chin: mark('chinBottom'),
  };
  if (detail.AgeRange?.Low !== undefined && detail.AgeRange.High !== undefined) {
    face.ageLow = detail.AgeRange.Low;
    face.ageHigh = detail.AgeRange.High;
  }
  if (detail.Gender?.Value === 'Male' || detail.Gender?.Value === 'Female') {
    face.gender = detail.Gender.Value;
    face.genderConfidence = detail.Gender.Confidence;
  }
  if (detail.Smile?.Confidence !== undefined) face.smile = detail.Smile.Value ? detail.Smile.Confidence : 100 - detail.Smile.Confidence;
  const happy = detail.Emotions?.find((e) => e.Type === 'HAPPY');
  if (happy?.Confidence !== undefined) face.happy = happy.Confidence;
  return face;
}
