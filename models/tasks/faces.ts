/**
 * Face tasks: detection with human (blazeface, 478-point mesh with iris; lips from MediaPipe's
 * attention mesh), then, on request, its emotion and age/gender (FaceRes) nets on each face crop, face-api's age/gender net (for age), face-api's identity embedding on a dlib-aligned
 * chip, MobileNetV2 features of the eye band (for Sunglasses), and pixel statistics of mesh regions on an upright, scale-normalised face image.
 * This file measures; src/analysis/faces.ts decides what the measurements mean.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { AGE_GENDER_INPUT, ageAndGender as faceApiAgeGender, ageGenderCrop, applySimilarity, CHIP_SIZE, chipTransform, descriptor, getFaceApi, LANDMARK_INPUT, landmarks68, warp, type Similarity2D } from '../runtime/faceapi';
import { detectCenternet, loadCenternet, type CenternetObject } from '../runtime/centernet';
import { boxIou, cropBox, loadFaceBoxes, proposeFaces, SECOND_LOOK_SPAN, secondLook, squareAround, type FaceBoxDetection, type PixelBox } from '../runtime/faceboxes';
import { detectWithHuman, exclusive, getHuman, type HumanInstance } from '../runtime/human';
import { arcFaceDescriptor, loadArcFace } from '../runtime/arcface';
import { ATTENTION_INPUT, ATTENTION_LIPS, attentionLips, loadAttentionMesh } from '../runtime/attention-mesh';
import { tf } from '../runtime/tfjs';
import type { Task, TaskContext } from './index';
import type { PixelPoint, RgbPixels } from '../evidence';

import { FACE_MODELS, VISION_MODELS } from '../catalog';

export { EMOTION_LABELS } from '../face-regions';

export interface FaceTaskPayload {
  /** 8-bit RGB pixels, row-major (transferred). */
  pixels: ArrayBuffer;
  width: number;
  height: number;
  /** Run the emotion net. */
  emotion?: boolean;
  /** Run the age and gender nets: FaceRes (gender, and its age distribution) and face-api's age/gender net (age). */
  ageGender?: boolean;
  /** Compute the identity descriptors (face-api's 128-d and the ArcFace-style 512-d). */
  embeddings?: boolean;
  /** Compute the eye band's MobileNetV2 features (RawFace.eyeBand). */
  eyeBand?: boolean;
  /** Regions to measure on the canonical face: name -> mesh point indices whose convex hull is the region. */
  regions?: Record<string, number[]>;
  /**
   * Which faces are kept, before any further work: those whose mesh confidence and detector score
   * both reach one gate's.
   */
  gates: FaceGate[];
  /** Also look for the faces blazeface misses (profiles) with FaceBoxes; absent: blazeface only. */
  profiles?: ProfileGate;
  /** Check the faces blazeface found (RawFace.secondOpinion and person); absent: no check. */
  verify?: VerifyGate;
  /** Also search a large image on overlapping tiles, where small faces are seen larger; absent: the whole image only. */
  tiles?: TileSearch;
  /**
   * For a black-and-white photo: the colour each grey level becomes (256 RGB triples) in the copy
   * the detectors and the checks see (blazeface, the mesh, FaceBoxes, centernet). What is measured
   * on a face (attributes, identity, regions) reads the photo as it is; the emotion net reads the
   * detector's crop as grey levels, which the tint keeps.
   */
  detectionTint?: number[];
}

/**
 * blazeface sees the whole image at 256 px, so in a large photo a face of AWS's smallest size (40
 * px in 1920x1080) is 5 px there. An image whose longer side reaches `from` pixels is also searched
 * on overlapping tiles: `grid` across its shorter side, each `share` of it. Along the longer side a
 * tile is at most `aspect` times as long as it is across (blazeface squashes each tile to a square,
 * and a wide tile squashes its faces), so a wide image gets more tiles there, overlapping as much.
 */
export interface TileSearch {
  from: number;
  grid: number;
  share: number;
  aspect: number;
  /**
   * A tile's proposal at least this share of the image's longer side is left out: the whole image
   * showed it to blazeface large enough to find, so a face missed there is more likely not a face
   * (the seal behind a speaker, seen at a tile's scale).
   */
  largest: number;
}

/**
 * FaceBoxes looks again at each face blazeface found, on crops of growing size, until one scores
 * `enough`; for a face none does, centernet's persons (from a score of `person`) are looked up.
 */
export interface VerifyGate {
  enough: number;
  person: number;
}

/**
 * FaceBoxes' proposal score from which a face blazeface did not find gets a second look, and the
 * second look's score from which it is kept (models/runtime/faceboxes.ts).
 */
export interface ProfileGate {
  proposal: number;
  secondLook: number;
  /** A proposal only a tight second look confirms needs a centernet person from this score around it. */
  person: number;
}

/** Minimum mesh confidence and detector (blazeface) score that together let a face through. */
export interface FaceGate {
  mesh: number;
  detector: number;
}

/** Pixel statistics of one region of the canonical face image. */
export interface RegionStats {
  /** Pixels inside the region (0 when it falls outside the image). */
  pixels: number;
  /** Luma (BT.601, 0-255): mean, standard deviation, 10th and 90th percentiles. */
  mean: number;
  std: number;
  p10: number;
  p90: number;
  /** Mean R, G, B. */
  rgb: [number, number, number];
  /** Mean absolute luma gradient along x (vertical edges) and along y (horizontal edges). */
  gradX: number;
  gradY: number;
  /** Mean absolute 4-neighbour Laplacian of luma. */
  laplacian: number;
  /**
   * Strength of a thin dark horizontal line (a glasses rim, say): per column, the largest amount by
   * which a pixel is darker than both pixels 3 rows above and below it; averaged over columns.
   */
  hLine: number;
  /** Fraction of the region's canonical pixels that lie outside the source image. */
  outside: number;
}

export interface RawFace {
  /** 478 points x (x, y, z) in source-image pixels; z is relative depth in the same scale. */
  mesh: number[];
  /**
   * Detector and mesh confidences, 0-1. The detector is blazeface, or, for a face found by
   * FaceBoxes (`detector: 'faceboxes'`), FaceBoxes' second-look score.
   */
  boxScore: number;
  faceScore: number;
  /** Head pose from the mesh, radians (human's convention). */
  angles: HeadAngles;
  /** Emotion probabilities in EMOTION_LABELS order (models/face-regions.ts). */
  emotion?: number[];
  /** FaceRes: age distribution over years 0-99 (sums to ~1) and the probability that the face is male. */
  age?: number[];
  male?: number;
  /** FaceRes's 1024 pooled features, the layer under its age and gender outputs (with age and male). */
  faceres?: number[];
  /** face-api's age/gender net on its own crop: age in years (nearer the labelled ages than FaceRes's, docs/FACES.md). */
  ageYears?: number;
  /** face-api's 128-d descriptor (mean of the chip's and its mirror image's). */
  embedding?: number[];
  /** The ArcFace-style net's 512-d unit descriptor of the same face (models/runtime/arcface.ts). */
  arcface?: number[];
  /** MobileNetV2 features (models/runtime/mobilenet-features.ts, EYE_BAND_LAYERS) of an upright square around both eyes and brows. */
  eyeBand?: number[];
  regions: Record<string, RegionStats>;
  /** Set on faces found by FaceBoxes (blazeface missed them); their mesh was fitted on its box. */
  detector?: 'faceboxes';
  /** FaceBoxes' face box, image pixels [x0, y0, x1, y1] (faces found by FaceBoxes only). */
  box?: PixelBox;
  /** A face blazeface found (payload.verify): FaceBoxes' best second-look score on its mesh box. */
  secondOpinion?: number;
  /** When that is under the gate's `enough`: the best score of a centernet person whose box holds the face's centre (0: none from the gate's `person`). */
  person?: number;
}

