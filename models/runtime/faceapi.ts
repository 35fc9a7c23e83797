/**
 * @vladmandic/face-api in a worker thread: for face identity, its 68-point landmark net (to align
 * a face the way dlib does) and its 128-d ResNet recognition net (dlib's
 * face_recognition_resnet_model_v1 weights); for DetectLabels' person labels, its small age/gender
 * net. Detection stays with human (MODELS.md: face-api's SSD misses tight crops). Shares the
 * worker's one tfjs engine.
 */
import { join } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import { packageDir } from './package-dir';
import { initTfjs, require, tf } from './tfjs';
import type { RgbPixels } from '../evidence';

interface Net {
  loadFromDisk(path: string): Promise<void>;
  readonly isLoaded: boolean;
}
interface LandmarkNet extends Net {
  forward(input: TfCore.Tensor4D): Promise<TfCore.Tensor2D>;
}
interface RecognitionNet extends Net {
  /** A batch is an array of single images (a Tensor4D must hold one). */
  forward(input: TfCore.Tensor4D | TfCore.Tensor3D[]): Promise<TfCore.Tensor2D>;
}
interface AgeGenderNet extends Net {
  /** age: [1] in years; gender: [1, 2] softmax of (male, female). */
  forward(input: TfCore.Tensor4D): Promise<{ age: TfCore.Tensor1D; gender: TfCore.Tensor2D }>;
}
interface FaceApiModule {
  nets: { faceLandmark68Net: LandmarkNet; faceRecognitionNet: RecognitionNet; ageGenderNet: AgeGenderNet };
}

const faceApiDir = packageDir('@vladmandic/face-api');
const modelDir = join(faceApiDir, 'model');

let loaded: Promise<FaceApiModule> | undefined;

/** Loads face-api (by path: its package entry needs tfjs-node) and its two identity nets, once per worker. */
export function getFaceApi(): Promise<FaceApiModule> {
  loaded ??= (async () => {
    await initTfjs();
    const faceapi = require(join(faceApiDir, 'dist', 'face-api.node-wasm.js')) as FaceApiModule;
    await Promise.all([faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir), faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir)]);
    return faceapi;
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

let ageGenderLoaded: Promise<AgeGenderNet> | undefined;

function getAgeGenderNet(): Promise<AgeGenderNet> {
  ageGenderLoaded ??= (async () => {
    const net = (await getFaceApi()).nets.ageGenderNet;
    await net.loadFromDisk(modelDir);
    return net;
  })();
  ageGenderLoaded.catch(() => (ageGenderLoaded = undefined));
  return ageGenderLoaded;
}

/** Side of the square face crop the age/gender net takes. */
export const AGE_GENDER_INPUT = 112;

/**
 * The age/gender crop's side over the face's longer side (its mesh box). On the 110 development
 * faces (fixtures/faces and the shared sets) it gave gender 110/110 and adult 108/110 (the misses:
 * two 150x150 greyscale crops read as 12-13 years old); the tight box and 1.4x did worse.
 */
const AGE_GENDER_CROP_SCALE = 1.2;

/** The age/gender net's input: an axis-aligned square of AGE_GENDER_CROP_SCALE times the face box's longer side, on its centre. */
export function ageGenderCrop(rgb: RgbPixels, [x0, y0, x1, y1]: [number, number, number, number]): Float32Array {
  const scale = (AGE_GENDER_CROP_SCALE * Math.max(x1 - x0, y1 - y0)) / AGE_GENDER_INPUT;
  const half = AGE_GENDER_INPUT / 2;
  return warp(rgb, { a: scale, b: 0, tx: (x0 + x1) / 2 - scale * half, ty: (y0 + y1) / 2 - scale * half }, AGE_GENDER_INPUT);
}

/** Age in years and P(male) for a square RGB face crop of AGE_GENDER_INPUT pixels (values 0-255). */
export async function ageAndGender(crop: Float32Array): Promise<{ age: number; male: number }> {
  const net = await getAgeGenderNet();
  const input = tf.tensor4d(crop, [1, AGE_GENDER_INPUT, AGE_GENDER_INPUT, 3]);
  try {
    const { age, gender } = await net.forward(input);
    try {
      const [years, probabilities] = await Promise.all([age.data(), gender.data()]);
      return { age: years[0], male: probabilities[0] };
    } finally {
      tf.dispose([age, gender]);
    }
  } finally {
    input.dispose();
  }
}

/** Side of the square the landmark net sees; face-api pads a crop to a square and resizes it to this. */
export const LANDMARK_INPUT = 112;
/** Side of the aligned chip the recognition net takes (dlib's face chip size). */
export const CHIP_SIZE = 150;

/**
 * 68 landmarks (iBUG order, pixel coordinates of `crop`) for a square RGB crop of a face, values 0-255.
 */
export async function landmarks68(crop: { data: Float32Array; size: number }): Promise<[number, number][]> {
  const faceapi = await getFaceApi();
  const input = tf.tensor4d(crop.data, [1, crop.size, crop.size, 3]);
  try {
    const out = await faceapi.nets.faceLandmark68Net.forward(input);
    const flat = await out.data();
    out.dispose();
    const points: [number, number][] = [];
    for (let i = 0; i < 68; i++) points.push([flat[2 * i] * crop.size, flat[2 * i + 1] * crop.size]);
    return points;
  } finally {
    input.dispose();
  }
}

/** The chip mirrored left to right (a face seen from its other side). */
export function mirrorChip(chip: Float32Array, size = CHIP_SIZE): Float32Array {
  const out = new Float32Array(chip.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const from = (y * size + (size - 1 - x)) * 3, to = (y * size + x) * 3;
      out[to] = chip[from];
      out[to + 1] = chip[from + 1];
      out[to + 2] = chip[from + 2];
    }
  }
  return out;
}

