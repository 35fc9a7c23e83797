/**
 * QualityFilter and MaxFaces for IndexFaces, SearchFacesByImage and SearchUsersByImage: which
 * detected faces are used, and the Reasons for the others.
 *
 * AWS publishes no thresholds. The bars below are OUR CHOICE, set so that ordinary photos pass LOW
 * and MEDIUM and only clear, frontal, well-lit faces pass HIGH. Inputs are the face analysis's
 * quality numbers: brightness and sharpness 0-100 (Rekognition's Quality scale), detection
 * confidence 0-100, pose in degrees, and sizeRatio, the face's size relative to the image.
 */
import type { DetectedFace } from '../analysis/faces';
import type { QualityFilter, Reason } from '../api/generated/types';

export interface FaceQualityInput {
  brightness: number;
  sharpness: number;
  confidence: number;
  pose: { roll: number; yaw: number; pitch: number };
  sizeRatio: number;
}

export interface QualityBar {
  minBrightness: number;
  minSharpness: number;
  minConfidence: number;
  /** Largest |yaw| and |pitch| in degrees; roll (in-plane) does not hurt matching. */
  maxYaw: number;
  maxPitch: number;
  minSizeRatio: number;
}

/**
 * Chosen, not AWS's (see the file comment). Placed on the face analysis's own scales, measured on
 * fixtures/face-search/rose_leslie/2.jpg: sharpness 85 as taken, 50 / 36 / 23 after a Gaussian blur
 * of sigma 3 / 5 / 8; brightness 59 as taken, 17 / 9 / 5 at 30% / 15% / 8% exposure; real photos of
 * the fixtures score sharpness 55-90, brightness 41-66, confidence > 99.9, sizeRatio 0.18-0.81.
 */
export const QUALITY_BARS: Record<'LOW' | 'MEDIUM' | 'HIGH', QualityBar> = {
  LOW: { minBrightness: 8, minSharpness: 15, minConfidence: 50, maxYaw: 75, maxPitch: 60, minSizeRatio: 0.015 },
  MEDIUM: { minBrightness: 15, minSharpness: 30, minConfidence: 80, maxYaw: 60, maxPitch: 45, minSizeRatio: 0.03 },
  HIGH: { minBrightness: 25, minSharpness: 45, minConfidence: 95, maxYaw: 40, maxPitch: 30, minSizeRatio: 0.06 },
};

/** The bar AUTO applies: AWS says only that it "chooses" one; LOW keeps every usable face (our choice). */
export const AUTO_QUALITY_BAR: keyof typeof QUALITY_BARS = 'LOW';

/** IndexFaces indexes at most this many faces per image (API_IndexFaces). */
export const MAX_FACES_PER_IMAGE = 100;

export type QualityReason = Exclude<Reason, 'EXCEEDS_MAX_FACES'>;

/** Why a face fails the filter's bar, in the order of the model's Reason enum; empty when it passes. */
export function qualityReasons(q: FaceQualityInput, filter: QualityFilter): QualityReason[] {
  if (filter === 'NONE') return [];
  const bar = QUALITY_BARS[filter === 'AUTO' ? AUTO_QUALITY_BAR : filter];
  const reasons: QualityReason[] = [];
  if (Math.abs(q.pose.yaw) > bar.maxYaw || Math.abs(q.pose.pitch) > bar.maxPitch) reasons.push('EXTREME_POSE');
  if (q.brightness < bar.minBrightness) reasons.push('LOW_BRIGHTNESS');
  if (q.sharpness < bar.minSharpness) reasons.push('LOW_SHARPNESS');
  if (q.confidence < bar.minConfidence) reasons.push('LOW_CONFIDENCE');
  if (q.sizeRatio < bar.minSizeRatio) reasons.push('SMALL_BOUNDING_BOX');
  return reasons;
}

/** How many bars (LOW, MEDIUM, HIGH) a face clears: MaxFaces drops the lowest tiers first. */
export function qualityTier(q: FaceQualityInput): number {
  return (['LOW', 'MEDIUM', 'HIGH'] as const).filter((level) => qualityReasons(q, level).length === 0).length;
}

export interface SelectableFace {
  quality: FaceQualityInput;
  /** Bounding-box area as a fraction of the image. */
  area: number;
}

export interface Selection {
  /** Indexes into the input, largest face first. */
  kept: number[];
  /** Indexes into the input with their reasons, in input order. */
  dropped: { index: number; reasons: Reason[] }[];
}

/**
 * IndexFaces' choice (API_IndexFaces): faces failing the quality bar are dropped with their
 * reasons; if more than MaxFaces (and at most 100) remain, the lowest-quality ones go first, then
 * the smallest, as EXCEEDS_MAX_FACES.
 */
export function selectFaces<T extends SelectableFace>(faces: T[], filter: QualityFilter, maxFaces?: number): Selection {
  const limit = Math.min(maxFaces ?? MAX_FACES_PER_IMAGE, MAX_FACES_PER_IMAGE);
  const reasons = new Map<number, Reason[]>();
  const passing: number[] = [];
  faces.forEach((face, i) => {
    const r = qualityReasons(face.quality, filter);
    if (r.length) reasons.set(i, r);
    else passing.push(i);
  });
  const ranked = [...passing].sort((a, b) => qualityTier(faces[b].quality) - qualityTier(faces[a].quality) || faces[b].area - faces[a].area || a - b);
  for (const i of ranked.slice(limit)) reasons.set(i, ['EXCEEDS_MAX_FACES']);
  const kept = ranked.slice(0, limit).sort((a, b) => faces[b].area - faces[a].area || a - b);
  const dropped = [...reasons.entries()].sort((a, b) => a[0] - b[0]).map(([index, r]) => ({ index, reasons: r }));
  return { kept, dropped };
}

/** A detected face's bounding-box area as a fraction of the image. */
export const faceArea = (face: DetectedFace) => (face.detail.BoundingBox?.Width ?? 0) * (face.detail.BoundingBox?.Height ?? 0);

/** Detected faces, largest first (the analysis promises it; sorting keeps its callers honest). */
export function largestFirst(faces: DetectedFace[]): DetectedFace[] {
  return faces.map((f, i) => ({ f, i })).sort((a, b) => faceArea(b.f) - faceArea(a.f) || a.i - b.i).map(({ f }) => f);
}