export interface FaceTaskResult {
  faces: RawFace[];
  /** Whether the faces were found only after padding the image (tight crops). */
  padded: boolean;
}

/** Loads a model group once per worker, reporting its state (to the ModelsClient that owns the worker). */
function loader<T>(name: string, load: () => Promise<T>): (ctx: TaskContext) => Promise<T> {
  let promise: Promise<T> | undefined;
  return (ctx) => {
    if (!promise) {
      ctx.reportModelState(name, 'loading');
      promise = load().then(
        (value) => {
          ctx.reportModelState(name, 'ready');
          return value;
        },
        (err: Error) => {
          ctx.reportModelState(name, 'failed', err.message);
          promise = undefined;
          throw err;
        },
      );
    }
    return promise;
  };
}

type GraphModel = { execute(input: TfCore.Tensor): TfCore.Tensor | TfCore.Tensor[]; inputs: { shape?: number[] }[] };

async function humanModel(key: 'emotion' | 'faceres', option: 'emotion' | 'description'): Promise<{ human: HumanInstance; model: GraphModel }> {
  const human = await getHuman();
  if (!human.models.models[key]) await exclusive(() => human.load({ face: { enabled: true, [option]: { enabled: true } } }));
  const model = human.models.models[key] as GraphModel | null;
  if (!model) throw new Error(`human did not load its ${key} model`);
  return { human, model };
}

const loadDetector = loader(FACE_MODELS.detector, async () => {
  const human = await getHuman();
  await exclusive(() => human.load({ face: { enabled: true, detector: { enabled: true }, mesh: { enabled: true }, iris: { enabled: true } } }));
  return human;
});
const loadEmotion = loader(FACE_MODELS.emotion, () => humanModel('emotion', 'emotion'));
const loadAgeGender = loader(FACE_MODELS.ageGender, () => humanModel('faceres', 'description'));
const loadIdentity = loader(FACE_MODELS.identity, getFaceApi);
const loadArcFaceModel = loader(FACE_MODELS.arcface, loadArcFace);
const loadProfiles = loader(FACE_MODELS.profiles, loadFaceBoxes);
const loadObjects = loader(VISION_MODELS.objects, loadCenternet);
/** Loaded inside the worker on first use: tfjs and the nsfwjs weights stay out of processes that never ask. */
const features = () => import('../runtime/mobilenet-features');
const loadEyeBand = loader(FACE_MODELS.eyeBand, async () => {
  const runtime = await features();
  await runtime.warmFeatures(runtime.EYE_BAND_LAYERS);
  return runtime;
});

/** Side of the attention mesh's input square over the mesh box's longer side (MediaPipe crops 1.5 times the face's rectangle). */
const ATTENTION_CROP_SCALE = 1.5;
/** The attention mesh's face-flag logit under which its lips are not used (it does not see a face in the crop). */
const ATTENTION_MIN_FLAG = 0;
const loadAttention = loader(FACE_MODELS.lips, loadAttentionMesh);

/** The mesh with its lip points moved to where the attention mesh puts them (image pixels; depth kept). */
async function withAttentionLips(rgb: Rgb, mesh: number[], ctx: TaskContext): Promise<number[]> {
  await loadAttention(ctx);
  const toImage = uprightSquare(mesh, ATTENTION_CROP_SCALE, ATTENTION_INPUT);
  const { lips, faceFlag } = await attentionLips(warp(rgb, toImage, ATTENTION_INPUT));
  if (faceFlag < ATTENTION_MIN_FLAG) return mesh;
  const refined = [...mesh];
  ATTENTION_LIPS.forEach((index, k) => {
    [refined[3 * index], refined[3 * index + 1]] = applySimilarity(toImage, lips[2 * k], lips[2 * k + 1]);
  });
  return refined;
}

/** Emotion net on human's upright face crop, as human feeds it: 64x64 grey, scaled to -1..1. */
async function emotionScores(crop: TfCore.Tensor, ctx: TaskContext): Promise<number[]> {
  const { human, model } = await loadEmotion(ctx);
  const tf = human.tf as typeof TfCore;
  const size = model.inputs[0].shape?.[2] ?? 64;
  const out = tf.tidy(() => {
    const resized = tf.image.resizeBilinear(tf.expandDims(crop, 0) as TfCore.Tensor4D, [size, size], false);
    const grey = tf.sum(tf.mul(resized, [0.2989, 0.587, 0.114]), 3, true);
    return model.execute(tf.mul(tf.sub(grey, 0.5), 2)) as TfCore.Tensor;
  });
  const scores = Array.from(await out.data());
  out.dispose();
  return scores;
}

/**
 * Side of FaceRes's square crop over the mesh box's longer side. Cut upright from the image itself
 * (not upsampled from human's 192 px detector crop), it gave Gender 114/116 on the development
 * faces against 112/116 for human's crop; 1.1x and 1.6x gave 112 (docs/FACES.md).
 */
const FACERES_CROP_SCALE = 1.3;

/** Age/gender net (HSE FaceRes) on an upright square around the face: 224x224, 0-255. */
async function ageGender(rgb: Rgb, mesh: number[], ctx: TaskContext): Promise<{ age: number[]; male: number; faceres: number[] }> {
  const { human, model } = await loadAgeGender(ctx);
  const tf = human.tf as typeof TfCore;
  const size = model.inputs[0].shape?.[2] ?? 224;
  // 2x2 samples a pixel at most: 4x4 cost up to 18 ms on large faces and gave the same 114/116
  const crop = warp(rgb, uprightSquare(mesh, FACERES_CROP_SCALE, size), size, size, 2);
  const outs = tf.tidy(() => model.execute(tf.tensor4d(crop, [1, size, size, 3])) as TfCore.Tensor[]);
  try {
    const gender = outs.find((t) => t.shape[1] === 1);
    const age = outs.find((t) => t.shape[1] === 100);
    const pooled = outs.find((t) => t.shape[1] === 1024);
    if (!gender || !age || !pooled) throw new Error('unexpected outputs from the age/gender net');
    return { male: (await gender.data())[0], age: Array.from(await age.data()), faceres: Array.from(await pooled.data()) };
  } finally {
    tf.dispose(outs);
  }
}

type Rgb = RgbPixels;
type Point = PixelPoint;

const point = (mesh: number[], i: number): Point => [mesh[3 * i], mesh[3 * i + 1]];
const mid = (a: Point, b: Point): Point => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];

