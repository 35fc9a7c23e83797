/**
 * DetectProtectiveEquipment's measurements from people, pose and pixels, run in a pool worker
 * (models/tasks/vision.ts); src/analysis/ppe.ts makes the API's persons of them and summarises.
 * Confidences of persons and keypoints come from curves the domain passes in (calibration.ts).
 * No open model detects PPE, so each equipment type is decided from evidence measured in the body
 * part's region (AWS-BEHAVIOUR §3.10):
 *
 * - Persons: the object detector's persons (at most 15, confidence >= 50); a face no person box
 *   holds becomes a person of its own (a head-and-shoulders crop).
 * - FACE and HEAD: the face detector's face in the person's upper box, else movenet's eyes/nose/ears.
 *   Their geometry comes from the eye line: eye distance d, eye midpoint m.
 * - LEFT_HAND / RIGHT_HAND: movenet wrists (the person's own left and right), the hand centre
 *   0.35 forearm beyond the wrist.
 * - FACE_COVER: the lower face (m.y + 0.45d .. m.y + 1.45d) shows much less skin than the forehead
 *   band (m.y - 0.75d .. m.y - 0.25d). Skin is the YCbCr rule of Chai & Ngan. It covers the nose
 *   when the band just under the eyes is covered too.
 * - HEAD_COVER: the band above the forehead is neither skin, hair-like (dark, or low-chroma
 *   brown/blond) nor the colour beside the head (background), over most of its area.
 * - HAND_COVER: a visible hand region with almost no skin, judged only when the face shows skin
 *   (so lighting and skin tone let skin be seen at all).
 * Nothing is reported without evidence: grey images or faces without visible skin give no covers.
 * Every detection has confidence >= 50, as AWS's own (API_ProtectiveEquipmentSummarizationAttributes).
 */
import { applyCurve, boxContains, clampBox, overlapOfSmaller, type FaceEvidence, type Keypoint, type Logistic, type Point, type RatioBox, type RgbPixels } from './evidence';

export type { RgbPixels };

export const MAX_PERSONS = 15;
/** AWS returns PPE predictions only at confidence 50 and above. */
export const PPE_FLOOR = 50;

export type BodyPartName = 'FACE' | 'HEAD' | 'LEFT_HAND' | 'RIGHT_HAND';
export type EquipmentType = 'FACE_COVER' | 'HEAD_COVER' | 'HAND_COVER';

/** A piece of equipment found on a body part; confidences 0-100. */
export interface EquipmentEvidence {
  box: RatioBox;
  confidence: number;
  type: EquipmentType;
  covers: { confidence: number; value: boolean };
}

/** A body part the measurements found; confidence 0-100. */
export interface BodyPartEvidence {
  name: BodyPartName;
  confidence: number;
  equipment: EquipmentEvidence[];
}

/** A person with its body parts, in Id order. */
export interface PpePersonEvidence {
  parts: BodyPartEvidence[];
  box: RatioBox;
  confidence: number;
}

export interface PersonEvidence {
  box: RatioBox;
  /** 0-100 */
  confidence: number;
  keypoints: Keypoint[];
  face?: FaceEvidence;
}

/** Skin by the YCbCr box of Chai & Ngan (1999), with very dark pixels excluded. */
export function isSkin(r: number, g: number, b: number): boolean {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  const cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  return y > 35 && cb >= 77 && cb <= 127 && cr >= 133 && cr <= 173;
}

/** Dark, or a low-chroma warm colour (brown, blond, grey hair). */
export function isHairLike(r: number, g: number, b: number): boolean {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  if (y < 70) return true;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const chroma = max - min;
  if (chroma < 25) return y < 200;
  return r >= g && g >= b && chroma < 90 && y < 190;
}

/** Pixel rectangle of a region given in image pixels (floats), clipped; undefined when mostly outside. */
interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Share of the requested area inside the image. */
  inside: number;
}

function region(img: RgbPixels, x0: number, y0: number, x1: number, y1: number): Region | undefined {
  const area = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const cx0 = Math.max(0, Math.floor(x0));
  const cy0 = Math.max(0, Math.floor(y0));
  const cx1 = Math.min(img.width, Math.ceil(x1));
  const cy1 = Math.min(img.height, Math.ceil(y1));
  if (cx1 - cx0 < 2 || cy1 - cy0 < 2 || area <= 0) return undefined;
  return { x0: cx0, y0: cy0, x1: cx1, y1: cy1, inside: Math.min(1, ((cx1 - cx0) * (cy1 - cy0)) / area) };
}

