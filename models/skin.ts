/**
 * Exposed skin inside the person boxes: the evidence DetectModerationLabels asks for before it
 * says "Swimwear or Underwear" (nsfwjs's Sexy class also fires on sports kit and summer clothes).
 */
import { isSkin } from './ppe';
import type { RatioBox, RgbPixels } from './evidence';

/** Pixels sampled on a grid of this step (skin share needs no per-pixel precision). */
const STEP = 2;

/**
 * The band of a person box from the shoulders to mid-thigh (30-80% of its height): what swimwear
 * and underwear leave bare and sports kit, summer clothes and gowns cover. Faces, arms held high
 * and lower legs stay out of it.
 */
export function torsoBand(box: RatioBox): RatioBox {
  return { Left: box.Left, Width: box.Width, Top: box.Top + 0.3 * box.Height, Height: 0.5 * box.Height };
}

/** Share of the pixels inside the union of `boxes` that are skin (0 when the boxes hold no pixel). */
export function skinShareOfPersons(rgb: RgbPixels, boxes: RatioBox[]): number {
  const { width, height, data } = rgb;
  const inside = new Uint8Array(width * height);
  for (const b of boxes) {
    const x0 = Math.max(0, Math.floor(b.Left * width));
    const y0 = Math.max(0, Math.floor(b.Top * height));
    const x1 = Math.min(width, Math.ceil((b.Left + b.Width) * width));
    const y1 = Math.min(height, Math.ceil((b.Top + b.Height) * height));
    for (let y = y0; y < y1; y++) inside.fill(1, y * width + x0, y * width + x1);
  }
  let total = 0;
  let skin = 0;
  for (let y = 0; y < height; y += STEP) {
    for (let x = 0; x < width; x += STEP) {
      const i = y * width + x;
      if (!inside[i]) continue;
      total++;
      if (isSkin(data[3 * i], data[3 * i + 1], data[3 * i + 2])) skin++;
    }
  }
  return total ? skin / total : 0;
}