/** Centres of the eye on the image's left and on its right (mean of the eye corners). */
function eyeCentres(mesh: number[]): [Point, Point] {
  const a = mid(point(mesh, 33), point(mesh, 133));
  const b = mid(point(mesh, 263), point(mesh, 362));
  return a[0] <= b[0] ? [a, b] : [b, a];
}

/** Output square (side `size`) -> image: a square of `side` image pixels centred on (cx, cy), turned by `roll`. */
function squareAt(cx: number, cy: number, side: number, roll: number, size: number): Similarity2D {
  const k = side / size;
  const a = k * Math.cos(roll), b = k * Math.sin(roll), h = size / 2;
  return { a, b, tx: cx - (a * h - b * h), ty: cy - (b * h + a * h) };
}

/** The angle of the eye line (radians, clockwise in the image). */
function eyeRoll(mesh: number[]): number {
  const [left, right] = eyeCentres(mesh);
  return Math.atan2(right[1] - left[1], right[0] - left[0]);
}

/** Output square (side `size`) -> image: `scale` times the mesh box's longer side around its centre, turned upright by the eye line. */
function uprightSquare(mesh: number[], scale: number, size: number): Similarity2D {
  const [x0, y0, x1, y1] = meshBox(mesh);
  return squareAt((x0 + x1) / 2, (y0 + y1) / 2, scale * Math.max(x1 - x0, y1 - y0), eyeRoll(mesh), size);
}

/**
 * The 68-point landmarks of a face: its mesh box, padded 25%, rotated upright by the eye line,
 * goes through face-api's landmark net; points come back in image pixels.
 */
export async function faceLandmarks68(rgb: Rgb, mesh: number[]): Promise<Point[]> {
  const toImage = uprightSquare(mesh, 1.5, LANDMARK_INPUT);
  const crop = warp(rgb, toImage, LANDMARK_INPUT);
  return (await landmarks68({ data: crop, size: LANDMARK_INPUT })).map(([x, y]) => applySimilarity(toImage, x, y));
}

/** Both identity descriptors of a face, from one set of 68 landmarks. */
async function embeddings(rgb: Rgb, mesh: number[]): Promise<{ embedding: number[]; arcface: number[] }> {
  const points = await faceLandmarks68(rgb, mesh);
  return { embedding: await descriptor(warp(rgb, chipTransform(points), CHIP_SIZE)), arcface: await arcFaceDescriptor(rgb, points) };
}

/**
 * Side of the eye band's square in eye distances (eye centre to eye centre), or in mesh-box widths
 * for a turned face whose eyes close up: both eyes, brows and temples, where a lens and its frame sit.
 */
const EYE_BAND_EYES = 2.4, EYE_BAND_WIDTHS = 1.1;

/** Output square (side `size`) -> image: centred between the eyes, turned upright by the eye line. */
function eyeBandSquare(mesh: number[], size: number): Similarity2D {
  const [x0, , x1] = meshBox(mesh);
  const [left, right] = eyeCentres(mesh);
  const side = Math.max(EYE_BAND_EYES * Math.hypot(right[0] - left[0], right[1] - left[1]), (EYE_BAND_WIDTHS * (x1 - x0)) / 2);
  const [cx, cy] = mid(left, right);
  return squareAt(cx, cy, side, eyeRoll(mesh), size);
}

async function eyeBandFeatures(rgb: Rgb, mesh: number[], ctx: TaskContext): Promise<number[]> {
  const { embedImages, EYE_BAND_LAYERS, FEATURE_INPUT_SIZE: size } = await loadEyeBand(ctx);
  const crop = warp(rgb, eyeBandSquare(mesh, size), size, size, 2);
  return Array.from(await embedImages(Uint8Array.from(crop, (v) => Math.round(v)), 1, EYE_BAND_LAYERS));
}

/** The canonical face image: upright, eyes CANON_EYE_DIST apart at CANON_EYE_Y. */
const CANON_W = 128, CANON_H = 144, CANON_EYE_DIST = 40, CANON_EYE_Y = 56;

function canonicalTransform(mesh: number[]): Similarity2D {
  const [left, right] = eyeCentres(mesh);
  const from: Point[] = [[CANON_W / 2 - CANON_EYE_DIST / 2, CANON_EYE_Y], [CANON_W / 2 + CANON_EYE_DIST / 2, CANON_EYE_Y]];
  // canonical -> image: exact for two points
  const dx = right[0] - left[0], dy = right[1] - left[1];
  const a = dx / CANON_EYE_DIST, b = dy / CANON_EYE_DIST;
  return { a, b, tx: left[0] - (a * from[0][0] - b * from[0][1]), ty: left[1] - (b * from[0][0] + a * from[0][1]) };
}

