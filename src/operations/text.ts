/** DetectText: LINEs and WORDs read by PP-OCRv4 in the worker pool (models/tasks/text.ts). */
import type { ReadTextOptions } from '../../models/text/read';
import { regionPolygons, toTextDetections, type OcrLine } from '../analysis/text-results';
import { fitRgb, loadImage, type RgbImage } from '../media/image';
import type { ModelsClient } from '../../models/client';
import { registerHandler } from './registry';

/** The version current responses carry (AWS-BEHAVIOUR.md §3.3). */
export const TEXT_MODEL_VERSION = '3.0';

/**
 * Pixels sent to the reader are capped at this side: detection works at 960 px anyway, and
 * crops for recognition lose nothing readable, while a 10000 px image would be 300 MB of RGB.
 */
const READ_MAX_SIDE = 4096;

/**
 * Reads text lines off the event loop. Geometry comes back in the pixels of `rgb` (scaled back
 * when the image had to be shrunk).
 */
export async function readTextInPool(pool: ModelsClient, rgb: RgbImage, options?: ReadTextOptions): Promise<OcrLine[]> {
  const image = await fitRgb(rgb, READ_MAX_SIDE);
  const { width, height } = image;
  const lines = await pool.run('text.read', { image, options });
  if (width === rgb.width && height === rgb.height) return lines;
  const sx = rgb.width / width;
  const sy = rgb.height / height;
  // Uniform scale ("inside" keeps the aspect ratio), so directions are unchanged.
  return lines.map((l) => ({ ...l, box: { ...l.box, cx: l.box.cx * sx, cy: l.box.cy * sy, w: l.box.w * sx, h: l.box.h * sy } }));
}

registerHandler(
  'DetectText',
  async (input, ctx) => {
    // Bad regions fail before the image is read, as parameter checks come before the work.
    regionPolygons(input.Filters);
    const image = await loadImage(input.Image, ctx);
    const rgb = await image.rgb();
    const lines = await readTextInPool(ctx.inference, rgb);
    return { TextDetections: toTextDetections(lines, rgb.width, rgb.height, input.Filters), TextModelVersion: TEXT_MODEL_VERSION };
  },
  'PP-OCRv4 (detection + recognition ONNX) reads Latin-script text; WORDs are split from LINEs at spaces, ' +
    "their boxes placed from the recogniser's character positions. WordFilter, RegionsOfInterest and the 100-word limit apply.",
);
