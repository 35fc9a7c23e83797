/**
 * The lazy rotation human's tilted faces go through (models/runtime/face-rotation.ts): a crop of the
 * rotated image must hold exactly what tfjs's own kernels give when the whole image is rotated.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { cropRotated, rotateOnlyWhatIsCut, type OwedRotation } from '../../models/runtime/face-rotation';
import { initTfjs, tf } from '../../models/runtime/tfjs';

const photo = new URL('../../fixtures/images/coco-val2017-000000577539.jpg', import.meta.url).pathname;

/** Crops like human's: a box round a face, turned about the box's centre; some leave the image. */
const CASES: { box: number[]; rotation: OwedRotation; size: [number, number] }[] = [
  { box: [0.2, 0.3, 0.5, 0.55], rotation: { radians: 0.35, fill: 0, centre: [0.425, 0.35] }, size: [192, 192] },
  { box: [-0.05, 0.6, 0.3, 0.9], rotation: { radians: -0.8, fill: 0, centre: [0.75, 0.125] }, size: [192, 192] },
  { box: [0.7, -0.1, 1.1, 0.2], rotation: { radians: 1.4, fill: 0, centre: [0.05, 0.9] }, size: [128, 128] },
  { box: [0.4, 0.4, 0.46, 0.45], rotation: { radians: -2.9, fill: [10, 200, 30], centre: [0.425, 0.43] }, size: [64, 64] },
  // the whole image at its own size: every rotated pixel is compared, so a rounding slip shows
  ...[0.7, -0.45, 2.2].map((radians) => ({ box: [0, 0, 1, 1], rotation: { radians, fill: 0, centre: [0.4, 0.45] as [number, number] }, size: [334, 500] as [number, number] })),
];

let image: ReturnType<typeof tf.tensor4d>;
let pixels: Float32Array;

beforeAll(async () => {
  await initTfjs();
  const { data, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  pixels = new Float32Array(data);
  image = tf.tensor4d(pixels, [1, info.height, info.width, 3]);
});

/** The crop as tfjs computes it: the whole image rotated, then cut. */
function wholeImageCrop({ box, rotation, size }: (typeof CASES)[number]): Float32Array {
  return tf.tidy(() => tf.image.cropAndResize(tf.image.rotateWithOffset(image, rotation.radians, rotation.fill, rotation.centre), [box], [0], size).dataSync() as Float32Array);
}

/** How many values differ (typed arrays of 100k values are slow to deep-compare). */
function differences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('a crop of a rotated image', () => {
  it('reads the same values as rotating the whole image, to the last bit', () => {
    const [, height, width, channels] = image.shape;
    for (const c of CASES) {
      const expected = wholeImageCrop(c);
      expect(expected.some((v) => v > 0)).toBe(true);
      expect(differences(cropRotated({ values: pixels, height, width, channels }, c.rotation, c.box, c.size), expected)).toBe(0);
    }
  });

  it('once tfjs is patched, human\'s rotate-then-crop gives the same tensors, and other crops are untouched', () => {
    const expected = CASES.map(wholeImageCrop);
    const plain = tf.tidy(() => tf.image.cropAndResize(image, [CASES[0].box], [0], [32, 48]).dataSync());
    const twoBoxes = tf.tidy(() => tf.image.cropAndResize(tf.image.rotateWithOffset(image, 0.5, 0, 0.5), [CASES[0].box, CASES[4].box], [0, 0], [16, 16]).dataSync());
    rotateOnlyWhatIsCut(tf);
    CASES.forEach((c, i) => {
      const rotated = tf.image.rotateWithOffset(image, c.rotation.radians, c.rotation.fill, c.rotation.centre);
      expect(differences(tf.image.cropAndResize(rotated, [c.box], [0], c.size).dataSync(), expected[i])).toBe(0);
      rotated.dispose();
    });
    expect(tf.tidy(() => tf.image.cropAndResize(image, [CASES[0].box], [0], [32, 48]).dataSync())).toEqual(plain);
    // a crop human does not make still gets the whole rotation
    expect(tf.tidy(() => tf.image.cropAndResize(tf.image.rotateWithOffset(image, 0.5, 0, 0.5), [CASES[0].box, CASES[4].box], [0, 0], [16, 16]).dataSync())).toEqual(twoBoxes);
  });
});