/** Convex hull (monotone chain) of 2-D points, counter-clockwise. */
export function convexHull(points: Point[]): Point[] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [], upper: Point[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** Statistics of each named region, measured on the canonical face image. */
export function measureRegions(rgb: Rgb, mesh: number[], regions: Record<string, number[]>): Record<string, RegionStats> {
  const toImage = canonicalTransform(mesh);
  const canon = warp(rgb, toImage, CANON_W, CANON_H);
  const luma = new Float32Array(CANON_W * CANON_H);
  const outside = new Uint8Array(CANON_W * CANON_H);
  for (let y = 0, i = 0; y < CANON_H; y++) {
    for (let x = 0; x < CANON_W; x++, i++) {
      luma[i] = 0.299 * canon[3 * i] + 0.587 * canon[3 * i + 1] + 0.114 * canon[3 * i + 2];
      const sx = toImage.a * x - toImage.b * y + toImage.tx, sy = toImage.b * x + toImage.a * y + toImage.ty;
      outside[i] = sx < -0.5 || sy < -0.5 || sx > rgb.width - 0.5 || sy > rgb.height - 0.5 ? 1 : 0;
    }
  }
  const toCanon = (i: number): Point => {
    const [x, y] = point(mesh, i);
    const d = toImage.a * toImage.a + toImage.b * toImage.b;
    const ux = x - toImage.tx, uy = y - toImage.ty;
    return [(toImage.a * ux + toImage.b * uy) / d, (-toImage.b * ux + toImage.a * uy) / d];
  };
  const result: Record<string, RegionStats> = {};
  const values = new Float32Array(CANON_W * CANON_H);
  const columnRidge = new Float32Array(CANON_W);
  const columnSeen = new Uint8Array(CANON_W);
  for (const [name, indices] of Object.entries(regions)) {
    const hull = convexHull(indices.map(toCanon));
    columnRidge.fill(0);
    columnSeen.fill(0);
    let r = 0, g = 0, b = 0, gx = 0, gy = 0, lap = 0, sum = 0, sumSq = 0, n = 0, out = 0, total = 0;
    const ys = hull.map((p) => p[1]);
    const y0 = Math.max(1, Math.ceil(Math.min(...ys))), y1 = Math.min(CANON_H - 2, Math.floor(Math.max(...ys)));
    for (let y = y0; y <= y1 && hull.length >= 3; y++) {
      // the row's span inside the convex hull
      let left = Infinity, right = -Infinity;
      for (let e = 0; e < hull.length; e++) {
        const [ax, ay] = hull[e], [bx, by] = hull[(e + 1) % hull.length];
        if ((y < ay && y < by) || (y > ay && y > by)) continue;
        if (ay === by) {
          left = Math.min(left, ax, bx);
          right = Math.max(right, ax, bx);
        } else {
          const x = ax + ((y - ay) / (by - ay)) * (bx - ax);
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
      }
      const xa = Math.max(1, Math.ceil(left)), xb = Math.min(CANON_W - 2, Math.floor(right));
      for (let x = xa; x <= xb; x++) {
        total++;
        const i = y * CANON_W + x;
        if (outside[i]) {
          out++;
          continue;
        }
        const l = luma[i];
        values[n++] = l;
        sum += l;
        sumSq += l * l;
        r += canon[3 * i]; g += canon[3 * i + 1]; b += canon[3 * i + 2];
        gx += Math.abs(luma[i + 1] - luma[i - 1]) / 2;
        gy += Math.abs(luma[i + CANON_W] - luma[i - CANON_W]) / 2;
        lap += Math.abs(4 * l - luma[i - 1] - luma[i + 1] - luma[i - CANON_W] - luma[i + CANON_W]);
        if (y >= 3 && y < CANON_H - 3) {
          const ridge = Math.min(luma[i - 3 * CANON_W] - l, luma[i + 3 * CANON_W] - l);
          if (ridge > columnRidge[x]) columnRidge[x] = ridge;
          columnSeen[x] = 1;
        }
      }
    }
    const sorted = values.subarray(0, n).sort();
    const mean = n ? sum / n : 0;
    let columns = 0, ridges = 0;
    for (let x = 0; x < CANON_W; x++) {
      if (!columnSeen[x]) continue;
      columns++;
      ridges += columnRidge[x];
    }
    result[name] = {
      pixels: n,
      mean,
      std: n ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : 0,
      p10: n ? sorted[Math.floor(0.1 * (n - 1))] : 0,
      p90: n ? sorted[Math.floor(0.9 * (n - 1))] : 0,
      rgb: n ? [r / n, g / n, b / n] : [0, 0, 0],
      gradX: n ? gx / n : 0,
      gradY: n ? gy / n : 0,
      laplacian: n ? lap / n : 0,
      hLine: columns ? ridges / columns : 0,
      outside: total ? out / total : 1,
    };
  }
  return result;
}

interface HumanFace {
  mesh: number[][];
  boxScore: number;
  faceScore: number;
  /** human's head rotation matrix (`headAngles`). */
  rotation?: { matrix: number[] };
  tensor?: TfCore.Tensor;
  /** FaceBoxes' box, for faces FaceBoxes found (human's own faces have a `box` of another form). */
  faceBoxesBox?: PixelBox;
}

function meshBox(mesh: number[]): [number, number, number, number] {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < 468; i++) {
    minX = Math.min(minX, mesh[3 * i]); maxX = Math.max(maxX, mesh[3 * i]);
    minY = Math.min(minY, mesh[3 * i + 1]); maxY = Math.max(maxY, mesh[3 * i + 1]);
  }
  return [minX, minY, maxX, maxY];
}

/** Drops a face whose mesh box lies mostly inside a more confident face's (the detector can fire twice on one face). */
function suppressDuplicates<T extends { mesh: number[]; score: number }>(faces: T[]): T[] {
  const kept: T[] = [];
  for (const face of [...faces].sort((p, q) => q.score - p.score)) {
    const [ax0, ay0, ax1, ay1] = meshBox(face.mesh);
    const duplicate = kept.some((k) => {
      const [bx0, by0, bx1, by1] = meshBox(k.mesh);
      const iw = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0)), ih = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0));
      const smaller = Math.min((ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0));
      return smaller > 0 && (iw * ih) / smaller > 0.5;
    });
    if (!duplicate) kept.push(face);
  }
  return kept;
}

/**
 * The face's axes from the mesh, as human's `calculateFaceAngle` builds them (rows of its rotation
 * matrix): forehead to chin (points 10-152) and cheek to cheek (234-454), x and y in units of the
 * face size, z as the mesh model gives it (crop pixels).
 */
export function meshAxes(mesh: number[][], cropSize: number): number[] {
  // the face's extent along its own axes, so that the roll of the photo does not change its size
  const roll = Math.atan2(mesh[152][0] - mesh[10][0], mesh[152][1] - mesh[10][1]);
  const cos = Math.cos(roll), sin = Math.sin(roll);
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [px, py] of mesh.slice(0, 468)) {
    const x = px * cos - py * sin, y = px * sin + py * cos;
    minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  const size = Math.max(maxX - minX, maxY - minY) / 1.5 || 1;
  const at = (i: number): [number, number, number] => [mesh[i][0] / size, mesh[i][1] / size, (mesh[i][2] ?? 0) / cropSize];
  const sub = (a: number[], b: number[]): [number, number, number] => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const unit = (v: [number, number, number]): [number, number, number] => {
    const n = Math.hypot(...v) || 1;
    return [v[0] / n, v[1] / n, v[2] / n];
  };
  const cross = (a: number[], b: number[]): [number, number, number] => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const yAxis = unit(sub(at(152), at(10)));
  const zAxis = unit(cross(unit(sub(at(454), at(234))), yAxis));
  const xAxis = cross(yAxis, zAxis);
  return [...xAxis, ...yAxis, ...zAxis];
}

export interface HeadAngles {
  roll: number;
  yaw: number;
  pitch: number;
}

/**
 * Euler angles, radians, of the face's axes (rows: cheek to cheek, forehead to chin, and their
 * cross product; human's rotation matrix). The face's roll in the image is undone first, so a
 * face in a photo lying on its side keeps its yaw and pitch: human's own decomposition assumes an
 * upright face and gives noise beyond about 75 degrees of roll. Roll is the forehead-to-chin
 * line's angle in the image, with human's sign.
 */
export function headAngles(matrix: readonly number[]): HeadAngles {
  const [x0, x1, , y0, y1, y2, z0, z1] = matrix;
  const roll = Math.atan2(y0, y1);
  const cos = Math.cos(roll), sin = Math.sin(roll);
  // every axis turned about the camera's axis by the roll: the forehead-to-chin line points down
  const r00 = x0 * cos - x1 * sin, r11 = y0 * sin + y1 * cos, r20 = z0 * cos - z1 * sin;
  const finite = (v: number) => (Number.isFinite(v) ? v : 0);
  return { pitch: finite(-Math.atan2(-y2, r11)), yaw: finite(-Math.atan2(-r20, r00)), roll: finite(-roll) };
}

/** The mesh crop: a square this many times the FaceBoxes box's longer side (human enlarges blazeface boxes 1.4x). */
const MESH_SPAN = 1.5;
/** Mesh points of each eye's corners (the image-left eye first). */
const EYE_CORNERS: [number, number][] = [[33, 133], [362, 263]];

