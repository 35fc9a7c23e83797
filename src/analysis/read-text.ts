/**
 * DetectText's reading of an image, shared by DetectText, StartTextDetection's frames and
 * DetectLabels' Text label: PP-OCRv4 lines read by the models (models/tasks/text.ts), turned into
 * Rekognition's LINEs and WORDs by text-results.ts.
 */
import type { DetectTextFilters, TextDetection } from '../api/generated/types';
import type { ModelsClient } from '../../models/client';
import type { RgbPixels } from '../../models/evidence';
import type { ReadTextOptions } from '../../models/text/read';
import { fitRgb } from '../media/image';
import { toTextDetections, type OcrLine } from './text-results';

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
export async function readTextLines(models: ModelsClient, rgb: RgbPixels, options?: ReadTextOptions): Promise<OcrLine[]> {
  const image = await fitRgb(rgb, READ_MAX_SIDE);
  const { width, height } = image;
  const lines = await models.run('text.read', { image, options });
  if (width === rgb.width && height === rgb.height) return lines;
  const sx = rgb.width / width;
  const sy = rgb.height / height;
  // Uniform scale ("inside" keeps the aspect ratio), so directions are unchanged.
  return lines.map((l) => ({ ...l, box: { ...l.box, cx: l.box.cx * sx, cy: l.box.cy * sy, w: l.box.w * sx, h: l.box.h * sy } }));
}

/** DetectText's TextDetections for an image: LINEs then WORDs, WordFilter and RegionsOfInterest applied. */
export async function analyseText(models: ModelsClient, rgb: RgbPixels, filters?: DetectTextFilters): Promise<TextDetection[]> {
  return toTextDetections(await readTextLines(models, rgb), rgb.width, rgb.height, filters);
}