/** The 128-d descriptors of aligned 150x150 RGB chips (values 0-255), in one batch. */
export async function descriptors(chips: Float32Array[]): Promise<number[][]> {
  const faceapi = await getFaceApi();
  const inputs = chips.map((c) => tf.tensor3d(c, [CHIP_SIZE, CHIP_SIZE, 3]));
  try {
    const out = await faceapi.nets.faceRecognitionNet.forward(inputs);
    const values = await out.data();
    out.dispose();
    const n = values.length / chips.length;
    return chips.map((_, k) => Array.from(values.subarray(k * n, (k + 1) * n)));
  } finally {
    tf.dispose(inputs);
  }
}

/**
 * The identity descriptor of an aligned chip: the mean of the chip's and its mirror image's
 * descriptors. Fewer same-person misses at the same false accepts across pose and lighting
 * (docs/FACES.md, similarity across pose), for one more run of the net in the same batch.
 */
export async function descriptor(chip: Float32Array): Promise<number[]> {
  const [plain, mirrored] = await descriptors([chip, mirrorChip(chip)]);
  return plain.map((v, i) => (v + mirrored[i]) / 2);
}

/** A 2-D similarity transform: x' = a·x − b·y + tx, y' = b·x + a·y + ty. */
export interface Similarity2D {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** Least-squares similarity transform taking `from` points onto `to` points (no reflection). */
export function fitSimilarity(from: readonly (readonly number[])[], to: readonly (readonly number[])[]): Similarity2D {
  const n = from.length;
  let fx = 0, fy = 0, tx = 0, ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i][0]; fy += from[i][1]; tx += to[i][0]; ty += to[i][1];
  }
  fx /= n; fy /= n; tx /= n; ty /= n;
  let dot = 0, cross = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i][0] - fx, py = from[i][1] - fy, qx = to[i][0] - tx, qy = to[i][1] - ty;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  const a = dot / norm, b = cross / norm;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

