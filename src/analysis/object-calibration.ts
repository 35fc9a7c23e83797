/**
 * centernet's detections from several views of one image (the image as it is, mirrored, smaller)
 * merged into objects, and each object's confidence on Rekognition's scale: the probability,
 * measured on labelled photos, that a label with that evidence is right.
 *
 * The model is a logistic regression fitted by bench/labels/fit-calibration.ts on the dev split of
 * the COCO development photos (bench/labels/README.md) and stored with its views in
 * object-calibration.json, so anyone can refit it. Its inputs for one object: the main view's
 * score, the mean score of the other views (an object one view alone sees is weaker evidence), the
 * box's share of the image, and an offset per COCO supercategory (persons, animals, kitchenware...
 * do not score alike).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DetectedObject, RatioBox } from '../../models/evidence';
import { boxArea } from '../../models/evidence';

/** One way centernet looks at the image (models/runtime/centernet.ts's CenternetView). */
export interface ObjectViewSpec {
  name: string;
  longSide: number;
  flip: boolean;
}

export interface ObjectCalibration {
  /** The first view is the main one: its boxes win and its objects carry image colours. */
  views: ObjectViewSpec[];
  /** Scores under this are not returned by the views; a view without the object counts as this. */
  floor: number;
  /** Same-class detections of two views overlapping this much (IoU) are one object. */
  mergeIou: number;
  /**
   * An object only one view saw needs this score there (else confidence 0): COCO's photos hold
   * people and cups so often that a lone weak detection is usually right on them, and on photos
   * unlike theirs it is not (a sliver of clutter at the edge of a garage scored person 0.27).
   */
  loneMinScore: number;
  /** COCO class -> its supercategory (COCO's own grouping). */
  groups: Record<string, string>;
  weights: { bias: number; main: number; others: number; area: number; group: Record<string, number> };
  /**
   * Probability that the label is right -> Rekognition confidence, as [probability, confidence]
   * knots joined by straight lines. AWS's scale is not a probability: its default MinConfidence 55
   * keeps labels that are mostly right, and labels at 80 or more are almost never wrong. The knots
   * put 55 at 85% right, 80 at 95% right and clear objects (99.5%) at 97.
   */
  scale: [number, number][];
  /** How and on what the weights were fitted. */
  fitted: { photos: number; objects: number; note: string };
}

export const CALIBRATION_FILE = join(dirname(fileURLToPath(import.meta.url)), 'object-calibration.json');

export const OBJECT_CALIBRATION = JSON.parse(readFileSync(CALIBRATION_FILE, 'utf8')) as ObjectCalibration;

/** One object seen by one or more views. */
export interface MergedObject {
  coco: string;
  box: RatioBox;
  /** Score per view (views that missed it are absent). */
  scores: Record<string, number>;
  /** Index of its detection in the main view's list, when the main view saw it. */
  mainIndex?: number;
}

export function iou(a: RatioBox, b: RatioBox): number {
  const w = Math.min(a.Left + a.Width, b.Left + b.Width) - Math.max(a.Left, b.Left);
  const h = Math.min(a.Top + a.Height, b.Top + b.Height) - Math.max(a.Top, b.Top);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

/**
 * Merges the views' detections: strongest first, a detection joins the best-overlapping object of
 * its class that this view has not yet given a detection to, else starts an object. The object's
 * box is its main-view detection's, else its strongest.
 */
export function mergeViews(views: { name: string; objects: DetectedObject[] }[], calibration = OBJECT_CALIBRATION): MergedObject[] {
  const main = calibration.views[0].name;
  const all = views.flatMap((v) => v.objects.map((o, index) => ({ view: v.name, o, index }))).filter((d) => d.o.score >= calibration.floor);
  // Main view first at equal score, so its boxes anchor the objects.
  all.sort((a, b) => b.o.score - a.o.score || (a.view === main ? -1 : b.view === main ? 1 : 0));
  const merged: MergedObject[] = [];
  for (const d of all) {
    let best: MergedObject | undefined;
    let bestIou = calibration.mergeIou;
    for (const m of merged) {
      if (m.coco !== d.o.coco || m.scores[d.view] !== undefined) continue;
      const overlap = iou(m.box, d.o.box);
      if (overlap >= bestIou) [best, bestIou] = [m, overlap];
    }
    if (best) {
      best.scores[d.view] = d.o.score;
      if (d.view === main) [best.box, best.mainIndex] = [d.o.box, d.index];
    } else {
      merged.push({ coco: d.o.coco, box: d.o.box, scores: { [d.view]: d.o.score }, mainIndex: d.view === main ? d.index : undefined });
    }
  }
  return merged;
}

const logit = (p: number) => Math.log(p / (1 - p));
/** Box shares under this count as this (log of the share is a feature). */
const MIN_AREA = 1e-4;

/** The regression's inputs for an object, in the order of `weights` (without the group offset). */
export function objectFeatures(m: MergedObject, calibration = OBJECT_CALIBRATION): { main: number; others: number; area: number } {
  const score = (view: string) => logit(Math.min(0.99, Math.max(calibration.floor, m.scores[view] ?? calibration.floor)));
  const others = calibration.views.slice(1).map((v) => score(v.name));
  return {
    main: score(calibration.views[0].name),
    others: others.length ? others.reduce((a, b) => a + b, 0) / others.length : 0,
    area: Math.log(Math.max(MIN_AREA, boxArea(m.box))),
  };
}

/** The fitted probability (0-1) that the object's label is right. */
export function labelProbability(m: MergedObject, calibration = OBJECT_CALIBRATION): number {
  const f = objectFeatures(m, calibration);
  const w = calibration.weights;
  const z = w.bias + w.main * f.main + w.others * f.others + w.area * f.area + (w.group[calibration.groups[m.coco] ?? ''] ?? 0);
  return 1 / (1 + Math.exp(-z));
}

/** A probability on Rekognition's confidence scale (the calibration's knots, linear between them). */
export function onRekognitionScale(p: number, knots: [number, number][] = OBJECT_CALIBRATION.scale): number {
  if (p <= knots[0][0]) return knots[0][1];
  for (let i = 1; i < knots.length; i++) {
    const [p1, c1] = knots[i];
    if (p <= p1) {
      const [p0, c0] = knots[i - 1];
      return c0 + ((p - p0) / (p1 - p0)) * (c1 - c0);
    }
  }
  return knots[knots.length - 1][1];
}

/** The object's confidence (0-100) on Rekognition's scale. */
export function calibratedConfidence(m: MergedObject, calibration = OBJECT_CALIBRATION): number {
  const seen = Object.values(m.scores);
  if (calibration.views.length > 1 && seen.length === 1 && seen[0] < calibration.loneMinScore) return 0;
  return onRekognitionScale(labelProbability(m, calibration), calibration.scale);
}
