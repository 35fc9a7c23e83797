/**
 * Faces: turns the face task's raw measurements (models/tasks/faces.ts: mesh, iris, emotion,
 * age/gender, identity embedding, pixel statistics of mesh regions) into Rekognition's FaceDetail,
 * and identity embeddings into Similarity. Every attribute comes from the input's evidence; the
 * methods and their measured accuracy are in docs/FACES.md. Nothing here knows HTTP.
 */
import type { AgeRange, BoundingBox, Emotion, EmotionName, FaceDetail, Landmark, LandmarkType, Pose } from '../api/generated/types';
import { fitRgb, isGreyscale, tinted, type LoadedImage } from '../media/image';
import type { ModelsClient } from '../../models/client';
import type { FaceGate, FaceTaskResult, ProfileGate, RawFace, RegionStats, TileSearch, VerifyGate } from '../../models/tasks/faces';
import type { PixelPoint } from '../../models/evidence';
import { EMOTION_LABELS, REGIONS } from '../../models/face-regions';
import { FACE_HEADS, HEAD_TARGETS, headDecision, headFeatures, headProbability, type FaceHeads, type HeadAttribute } from './face-heads';

/** What the face analysis needs of the models client: running the `faces.detect` task. */
export type FaceModels = Pick<ModelsClient, 'run'>;

export interface DetectedFace {
  /** Rekognition shape, members in wire order; detectFaces returns faces largest first. */
  detail: FaceDetail;
  /** Identity descriptor (identityDescriptor), when requested. */
  embedding?: number[];
  quality: {
    /** Quality.Brightness and Quality.Sharpness, 0-100. */
    brightness: number;
    sharpness: number;
    /** FaceDetail.Confidence, 0-100. */
    confidence: number;
    /** FaceDetail.Pose, degrees. */
    pose: { roll: number; yaw: number; pitch: number };
    /** The face box's shorter side over the image's shorter side (0-1; a 40 px face in 1920x1080 is 0.037). */
    sizeRatio: number;
  };
}

/** Rekognition's per-face attributes beyond the defaults (BoundingBox, Confidence, 5 Landmarks, Pose, Quality). */
export const FACE_ATTRIBUTES = [
  'AGE_RANGE',
  'BEARD',
  'EMOTIONS',
  'EYE_DIRECTION',
  'EYEGLASSES',
  'EYES_OPEN',
  'FACE_OCCLUDED',
  'GENDER',
  'MOUTH_OPEN',
  'MUSTACHE',
  'SMILE',
  'SUNGLASSES',
] as const;
export type FaceAttribute = (typeof FACE_ATTRIBUTES)[number];
/** Stored video's faces: FaceOccluded and EyeDirection are not supported for video (FaceDetail API reference, AWS-BEHAVIOUR §9). */
export const VIDEO_FACE_ATTRIBUTES = FACE_ATTRIBUTES.filter((a) => a !== 'FACE_OCCLUDED' && a !== 'EYE_DIRECTION');

/**
 * The attributes a request asks for: none (defaults only) for absent or DEFAULT, every one for ALL
 * (ALL wins when combined with DEFAULT), else the named ones on top of the defaults.
 */
export function resolveAttributes(
  requested: readonly string[] | undefined,
  available: readonly FaceAttribute[] = FACE_ATTRIBUTES,
): { attributes: Set<FaceAttribute>; allLandmarks: boolean } {
  if (requested?.includes('ALL')) return { attributes: new Set(available), allLandmarks: true };
  const attributes = new Set<FaceAttribute>(available.filter((a) => requested?.includes(a)));
  return { attributes, allLandmarks: false };
}

/** Rekognition returns at most this many faces per image. */
export const MAX_FACES = 100;
/** Mesh confidence below this is not a face (real faces score 0.99-1.0; false ones on the fixtures 0.29-0.56). */
export const MIN_FACE_SCORE = 0.7;
/**
 * Detector (blazeface) score below this is not a face, whatever the mesh says: the mesh fits a face
 * to anything face-like (a poster, sprinkles, a skyline: mesh 0.95-1.0) and only the detector's score
 * tells them apart. On the dev split, real faces over 30 px scored 0.40-0.99 and every false face
 * over 30 px 0.11-0.36 (docs/FACES.md).
 */
export const MIN_DETECTOR_SCORE = 0.4;
/**
 * Which faces the detector keeps: a plausible mesh with a fair detector score, or a doubtful mesh
 * (three-quarter views and small faces score 0.3-0.7) with a clear detector score. Chosen on the
 * dev split: the second gate finds 2 more faces there and adds no false one.
 */
export const FACE_GATES: readonly FaceGate[] = [
  { mesh: MIN_FACE_SCORE, detector: MIN_DETECTOR_SCORE },
  { mesh: 0.3, detector: 0.6 },
];
/**
 * Faces blazeface misses (profiles) come from FaceBoxes (models/runtime/faceboxes.ts): a proposal
 * from 0.25 gets a second look at a crop 3x its size, and is kept from 0.8 there. Chosen on the dev
 * split (docs/FACES.md, "Profile faces"): its real faces score 0.83-0.90 on the second look, its
 * false proposals at most 0.49 (a doll's face 0.31, though 0.88 in the first pass). A proposal
 * only a tighter look confirms (a large face, whose wide crop is mostly border) is kept where
 * centernet sees a person from 0.2: the skulls and the coffee filter that such looks confirm in
 * dev score 0.13.
 */