/** Share of pixels in the region that `test` accepts (sampled on a grid of at most ~2500 points). */
function fraction(img: RgbPixels, r: Region, test: (r: number, g: number, b: number, x: number, y: number) => boolean): number {
  const step = Math.max(1, Math.floor(Math.sqrt(((r.x1 - r.x0) * (r.y1 - r.y0)) / 2500)));
  let hit = 0;
  let n = 0;
  for (let y = r.y0; y < r.y1; y += step) {
    for (let x = r.x0; x < r.x1; x += step) {
      const i = (y * img.width + x) * 3;
      n++;
      if (test(img.data[i], img.data[i + 1], img.data[i + 2], x, y)) hit++;
    }
  }
  return n ? hit / n : 0;
}

function meanColor(img: RgbPixels, r: Region): [number, number, number] {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let n = 0;
  const step = Math.max(1, Math.floor(Math.sqrt(((r.x1 - r.x0) * (r.y1 - r.y0)) / 1000)));
  for (let y = r.y0; y < r.y1; y += step) {
    for (let x = r.x0; x < r.x1; x += step) {
      const i = (y * img.width + x) * 3;
      s0 += img.data[i];
      s1 += img.data[i + 1];
      s2 += img.data[i + 2];
      n++;
    }
  }
  return [s0 / n, s1 / n, s2 / n];
}

const toRatio = (img: RgbPixels, r: Region): RatioBox =>
  clampBox({ Width: (r.x1 - r.x0) / img.width, Height: (r.y1 - r.y0) / img.height, Left: r.x0 / img.width, Top: r.y0 / img.height });

/** Maps a 0-1 strength of evidence above `threshold` to a confidence in [50, 99.5]. */
export function evidenceConfidence(strength: number, threshold: number): number {
  if (strength < threshold) return 0;
  return 50 + 49.5 * Math.min(1, (strength - threshold) / (1 - threshold));
}

/** Eye line geometry of a face, in pixels. */
export interface FaceFrame {
  /** Eye midpoint. */
  mx: number;
  my: number;
  /** Eye distance (>= 1 px). */
  d: number;
  /** 0-100 */
  confidence: number;
}

const kp = (person: PersonEvidence, part: string) => person.keypoints.find((k) => k.part === part);

export function faceFrame(img: RgbPixels, person: PersonEvidence, keypointCurve: Logistic): FaceFrame | undefined {
  const face = person.face;
  if (face?.eyes) {
    const [a, b] = face.eyes;
    const d = Math.hypot((a.x - b.x) * img.width, (a.y - b.y) * img.height);
    return { mx: ((a.x + b.x) / 2) * img.width, my: ((a.y + b.y) / 2) * img.height, d: Math.max(1, d), confidence: face.confidence };
  }
  if (face) {
    // A box without landmarks: eyes sit ~40% down a face box, ~42% of its width apart.
    return {
      mx: (face.box.Left + face.box.Width / 2) * img.width,
      my: (face.box.Top + face.box.Height * 0.4) * img.height,
      d: Math.max(1, face.box.Width * img.width * 0.42),
      confidence: face.confidence,
    };
  }
  const le = kp(person, 'leftEye');
  const re = kp(person, 'rightEye');
  if (!le || !re) return undefined;
  // Not the nose: a mask hides it, and masked faces are the ones this fallback exists for.
  const score = Math.min(le.score, re.score);
  const d = Math.hypot((le.x - re.x) * img.width, (le.y - re.y) * img.height);
  return { mx: ((le.x + re.x) / 2) * img.width, my: ((le.y + re.y) / 2) * img.height, d: Math.max(1, d), confidence: applyCurve(keypointCurve, score) };
}

interface Measured {
  part: BodyPartEvidence;
  /** Skin was visible on the face, so skin-based judgements are meaningful. */
  skinVisible?: boolean;
}

/** Skin share of the forehead band: the reference for face and hand judgements. */
function foreheadSkin(img: RgbPixels, f: FaceFrame): number | undefined {
  const r = region(img, f.mx - 0.5 * f.d, f.my - 0.75 * f.d, f.mx + 0.5 * f.d, f.my - 0.25 * f.d);
  return r && r.inside > 0.6 ? fraction(img, r, isSkin) : undefined;
}

