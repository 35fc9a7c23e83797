/**
 * Monotone curves from models' raw scores to Rekognition-style confidences (0-100), so the
 * thresholds clients use with AWS (DetectLabels MinConfidence 55, moderation 50, PPE 50) select
 * comparable results here. Each curve is a logistic in the score (or its logit):
 *
 *   confidence = 100 / (1 + exp(-slope * (x - midpoint)))
 *
 * where `midpoint` is the raw value that maps to 50. Fitted on the development photos (scikit-image
 * samples and face photos, fixtures/README.md); the measurements behind each are next to it.
 */

import { applyCurve, logit, type Logistic } from '../../models/evidence';

export { applyCurve, type Logistic };

/** Inverse of applyCurve: the raw value that maps to `confidence`. */
export function invertCurve(curve: Logistic, confidence: number): number {
  const c = Math.min(100 - 1e-9, Math.max(1e-9, confidence)) / 100;
  const v = Math.log(c / (1 - c)) / curve.slope + (curve.logit ? logit(curve.midpoint) : curve.midpoint);
  return curve.logit ? 1 / (1 + Math.exp(-v)) : v;
}

/**
 * centernet (COCO detector, run at the image's aspect ratio: models/runtime/centernet.ts) scores
 * run 0.1-0.8. On the development photos the true main objects scored 0.45-0.68 (cat 0.45, person
 * 0.53-0.60, cup 0.55, motorcycle 0.65-0.68) and the false ones at most 0.30 (a "person" in the
 * garage's clutter, "birds" in rotated text 0.28, "apples" in the Hubble field 0.26). Raw 0.35 maps
 * to 50, so MinConfidence 55 keeps scores >= 0.367: 0.45 -> 77, 0.60 -> 95, 0.30 -> 35.
 */
export const OBJECT_CURVE: Logistic = { midpoint: 0.35, slope: 12 };

export const objectConfidence = (score: number) => applyCurve(OBJECT_CURVE, score);

/**
 * human's face score (labels' and PPE's face pipeline, models/tasks/vision.ts): 0.4 maps to 50 (a
 * false face on the rocket photo scored 0.24; real ones 0.98-1.0).
 */
export const FACE_CURVE: Logistic = { midpoint: 0.4, slope: 12 };

/**
 * movenet keypoint scores: visible joints score 0.4-0.9, guessed ones under 0.3 (human drops
 * those). 0.3 maps to 50 (the floor every PPE detection needs), 0.6 to 95.
 */
export const KEYPOINT_CURVE: Logistic = { midpoint: 0.3, slope: 10 };

export const keypointConfidence = (score: number) => applyCurve(KEYPOINT_CURVE, score);