/**
 * human's mesh model on a square crop around a FaceBoxes box (the detector step that human would
 * run is the one that failed). The crop is also the face crop the emotion and age nets take. The
 * iris model is not run here: each iris is put at its eye's centre (centre, then 4 points at a
 * fifth of the eye width), so these faces' EyeDirection reads straight ahead.
 */
async function meshOnBox(human: HumanInstance, image: TfCore.Tensor4D, box: PixelBox): Promise<{ mesh: number[][]; faceScore: number; crop: TfCore.Tensor3D }> {
  const net = human.models.models.facemesh as GraphModel | null;
  if (!net) throw new Error('human did not load its facemesh model');
  const size = net.inputs[0].shape?.[2] ?? 192;
  const region = squareAround(box, MESH_SPAN);
  const side = region[2] - region[0];
  const crop = tf.tidy(() => tf.squeeze(tf.div(cropBox(image, region, size), 255), [0]) as TfCore.Tensor3D);
  const outputs = tf.tidy(() => net.execute(tf.expandDims(crop, 0)) as TfCore.Tensor[]);
  try {
    const confidence = outputs.find((t) => t.shape[t.shape.length - 1] === 1);
    const points = outputs.find((t) => t.shape[t.shape.length - 1] === 1404);
    if (!confidence || !points) throw new Error('unexpected outputs from the facemesh model');
    const raw = await points.data();
    const mesh: number[][] = [];
    for (let i = 0; i < 468; i++) {
      mesh.push([region[0] + (raw[3 * i] / size) * side, region[1] + (raw[3 * i + 1] / size) * side, raw[3 * i + 2]]);
    }
    for (const [a, b] of EYE_CORNERS) {
      const cx = (mesh[a][0] + mesh[b][0]) / 2, cy = (mesh[a][1] + mesh[b][1]) / 2, cz = (mesh[a][2] + mesh[b][2]) / 2;
      const r = Math.hypot(mesh[a][0] - mesh[b][0], mesh[a][1] - mesh[b][1]) / 5;
      mesh.push([cx, cy, cz], [cx - r, cy, cz], [cx, cy - r, cz], [cx + r, cy, cz], [cx, cy + r, cz]);
    }
    return { mesh, faceScore: (await confidence.data())[0], crop };
  } catch (err) {
    crop.dispose();
    throw err;
  } finally {
    tf.dispose(outputs);
  }
}

/** Whether a FaceBoxes box is a face already found: overlapping its mesh box, or either centre inside the other. */
function alreadyFound(box: PixelBox, faces: HumanFace[]): boolean {
  return faces.some((f) => {
    const m = meshBox(f.mesh.flat());
    return boxIou(box, m) >= 0.2 || sameFace(m, box);
  });
}

/** An image as FaceBoxes takes it: float RGB 0-255, [1, h, w, 3]. Made once per image for the checks and the profile search (0.2-0.5 s for a 1920x1080 photo in a worker). */
function imageTensor(rgb: Rgb): TfCore.Tensor4D {
  return tf.tensor4d(new Float32Array(rgb.data), [1, rgb.height, rgb.width, 3]);
}

/** Smallest FaceBoxes box looked at, pixels (AWS's smallest face is 40 px; the labels go down to about 20). */
const MIN_PROFILE_BOX = 16;

/**
 * The faces blazeface missed: FaceBoxes' proposals on the whole image that are not a face already
 * found, each kept when the second look (or a tight look, `tightLook`) confirms it; then human's
 * mesh on each.
 */
async function findProfiles(image: TfCore.Tensor4D, found: HumanFace[], wholeImageProposals: FaceBoxDetection[], gate: ProfileGate, personScore: PersonScore): Promise<HumanFace[]> {
  const human = await getHuman();
  const faces: HumanFace[] = [];
  const proposals = wholeImageProposals.filter(
    (p) => Math.max(p.box[2] - p.box[0], p.box[3] - p.box[1]) >= MIN_PROFILE_BOX && !alreadyFound(p.box, found),
  );
  for (const p of proposals) {
    let score = await secondLook(image, p.box);
    if (score < gate.secondLook) score = await tightLook(image, p.box, gate, personScore);
    if (score < gate.secondLook) continue;
    const { mesh, faceScore, crop } = await exclusive(() => meshOnBox(human, image, p.box));
    faces.push({ mesh, boxScore: score, faceScore, rotation: { matrix: meshAxes(mesh, crop.shape[0]) }, tensor: crop, faceBoxesBox: p.box });
  }
  return faces;
}

/**
 * A proposal the wide second look did not confirm, looked at on tighter crops (VERIFY_SPANS below
 * the wide one): a face that fills much of the photo leaves the wide crop mostly border. Such
 * looks confirm false faces too (skulls, a coffee filter), so a face only they confirm is kept
 * where centernet sees a person. Returns the tight look's score, or 0.
 */
async function tightLook(image: TfCore.Tensor4D, box: PixelBox, gate: ProfileGate, personScore: PersonScore): Promise<number> {
  for (const span of VERIFY_SPANS.filter((s) => s < SECOND_LOOK_SPAN)) {
    const score = await secondLook(image, box, span);
    if (score >= gate.secondLook) return (await personScore(box, gate.person)) > 0 ? score : 0;
  }
  return 0;
}

/**
 * Crops, times the mesh box, at which FaceBoxes looks again at a face blazeface found: the tight
 * one suits faces that fill the photo (a wider crop is mostly black border), the wide one small faces.
 */
const VERIFY_SPANS = [1.6, 2.2, 3];
/** Around a doubtful face, centernet also looks at a square this many times the face (inside the image), where a small person is seen larger. */
const PERSON_SPAN = 5;
/** A face whose longer side is this share of the photo's shorter side or more fills the photo: centernet sees no person in it. */
const FILLS_FRAME = 0.5;
/** Around a face filling the photo, centernet also looks at a square this many times the face, grey beyond the photo. */
const FILLED_SPAN = 2;
/** The grey level of that view beyond the photo. */
const GREY = 128;

/** Centernet's objects on the whole image, from a score of `minScore`. */
type WholeImageObjects = (minScore: number) => Promise<CenternetObject[]>;

/**
 * The best centernet score (from `minScore`; 0 when none) of a person whose box holds the centre of
 * a face's box and of none of the `claimed` faces.
 */
type PersonScore = (face: PixelBox, minScore: number, claimed?: readonly PixelBox[]) => Promise<number>;

/** The photo within the image searched: the image itself, or its middle when it was padded (edges repeated around it). */
interface Photo {
  rgb: Rgb;
  offset: number;
}

/** Persons around faces on `rgb` (personAt), centernet running on the whole image once however many faces ask, from `lowest`. */
function personScores(rgb: Rgb, photo: Photo, lowest: number, ctx: TaskContext): PersonScore {
  const wholeImage = objectsOnce(rgb, lowest);
  return (face, minScore, claimed = []) => personAt(rgb, photo, face, minScore, wholeImage, ctx, claimed);
}

/**
 * The whole image's objects, detected once however many faces are checked: from `lowest`, the
 * lowest score any check asks for, and filtered for each. (Non-max suppression keeps boxes in
 * score order, so a lower cut adds boxes without changing the stronger ones.)
 */