export function measureFace(img: RgbPixels, f: FaceFrame): Measured {
  const part: BodyPartEvidence = { name: 'FACE', confidence: f.confidence, equipment: [] };
  const reference = foreheadSkin(img, f);
  const lower = region(img, f.mx - 0.75 * f.d, f.my + 0.45 * f.d, f.mx + 0.75 * f.d, f.my + 1.45 * f.d);
  if (reference === undefined || reference < 0.25 || !lower || lower.inside < 0.6) return { part, skinVisible: (reference ?? 0) >= 0.25 };
  const lowerSkin = fraction(img, lower, isSkin);
  const covered = 1 - Math.min(1, lowerSkin / reference);
  const confidence = evidenceConfidence(covered, 0.7);
  if (confidence >= PPE_FLOOR) {
    // The nose is covered when the band just under the eyes lost its skin as well.
    const noseBand = region(img, f.mx - 0.45 * f.d, f.my + 0.2 * f.d, f.mx + 0.45 * f.d, f.my + 0.55 * f.d);
    const noseCovered = noseBand ? 1 - Math.min(1, fraction(img, noseBand, isSkin) / reference) : 0;
    const mask = region(img, f.mx - 0.85 * f.d, f.my + (noseCovered > 0.5 ? 0.2 : 0.45) * f.d, f.mx + 0.85 * f.d, f.my + 1.55 * f.d)!;
    part.equipment.push({
      box: toRatio(img, mask),
      confidence,
      type: 'FACE_COVER',
      covers: { confidence: 50 + 49.5 * Math.abs(noseCovered - 0.5) * 2, value: noseCovered > 0.5 },
    });
  }
  return { part, skinVisible: true };
}

export function measureHead(img: RgbPixels, f: FaceFrame): Measured {
  const part: BodyPartEvidence = { name: 'HEAD', confidence: f.confidence, equipment: [] };
  const crown = region(img, f.mx - 0.8 * f.d, f.my - 1.55 * f.d, f.mx + 0.8 * f.d, f.my - 0.85 * f.d);
  if (!crown || crown.inside < 0.5) return { part };
  // Beside the head at the same height: what background looks like here.
  const sides = [region(img, f.mx - 2.6 * f.d, f.my - 1.55 * f.d, f.mx - 1.8 * f.d, f.my - 0.85 * f.d), region(img, f.mx + 1.8 * f.d, f.my - 1.55 * f.d, f.mx + 2.6 * f.d, f.my - 0.85 * f.d)]
    .filter((r): r is Region => r !== undefined && r.inside > 0.5)
    .map((r) => meanColor(img, r));
  const nearBackground = (r: number, g: number, b: number) => sides.some(([R, G, B]) => Math.abs(r - R) + Math.abs(g - G) + Math.abs(b - B) < 60);
  const hat = fraction(img, crown, (r, g, b) => !isSkin(r, g, b) && !isHairLike(r, g, b) && !nearBackground(r, g, b));
  const confidence = evidenceConfidence(hat, 0.5);
  if (confidence >= PPE_FLOOR) {
    const box = region(img, f.mx - 1.1 * f.d, f.my - 1.9 * f.d, f.mx + 1.1 * f.d, f.my - 0.6 * f.d)!;
    part.equipment.push({ box: toRatio(img, box), confidence, type: 'HEAD_COVER', covers: { confidence, value: true } });
  }
  return { part };
}

