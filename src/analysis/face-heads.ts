/**
 * Small trained heads for face attributes: an L2-regularised logistic regression on features the
 * face task already computes (mesh shape, pixel statistics of mesh regions, the emotion net's
 * probabilities, the identity descriptor, MobileNetV2 features of the eye band, FaceRes's pooled
 * features). The weights live in face-heads.json, written by bench/face-heads.ts from
 * hand-labelled photos (bench/labels/); docs/FACES.md gives how they were chosen and how well
 * they do against the rules they replace.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawFace } from '../../models/tasks/faces';
import type { FaceAttribute } from './faces';
import { EMOTION_LABELS, FACE_OVAL, LIPS_INNER, LIPS_OUTER } from '../../models/face-regions';

/** Groups of features a head may use, each a fixed-length vector computed from one RawFace. */
export const FEATURE_GROUPS = ['rules', 'shape', 'texture', 'lowerFace', 'eyes', 'emotion', 'identity', 'eyeBand', 'faceres'] as const;
export type FeatureGroup = (typeof FEATURE_GROUPS)[number];

/** One trained head: standardise the features, then a logistic regression. */
export interface FaceHead {
  groups: FeatureGroup[];
  /** Per-feature mean and standard deviation over the training faces. */
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
}

/**
 * The boolean attributes a head may answer, named as in the hand labels (bench/labels/): the
 * DetectFaces attribute that asks for each, and the FaceDetail member it answers.
 */
export const HEAD_TARGETS = {
  smile: { request: 'SMILE', member: 'Smile' },
  mouthOpen: { request: 'MOUTH_OPEN', member: 'MouthOpen' },
  beard: { request: 'BEARD', member: 'Beard' },
  mustache: { request: 'MUSTACHE', member: 'Mustache' },
  eyeglasses: { request: 'EYEGLASSES', member: 'Eyeglasses' },
  sunglasses: { request: 'SUNGLASSES', member: 'Sunglasses' },
  eyesOpen: { request: 'EYES_OPEN', member: 'EyesOpen' },
  occluded: { request: 'FACE_OCCLUDED', member: 'FaceOccluded' },
} as const satisfies Record<string, { request: FaceAttribute; member: string }>;
export type HeadAttribute = keyof typeof HEAD_TARGETS;
export const HEAD_ATTRIBUTES = Object.keys(HEAD_TARGETS) as HeadAttribute[];

/** The trained heads by attribute (bench/face-heads.ts writes them); an attribute without one keeps its rule. */
export type FaceHeads = Partial<Record<HeadAttribute, FaceHead>>;

export const FACE_HEADS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'face-heads.json');

export const FACE_HEADS = JSON.parse(readFileSync(FACE_HEADS_FILE, 'utf8')) as FaceHeads;

type Point = [number, number];

const at = (mesh: readonly number[], i: number): Point => [mesh[3 * i], mesh[3 * i + 1]];
const mid = (a: Point, b: Point): Point => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** Mesh points in a frame aligned with the eyes: origin between them, unit = their distance, y down the face. */
function faceFrame(mesh: readonly number[]): (i: number) => Point {
  const a = mid(at(mesh, 33), at(mesh, 133)), b = mid(at(mesh, 263), at(mesh, 362));
  const [l, r] = a[0] <= b[0] ? [a, b] : [b, a];
  const origin = mid(l, r);
  const angle = Math.atan2(r[1] - l[1], r[0] - l[0]);
  const unit = dist(l, r) || 1;
  const c = Math.cos(angle), s = Math.sin(angle);
  return (i) => {
    const dx = mesh[3 * i] - origin[0], dy = mesh[3 * i + 1] - origin[1];
    return [(c * dx + s * dy) / unit, (-s * dx + c * dy) / unit];
  };
}

/** Mesh points whose positions describe lips, jaw, brows and lids. */
const SHAPE_POINTS = [...new Set([...LIPS_OUTER, ...LIPS_INNER, ...FACE_OVAL, 70, 105, 107, 336, 334, 300, 159, 145, 386, 374, 1, 4])];

/** The rules' own measurements (docs/FACES.md): lid and lip openings, mouth-corner lift, darkness of jaw and upper lip, frames, sockets. */
function ruleFeatures(face: RawFace): number[] {
  const m = face.mesh;
  const p = faceFrame(m);
  const r = face.regions;
  const skin = Math.max(1, (r.cheekL.mean + r.cheekR.mean) / 2);
  const ear = (pairs: [number, number][], c: [number, number]) => pairs.reduce((s, [u, d]) => s + dist(at(m, u), at(m, d)), 0) / pairs.length / (dist(at(m, c[0]), at(m, c[1])) || 1);
  const eyes = (ear([[159, 145], [158, 153], [160, 144]], [33, 133]) + ear([[386, 374], [385, 380], [387, 373]], [362, 263])) / 2;
  const gap = dist(at(m, 13), at(m, 14)) / (dist(at(m, 61), at(m, 291)) || 1);
  const lift = ((p(13)[1] + p(14)[1]) / 2 - (p(61)[1] + p(291)[1]) / 2) / (Math.abs(p(291)[0] - p(61)[0]) || 1e-6);
  const jawDark = 1 - (r.jawL.mean + r.jawR.mean) / 2 / skin;
  const lipDark = 1 - r.upperLip.mean / skin;
  const chinDark = 1 - r.chin.mean / skin;
  const frames = Math.log(Math.max(0.1, ((r.bridge.hLine + Math.min(r.cheekL.hLine, r.cheekR.hLine)) / skin) * 100));
  const sockets = Math.log(Math.max(0.01, Math.max(r.socketL.p90, r.socketR.p90) / skin));
  return [eyes, gap, lift, jawDark, lipDark, chinDark, frames, sockets];
}

