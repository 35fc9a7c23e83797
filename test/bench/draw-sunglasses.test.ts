import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { seededRandom, sunglassesSvg } from '../../bench/draw-sunglasses';

/** A mesh with only the eye corners set (all the drawing reads): eyes 40 px wide at y = 100, centred on x = 70 and x = 150. */
function eyeMesh(): number[] {
  const mesh = new Array<number>(478 * 3).fill(0);
  const corners: [number, number, number][] = [[33, 50, 100], [133, 90, 100], [362, 130, 100], [263, 170, 100]];
  for (const [i, x, y] of corners) {
    mesh[3 * i] = x;
    mesh[3 * i + 1] = y;
  }
  return mesh;
}

async function lumaAt(png: Buffer, x: number, y: number): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return (data[i] + data[i + 1] + data[i + 2]) / 3;
}

describe('sunglassesSvg', () => {
  it('covers both eyes and leaves the cheeks and forehead bare, with every seed', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const svg = sunglassesSvg(eyeMesh(), 220, 220, seededRandom(seed));
      const drawn = await sharp({ create: { width: 220, height: 220, channels: 3, background: '#ffffff' } })
        .composite([{ input: Buffer.from(svg) }])
        .png()
        .toBuffer();
      // the lens centres change (their tint differs from white); far below the eyes nothing is drawn
      expect(await lumaAt(drawn, 70, 104)).toBeLessThan(250);
      expect(await lumaAt(drawn, 150, 104)).toBeLessThan(250);
      expect(await lumaAt(drawn, 110, 200)).toBe(255);
      expect(await lumaAt(drawn, 110, 10)).toBe(255);
    }
  });

  it('draws the same sunglasses from the same seed', () => {
    expect(sunglassesSvg(eyeMesh(), 220, 220, seededRandom(7))).toBe(sunglassesSvg(eyeMesh(), 220, 220, seededRandom(7)));
    expect(sunglassesSvg(eyeMesh(), 220, 220, seededRandom(7))).not.toBe(sunglassesSvg(eyeMesh(), 220, 220, seededRandom(8)));
  });
});
