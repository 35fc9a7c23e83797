/**
 * A second identity embedding: the 512-d ArcFace-style net that `faceplugin-face-recognition-js`
 * ships (`model/fr_feature.onnx`), on onnxruntime-node's CPU provider. It takes a 112x112 RGB
 * chip aligned on five points (eye centres, nose tip, mouth corners) to the reference positions of
 * ArcFace's training crops. Combined with face-api's descriptor it keeps the same person closer
 * across pose (docs/FACES.md, "A second identity embedding").
 *
 * `session.run` computes on the calling thread, so this runs in a pool worker (models/tasks/faces.ts).
 */
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { RgbPixels } from '../evidence';
import { fitSimilarity, mirrorChip, warp } from './faceapi';
import { cpuSessionOptions } from './onnx';
import { packageDir } from './package-dir';

export const ARCFACE_PACKAGE = 'faceplugin-face-recognition-js';
export const ARCFACE_INPUT = 112;

/** Where ArcFace's 112x112 training crops put the eye centres, nose tip and mouth corners. */
const REFERENCE_POINTS: [number, number][] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

type Point = readonly number[];
const meanOf = (points: Point[]): [number, number] => [points.reduce((s, p) => s + p[0], 0) / points.length, points.reduce((s, p) => s + p[1], 0) / points.length];

/** The five alignment points from iBUG's 68 (as the package's own code derives them). */
export function fivePoints(points68: readonly Point[]): [number, number][] {
  const p = points68;
  return [meanOf([p[37], p[38], p[40], p[41]]), meanOf([p[43], p[44], p[46], p[47]]), [p[30][0], p[30][1]], meanOf([p[48], p[60]]), meanOf([p[54], p[64]])];
}

let loading: Promise<{ ort: typeof Ort; session: Ort.InferenceSession }> | undefined;

export function loadArcFace(): Promise<{ ort: typeof Ort; session: Ort.InferenceSession }> {
  loading ??= (async () => {
    const ort = (await import('onnxruntime-node')) as typeof Ort;
    const session = await ort.InferenceSession.create(join(packageDir(ARCFACE_PACKAGE), 'model', 'fr_feature.onnx'), cpuSessionOptions());
    return { ort, session };
  })().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

async function embed(chip: Float32Array): Promise<Float32Array> {
  const { ort, session } = await loadArcFace();
  const size = ARCFACE_INPUT * ARCFACE_INPUT;
  const planar = new Float32Array(3 * size);
  for (let i = 0; i < size; i++) for (let c = 0; c < 3; c++) planar[c * size + i] = (chip[3 * i + c] - 127) / 128;
  const out = await session.run({ input: new ort.Tensor('float32', planar, [1, 3, ARCFACE_INPUT, ARCFACE_INPUT]) });
  return out[session.outputNames[0]].data as Float32Array;
}

function unit(v: ArrayLike<number>): number[] {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = Math.sqrt(n) || 1;
  return Array.from(v, (x) => x / n);
}

/** Unit-length embedding of the face with these 68 landmarks: the mean of the chip's and its mirror image's. */
export async function arcFaceDescriptor(rgb: RgbPixels, points68: readonly Point[]): Promise<number[]> {
  const chip = warp(rgb, fitSimilarity(REFERENCE_POINTS, fivePoints(points68)), ARCFACE_INPUT);
  const plain = unit(await embed(chip));
  const mirrored = unit(await embed(mirrorChip(chip, ARCFACE_INPUT)));
  return unit(plain.map((x, i) => x + mirrored[i]));
}