function objectsOnce(rgb: Rgb, lowest: number): WholeImageObjects {
  let found: Promise<CenternetObject[]> | undefined;
  return async (minScore) => (await (found ??= detectCenternet(rgb, { minScore: lowest }))).filter((o) => o.score >= minScore);
}

/**
 * The best centernet score (from `minScore`; 0 when none) of a person whose box holds the centre of
 * a face's box, on the whole image and on a square around the face; for a face filling the photo,
 * also on a square around it with grey beyond the photo. A person has one face: a box that holds a
 * `claimed` face's centre is that face's person (a box spanning a whole close-up held a false face
 * beside the real one).
 */
async function personAt(rgb: Rgb, photo: Photo, face: PixelBox, minScore: number, wholeImage: WholeImageObjects, ctx: TaskContext, claimed: readonly PixelBox[]): Promise<number> {
  await loadObjects(ctx);
  const centre = (b: PixelBox): Point => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
  const [cx, cy] = centre(face);
  const claimedCentres = claimed.map(centre);
  // the square, clipped to the image
  const [sx0, sy0, sx1, sy1] = squareAround(face, PERSON_SPAN);
  const x0 = Math.max(0, Math.floor(sx0)), y0 = Math.max(0, Math.floor(sy0));
  const width = Math.max(1, Math.min(rgb.width, Math.ceil(sx1)) - x0), height = Math.max(1, Math.min(rgb.height, Math.ceil(sy1)) - y0);
  const around = await detectCenternet(regionOf(rgb, x0, y0, width, height), { minScore });
  // when the square is the whole image, the whole image adds nothing
  const whole = width < rgb.width || height < rgb.height ? await wholeImage(minScore) : [];
  const views = [{ objects: whole, x0: 0, y0: 0 }, { objects: around, x0, y0 }];
  if (Math.max(face[2] - face[0], face[3] - face[1]) >= FILLS_FRAME * Math.min(photo.rgb.width, photo.rgb.height)) {
    // a face filling the photo: a head alone reads as a person once there is room around it
    const [gx0, gy0, gx1] = squareAround(face, FILLED_SPAN).map(Math.round);
    const grey = regionOf(photo.rgb, gx0 - photo.offset, gy0 - photo.offset, gx1 - gx0, gx1 - gx0, GREY);
    views.push({ objects: await detectCenternet(grey, { minScore }), x0: gx0, y0: gy0 });
  }
  let best = 0;
  for (const { objects, x0, y0 } of views) {
    for (const { label, score, box: [x, y, w, h] } of objects) {
      const holds = ([px, py]: Point) => px >= x0 + x && px <= x0 + x + w && py >= y0 + y && py <= y0 + y + h;
      if (label === 'person' && holds([cx, cy]) && !claimedCentres.some(holds)) best = Math.max(best, score);
    }
  }
  return best;
}

interface FaceCheck {
  secondOpinion: number;
  person?: number;
}

/**
 * A second detector's and an object detector's view of the faces blazeface found: blazeface and
 * its mesh also fire on cats', dogs' and birds' faces, statues and boots, which FaceBoxes seldom
 * confirms and where centernet sees no person.
 */
async function verifyFaces(image: TfCore.Tensor4D, meshes: number[][], gate: VerifyGate, personScore: PersonScore, ctx: TaskContext): Promise<FaceCheck[]> {
  await loadProfiles(ctx);
  const checks: FaceCheck[] = [];
  for (const mesh of meshes) {
    let best = 0;
    for (const span of VERIFY_SPANS) {
      best = Math.max(best, await secondLook(image, meshBox(mesh), span));
      if (best >= gate.enough) break;
    }
    checks.push({ secondOpinion: best });
  }
  const confirmed = meshes.filter((_, i) => checks[i].secondOpinion >= gate.enough).map(meshBox);
  for (const [i, check] of checks.entries()) {
    if (check.secondOpinion < gate.enough) check.person = await personScore(meshBox(meshes[i]), gate.person, confirmed);
  }
  return checks;
}

/** A grey image (R = G = B) with each grey level replaced by its colour in `table` (256 RGB triples). */
function tintedGrey(rgb: Rgb, table: readonly number[]): Rgb {
  const data = new Uint8Array(rgb.data.length);
  for (let i = 0; i < data.length; i += 3) {
    const level = 3 * rgb.data[i + 1];
    data[i] = table[level];
    data[i + 1] = table[level + 1];
    data[i + 2] = table[level + 2];
  }
  return { data, width: rgb.width, height: rgb.height };
}

/**
 * A width x height window of an image starting at (x0, y0): where it leaves the image, edge pixels
 * repeated, or the grey level `fill` when one is given.
 */
function regionOf(rgb: Rgb, x0: number, y0: number, width: number, height: number, fill?: number): Rgb {
  const data = new Uint8Array(width * height * 3);
  if (fill !== undefined) data.fill(fill);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(rgb.height - 1, Math.max(0, y + y0));
    if (fill !== undefined && sy !== y + y0) continue;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(rgb.width - 1, Math.max(0, x + x0));
      if (fill !== undefined && sx !== x + x0) continue;
      const s = (sy * rgb.width + sx) * 3, d = (y * width + x) * 3;
      data[d] = rgb.data[s]; data[d + 1] = rgb.data[s + 1]; data[d + 2] = rgb.data[s + 2];
    }
  }
  return { data, width, height };
}

/** Tight crops (a face filling the frame) defeat the detector; padding by this share of the longer side fixes most. */
const CROP_PAD = 0.3;

/**
 * A real face's mesh scores 0.99-1.0. A found face scoring under this is often a mesh fitted on part
 * of a face that fills the frame (dark sunglasses taken for the frame's edge: eyes put on the nose
 * tip), which a search with more room around the face fits whole.
 */
const WEAK_MESH = 0.98;
/** Around a weakly fitted face, the square searched again: this many times its mesh box. */
const REFIT_SPAN = 3;

/**
 * Each weakly fitted face searched again on a square around it (edges repeated beyond the image),
 * and replaced by the face found there on it that the mesh fits better. Only the face's
 * surroundings are searched: padding a whole group photo for one weak face meant a second
 * detection on an image 2.6 times the area.
 */
async function refitWeakFaces(rgb: Rgb, faces: HumanFace[], gates: FaceGate[], wantCrops: boolean): Promise<HumanFace[]> {
  const kept: HumanFace[] = [];
  for (const face of faces) {
    if (face.faceScore >= WEAK_MESH) {
      kept.push(face);
      continue;
    }
    const box = meshBox(face.mesh.flat());
    const refit = await searchAround(rgb, box, REFIT_SPAN, gates, wantCrops, (f) => f.faceScore > face.faceScore && sameFace(meshBox(f.mesh.flat()), box));
    if (refit) face.tensor?.dispose();
    kept.push(refit ?? face);
  }
  return kept;
}

/**
 * A mesh fitted on part of a face: FaceBoxes, on the whole image, sees a face of at least `area`
 * times the mesh box's area, at `proposal` or more, holding the mesh box's centre and reaching
 * `above` of its height above it. In a close-up in dark sunglasses, blazeface and the mesh can take
 * the lenses for the top of the face and fit the nose, mouth and chin as a whole face at full
 * confidence (on a grainy or re-saved photo, where the weak-mesh search does not run). On the
 * labelled photos FaceBoxes sees so much more around 1 of 479 faces (docs/FACES.md).
 */