function shapeFeatures(face: RawFace): number[] {
  const p = faceFrame(face.mesh);
  return SHAPE_POINTS.flatMap((i) => p(i));
}

const REGION_NAMES = ['face', 'forehead', 'cheekL', 'cheekR', 'nose', 'upperLip', 'chin', 'jawL', 'jawR', 'eyeL', 'eyeR', 'socketL', 'socketR', 'underEyeL', 'underEyeR', 'bridge', 'mouth'];

/** The regions below the nose, where beards, moustaches, teeth and lips show. */
const LOWER_FACE_REGIONS = ['upperLip', 'mouth', 'chin', 'jawL', 'jawR'];

/** Each region's brightness, spread, edges and colour, relative to the cheeks (lighting cancels out). */
function textureFeatures(face: RawFace, names = REGION_NAMES): number[] {
  const r = face.regions;
  const skin = Math.max(1, (r.cheekL.mean + r.cheekR.mean) / 2);
  return names.flatMap((name) => {
    const s = r[name];
    if (!s) throw new Error(`face regions lack ${name}`);
    const sum = s.rgb[0] + s.rgb[1] + s.rgb[2] || 1;
    return [s.mean / skin, s.std / skin, s.p10 / skin, s.p90 / skin, s.gradX / skin, s.gradY / skin, s.laplacian / skin, s.hLine / skin, s.rgb[0] / sum, s.rgb[2] / sum];
  });
}

/** Statistics of the eyes and their sockets that lenses change: a dark lens is smooth where an eye shows lids, iris and white. */
const EYE_STATS = ['mean', 'std', 'p10', 'gradX', 'gradY', 'laplacian', 'hLine'] as const;

/** Per eye and socket statistic over the cheeks, the smaller and the larger of the two sides (a turned face shows one eye well). */
function eyeFeatures(face: RawFace): number[] {
  const r = face.regions;
  const skin = Math.max(1, (r.cheekL.mean + r.cheekR.mean) / 2);
  return ['eye', 'socket'].flatMap((region) =>
    EYE_STATS.flatMap((stat) => {
      const left = r[`${region}L`][stat] / skin, right = r[`${region}R`][stat] / skin;
      return [Math.min(left, right), Math.max(left, right)];
    }),
  );
}

/** The feature vector of the given groups, or undefined when the face lacks one (emotion, identity or eye band not computed). */
export function headFeatures(face: RawFace, groups: readonly FeatureGroup[]): number[] | undefined {
  const out: number[] = [];
  for (const group of groups) {
    if (group === 'rules') out.push(...ruleFeatures(face));
    else if (group === 'shape') out.push(...shapeFeatures(face));
    else if (group === 'texture') out.push(...textureFeatures(face));
    else if (group === 'lowerFace') out.push(...textureFeatures(face, LOWER_FACE_REGIONS));
    else if (group === 'eyes') out.push(...eyeFeatures(face));
    else if (group === 'emotion') {
      if (!face.emotion || face.emotion.length !== EMOTION_LABELS.length) return undefined;
      out.push(...face.emotion);
    } else if (group === 'eyeBand') {
      if (!face.eyeBand) return undefined;
      out.push(...face.eyeBand);
    } else if (group === 'faceres') {
      if (!face.faceres) return undefined;
      out.push(...face.faceres);
    } else {
      if (!face.embedding) return undefined;
      out.push(...face.embedding);
    }
  }
  return out;
}

/** The head's probability that the attribute is present, from a feature vector of its groups. */
export function headProbability(head: FaceHead, features: readonly number[]): number {
  if (features.length !== head.weights.length) throw new Error(`face head takes ${head.weights.length} features, got ${features.length}`);
  let z = head.bias;
  for (let i = 0; i < features.length; i++) z += (head.weights[i] * (features[i] - head.mean[i])) / head.std[i];
  return 1 / (1 + Math.exp(-z));
}

/**
 * Value and Confidence from a head's probability p, on the scale of the rules' `decide`: Value is
 * p ≥ 0.5 and Confidence 50 + 49.9·|2p − 1|, i.e. 50 when the head cannot tell, 99.9 when sure.
 */
export function headDecision(p: number): { Value: boolean; Confidence: number } {
  return { Value: p >= 0.5, Confidence: 50 + 49.9 * Math.abs(2 * p - 1) };
}