export const PROFILE_GATE: ProfileGate = { proposal: 0.25, secondLook: 0.8, person: 0.2 };
/**
 * A face blazeface found is checked by FaceBoxes (crops of 1.6, 2.2 and 3 times the face); one that
 * no crop scores `enough` is kept only where centernet sees a person (from a score of `person`).
 * blazeface and its mesh fire on cats', dogs' and birds' faces, a gorilla, a statue and a boot, at
 * detector scores of real faces (docs/FACES.md).
 */
export const VERIFY_GATE: VerifyGate = { enough: 0.7, person: 0.05 };

/**
 * The checks on a black-and-white photo, which the detectors see tinted (SKIN_TINT): FaceBoxes
 * confirms animals' and toys' faces there at up to 0.95, so only a surer second look is enough, and
 * below it a person must hold the face (docs/FACES.md, "Black-and-white photos").
 */
export const GREY_VERIFY_GATE: VerifyGate = { enough: 0.98, person: 0.1 };

/** Large photos are also searched on tiles (models/tasks/faces.ts, TileSearch): see docs/FACES.md, "Small faces in large photos". */
export const TILE_SEARCH: TileSearch = { from: 1000, grid: 2, share: 0.6, aspect: 4 / 3, largest: 0.15 };

/** Whether a face passes the checks of `gate` (faces found without them pass). */
export function confirmedFace(raw: RawFace, gate = VERIFY_GATE): boolean {
  return raw.secondOpinion === undefined || raw.secondOpinion >= gate.enough || (raw.person ?? 0) >= gate.person;
}

/** A face that FaceBoxes did not confirm: only a person around it vouches for it. */
const vouchedByPersonOnly = (raw: RawFace, gate: VerifyGate) => raw.secondOpinion !== undefined && raw.secondOpinion < gate.enough;

/** A face's box in the analysed image's pixels: FaceBoxes' box, or the mesh's extent. */
const rawBox = (raw: RawFace): readonly number[] => raw.box ?? meshExtent(new Mesh(raw.mesh));

/**
 * Where a face sits just below another, the other is the person's head, and it is the body: the
 * face above spans the lower one's centre line, is at least half its width, and ends above its
 * top quarter within 1.5 of its own heights (a bare chest with clasped hands reads as eyes and a
 * mouth to blazeface; so does a printed T-shirt).
 */
export function belowAHead(face: RawFace, head: RawFace): boolean {
  const [fx0, fy0, fx1, fy1] = rawBox(face), [hx0, hy0, hx1, hy1] = rawBox(head);
  const headCentre = (hx0 + hx1) / 2;
  return headCentre >= fx0 && headCentre <= fx1 && hx1 - hx0 >= 0.5 * (fx1 - fx0) && hy1 <= fy0 + 0.25 * (fy1 - fy0) && fy0 - hy1 <= 1.5 * (hy1 - hy0);
}

/**
 * The faces DetectFaces reports: those that pass the checks (confirmedFace), less any that only a
 * person vouches for and that sit just below another face (belowAHead): the person there is the
 * one whose face is above.
 */
export function keptFaces(raws: readonly RawFace[], gate = VERIFY_GATE): RawFace[] {
  const confirmed = raws.filter((face) => confirmedFace(face, gate));
  return confirmed.filter((face) => !(vouchedByPersonOnly(face, gate) && confirmed.some((head) => head !== face && belowAHead(face, head))));
}

// ---------------------------------------------------------------------------------------------
// Similarity

/**
 * A face's identity descriptor: face-api's 128-d descriptor followed by the ArcFace-style net's
 * 512-d one times ARCFACE_WEIGHT, so that euclidean distance adds both nets' evidence (HNSW indexes
 * it as is). The weight puts both parts' same/different splits (0.57 and 1.10 on the development
 * pairs) at one scale. Together they make about 40% fewer errors than either alone, most of the
 * gain on turned heads (docs/FACES.md, "A second identity embedding").
 */
export const ARCFACE_WEIGHT = 0.53;
export const FACEAPI_DIMENSIONS = 128;
export const IDENTITY_DIMENSIONS = FACEAPI_DIMENSIONS + 512;

/** The identity descriptor of an analysed face; face-api's alone when the ArcFace-style net did not run. */
export function identityDescriptor(faceapi: readonly number[], arcface?: readonly number[]): number[] {
  return arcface ? [...faceapi, ...arcface.map((x) => x * ARCFACE_WEIGHT)] : [...faceapi];
}

/**
 * Euclidean distance between descriptors that maps to Similarity 80 (the default threshold), per
 * kind of descriptor. face-api's alone (collections indexed before the combined descriptor keep
 * it): on the development pairs the best split lies at 0.565-0.60; on LFW FAR is 1% at 0.617 and
 * 0.1% at 0.568 (MODELS.md); 0.58 for descriptors averaged with their mirror image's. Combined:
 * the distance that accepts as many different-person development pairs as 0.58 does for face-api's
 * alone (docs/FACES.md).
 */
export const DISTANCE_AT_80 = 0.58;
export const COMBINED_DISTANCE_AT_80 = 0.86;
/**
 * Steepness of the distance -> similarity logistic. face-api's descriptors: same-person pairs
 * (0.3-0.5) land at 97-99.9, different people (0.7+) under 25. Combined ones, the same
 * steepness: same-person pairs of the development photos and their turned copies score a median
 * 99.9, different people 1.5.
 */