const PARTIAL_FIT = { proposal: 0.9, area: 1.8, above: 0.3 };
/** Around FaceBoxes' box of a partly fitted face, the square searched again: this many times the box. */
const PARTIAL_REFIT_SPAN = 2;

/**
 * Each face fitted on part of a face (PARTIAL_FIT) searched again on a square around FaceBoxes'
 * box, and replaced by the face found there that holds its centre, is larger and is fitted at
 * WEAK_MESH or better (a part of an animal's face, fitted whole, scores lower).
 */
async function refitPartialFaces(rgb: Rgb, faces: HumanFace[], proposals: FaceBoxDetection[], gates: FaceGate[], wantCrops: boolean): Promise<HumanFace[]> {
  const kept: HumanFace[] = [];
  for (const face of faces) {
    const box = meshBox(face.mesh.flat());
    const whole = proposals.find((p) => fitsPartOf(box, p));
    if (!whole) {
      kept.push(face);
      continue;
    }
    const refit = await searchAround(rgb, whole.box, PARTIAL_REFIT_SPAN, gates, wantCrops, (f) => {
      const b = meshBox(f.mesh.flat());
      return f.faceScore >= WEAK_MESH && area(b) >= PARTIAL_FIT.area * area(box) && sameFace(b, box);
    });
    if (refit) face.tensor?.dispose();
    kept.push(refit ?? face);
  }
  return kept;
}

/** Whether a mesh box is part of the face FaceBoxes proposes (PARTIAL_FIT). */
function fitsPartOf(mesh: PixelBox, proposal: FaceBoxDetection): boolean {
  return proposal.score >= PARTIAL_FIT.proposal && holds(proposal.box, centre(mesh))
    && area(proposal.box) >= PARTIAL_FIT.area * area(mesh) && mesh[1] - proposal.box[1] >= PARTIAL_FIT.above * (mesh[3] - mesh[1]);
}

function area(box: PixelBox): number {
  return (box[2] - box[0]) * (box[3] - box[1]);
}

/** A face moved by (dx, dy) pixels (from a region's coordinates into the image's). */
function moved(face: HumanFace, dx: number, dy = dx): HumanFace {
  if (!dx && !dy) return face;
  const box = face.faceBoxesBox;
  return { ...face, mesh: face.mesh.map(([x, y, z]) => [x + dx, y + dy, z]), faceBoxesBox: box && [box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy] };
}

/** Whether two face boxes are one face: either's centre inside the other. */
function sameFace(a: PixelBox, b: PixelBox): boolean {
  return holds(b, centre(a)) || holds(a, centre(b));
}

