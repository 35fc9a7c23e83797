/**
 * Text in images (DetectText): PP-OCRv4 detection finds text lines as rotated boxes, boxes the
 * detector split at wide word gaps are joined, vertical ones are turned by the direction
 * classifier, each box is cropped upright and read. Pixels in, plain lines out; src/analysis/
 * text-results.ts turns them into Rekognition's LINEs and WORDs. Inference is synchronous in
 * onnxruntime-node, so this runs in a pool worker (models/tasks/text.ts), never on the event loop.
 */
import sharp from 'sharp';
import { loadOcrModels, runNchw, type OcrModels } from '../ocr';
import { buildCharset, ctcGreedy, type Charset } from './decode';
import { lineInk, placeWords, type PlacedChar } from './words';
import { dbBoxes, joinLines, mostHorizontal, rotate180, rotate90, scaleBox, warpBox, type RgbPixels, type RotatedBox } from './geometry';

export type { PlacedChar };

/** A recognised line: its rotated box in image pixels (reading direction along u) and its characters, word spaces included. */
export interface OcrLine {
  box: RotatedBox;
  chars: PlacedChar[];
}

export interface ReadTextOptions {
  /** Longest side of the detector's input (rounded to a multiple of 32). */
  detMaxSide?: number;
}

/** PP-OCR's own default; smaller images are not enlarged (it gained nothing on the page fixture). */
const DET_MAX_SIDE = 960;
const REC_HEIGHT = 48;
/** Longest recogniser input; longer lines are squeezed (PP-OCR itself has no cap, this bounds time). */
const REC_MAX_WIDTH = 2400;
const CLS_BATCH = 8;
const CLS_WIDTH = 192;
/** PP-OCR's own threshold for turning a crop by 180°. */
const CLS_THRESHOLD = 0.9;
/** A box this much taller than wide holds text running vertically (PP-OCR's rule). */
const VERTICAL_RATIO = 1.5;
// ImageNet statistics in the B, G, R order the detector was trained on (OpenCV decodes BGR).
const DET_MEAN = [0.485, 0.456, 0.406];
const DET_STD = [0.229, 0.224, 0.225];

let charset: { keys: string[]; charset: Charset } | undefined;

function charsetFor(models: OcrModels): Charset {
  if (charset?.keys !== models.keys) charset = { keys: models.keys, charset: buildCharset(models.keys) };
  return charset.charset;
}

/** Detector input size: shrunk so the longer side is at most `maxSide`, both sides multiples of 32. */
export function detectorSize(width: number, height: number, maxSide = DET_MAX_SIDE): { width: number; height: number } {
  const ratio = Math.min(1, maxSide / Math.max(width, height));
  const round32 = (v: number) => Math.max(32, Math.round((v * ratio) / 32) * 32);
  return { width: round32(width), height: round32(height) };
}

async function detect(models: OcrModels, img: RgbPixels, options: ReadTextOptions): Promise<RotatedBox[]> {
  const size = detectorSize(img.width, img.height, options.detMaxSide);
  const resized = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill' })
    .raw()
    .toBuffer();
  const plane = size.width * size.height;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) input[c * plane + i] = (resized[i * 3 + (2 - c)] / 255 - DET_MEAN[c]) / DET_STD[c];
  }
  const { data, dims } = await runNchw(models, models.det, input, [1, 3, size.height, size.width]);
  const mapH = dims[2];
  const mapW = dims[3];
  const sx = img.width / mapW;
  const sy = img.height / mapH;
  // Map boxes have pixel centres at integers; shift to continuous coordinates, then scale.
  return joinLines(dbBoxes(data, mapW, mapH).map(({ box }) => mostHorizontal(scaleBox({ ...box, cx: box.cx + 0.5, cy: box.cy + 0.5 }, sx, sy))));
}