const SIMILARITY_SLOPE = 23;

/** The distance at which descriptors of this length score Similarity 80. */
export function distanceAt80(length: number): number {
  return length === IDENTITY_DIMENSIONS ? COMBINED_DISTANCE_AT_80 : DISTANCE_AT_80;
}

export function faceDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`embeddings differ in length (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

/** Similarity 0-100 of two identity descriptors: a logistic in their distance, exactly 100 for identical ones. */
export function similarity(a: readonly number[], b: readonly number[]): number {
  const d = faceDistance(a, b);
  // The midpoint, placed so that the curve, rescaled to be 100 at distance 0, is exactly 80 at the distance at 80.
  const at50 = Math.log((Math.exp(SIMILARITY_SLOPE * distanceAt80(a.length)) - 1.25) / 0.25) / SIMILARITY_SLOPE;
  const at = (x: number) => 1 / (1 + Math.exp(SIMILARITY_SLOPE * (x - at50)));
  return Math.min(100, Math.max(0, (100 * at(d)) / at(0)));
}

/** A query descriptor cut to what an index of `dimensions` holds (face-api's part for older collections). */
export function descriptorFor(query: readonly number[], dimensions: number): readonly number[] {
  if (query.length === dimensions) return query;
  if (dimensions === FACEAPI_DIMENSIONS && query.length === IDENTITY_DIMENSIONS) return query.slice(0, FACEAPI_DIMENSIONS);
  throw new Error(`a ${query.length}-d descriptor cannot be compared with ${dimensions}-d ones`);
}

// ---------------------------------------------------------------------------------------------
// Geometry from the mesh

type Point = PixelPoint;

class Mesh {
  constructor(private readonly flat: readonly number[]) {}

  p(i: number): Point {
    return [this.flat[3 * i], this.flat[3 * i + 1]];
  }

  /** Centre of the iris nearest the given eye's corners (human's iris order is not the image's). */
  iris(corners: [number, number]): Point {
    const centre = mid(this.p(corners[0]), this.p(corners[1]));
    const a = this.p(468), b = this.p(473);
    return dist(a, centre) <= dist(b, centre) ? a : b;
  }
}

const mid = (a: Point, b: Point): Point => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** The eye on the image's left (the person's right) uses mesh corners 33/133, the other 263/362. */
const LEFT_EYE: [number, number] = [33, 133];
const RIGHT_EYE: [number, number] = [362, 263];

/** A frame aligned with the face: x along the eye line, y down the face, unit = inter-eye distance. */
class FaceFrame {
  readonly origin: Point;
  readonly angle: number;
  readonly unit: number;

  constructor(readonly mesh: Mesh) {
    const l = mid(mesh.p(LEFT_EYE[0]), mesh.p(LEFT_EYE[1]));
    const r = mid(mesh.p(RIGHT_EYE[0]), mesh.p(RIGHT_EYE[1]));
    this.origin = mid(l, r);
    this.angle = Math.atan2(r[1] - l[1], r[0] - l[0]);
    this.unit = dist(l, r) || 1;
  }

  /** Coordinates of mesh point i in this frame. */
  at(i: number): Point {
    const [x, y] = this.mesh.p(i);
    return this.local([x, y]);
  }

  local([x, y]: Point): Point {
    const dx = x - this.origin[0], dy = y - this.origin[1];
    const c = Math.cos(this.angle), s = Math.sin(this.angle);
    return [(c * dx + s * dy) / this.unit, (-s * dx + c * dy) / this.unit];
  }
}

/** Eye aspect ratio: mean lid opening over eye width (open eyes 0.2-0.47 on the fixtures; closed about 0.05). */
export function eyeOpenness(mesh: Mesh): number {
  const ear = (pairs: [number, number][], corners: [number, number]) =>
    pairs.reduce((s, [u, d]) => s + dist(mesh.p(u), mesh.p(d)), 0) / pairs.length / (dist(mesh.p(corners[0]), mesh.p(corners[1])) || 1);
  const left = ear([[159, 145], [158, 153], [160, 144]], LEFT_EYE);
  const right = ear([[386, 374], [385, 380], [387, 373]], RIGHT_EYE);
  return (left + right) / 2;
}

/** Gap between the inner lips over mouth width (closed 0-0.07, toothy smiles 0.12-0.26, speaking 0.3-0.4). */
export function mouthGap(mesh: Mesh): number {
  return dist(mesh.p(13), mesh.p(14)) / (dist(mesh.p(61), mesh.p(291)) || 1);
}

/** How far the mouth corners sit above the lips' centre, over mouth width (smiles 0.06-0.16). */
export function mouthCornerLift(frame: FaceFrame): number {
  const centre = (frame.at(13)[1] + frame.at(14)[1]) / 2;
  const corners = (frame.at(61)[1] + frame.at(291)[1]) / 2;
  const width = Math.abs(frame.at(291)[0] - frame.at(61)[0]) || 1e-6;
  return (centre - corners) / width;
}

// ---------------------------------------------------------------------------------------------
// Turning evidence into {Value, Confidence}

/** A yes/no attribute from a score and the threshold where it flips: confidence grows with the margin. */
export function decide(score: number, threshold: number, scale: number, certainty = 1): { Value: boolean; Confidence: number } {
  const margin = (score - threshold) / scale;
  return { Value: margin >= 0, Confidence: 50 + 49.9 * certainty * Math.tanh(Math.abs(margin)) };
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

interface Evidence {
  skin: number;
  regions: Record<string, RegionStats>;
}

/** Skin reference: the mid-cheeks (below glasses, above beards). */
function evidence(face: RawFace): Evidence {
  const r = face.regions;
  return { skin: Math.max(1, (r.cheekL.mean + r.cheekR.mean) / 2), regions: r };
}

/** Beard: the jaw (and, less, the upper lip) darker than the cheeks. Split at 0.45 on the fixtures. */
export function beardScore(e: Evidence): number {
  const r = e.regions;
  return 1 - (r.jawL.mean + r.jawR.mean) / 2 / e.skin + 0.5 * (1 - r.upperLip.mean / e.skin);
}

/** Mustache: the upper lip (and, less, the jaw) darker than the cheeks. Split at 0.40 on the fixtures. */
export function mustacheScore(e: Evidence): number {
  const r = e.regions;
  return 1 - r.upperLip.mean / e.skin + 0.5 * (1 - (r.jawL.mean + r.jawR.mean) / 2 / e.skin);
}

/**
 * Eyeglasses: thin dark horizontal lines across the nose bridge and the upper cheeks (frames),
 * relative to skin brightness, x100. Faces without glasses 0-7.3, with glasses 27-102 (one 5.9).
 */
export function glassesScore(e: Evidence): number {
  const r = e.regions;
  return ((r.bridge.hLine + Math.min(r.cheekL.hLine, r.cheekR.hLine)) / e.skin) * 100;
}

/** Sunglasses: even the brighter eye socket's brightest tenth is dark against the cheeks (bare eyes 0.61-1.19). */
export function socketBrightness(e: Evidence): number {
  const r = e.regions;
  return Math.max(r.socketL.p90, r.socketR.p90) / e.skin;
}

/**
 * Lip structure: edges in the mouth region against the whole face's (bare mouths 0.63-3.75 on the
 * fixtures, a mask or a hand over the mouth near 0).
 */
export function mouthStructure(e: Evidence): number {
  const r = e.regions;
  return r.mouth.laplacian / Math.max(1e-6, r.face.laplacian);
}

// ---------------------------------------------------------------------------------------------
// Emotions

const EMOTION_TYPES: Record<(typeof EMOTION_LABELS)[number], EmotionName> = {
  angry: 'ANGRY',
  disgust: 'DISGUSTED',
  fear: 'FEAR',
  happy: 'HAPPY',
  sad: 'SAD',
  surprise: 'SURPRISED',
  neutral: 'CALM',
};

/** Eyebrow height above its eye, over that eye's width, in the face frame. */
function browRaise(frame: FaceFrame, brow: number[], corners: [number, number]): number {
  const eyeY = (frame.at(corners[0])[1] + frame.at(corners[1])[1]) / 2;
  const browY = Math.min(...brow.map((i) => frame.at(i)[1]));
  const width = Math.abs(frame.at(corners[1])[0] - frame.at(corners[0])[0]) || 1e-6;
  return (eyeY - browY) / width;
}

/**
 * Temperature applied to the emotion net's probabilities (p^(1/T), renormalised). The net is flatter
 * than Rekognition: unsharpened, the top emotion answered for the labelled faces had a median of 73,
 * where Rekognition's recorded answers put it at 92-100 in 6 of 7 (docs/FACES.md, "Emotions"). At
 * 0.5 the median is 96; the order of the emotions is kept.
 */
const EMOTION_TEMPERATURE = 0.5;

/**
 * The 8 Rekognition emotions from the 7-way emotion net (neutral -> CALM), sharpened by
 * EMOTION_TEMPERATURE. The net has no CONFUSED class: CONFUSED takes a share of the probability
 * that grows with one eyebrow raised above the other (the classic cue of puzzlement) and with the
 * net's own uncertainty (1 - its top probability); the other seven share the rest in the net's
 * proportions. Sorted, highest first.
 */
export function emotions(probabilities: readonly number[], frame: FaceFrame): Emotion[] {
  const sharpened = probabilities.map((x) => Math.max(0, x) ** (1 / EMOTION_TEMPERATURE));
  const total = sharpened.reduce((s, p) => s + p, 0) || 1;
  const p = sharpened.map((x) => x / total);
  const asymmetry = Math.abs(browRaise(frame, [70, 63, 105, 66, 107], LEFT_EYE) - browRaise(frame, [336, 296, 334, 293, 300], RIGHT_EYE));
  const confused = logistic((asymmetry - 0.15) / 0.04) * (1 - Math.max(...p));
  const list: Emotion[] = EMOTION_LABELS.map((label, i) => ({ Type: EMOTION_TYPES[label], Confidence: 100 * p[i] * (1 - confused) }));
  list.push({ Type: 'CONFUSED', Confidence: 100 * confused });
  return list.sort((a, b) => (b.Confidence ?? 0) - (a.Confidence ?? 0));
}

// ---------------------------------------------------------------------------------------------
// Landmarks

/** Mesh points (averaged when several) for each Rekognition landmark, in Rekognition's order for ALL. */
const LANDMARK_POINTS: [LandmarkType, number[] | 'irisLeft' | 'irisRight'][] = [
  ['eyeLeft', 'irisLeft'],
  ['eyeRight', 'irisRight'],
  ['mouthLeft', [61]],
  ['mouthRight', [291]],
  ['nose', [1]],
  ['leftEyeBrowLeft', [70]],
  ['leftEyeBrowRight', [107]],
  ['leftEyeBrowUp', [105, 66]],
  ['rightEyeBrowLeft', [336]],
  ['rightEyeBrowRight', [300]],
  ['rightEyeBrowUp', [334, 296]],
  ['leftEyeLeft', [33]],
  ['leftEyeRight', [133]],
  ['leftEyeUp', [159]],
  ['leftEyeDown', [145]],
  ['rightEyeLeft', [362]],
  ['rightEyeRight', [263]],
  ['rightEyeUp', [386]],
  ['rightEyeDown', [374]],
  ['noseLeft', [64]],
  ['noseRight', [294]],
  ['mouthUp', [0]],
  ['mouthDown', [17]],
  ['leftPupil', 'irisLeft'],
  ['rightPupil', 'irisRight'],
  ['upperJawlineLeft', [234]],
  ['midJawlineLeft', [172]],
  ['chinBottom', [152]],
  ['midJawlineRight', [397]],
  ['upperJawlineRight', [454]],
];

export function landmarks(mesh: Mesh, width: number, height: number, all: boolean): Landmark[] {
  return LANDMARK_POINTS.slice(0, all ? LANDMARK_POINTS.length : 5).map(([type, source]) => {
    let p: Point;
    if (source === 'irisLeft') p = mesh.iris(LEFT_EYE);
    else if (source === 'irisRight') p = mesh.iris(RIGHT_EYE);
    else p = source.map((i) => mesh.p(i)).reduce((a, b) => [a[0] + b[0] / source.length, a[1] + b[1] / source.length], [0, 0] as Point);
    return { Type: type, X: p[0] / width, Y: p[1] / height };
  });
}

// ---------------------------------------------------------------------------------------------
// One face

const degrees = (rad: number) => (rad * 180) / Math.PI;

/**
 * The mesh's yaw reads about half the real turn: faces turned by known angles (bench/head-turn.ts)
 * read 5, 14 and 21 degrees at 15, 30 and 45 (medians of 16 faces); labelled three-quarter views read
 * a median of 22. Pose.Yaw is the mesh's yaw times this gain (least squares over those turns),
 * within ±90 (docs/FACES.md, "Yaw: the mesh reads half the turn").
 */
export const YAW_GAIN = 2.1;
const yawDegrees = (rad: number) => clamp(YAW_GAIN * degrees(rad), -90, 90);

/**
 * The mesh's pitch reads under half the real nod too, and portraits facing the camera read a few
 * degrees chin-down: faces nodded by known angles (bench/pose-gain.ts) read 4, 9 and 14 degrees at
 * 10, 20 and 30 down and 4, 7 and 11 at 10, 20 and 30 up (medians of 64 faces), the same faces
 * untouched a median of 5. Pose.Pitch is the mesh's pitch less that level, times this gain (least
 * squares over those nods), within ±90 (docs/FACES.md, "Pitch: level and gain").
 */
export const PITCH_GAIN = 2.4;
export const PITCH_LEVEL = 5;
const pitchDegrees = (rad: number) => clamp(PITCH_GAIN * (degrees(rad) - PITCH_LEVEL), -90, 90);

/**
 * Half the age range's width, as a share of the estimated age: AWS's ranges are narrow for children
 * (4-6, 4-8 in its documentation) and widen with age. 0.25 is the narrowest share whose ranges hold
 * the labelled age for at least 85% of the development faces (docs/FACES.md).
 */
export const AGE_RANGE_SHARE = 0.25;

/** Age range around an age estimate in years: ±AGE_RANGE_SHARE of it, outward to whole years. */
export function ageRange(years: number): AgeRange {
  const age = Math.max(0, years);
  return { Low: Math.floor(age * (1 - AGE_RANGE_SHARE)), High: Math.ceil(age * (1 + AGE_RANGE_SHARE)) };
}

function pixelBox([x0, y0, x1, y1]: readonly number[], width: number, height: number): BoundingBox {
  return { Width: (x1 - x0) / width, Height: (y1 - y0) / height, Left: x0 / width, Top: y0 / height };
}

/** Pixel extent [x0, y0, x1, y1] of the 468 mesh points. */
function meshExtent(mesh: Mesh): [number, number, number, number] {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < 468; i++) {
    const [x, y] = mesh.p(i);
    minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  return [minX, minY, maxX, maxY];
}

/** How fast confidence climbs from 90 at MIN_DETECTOR_SCORE: 99 at +0.18, 99.9 at +0.37. */
const CONFIDENCE_SCALE = 0.08;

/**
 * Face confidence from the detector score (the mesh only gates, at MIN_FACE_SCORE: it is near 1.0
 * for false faces too). 90 at MIN_DETECTOR_SCORE, rising to 99+ by 0.58; real faces on the
 * development photos score 0.6-0.99 (99.3-99.99), so anything under 90 has already been dropped.
 */
export function faceConfidence(boxScore: number): number {
  return 100 - 10 * Math.exp(-(clamp(boxScore, 0, 1) - MIN_DETECTOR_SCORE) / CONFIDENCE_SCALE);
}

/** The detector score that faceConfidence turns into `confidence` (its inverse; for fakes in tests). */
export function detectorScoreFor(confidence: number): number {
  return clamp(MIN_DETECTOR_SCORE - CONFIDENCE_SCALE * Math.log((100 - confidence) / 10), 0, 1);
}

/**
 * Confidence of a face FaceBoxes found, from its second-look score s: 90 at the PROFILE_GATE cut
 * (0.8), 99 at 0.89, 99.9 at 0.98 (the dev split's real ones score 0.83-0.90: 95-99).
 */
export function profileConfidence(secondLook: number): number {
  return 100 - 10 * Math.exp(-(clamp(secondLook, 0, 1) - PROFILE_GATE.secondLook) / 0.04);
}

/** Sharpness 0-100 from the mean absolute Laplacian of the face on the scale-normalised image (fixtures: 2.4-26). */
export function sharpness(laplacian: number): number {
  return 100 * (1 - Math.exp(-laplacian / 8));
}

/** Median iris height above the eye-corner line in eyeball radii over the fixtures' portraits (people looking at the camera). */
const IRIS_RISE = 0.18;

/** Eye direction from each iris against its eye corners, eyeball radius taken as 0.42 eye widths; degrees. */
function eyeDirection(mesh: Mesh, frame: FaceFrame, openness: number, eyeWidthPx: number) {
  const one = (corners: [number, number]) => {
    const a = frame.at(corners[0]), b = frame.at(corners[1]);
    const width = Math.abs(b[0] - a[0]) || 1e-6;
    const iris = frame.local(mesh.iris(corners));
    const radius = 0.42 * width;
    // image x grows to the right; yaw positive = looking toward the image's left, like Pose.Yaw
    const yaw = Math.asin(clamp(((a[0] + b[0]) / 2 - iris[0]) / radius, -1, 1));
    // the iris centre sits IRIS_RISE radii above the corner line when looking straight ahead
    const pitch = Math.asin(clamp(((a[1] + b[1]) / 2 - iris[1]) / radius - IRIS_RISE, -1, 1));
    return [yaw, pitch];
  };
  const [ly, lp] = one(LEFT_EYE), [ry, rp] = one(RIGHT_EYE);
  // open, large eyes give a trustworthy iris position
  const confidence = 100 * logistic((openness - 0.15) / 0.03) * (1 - Math.exp(-eyeWidthPx / 10));
  return { Yaw: degrees((ly + ry) / 2), Pitch: degrees((lp + rp) / 2), Confidence: confidence };
}

interface BuiltFace extends DetectedFace {
  area: number;
}

/**
 * FaceOccluded without a head: AWS counts eyes, nose or mouth cut by the image edge, a covered mouth
 * (mask, hand) and dark lenses. `pSunglasses` is the Sunglasses answer's probability; half its
 * logit is the Sunglasses rule's own margin (`decide`'s confidence is a logistic of twice it).
 */
function occludedRule(raw: RawFace, ev: Evidence, pSunglasses: number): { Value: boolean; Confidence: number } {
  const r = raw.regions;
  const cut = Math.max(r.eyeL.outside, r.eyeR.outside, r.nose.outside, r.mouth.outside);
  const p = clamp(pSunglasses, 1e-4, 1 - 1e-4);
  const scores = [(cut - 0.3) / 0.1, Math.log(p / (1 - p)) / 2];
  // a mouth without lip structure reads as covered; not on a face FaceBoxes found, mostly a profile,
  // where the mesh is fitted on a face it could not find itself and the lips are not where it puts them
  if (raw.detector !== 'faceboxes') scores.push(Math.log(0.4 / Math.max(0.01, mouthStructure(ev))) / 0.3);
  // a soft maximum: the strongest sign decides, and every sign moves the confidence
  const occluded = Math.log(scores.reduce((sum, x) => sum + Math.exp(x), 0));
  return decide(occluded, 0, 1, 0.6 + 0.4 * clamp(raw.faceScore, 0, 1));
}

/** A trained head's answer for the face, when there is a head for the attribute and the face has its features. */
function fromHead(heads: FaceHeads, attribute: HeadAttribute, raw: RawFace): { Value: boolean; Confidence: number } | undefined {
  const head = heads[attribute];
  const features = head && headFeatures(raw, head.groups);
  return head && features ? headDecision(headProbability(head, features)) : undefined;
}

export function buildFace(raw: RawFace, width: number, height: number, requested: ReturnType<typeof resolveAttributes>, heads: FaceHeads = FACE_HEADS): BuiltFace {
  const { attributes: want, allLandmarks } = requested;
  const mesh = new Mesh(raw.mesh);
  const frame = new FaceFrame(mesh);
  const ev = evidence(raw);
  // a face FaceBoxes found keeps its box: the mesh fitted on it is less sure of the outline
  const box = pixelBox(raw.box ?? meshExtent(mesh), width, height);
  const wPx = (box.Width ?? 0) * width, hPx = (box.Height ?? 0) * height;
  const confidence = raw.detector === 'faceboxes' ? profileConfidence(raw.boxScore) : faceConfidence(raw.boxScore);
  const pose: Required<Pose> = { Roll: degrees(frame.angle), Yaw: yawDegrees(raw.angles.yaw), Pitch: pitchDegrees(raw.angles.pitch) };
  const quality = { Brightness: (raw.regions.face.mean / 255) * 100, Sharpness: sharpness(raw.regions.face.laplacian) };
  const openness = eyeOpenness(mesh);
  const sunglasses = fromHead(heads, 'sunglasses', raw) ?? decide(Math.log(0.45 / Math.max(0.01, socketBrightness(ev))), 0, 0.25);
  const pSunglasses = sunglasses.Value ? sunglasses.Confidence / 100 : 1 - sunglasses.Confidence / 100;

  const detail: FaceDetail = { BoundingBox: box };
  if (want.has('AGE_RANGE') && raw.ageYears !== undefined) detail.AgeRange = ageRange(raw.ageYears);
  if (want.has('SMILE') && raw.emotion) {
    const happy = raw.emotion[EMOTION_LABELS.indexOf('happy')];
    const score = 0.7 * happy + 0.3 * logistic((mouthCornerLift(frame) - 0.05) / 0.02);
    detail.Smile = fromHead(heads, 'smile', raw) ?? decide(score, 0.5, 0.15);
  }
  if (want.has('EYEGLASSES')) {
    const eyeglasses = fromHead(heads, 'eyeglasses', raw) ?? decide(Math.log(Math.max(0.1, glassesScore(ev)) / 15), 0, 0.5);
    // AWS's Eyeglasses counts sunglasses too: its recorded answer for a face in sunglasses says Eyeglasses true at 99.99
    detail.Eyeglasses = sunglasses.Value && !eyeglasses.Value ? sunglasses : eyeglasses;
  }
  if (want.has('SUNGLASSES')) detail.Sunglasses = sunglasses;
  if (want.has('GENDER') && raw.male !== undefined) {
    detail.Gender = { Value: raw.male >= 0.5 ? 'Male' : 'Female', Confidence: 100 * Math.max(raw.male, 1 - raw.male) };
  }
  if (want.has('BEARD')) detail.Beard = fromHead(heads, 'beard', raw) ?? decide(beardScore(ev), 0.45, 0.1);
  if (want.has('MUSTACHE')) detail.Mustache = fromHead(heads, 'mustache', raw) ?? decide(mustacheScore(ev), 0.4, 0.1);
  // behind dark lenses the mesh can only guess the lids
  if (want.has('EYES_OPEN')) detail.EyesOpen = fromHead(heads, 'eyesOpen', raw) ?? decide(openness, 0.16, 0.05, 1 - pSunglasses);
  if (want.has('MOUTH_OPEN')) detail.MouthOpen = fromHead(heads, 'mouthOpen', raw) ?? decide(mouthGap(mesh), 0.1, 0.04);
  if (want.has('EMOTIONS') && raw.emotion) detail.Emotions = emotions(raw.emotion, frame);
  detail.Landmarks = landmarks(mesh, width, height, allLandmarks);
  detail.Pose = pose;
  detail.Quality = quality;
  detail.Confidence = confidence;
  if (want.has('FACE_OCCLUDED')) detail.FaceOccluded = fromHead(heads, 'occluded', raw) ?? occludedRule(raw, ev, pSunglasses);
  if (want.has('EYE_DIRECTION')) detail.EyeDirection = eyeDirection(mesh, frame, openness, (dist(mesh.p(33), mesh.p(133)) + dist(mesh.p(362), mesh.p(263))) / 2);

  return {
    detail,
    embedding: raw.embedding && identityDescriptor(raw.embedding, raw.arcface),
    quality: {
      brightness: quality.Brightness,
      sharpness: quality.Sharpness,
      confidence,
      pose: { roll: pose.Roll, yaw: pose.Yaw, pitch: pose.Pitch },
      sizeRatio: Math.min(wPx, hPx) / Math.min(width, height),
    },
    area: wPx * hPx,
  };
}

// ---------------------------------------------------------------------------------------------
// detectFaces

/** What the face task found, and the size of the pixels its coordinates refer to. */
interface Analysis {
  result: FaceTaskResult;
  width: number;
  height: number;
  /** The checks the faces were found with. */
  verify: VerifyGate;
}

/**
 * Pixels sent to the face task are capped at this side: the detector sees the image at 256 px
 * anyway, and a 10000 px image would be 300 MB of RGB.
 */
export const ANALYSIS_MAX_SIDE = 2048;

interface Needs {
  emotion: boolean;
  ageGender: boolean;
  embeddings: boolean;
  eyeBand: boolean;
}

const NEEDS = ['emotion', 'ageGender', 'embeddings', 'eyeBand'] as const satisfies readonly (keyof Needs)[];

export interface DetectOptions {
  attributes?: string[];
  /** The attributes the operation supports, when not all of them. */
  available?: readonly FaceAttribute[];
  embeddings?: boolean;
  maxFaces?: number;
}

/**
 * How DetectFaces runs the face task: the regions it measures and every gate, check and tile search;
 * for a black-and-white photo, `tint` (skinTint) for the detectors and the checks that go with it.
 */
export function detectionSettings(tint?: number[]) {
  const settings = { regions: REGIONS, gates: [...FACE_GATES], profiles: { ...PROFILE_GATE }, tiles: { ...TILE_SEARCH } };
  return tint ? { ...settings, verify: { ...GREY_VERIFY_GATE }, detectionTint: tint } : { ...settings, verify: { ...VERIFY_GATE } };
}

/**
 * The median cheek colour of the labelled development faces. The detectors were trained on colour
 * photos: on a black-and-white one the mesh and FaceBoxes doubt faces they are sure of in colour, so
 * they see such a photo tinted to this colour (docs/FACES.md, "Black-and-white photos").
 */
export const SKIN_TINT = { r: 196, g: 144, b: 124 };

let skinTintTable: Promise<number[]> | undefined;

/** The colour each grey level takes when tinted with SKIN_TINT: 256 RGB triples. */
export function skinTint(): Promise<number[]> {
  skinTintTable ??= tinted({ data: Uint8Array.from({ length: 256 * 3 }, (_, i) => Math.floor(i / 3)), width: 256, height: 1 }, SKIN_TINT).then((out) => [...out.data]);
  return skinTintTable;
}

async function runTask(image: LoadedImage, models: FaceModels, need: Needs): Promise<Analysis> {
  const pixels = await fitRgb(await image.rgb(), ANALYSIS_MAX_SIDE);
  const settings = detectionSettings(isGreyscale(pixels) ? await skinTint() : undefined);
  const { width, height } = pixels;
  // the client sends a copy, so the image's own pixels stay usable here
  return { result: await models.run('faces.detect', { image: pixels, ...need, ...settings }), width, height, verify: settings.verify };
}

/** The attributes whose answers read the Sunglasses answer (buildFace). */
const SUNGLASSES_READERS: readonly FaceAttribute[] = ['SUNGLASSES', 'EYEGLASSES', 'EYES_OPEN', 'FACE_OCCLUDED'];

function needsOf(requested: ReturnType<typeof resolveAttributes>, opts: DetectOptions, heads: FaceHeads = FACE_HEADS): Needs {
  const want = requested.attributes;
  const wanted = (name: HeadAttribute) => want.has(HEAD_TARGETS[name].request) || (name === 'sunglasses' && SUNGLASSES_READERS.some((a) => want.has(a)));
  // a requested attribute answered by a head needs the models behind the head's features
  const headGroups = Object.entries(heads).flatMap(([name, head]) => (head && wanted(name as HeadAttribute) ? head.groups : []));
  return {
    emotion: want.has('EMOTIONS') || want.has('SMILE') || headGroups.includes('emotion'),
    ageGender: want.has('AGE_RANGE') || want.has('GENDER') || headGroups.includes('faceres'),
    embeddings: Boolean(opts.embeddings) || headGroups.includes('identity'),
    eyeBand: headGroups.includes('eyeBand'),
  };
}

/** The analysed faces, largest first, at most `maxFaces` (and 100), with the requested attributes. */
function facesOf({ result, width, height, verify }: Analysis, requested: ReturnType<typeof resolveAttributes>, opts: DetectOptions, heads: FaceHeads = FACE_HEADS): DetectedFace[] {
  const limit = Math.min(MAX_FACES, opts.maxFaces ?? MAX_FACES);
  return keptFaces(result.faces, verify)
    .map((f) => buildFace(f, width, height, requested, heads))
    .sort((a, b) => b.area - a.area)
    .slice(0, limit)
    .map(({ detail, embedding, quality }) => (opts.embeddings && embedding ? { detail, embedding: [...embedding], quality } : { detail, quality }));
}

/**
 * Recent analyses by image and requested models: clients compare one image against many, and
 * the analysis of the same bytes never changes. Small, so memory stays flat.
 */
const CACHE_SIZE = 64;

/** The face analysis of one emulator's API handlers, with a cache of recent images. */
export class FaceAnalysis {
  private readonly cache = new Map<string, Promise<Analysis>>();

  /** `heads`: the trained attribute heads (tests give their own). */
  constructor(
    private readonly models: FaceModels,
    private readonly heads: FaceHeads = FACE_HEADS,
  ) {}

  /** Faces in the image, largest first, at most `maxFaces` (and 100), with the requested attributes. */
  async detect(image: LoadedImage, opts: DetectOptions): Promise<DetectedFace[]> {
    const requested = resolveAttributes(opts.attributes, opts.available);
    return facesOf(await this.analyse(image, needsOf(requested, opts, this.heads)), requested, opts, this.heads);
  }

  clear(): void {
    this.cache.clear();
  }

  private analyse(image: LoadedImage, need: Needs): Promise<Analysis> {
    // an analysis that ran more models serves a request for fewer
    for (const [key, entry] of this.cache) {
      const [sha, ...ran] = key.split('|');
      if (sha === image.sha256 && NEEDS.every((name, i) => ran[i] === '1' || !need[name])) {
        this.cache.delete(key);
        this.cache.set(key, entry);
        return entry;
      }
    }
    const key = [image.sha256, ...NEEDS.map((name) => +need[name])].join('|');
    const entry = runTask(image, this.models, need);
    this.cache.set(key, entry);
    entry.catch(() => this.cache.delete(key));
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    return entry;
  }
}

/** Faces in an image analysed once (video frames, stream frames): the same analysis, without a cache. */
export async function detectFaces(image: LoadedImage, services: { inference: FaceModels }, opts: DetectOptions): Promise<DetectedFace[]> {
  const requested = resolveAttributes(opts.attributes, opts.available);
  return facesOf(await runTask(image, services.inference, needsOf(requested, opts)), requested, opts);
}
