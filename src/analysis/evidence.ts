/**
 * Evidence from the models (its types live in models/evidence.ts, shared with the workers, and
 * are re-exported here for src/), and face evidence built from a DetectFaces FaceDetail.
 * labels.ts, ppe.ts and moderation.ts turn evidence into API shapes.
 */
import type { FaceDetail } from '../api/generated/types';

import { type FaceEvidence, type Point } from '../../models/evidence';

export {
  boxArea,
  boxContains,
  clampBox,
  intersectionOverUnion,
  overlapOfSmaller,
  type DetectedObject,
  type FaceEvidence,
  type Keypoint,
  type Point,
  type RatioBox,
  type RgbPixels,
} from '../../models/evidence';

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
