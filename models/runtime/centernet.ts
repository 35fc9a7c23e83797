/**
 * COCO-80 objects with the centernet (MobileNetV3 + CenterNet head) that @vladmandic/human ships,
 * run directly instead of through human. human stretches every image to 512x512; the network is
 * fully convolutional except for three constant upsampling sizes and its built-in decoder's
 * constant shapes. At load, those sizes become inputs and the image input takes any size, so the
 * image keeps its aspect ratio (no distortion, and no work spent on stretched pixels). The heatmap
 * and box sizes are decoded here as the graph's own decoder does (3x3 peak test, top 100, box =
 * centre -+ distances), then class-agnostic NMS as human applies it.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { COCO_CLASSES } from '../coco';
import { graphModelLoader, tf, type ModelJson } from './tfjs';
import type { RgbPixels } from '../evidence';

/**
 * The longer side the network sees (its training size); the shorter follows the aspect ratio, so
 * a 4:3 photo runs at 512x384. Smaller sides were faster but lost secondary objects on the
 * development photos (at 448: a wine glass, a remote and a cup in face-api's group photos).
 */
export const CENTERNET_LONG_SIDE = 512;
/** The backbone halves the image five times: sides must be multiples of this. */
const STRIDE_MULTIPLE = 32;
/** The heatmap is a quarter of the input. */
const OUTPUT_STRIDE = 4;
/** Peaks decoded, as the graph's own TopKV2. */
const TOP_K = 100;
/** human's object settings for centernet: NMS IoU 0.4 (its default), candidates from 0.1. */
const NMS_IOU = 0.4;
const MIN_SCORE = 0.1;
const MAX_DETECTED = 100;

const IMAGE_INPUT = 'tower_0/images';
/** Upsampling targets at 1/16, 1/8 and 1/4 of the input, constants in the shipped graph. */
const UPSAMPLE_SIZES = [
  ['tower_0/CenternetHead/c5_upsample/up_sampling2d/mul', 16],
  ['tower_0/CenternetHead/c4_upsample/up_sampling2d_1/mul', 8],
  ['tower_0/CenternetHead/c3_upsample/up_sampling2d_2/mul', 4],
] as const;
const HEATMAP_OUTPUT = 'tower_0/keypoints';
const SIZES_OUTPUT = 'tower_0/wh';

/** Class names in the network's output order (COCO's 80, as human names them). */
const COCO_NAMES = COCO_CLASSES;

export interface CenternetObject {
  /** COCO class name, as human names it. */
  label: string;
  /** 0-1, truncated to two decimals as human reports it. */
  score: number;
  /** Pixels of the image given: [x, y, width, height]. */
  box: [number, number, number, number];
}

interface GraphJson {
  modelTopology: { node: { name: string; op: string; attr?: Record<string, unknown> }[] };
  signature: { inputs: Record<string, unknown> };
}

const dim = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });

/** Frees the image size and turns the upsampling sizes into int32 inputs. */
function freeInputSize(model: ModelJson): void {
  const json = model as ModelJson & GraphJson;
  const upsample = new Set<string>(UPSAMPLE_SIZES.map(([name]) => name));
  for (const node of json.modelTopology.node) {
    if (node.name === IMAGE_INPUT) node.attr = { ...node.attr, shape: { shape: dim(1, -1, -1, 3) } };
    if (upsample.has(node.name)) {
      node.op = 'Placeholder';
      node.attr = { dtype: { type: 'DT_INT32' }, shape: { shape: dim(2) } };
    }
  }
  // The replaced constants keep their (unused) weight entries, so the weight bytes still line up.
  json.signature.inputs = {
    [IMAGE_INPUT]: { name: IMAGE_INPUT, dtype: 'DT_FLOAT', tensorShape: dim(1, -1, -1, 3) },
    ...Object.fromEntries([...upsample].map((name) => [name, { name, dtype: 'DT_INT32', tensorShape: dim(2) }])),
  };
}

export const loadCenternet = graphModelLoader('@vladmandic/human', 'models/centernet.json', freeInputSize);