export function applySimilarity(t: Similarity2D, x: number, y: number): [number, number] {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

export function invertSimilarity(t: Similarity2D): Similarity2D {
  const d = t.a * t.a + t.b * t.b;
  const a = t.a / d, b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/**
 * Samples an `outW`x`outH` RGB image (float 0-255) whose pixel (u, v) comes from source point
 * `toSource(u, v)`, bilinear, averaging up to `maxSamples` x `maxSamples` samples per output pixel
 * when shrinking so that large faces do not alias. Outside the source it repeats the nearest edge pixel.
 */
export function warp(rgb: RgbPixels, toSource: Similarity2D, outW: number, outH = outW, maxSamples = 4): Float32Array {
  const { data, width, height } = rgb;
  const out = new Float32Array(outW * outH * 3);
  const { a, b, tx, ty } = toSource;
  const k = Math.max(1, Math.min(maxSamples, Math.ceil(Math.sqrt(a * a + b * b))));
  const inv = 1 / (k * k);
  const maxX = width - 1, maxY = height - 1;
  for (let v = 0; v < outH; v++) {
    for (let u = 0; u < outW; u++) {
      let r = 0, g = 0, bl = 0;
      for (let sv = 0; sv < k; sv++) {
        const yy = v + (sv + 0.5) / k - 0.5;
        for (let su = 0; su < k; su++) {
          const xx = u + (su + 0.5) / k - 0.5;
          let x = a * xx - b * yy + tx, y = b * xx + a * yy + ty;
          x = x < 0 ? 0 : x > maxX ? maxX : x;
          y = y < 0 ? 0 : y > maxY ? maxY : y;
          const x0 = Math.floor(x), y0 = Math.floor(y);
          const x1 = x0 < maxX ? x0 + 1 : x0, y1 = y0 < maxY ? y0 + 1 : y0;
          const wx = x - x0, wy = y - y0;
          const w00 = (1 - wx) * (1 - wy), w10 = wx * (1 - wy), w01 = (1 - wx) * wy, w11 = wx * wy;
          const i00 = (y0 * width + x0) * 3, i10 = (y0 * width + x1) * 3, i01 = (y1 * width + x0) * 3, i11 = (y1 * width + x1) * 3;
          r += data[i00] * w00 + data[i10] * w10 + data[i01] * w01 + data[i11] * w11;
          g += data[i00 + 1] * w00 + data[i10 + 1] * w10 + data[i01 + 1] * w01 + data[i11 + 1] * w11;
          bl += data[i00 + 2] * w00 + data[i10 + 2] * w10 + data[i01 + 2] * w01 + data[i11 + 2] * w11;
        }
      }
      const o = (v * outW + u) * 3;
      out[o] = r * inv;
      out[o + 1] = g * inv;
      out[o + 2] = bl * inv;
    }
  }
  return out;
}

/** dlib's mean face shape for iBUG points 17-67, in a unit square (dlib get_face_chip_details). */
const MEAN_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
  0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
  0.553364, 0.490127, 0.42689,
];
const MEAN_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
  0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
  0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
  0.784792, 0.824182, 0.831803, 0.824182,
];

/** Where iBUG points 17-67 sit in a dlib face chip of `size` pixels with `padding` (dlib uses 150 and 0.25 for recognition). */
export function chipTemplate(size = CHIP_SIZE, padding = 0.25): [number, number][] {
  return MEAN_X.map((x, i) => [((x + padding) / (2 * padding + 1)) * size, ((MEAN_Y[i] + padding) / (2 * padding + 1)) * size]);
}

/** The transform from chip pixels to image pixels that dlib's get_face_chip_details gives for 68 landmarks. */
export function chipTransform(points68: readonly (readonly number[])[], size = CHIP_SIZE, padding = 0.25): Similarity2D {
  return fitSimilarity(chipTemplate(size, padding), points68.slice(17));
}
