/**
 * Camera grain added to a photo, for training and testing the face-attribute heads on photos as a
 * small or dim sensor gives them (bench/face-heads.ts `collect-grain`): a clean lens is smooth, a
 * grainy one is not, and heads fitted on clean photos alone read grainy lenses as eyes. And a photo
 * shrunk until its faces are small (`collect-small`), as a group photo or a wide shot shows them.
 */
import sharp from 'sharp';
import type { RgbPixels } from '../src/media/image';

export interface Grain {
  /** Standard deviation of the luminance noise, in grey levels; each colour gets half as much again. */
  sigma: number;
  /** JPEG quality the noisy photo is saved at, which blurs the noise into blotches as a camera does. */
  quality: number;
}

/** The photo with grain: luminance and colour noise, then JPEG. `random` gives uniform numbers in [0, 1). */
export function withGrain(rgb: RgbPixels, grain: Grain, random: () => number): Promise<RgbPixels> {
  return asJpeg(withNoise(rgb, grain.sigma, random), grain.quality);
}

/** Grain of 3-12 grey levels, saved at JPEG quality 55-90: from a good phone in daylight to a dim room. */
export function randomGrain(rgb: RgbPixels, random: () => number): Promise<RgbPixels> {
  const noisy = withNoise(rgb, 3 + 9 * random(), random);
  return asJpeg(noisy, Math.round(55 + 35 * random()));
}

function withNoise(rgb: RgbPixels, sigma: number, random: () => number): RgbPixels {
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const data = new Uint8Array(rgb.data.length);
  for (let i = 0; i < rgb.data.length; i += 3) {
    const grey = sigma * gauss();
    for (let c = 0; c < 3; c++) data[i + c] = Math.max(0, Math.min(255, Math.round(rgb.data[i + c] + grey + (sigma / 2) * gauss())));
  }
  return { data, width: rgb.width, height: rgb.height };
}

async function asJpeg(rgb: RgbPixels, quality: number): Promise<RgbPixels> {
  const jpeg = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } }).jpeg({ quality }).toBuffer();
  return { data: new Uint8Array(await sharp(jpeg).removeAlpha().raw().toBuffer()), width: rgb.width, height: rgb.height };
}

/** A photo shrunk so a face comes out small, and where the labels' boxes land in it. */
export interface ShrunkPhoto {
  rgb: RgbPixels;
  scale: number;
  /** Pixels added on the left and at the top (edges repeated) so that the photo is no smaller than `minSide`. */
  offset: [number, number];
}

/**
 * The photo shrunk by `scale`, widened with its edges repeated to at least `minSide` on each side
 * (a small face sits in a bigger photo), and saved at JPEG quality 60-90: a face as a group photo
 * or a wide shot gives it, blurred by the shrink and blotched by the compression.
 */
export async function shrunkCopy(rgb: RgbPixels, scale: number, minSide: number, random: () => number): Promise<ShrunkPhoto> {
  const width = Math.max(1, Math.round(rgb.width * scale)), height = Math.max(1, Math.round(rgb.height * scale));
  const left = Math.max(0, Math.floor((minSide - width) / 2)), top = Math.max(0, Math.floor((minSide - height) / 2));
  const right = Math.max(0, minSide - width - left), bottom = Math.max(0, minSide - height - top);
  const small = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .extend({ left, top, right, bottom, extendWith: 'copy' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const shrunk = { data: new Uint8Array(small.data), width: small.info.width, height: small.info.height };
  return { rgb: await asJpeg(shrunk, Math.round(60 + 30 * random())), scale, offset: [left, top] };
}