/** The network's input size for an image: long side `longSide` (CENTERNET_LONG_SIDE), both sides multiples of 32. */
export function inputSize(width: number, height: number, longSide = CENTERNET_LONG_SIDE): { width: number; height: number } {
  const scale = longSide / Math.max(width, height);
  const side = (v: number) => Math.max(STRIDE_MULTIPLE * 2, Math.round((v * scale) / STRIDE_MULTIPLE) * STRIDE_MULTIPLE);
  return { width: side(width), height: side(height) };
}

/** How the network sees the image: its input's longer side, a mirror image, the weakest peak kept. */
export interface CenternetView {
  longSide?: number;
  /** Mirror left-right before the network; boxes come back in the original image's frame. */
  flip?: boolean;
  minScore?: number;
}

/** Objects in an RGB image, strongest first. */
export async function detectCenternet(rgb: RgbPixels, view: CenternetView = {}): Promise<CenternetObject[]> {
  const net = await loadCenternet();
  const size = inputSize(rgb.width, rgb.height, view.longSide);
  const minScore = view.minScore ?? MIN_SCORE;
  const feeds = tf.tidy(() => {
    const image = tf.expandDims<TfCore.Tensor4D>(tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'int32'), 0);
    const resized = tf.image.resizeBilinear(image, [size.height, size.width]);
    const inputs: Record<string, TfCore.Tensor> = { [IMAGE_INPUT]: view.flip ? tf.reverse(resized, 2) : resized };
    for (const [name, divisor] of UPSAMPLE_SIZES) inputs[name] = tf.tensor1d([size.height / divisor, size.width / divisor], 'int32');
    return inputs;
  });
  const [heatmap, sizes] = net.execute(feeds, [HEATMAP_OUTPUT, SIZES_OUTPUT]) as TfCore.Tensor[];
  tf.dispose(Object.values(feeds));
  try {
    // A peak is a heatmap value equal to the maximum of its 3x3 neighbourhood.
    const top = tf.tidy(() => {
      const heat = heatmap as TfCore.Tensor4D;
      const isPeak = tf.cast(tf.equal(heat, tf.maxPool(heat, 3, 1, 'same')), 'float32');
      return tf.topk(tf.reshape(tf.mul(heat, isPeak), [-1]), TOP_K);
    });
    const [scores, indices, wh] = await Promise.all([top.values.data(), top.indices.data(), sizes.data()]);
    tf.dispose([top.values, top.indices]);

    const classes = COCO_NAMES.length;
    const gridWidth = size.width / OUTPUT_STRIDE;
    const candidates: { label: string; score: number; corners: [number, number, number, number] }[] = [];
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] < minScore) break;
      const cell = Math.floor(indices[i] / classes);
      const cx = (cell % gridWidth) * OUTPUT_STRIDE;
      const cy = Math.floor(cell / gridWidth) * OUTPUT_STRIDE;
      const d = cell * 4;
      candidates.push({
        label: COCO_NAMES[indices[i] % classes],
        score: scores[i],
        corners: [cx - wh[d], cy - wh[d + 1], cx + wh[d + 2], cy + wh[d + 3]],
      });
    }
    if (!candidates.length) return [];
    const selected = tf.tidy(() => {
      // NMS wants [y1, x1, y2, x2].
      const boxes = tf.tensor2d(candidates.map(({ corners: [x1, y1, x2, y2] }) => [y1, x1, y2, x2]));
      return tf.image.nonMaxSuppression(boxes, candidates.map((c) => c.score), MAX_DETECTED, NMS_IOU, minScore);
    });
    const kept = await selected.data();
    selected.dispose();

    // Boxes in the network's pixels -> the image's pixels, truncated as human does.
    const sx = rgb.width / size.width;
    const sy = rgb.height / size.height;
    return Array.from(kept, (k) => {
      const { label, score, corners } = candidates[k];
      const [x1, y1, x2, y2] = view.flip ? [size.width - corners[2], corners[1], size.width - corners[0], corners[3]] : corners;
      return {
        label,
        score: Math.trunc(100 * score) / 100,
        box: [Math.trunc(x1 * sx), Math.trunc(y1 * sy), Math.trunc((x2 - x1) * sx), Math.trunc((y2 - y1) * sy)] as [number, number, number, number],
      };
    });
  } finally {
    tf.dispose([heatmap, sizes]);
  }
}