/** Fills one item of a normalised BGR NCHW batch ((x/255 - 0.5) / 0.5) from an RGB crop; the rest stays 0. */
function putCrop(batch: Float32Array, item: number, batchW: number, crop: Uint8Array, cropW: number, height: number): void {
  const plane = height * batchW;
  const base = item * 3 * plane;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < cropW; x++) {
      const s = (y * cropW + x) * 3;
      const d = base + y * batchW + x;
      batch[d] = crop[s + 2] / 127.5 - 1;
      batch[d + plane] = crop[s + 1] / 127.5 - 1;
      batch[d + 2 * plane] = crop[s] / 127.5 - 1;
    }
  }
}

/** Width a box's crop gets at the recogniser's height: its aspect ratio, to a multiple of 8 (one timestep). */
function recWidth(box: RotatedBox): number {
  return Math.max(8, Math.min(REC_MAX_WIDTH, Math.round((REC_HEIGHT * box.w) / Math.max(1, box.h) / 8) * 8));
}

/** Turns vertical boxes so the text reads along +x; the direction classifier settles which way. */
async function orient(models: OcrModels, img: RgbPixels, boxes: RotatedBox[]): Promise<RotatedBox[]> {
  const out = boxes.map((b) => (b.h >= VERTICAL_RATIO * b.w ? rotate90(b) : b));
  const vertical = out.flatMap((b, i) => (b !== boxes[i] ? [i] : []));
  for (let k = 0; k < vertical.length; k += CLS_BATCH) {
    const items = vertical.slice(k, k + CLS_BATCH);
    const batch = new Float32Array(items.length * 3 * REC_HEIGHT * CLS_WIDTH);
    items.forEach((i, n) => {
      const w = Math.min(CLS_WIDTH, recWidth(out[i]));
      putCrop(batch, n, CLS_WIDTH, warpBox(img, out[i], w, REC_HEIGHT), w, REC_HEIGHT);
    });
    const { data } = await runNchw(models, models.cls, batch, [items.length, 3, REC_HEIGHT, CLS_WIDTH]);
    items.forEach((i, n) => {
      if (data[n * 2 + 1] > CLS_THRESHOLD) out[i] = rotate180(out[i]);
    });
  }
  return out;
}

/**
 * Reads each box on its own: zero padding in a batch of mixed widths changed the reading (lost
 * spaces, stray letters at a crop's end), and batching saved little time on CPU.
 */
async function recognise(models: OcrModels, img: RgbPixels, boxes: RotatedBox[]): Promise<OcrLine[]> {
  const cs = charsetFor(models);
  const lines: OcrLine[] = [];
  for (const box of boxes) {
    const width = recWidth(box);
    const input = new Float32Array(3 * REC_HEIGHT * width);
    const crop = warpBox(img, box, width, REC_HEIGHT);
    putCrop(input, 0, width, crop, width, REC_HEIGHT);
    const { data, dims } = await runNchw(models, models.rec, input, [1, 3, REC_HEIGHT, width]);
    const steps = dims[1];
    // Timestep t covers input columns [t, t+1) * width / steps; as fractions of the crop: t / steps.
    const chars = placeWords(ctcGreedy(data, 0, steps, cs), steps, lineInk(crop, width, REC_HEIGHT), REC_HEIGHT / width);
    lines.push({ box, chars });
  }
  return lines;
}

/** Reading order: top to bottom, and left to right among boxes on the same line. */
export function readingOrder(lines: OcrLine[]): OcrLine[] {
  const sorted = [...lines].sort((a, b) => a.box.cy - b.box.cy);
  for (let i = 1; i < sorted.length; i++) {
    for (let j = i; j > 0; j--) {
      const a = sorted[j - 1].box;
      const b = sorted[j].box;
      const sameRow = Math.abs(a.cy - b.cy) < 0.5 * Math.min(a.h, b.h);
      if (sameRow && b.cx < a.cx) [sorted[j - 1], sorted[j]] = [sorted[j], sorted[j - 1]];
      else break;
    }
  }
  return sorted;
}

/** Finds and reads every text line in an RGB image; boxes are in image pixels. */
export async function readText(img: RgbPixels, options: ReadTextOptions = {}): Promise<OcrLine[]> {
  const models = await loadOcrModels();
  const boxes = await detect(models, img, options);
  if (!boxes.length) return [];
  const oriented = await orient(models, img, boxes);
  return readingOrder(await recognise(models, img, oriented));
}