function centre(box: PixelBox): [number, number] {
  return [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
}

/** Whether a box holds a point (edges included). */
function holds(box: PixelBox, [x, y]: [number, number]): boolean {
  return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
}

/**
 * The face blazeface finds on a square `span` times `box` around it (edges repeated beyond the
 * image) that `wanted` accepts, in the image's coordinates; the others found there are let go.
 */
async function searchAround(rgb: Rgb, box: PixelBox, span: number, gates: FaceGate[], wantCrops: boolean, wanted: (face: HumanFace) => boolean): Promise<HumanFace | undefined> {
  const [x0, y0, x1] = squareAround(box, span).map(Math.round);
  const found = (await detect(regionOf(rgb, x0, y0, x1 - x0, x1 - x0), gates, wantCrops)).map((f) => moved(f, x0, y0));
  const face = found.find(wanted);
  for (const f of found) if (f !== face) f.tensor?.dispose();
  return face;
}

async function detect(rgb: Rgb, gates: FaceGate[], wantCrops: boolean): Promise<HumanFace[]> {
  const result = await detectWithHuman(rgb, { face: true }, {
    emotion: { enabled: false },
    description: { enabled: false },
    detector: { enabled: true, rotation: true, maxDetected: 100, minConfidence: 0.2, iouThreshold: 0.1, return: wantCrops },
  });
  const faces = result.face as HumanFace[];
  const keep = faces.filter((f) => f.mesh.length >= 478 && gates.some((g) => f.faceScore >= g.mesh && f.boxScore >= g.detector));
  for (const f of faces) if (!keep.includes(f)) f.tensor?.dispose();
  return keep;
}

/** The tiles of a tile search on a width x height image, [x0, y0, width, height]; none for a smaller image. */
export function searchTiles(width: number, height: number, search: TileSearch): [number, number, number, number][] {
  if (Math.max(width, height) < search.from || search.grid < 2) return [];
  const short = Math.min(width, height), long = Math.max(width, height);
  const across = Math.round(short * search.share);
  const along = Math.min(Math.round(long * search.share), Math.round(across * search.aspect));
  // neighbours along the longer side step at most as far, for their length, as `grid` tiles of `share` do
  const step = (along * (1 - search.share)) / (search.share * (search.grid - 1));
  // (less a hair, so that a step that fits exactly is not rounded up to one more tile)
  const count = Math.max(search.grid, Math.ceil((long - along) / step - 1e-9) + 1);
  const starts = (n: number, size: number, total: number) => Array.from({ length: n }, (_, i) => Math.round((i * (total - size)) / (n - 1)));
  const tiles: [number, number, number, number][] = [];
  for (const a of starts(search.grid, across, short)) {
    for (const b of starts(count, along, long)) tiles.push(width >= height ? [b, a, along, across] : [a, b, across, along]);
  }
  return tiles;
}

/**
 * The faces blazeface proposes on the tiles of a large image that are not among `found`: each
 * proposal is searched again on a square around it (as a weak face is), which gives it its mesh and
 * its gates. The tiles run the detector alone, so faces already found cost no second mesh, and a
 * face proposed by several tiles is searched once.
 */
async function tileFaces(rgb: Rgb, found: HumanFace[], gates: FaceGate[], wantCrops: boolean, search: TileSearch | undefined): Promise<HumanFace[]> {
  if (!search) return [];
  const minDetector = Math.min(...gates.map((g) => g.detector));
  const largest = search.largest * Math.max(rgb.width, rgb.height);
  const proposals: { box: PixelBox; score: number }[] = [];
  for (const [x0, y0, w, h] of searchTiles(rgb.width, rgb.height, search)) {
    const result = await detectWithHuman(regionOf(rgb, x0, y0, w, h), { face: true }, {
      ...DETECTOR_ONLY,
      detector: { enabled: true, rotation: false, maxDetected: 100, minConfidence: minDetector, iouThreshold: 0.1, return: false },
    });
    for (const { box: [x, y, bw, bh], boxScore } of result.face as { box: number[]; boxScore: number }[]) {
      if (Math.max(bw, bh) >= largest) continue;
      proposals.push({ box: [x0 + x, y0 + y, x0 + x + bw, y0 + y + bh], score: boxScore });
    }
  }
  const faces: HumanFace[] = [];
  const searched: PixelBox[] = [];
  for (const p of proposals.sort((a, b) => b.score - a.score)) {
    if (alreadyFound(p.box, [...found, ...faces]) || searched.some((box) => sameFace(box, p.box))) continue;
    searched.push(p.box);
    const face = await searchAround(rgb, p.box, REFIT_SPAN, gates, wantCrops, (f) => sameFace(meshBox(f.mesh.flat()), p.box));
    if (face) faces.push(face);
  }
  return faces;
}

/** human's face settings for blazeface's boxes alone: no mesh, iris or other face model. */
const DETECTOR_ONLY = { mesh: { enabled: false }, iris: { enabled: false }, emotion: { enabled: false }, description: { enabled: false } };

export async function detectFacesTask(payload: FaceTaskPayload, ctx: TaskContext): Promise<FaceTaskResult> {
  await loadDetector(ctx);
  const { gates } = payload;
  const wantCrops = Boolean(payload.emotion);
  const photo: Rgb = { data: new Uint8Array(payload.pixels), width: payload.width, height: payload.height };
  let rgb = photo;
  // what the detectors and checks see: the photo, or its tinted copy
  const seenPhoto = payload.detectionTint ? tintedGrey(photo, payload.detectionTint) : photo;
  let seen = seenPhoto;
  let offset = 0;
  let found = await refitWeakFaces(seen, await detect(seen, gates, wantCrops), gates, wantCrops);
  // tile faces are found on a square around them already: no refit
  found.push(...(await tileFaces(seen, found, gates, wantCrops, payload.tiles)));
  if (!found.length) {
    // a face filling the frame defeats the detector: search the image padded (edges repeated)
    const pad = Math.round(Math.max(rgb.width, rgb.height) * CROP_PAD);
    const padding = (image: Rgb) => regionOf(image, -pad, -pad, image.width + 2 * pad, image.height + 2 * pad);
    const paddedSeen = padding(seen);
    found = await detect(paddedSeen, gates, wantCrops);
    if (found.length) {
      rgb = padding(rgb);
      seen = paddedSeen;
      offset = pad;
    }
  }
  const candidate = (f: HumanFace) => ({ human: f, mesh: f.mesh.flat(), score: f.faceScore + f.boxScore });
  const candidates = found.map(candidate);
  let unique = suppressDuplicates(candidates);
  for (const c of candidates) if (!unique.includes(c)) c.human.tensor?.dispose();
  let checks: FaceCheck[] = [];
  if (payload.verify || payload.profiles) {
    const image = imageTensor(seen);
    const personScore = personScores(seen, { rgb: seenPhoto, offset }, Math.min(payload.verify?.person ?? 1, payload.profiles?.person ?? 1), ctx);
    try {
      let proposals: FaceBoxDetection[] = [];
      if (payload.profiles) {
        await loadProfiles(ctx);
        proposals = await proposeFaces(image, payload.profiles.proposal);
        unique = (await refitPartialFaces(seen, unique.map((c) => c.human), proposals, gates, wantCrops)).map(candidate);
      }
      if (payload.verify) checks = await verifyFaces(image, unique.map((c) => c.mesh), payload.verify, personScore, ctx);
      if (payload.profiles) {
        const profiles = await findProfiles(image, unique.map((c) => c.human), proposals, payload.profiles, personScore);
        unique.push(...profiles.map(candidate));
      }
    } finally {
      image.dispose();
    }
  }

  const faces: RawFace[] = [];
  try {
    for (const c of unique) {
      c.mesh = await withAttentionLips(rgb, c.mesh, ctx);
      const face: RawFace = {
        mesh: c.mesh,
        boxScore: c.human.boxScore,
        faceScore: c.human.faceScore,
        angles: c.human.rotation ? headAngles(c.human.rotation.matrix) : { roll: 0, yaw: 0, pitch: 0 },
        regions: payload.regions ? measureRegions(rgb, c.mesh, payload.regions) : {},
      };
      Object.assign(face, checks[unique.indexOf(c)]);
      if (c.human.faceBoxesBox) {
        face.detector = 'faceboxes';
        face.box = [...c.human.faceBoxesBox];
      }
      const crop = c.human.tensor;
      if (payload.emotion && crop) face.emotion = await emotionScores(crop, ctx);
      if (payload.ageGender) {
        Object.assign(face, await ageGender(rgb, c.mesh, ctx));
        face.ageYears = (await faceApiAgeGender(ageGenderCrop(rgb, meshBox(c.mesh)))).age;
      }
      if (payload.eyeBand) face.eyeBand = await eyeBandFeatures(rgb, c.mesh, ctx);
      if (payload.embeddings) {
        await loadIdentity(ctx);
        await loadArcFaceModel(ctx);
        Object.assign(face, await embeddings(rgb, c.mesh));
      }
      // back to the caller's coordinates when the image was padded
      if (offset) {
        for (let i = 0; i < face.mesh.length; i += 3) {
          face.mesh[i] -= offset;
          face.mesh[i + 1] -= offset;
        }
        if (face.box) face.box = [face.box[0] - offset, face.box[1] - offset, face.box[2] - offset, face.box[3] - offset];
      }
      faces.push(face);
    }
  } finally {
    for (const c of unique) c.human.tensor?.dispose();
  }
  return { faces, padded: offset > 0 };
}

/** Loads every face model (and runs each once) so the first request does not pay for it. */
export async function warmupFacesTask(_payload: unknown, ctx: TaskContext): Promise<{ ok: true }> {
  const human = await loadDetector(ctx);
  const tf = human.tf as typeof TfCore;
  const crop = tf.zeros([192, 192, 3]);
  try {
    await emotionScores(crop, ctx);
  } finally {
    crop.dispose();
  }
  await loadIdentity(ctx);
  await loadArcFaceModel(ctx);
  const grey: Rgb = { data: new Uint8Array(160 * 160 * 3).fill(128), width: 160, height: 160 };
  await ageGender(grey, new Array<number>(478 * 3).fill(80), ctx);
  await faceApiAgeGender(new Float32Array(AGE_GENDER_INPUT * AGE_GENDER_INPUT * 3));
  await detect(grey, [{ mesh: 0.5, detector: 0 }], false);
  await loadProfiles(ctx);
  await loadObjects(ctx);
  await eyeBandFeatures(grey, new Array<number>(478 * 3).fill(80), ctx);
  await withAttentionLips(grey, new Array<number>(478 * 3).fill(80), ctx);
  const greyImage = tf.fill([1, 160, 160, 3], 128) as TfCore.Tensor4D;
  try {
    await proposeFaces(greyImage, 1);
    await secondLook(greyImage, [40, 40, 120, 120]);
  } finally {
    greyImage.dispose();
  }
  await descriptor(warp(grey, { a: 1, b: 0, tx: 0, ty: 0 }, CHIP_SIZE));
  await landmarks68({ data: new Float32Array(LANDMARK_INPUT * LANDMARK_INPUT * 3), size: LANDMARK_INPUT });
  return { ok: true };
}

export const faceTasks = {
  'faces.detect': detectFacesTask,
  'faces.warmup': warmupFacesTask,
} satisfies Record<string, Task>;
