/**
 * Rekognition's DetectText semantics on top of recognised lines: WORDs split from each LINE,
 * geometry as ratios of the image, WordFilter and RegionsOfInterest, the 100-word limit, and the
 * wire order (all LINEs with Ids 0..n-1, then the WORDs with ParentId). AWS-BEHAVIOUR.md §3.3.
 */
import { errors } from '../api/errors';
import type { BoundingBox, DetectTextFilters, Point as ApiPoint, TextDetection } from '../api/generated/types';
import { boxCorners, fractionInside, subBox, type Point, type RotatedBox } from '../../models/text/geometry';
import type { OcrLine, PlacedChar } from '../../models/text/read';

export type { OcrLine, PlacedChar };

export interface OcrWord {
  text: string;
  /** 0-100 */
  confidence: number;
  box: RotatedBox;
}

/** Rekognition's limit [DOCS: DG-limits]. */
export const MAX_WORDS = 100;
export const MAX_REGIONS = 10;
/** A Polygon region of interest has at most 10 points [DOCS: RegionOfInterest]. */
export const MAX_REGION_POINTS = 10;
/**
 * DetectionFilter documents "the default MinConfidence is 80"; we apply it when a WordFilter is
 * given without MinConfidence. With no WordFilter at all, real responses do include words under
 * 80 (our reading of published samples), so only recogniser noise is dropped: NOISE_CONFIDENCE.
 * Both are guesses, kept here to be easy to change.
 */
export const DEFAULT_FILTER_MIN_CONFIDENCE = 80;
export const NOISE_CONFIDENCE = 50;
/** A word counts as inside a region when more than half of it is (RegionOfInterest docs). */
const REGION_SHARE = 0.5;

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Splits a line at its spaces (the reader restores the word spaces the recogniser left blank,
 * models/text/words.ts). A word runs from its first character's `from` to its last one's `to`,
 * and across the line over its glyphs' ink rows when the reader measured them.
 */
export function splitWords(line: OcrLine): OcrWord[] {
  const words: PlacedChar[][] = [];
  let current: PlacedChar[] = [];
  for (const c of line.chars) {
    if (c.text.trim() === '') {
      if (current.length) words.push(current);
      current = [];
    } else current.push(c);
  }
  if (current.length) words.push(current);
  return words.map((chars) => {
    const from = Math.max(0, chars[0].from);
    const to = Math.min(1, Math.max(from, chars[chars.length - 1].to));
    const tops = chars.flatMap((c) => (c.top === undefined ? [] : [c.top]));
    const bottoms = chars.flatMap((c) => (c.bottom === undefined ? [] : [c.bottom]));
    const top = tops.length ? Math.max(0, Math.min(...tops)) : 0;
    const bottom = bottoms.length ? Math.min(1, Math.max(top, ...bottoms)) : 1;
    return {
      text: chars.map((c) => c.text).join(''),
      confidence: 100 * mean(chars.map((c) => c.prob)),
      box: subBox(line.box, from, to, top, bottom),
    };
  });
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Polygon (4 points, reading order) and axis-aligned BoundingBox as ratios of the image, clamped to it. */
export function geometry(box: RotatedBox, width: number, height: number): { BoundingBox: BoundingBox; Polygon: ApiPoint[] } {
  const polygon = boxCorners(box).map((p) => ({ X: clamp01(p.x / width), Y: clamp01(p.y / height) }));
  const xs = polygon.map((p) => p.X);
  const ys = polygon.map((p) => p.Y);
  const left = Math.min(...xs);
  const top = Math.min(...ys);
  return { BoundingBox: { Width: Math.max(...xs) - left, Height: Math.max(...ys) - top, Left: left, Top: top }, Polygon: polygon };
}

/** Regions of interest as polygons in ratio coordinates; checks what the model's constraints cannot. */
export function regionPolygons(filters?: DetectTextFilters): Point[][] | undefined {
  const regions = filters?.RegionsOfInterest;
  if (!regions?.length) return undefined;
  if (regions.length > MAX_REGIONS) throw errors.invalidParameter();
  return regions.map((r) => {
    if (r.Polygon?.length) {
      if (r.Polygon.length < 3 || r.Polygon.length > MAX_REGION_POINTS) throw errors.invalidParameter();
      return r.Polygon.map((p) => ({ x: p.X ?? 0, y: p.Y ?? 0 }));
    }
    if (!r.BoundingBox) throw errors.invalidParameter();
    return ratioBoxCorners(r.BoundingBox);
  });
}

/** A ratio BoundingBox as its four corners, clockwise from the top left. */
export function ratioBoxCorners(b: BoundingBox): [Point, Point, Point, Point] {
  const left = b.Left ?? 0;
  const top = b.Top ?? 0;
  const right = left + (b.Width ?? 0);
  const bottom = top + (b.Height ?? 0);
  return [
    { x: left, y: top },
    { x: right, y: top },
    { x: right, y: bottom },
    { x: left, y: bottom },
  ];
}

interface Kept {
  line: OcrLine;
  text: string;
  confidence: number;
  words: OcrWord[];
}

/** LINE and WORD detections for recognised lines in an image of `width` x `height` pixels. */
export function toTextDetections(lines: OcrLine[], width: number, height: number, filters?: DetectTextFilters): TextDetection[] {
  const wordFilter = filters?.WordFilter;
  const minConfidence = wordFilter ? (wordFilter.MinConfidence ?? DEFAULT_FILTER_MIN_CONFIDENCE) : NOISE_CONFIDENCE;
  const minHeight = wordFilter?.MinBoundingBoxHeight ?? 0;
  const minWidth = wordFilter?.MinBoundingBoxWidth ?? 0;
  const regions = regionPolygons(filters);

  let kept: Kept[] = [];
  for (const line of lines) {
    const all = splitWords(line);
    if (!all.length) continue;
    const words = all.filter((w) => {
      if (w.confidence < minConfidence) return false;
      const { BoundingBox: bb, Polygon: poly } = geometry(w.box, width, height);
      if (bb.Height! < minHeight || bb.Width! < minWidth) return false;
      if (!regions) return true;
      const quad = poly.map((p) => ({ x: p.X!, y: p.Y! })) as [Point, Point, Point, Point];
      return regions.some((region) => fractionInside(quad, region) > REGION_SHARE);
    });
    if (!words.length) continue;
    const glyphs = line.chars.filter((c) => c.text.trim() !== '');
    kept.push({ line, text: all.map((w) => w.text).join(' '), confidence: 100 * mean(glyphs.map((c) => c.prob)), words });
  }

  // At most 100 words: drop the least confident lines first, keeping reading order.
  let total = kept.reduce((n, k) => n + k.words.length, 0);
  if (total > MAX_WORDS) {
    const byConfidence = [...kept].sort((a, b) => a.confidence - b.confidence);
    const dropped = new Set<Kept>();
    for (const k of byConfidence) {
      if (total <= MAX_WORDS) break;
      dropped.add(k);
      total -= k.words.length;
    }
    kept = kept.filter((k) => !dropped.has(k));
  }

  const out: TextDetection[] = kept.map((k, id) => ({
    DetectedText: k.text,
    Type: 'LINE',
    Id: id,
    Confidence: k.confidence,
    Geometry: geometry(k.line.box, width, height),
  }));
  let id = kept.length;
  kept.forEach((k, parent) => {
    for (const w of k.words) {
      out.push({ DetectedText: w.text, Type: 'WORD', Id: id++, ParentId: parent, Confidence: w.confidence, Geometry: geometry(w.box, width, height) });
    }
  });
  return out;
}
