/**
 * A generic image embedding for Custom Labels: the ImageNet-pretrained MobileNetV2 backbone that
 * ships inside nsfwjs (its weights come from models/runtime/nsfw.ts's decoded copy; that module's
 * behaviour is untouched). nsfwjs's 5-class head is not used: a second tfjs model is built on the
 * same layers whose outputs are three backbone activations, each averaged over the image (global
 * average pooling) and L2-normalised, then concatenated:
 *
 *   block_13_expand_relu (14x14x576, mid-level parts and shapes)
 *   block_16_expand_relu (7x7x960)
 *   out_relu             (7x7x1280, the pooled features nsfwjs's head reads)
 *
 * 2816 values. Measured on synthetic shape classes with a linear probe, the mix beat out_relu alone
 * (0.91-0.93 vs 0.87 accuracy at 30 images per class); out_relu alone is the classic choice for
 * photos, the mid-level blocks add shape evidence the NSFW fine-tuning left intact.
 * Input: 224x224 RGB, scaled to 0-1 as nsfwjs does.
 */
import type * as Tfjs from '@tensorflow/tfjs';
import { getNsfw } from './nsfw';
import { require, tf } from './tfjs';

export const FEATURE_INPUT_SIZE = 224;
export const FEATURE_LAYERS = ['block_13_expand_relu', 'block_16_expand_relu', 'out_relu'] as const;
export const FEATURE_DIM = 576 + 960 + 1280;
/** Stored with each trained model: a model trained on another embedding is refused. */
export const FEATURE_VERSION = `nsfwjs-mobilenet_v2:${FEATURE_LAYERS.join('+')}:mean-l2`;

/**
 * The face task's eye-band features (models/tasks/faces.ts): block_13_expand_relu alone, 576 values.
 * On hand-labelled faces with sunglasses, the mid-level block told lenses from eyes better than the
 * later blocks or all three together (docs/FACES.md).
 */
export const EYE_BAND_LAYERS = ['block_13_expand_relu'] as const;

type LayersModel = Tfjs.LayersModel;
type LayerNames = readonly string[];

/** The backbone cut at the given layers, one model per layer list (the layers share the weights). */
const extractors = new Map<string, Promise<LayersModel>>();

function getExtractor(layers: LayerNames): Promise<LayersModel> {
  const key = layers.join('+');
  let extractor = extractors.get(key);
  if (!extractor) {
    extractor = (async () => {
      const net = (await getNsfw()) as unknown as { model: LayersModel };
      const tfjs = require('@tensorflow/tfjs') as typeof Tfjs;
      const base = net.model;
      if (typeof base.getLayer !== 'function') throw new Error('nsfwjs did not load a layers model; the image embedding needs its layers');
      return tfjs.model({ inputs: base.inputs, outputs: layers.map((name) => base.getLayer(name).output as Tfjs.SymbolicTensor) });
    })();
    extractors.set(key, extractor);
    extractor.catch(() => extractors.delete(key));
  }
  return extractor;
}

/** Loads the backbone (first call takes ~0.5 s). */
export async function warmFeatures(layers: LayerNames = FEATURE_LAYERS): Promise<void> {
  await getExtractor(layers);
}

/**
 * Embeds a batch of 224x224 RGB images (`pixels` holds them back to back) and returns one vector
 * per image, back to back: each layer's activations averaged over the image and L2-normalised,
 * concatenated (FEATURE_DIM values for the default layers).
 */
export async function embedImages(pixels: Uint8Array, count: number, layers: LayerNames = FEATURE_LAYERS): Promise<Float32Array> {
  const size = FEATURE_INPUT_SIZE;
  if (pixels.length !== count * size * size * 3) throw new Error(`expected ${count} images of ${size}x${size} RGB, got ${pixels.length} bytes`);
  const model = await getExtractor(layers);
  const pooled = tf.tidy(() => {
    const input = tf.div(tf.tensor4d(pixels, [count, size, size, 3], 'int32').toFloat(), 255);
    const predicted = model.predict(input as unknown as Tfjs.Tensor) as unknown as TfCoreTensor | TfCoreTensor[];
    const outputs = Array.isArray(predicted) ? predicted : [predicted];
    const parts = outputs.map((o) => {
      const mean = tf.mean(o, [1, 2]);
      const norm = tf.add(tf.sqrt(tf.sum(tf.square(mean), 1, true)), 1e-12);
      return tf.div(mean, norm);
    });
    return tf.concat(parts, 1);
  });
  try {
    const data = (await pooled.data()) as Float32Array;
    if (layers === FEATURE_LAYERS && data.length !== count * FEATURE_DIM) throw new Error(`embedding has ${data.length / count} values per image, expected ${FEATURE_DIM}`);
    return data;
  } finally {
    pooled.dispose();
  }
}

type TfCoreTensor = Parameters<typeof tf.mean>[0] & { dispose(): void };
