/**
 * Camera grain added to a photo, for training and testing the face-attribute heads on photos as a
 * small or dim sensor gives them (bench/face-heads.ts `collect-grain`): a clean lens is smooth, a
 * grainy one is not, and heads fitted on clean photos alone read grainy lenses as eyes.
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