export function measureHand(img: RgbPixels, person: PersonEvidence, side: 'left' | 'right', skinVisible: boolean, keypointCurve: Logistic): BodyPartEvidence | undefined {
  const wrist = kp(person, `${side}Wrist`);
  if (!wrist) return undefined;
  const confidence = applyCurve(keypointCurve, wrist.score);
  if (confidence < PPE_FLOOR) return undefined;
  const elbow = kp(person, `${side}Elbow`);
  const w: Point = { x: wrist.x * img.width, y: wrist.y * img.height };
  let centre = w;
  let size = 0.09 * person.box.Height * img.height;
  if (elbow) {
    const e = { x: elbow.x * img.width, y: elbow.y * img.height };
    const forearm = Math.hypot(w.x - e.x, w.y - e.y);
    centre = { x: w.x + 0.35 * (w.x - e.x), y: w.y + 0.35 * (w.y - e.y) };
    size = Math.max(size * 0.5, 0.6 * forearm);
  }
  const part: BodyPartEvidence = { name: side === 'left' ? 'LEFT_HAND' : 'RIGHT_HAND', confidence, equipment: [] };
  const hand = region(img, centre.x - size / 2, centre.y - size / 2, centre.x + size / 2, centre.y + size / 2);
  if (!skinVisible || !hand || hand.inside < 0.6) return part;
  const skin = fraction(img, hand, isSkin);
  const gloved = evidenceConfidence(1 - Math.min(1, skin / 0.12), 0.7);
  if (gloved >= PPE_FLOOR) {
    part.equipment.push({ box: toRatio(img, hand), confidence: gloved, type: 'HAND_COVER', covers: { confidence: gloved, value: true } });
  }
  return part;
}

/** Body parts of one person in AWS's order: FACE, LEFT_HAND, RIGHT_HAND, HEAD; undetected parts left out. */
export function bodyParts(img: RgbPixels, person: PersonEvidence, keypointCurve: Logistic): BodyPartEvidence[] {
  const frame = faceFrame(img, person, keypointCurve);
  const parts: BodyPartEvidence[] = [];
  let skinVisible = false;
  let head: BodyPartEvidence | undefined;
  if (frame && frame.confidence >= PPE_FLOOR) {
    const face = measureFace(img, frame);
    skinVisible = face.skinVisible ?? false;
    parts.push(face.part);
    head = measureHead(img, frame).part;
  }
  for (const side of ['left', 'right'] as const) {
    const hand = measureHand(img, person, side, skinVisible, keypointCurve);
    if (hand) parts.push(hand);
  }
  if (head) parts.push(head);
  return parts;
}

function union(a: RatioBox, b: RatioBox): RatioBox {
  const left = Math.min(a.Left, b.Left);
  const top = Math.min(a.Top, b.Top);
  return clampBox({ Left: left, Top: top, Width: Math.max(a.Left + a.Width, b.Left + b.Width) - left, Height: Math.max(a.Top + a.Height, b.Top + b.Height) - top });
}

/** A head-and-shoulders person box for a face that no detected person holds. */
export function personFromFace(face: FaceEvidence): RatioBox {
  const b = face.box;
  return clampBox({ Left: b.Left - b.Width * 0.8, Top: b.Top - b.Height * 0.3, Width: b.Width * 2.6, Height: b.Height * 3.3 });
}

/** Assigns each face to the person box that holds its centre best (largest faces first). */
export function attachFaces(persons: PersonEvidence[], faces: FaceEvidence[]): PersonEvidence[] {
  const out = persons.map((p) => ({ ...p }));
  const sorted = [...faces].sort((a, b) => b.box.Width * b.box.Height - a.box.Width * a.box.Height);
  for (const face of sorted) {
    const centre = { x: face.box.Left + face.box.Width / 2, y: face.box.Top + face.box.Height / 2 };
    // A face belongs in the upper part of its person's box, or just above a box that caught only the torso.
    const reach = (b: RatioBox): RatioBox => ({ ...b, Top: b.Top - 1.5 * face.box.Height, Height: b.Height + 1.5 * face.box.Height });
    const candidates = out.filter((p) => !p.face && boxContains(reach(p.box), centre) && centre.y <= p.box.Top + p.box.Height * 0.6);
    const best = candidates.sort((a, b) => b.box.Width * b.box.Height - a.box.Width * a.box.Height).pop();
    if (best) {
      best.face = face;
      if (overlapOfSmaller(best.box, face.box) < 0.7) best.box = union(best.box, face.box);
    } else out.push({ box: personFromFace(face), confidence: face.confidence * 0.95, keypoints: [], face });
  }
  return out;
}

/** Persons in Id order (most confident first), each with its body parts. */
export function ppePersons(img: RgbPixels, persons: PersonEvidence[], keypointCurve: Logistic): PpePersonEvidence[] {
  return persons
    .filter((p) => p.confidence >= PPE_FLOOR)
    .sort((a, b) => b.confidence - a.confidence)
    .slice(0, MAX_PERSONS)
    .map((p) => ({ parts: bodyParts(img, p, keypointCurve), box: clampBox(p.box), confidence: p.confidence }));
}
