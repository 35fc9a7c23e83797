/**
 * human turns a tilted face (roll over 0.2 rad) upright by rotating the whole image about the face's
 * centre (`tf.image.rotateWithOffset`) and then cutting the face's box out of the rotated image
 * (`tf.image.cropAndResize`). Only the pixels under the box are ever read, yet the whole image is
 * rotated: about 45 ms for each tilted face on a 1920x1080 photo.
 *
 * `rotateOnlyWhatIsCut` makes that rotation lazy. rotateWithOffset returns a new handle on the image
 * itself, marked with the rotation it owes; a cropAndResize of a marked image samples the rotated
 * image where the crop reads it, with the same single-precision arithmetic as tfjs's wasm kernels
 * (nearest source pixel for the rotation, bilinear for the crop), so the crop is bit for bit the same. The image's pixels are read once per image, however
 * many faces are turned. A marked image used in any other way would be unrotated: human uses it
 * only to cut the face's box.
 */
import type * as TfCore from '@tensorflow/tfjs-core';

type Tf = typeof TfCore;
type Rotate = Tf['image']['rotateWithOffset'];
type Crop = Tf['image']['cropAndResize'];
type Fill = NonNullable<Parameters<Rotate>[2]>;
type Centre = NonNullable<Parameters<Rotate>[3]>;

export interface OwedRotation {
  radians: number;
  fill: Fill;
  centre: Centre;
}

export interface Pixels {
  values: ArrayLike<number>;
  height: number;
  width: number;
  channels: number;
}

const patched = new WeakSet<object>();

export function rotateOnlyWhatIsCut(tf: Tf): void {
  const image = tf.image as { rotateWithOffset: Rotate; cropAndResize: Crop };
  if (patched.has(image)) return;
  patched.add(image);
  const rotate = image.rotateWithOffset;
  const crop = image.cropAndResize;
  const owed = new WeakMap<TfCore.Tensor, OwedRotation>();
  // the image's pixels, read once for all the faces turned in it (keyed by the tensor's data)
  const read = new WeakMap<object, ArrayLike<number>>();

  image.rotateWithOffset = ((img: TfCore.Tensor4D, radians: number, fill: Fill = 0, centre: Centre = 0.5) => {
    if (!(img instanceof tf.Tensor) || img.shape[0] !== 1) return rotate(img, radians, fill, centre);
    // a second handle on the same data (tf.clone would copy it on wasm)
    const marked = tf.reshape(img, img.shape);
    owed.set(marked, { radians, fill, centre });
    return marked;
  }) as Rotate;

  image.cropAndResize = ((img: TfCore.Tensor4D, boxes: TfCore.Tensor2D | number[][], boxInd: TfCore.Tensor1D | number[], cropSize: [number, number], method: 'bilinear' | 'nearest' = 'bilinear', extrapolation = 0) => {
    const rotation = owed.get(img);
    if (!rotation) return crop(img, boxes, boxInd, cropSize, method, extrapolation);
    if (!Array.isArray(boxes) || boxes.length !== 1 || method !== 'bilinear') {
      // not the one-box crop human makes: rotate the whole image as asked
      return tf.tidy(() => crop(rotate(img, rotation.radians, rotation.fill, rotation.centre), boxes, boxInd, cropSize, method, extrapolation));
    }
    let values = read.get(img.dataId);
    if (!values) {
      values = img.dataSync();
      read.set(img.dataId, values);
    }
    const [, height, width, channels] = img.shape;
    const out = cropRotated({ values, height, width, channels }, rotation, boxes[0], cropSize, extrapolation);
    return tf.tensor4d(out, [1, cropSize[0], cropSize[1], channels]);
  }) as Crop;
}

/** Rounds half away from zero, as C's roundf (Math.round rounds -0.5 up). */
const roundAway = (v: number) => Math.sign(v) * Math.round(Math.abs(v));

/**
 * `cropAndResize(rotateWithOffset(image, ...), [box], [0], cropSize)` for one image and one box,
 * reading only the pixels the crop samples. Both steps follow tfjs's wasm kernels step by step, in
 * single precision as they compute: the rotation gives each pixel its nearest source pixel (or the
 * fill), the crop is bilinear.
 */
export function cropRotated(image: Pixels, rotation: OwedRotation, box: number[], [cropHeight, cropWidth]: [number, number], extrapolation = 0): Float32Array {
  const f = Math.fround;
  const { values, height, width, channels } = image;
  const centre = typeof rotation.centre === 'number' ? [rotation.centre, rotation.centre] : rotation.centre;
  const cx = f(width * centre[0]), cy = f(height * centre[1]);
  const radians = f(rotation.radians);
  const cos = f(Math.cos(radians)), sin = f(Math.sin(radians));
  const fill = (c: number) => (typeof rotation.fill === 'number' ? rotation.fill : rotation.fill[c]);
  const rotated = (x: number, y: number, c: number) => {
    const dx = f(x - cx), dy = f(y - cy);
    const sx = roundAway(f(f(f(dx * cos) - f(dy * sin)) + cx));
    const sy = roundAway(f(f(f(dx * sin) + f(dy * cos)) + cy));
    return sx >= 0 && sx < width && sy >= 0 && sy < height ? values[(sy * width + sx) * channels + c] : fill(c);
  };
  const [y1, x1, y2, x2] = box.map(f);
  const heightScale = cropHeight > 1 ? f(f(f(y2 - y1) * (height - 1)) / (cropHeight - 1)) : 0;
  const widthScale = cropWidth > 1 ? f(f(f(x2 - x1) * (width - 1)) / (cropWidth - 1)) : 0;
  const out = new Float32Array(cropHeight * cropWidth * channels);
  for (let y = 0; y < cropHeight; y++) {
    const yIn = cropHeight > 1 ? f(f(y1 * (height - 1)) + f(y * heightScale)) : f(f(0.5 * f(y1 + y2)) * (height - 1));
    for (let x = 0; x < cropWidth; x++) {
      const xIn = cropWidth > 1 ? f(f(x1 * (width - 1)) + f(x * widthScale)) : f(f(0.5 * f(x1 + x2)) * (width - 1));
      const at = (y * cropWidth + x) * channels;
      if (yIn < 0 || yIn > height - 1 || xIn < 0 || xIn > width - 1) {
        out.fill(extrapolation, at, at + channels);
        continue;
      }
      const top = Math.floor(yIn), bottom = Math.ceil(yIn), left = Math.floor(xIn), right = Math.ceil(xIn);
      const yLerp = f(yIn - top), xLerp = f(xIn - left);
      for (let c = 0; c < channels; c++) {
        const topLeft = rotated(left, top, c), topRight = rotated(right, top, c);
        const bottomLeft = rotated(left, bottom, c), bottomRight = rotated(right, bottom, c);
        const upper = f(topLeft + f(f(topRight - topLeft) * xLerp));
        const lower = f(bottomLeft + f(f(bottomRight - bottomLeft) * xLerp));
        out[at + c] = f(upper + f(f(lower - upper) * yLerp));
      }
    }
  }
  return out;
}
