/**
 * DetectLabels and DetectModerationLabels measured against COCO 2017 instance annotations: recall
 * of salient objects, precision of object labels by confidence band, confidence of true labels,
 * instance boxes, moderation labels on photos of people, and DetectLabels latency. The `train2017`
 * photos are the dev split (look at them while tuning), the `val2017` photos the held-out split.
 *
 * Data: REKOGNITION_DEV_DATA names the development-data folder, which holds
 * `coco/{train2017,val2017}/*.jpg` and `coco/annotations/instances_{train2017,val2017}.json`.
 * Run: `REKOGNITION_DEV_DATA=/path/to/data npm run bench -- labels-accuracy`, or
 * `REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/labels-accuracy.ts`.
 *
 * Rules: a COCO category maps to its Rekognition v3 name through src/analysis/taxonomy.ts. A salient
 * object is a (photo, category) pair whose annotations cover ≥ 1% of the image together (COCO's
 * `area`, the segmentation's, crowd regions included); it is found when the mapped label is
 * returned. A returned label that maps from a COCO category absent from the photo's annotations is
 * a false positive — COCO does not annotate everything, so precision here is a lower bound.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Label, ModerationLabel } from '../src/api/generated/types';
import { iou, type Box } from '../src/analysis/tracking';
import { cocoClassNames, labelInfo, rekognitionNameForCoco } from '../src/analysis/taxonomy';
import { createEmulator, type Emulator } from '../src/emulator';
import { ModelsClient } from '../models/client';
import { loadOcrModels } from '../models/ocr';

export const DATA_ENV = 'REKOGNITION_DEV_DATA';
export const SPLITS = [
  { name: 'dev', folder: 'train2017' },
  { name: 'held-out', folder: 'val2017' },
] as const;
/** A category is salient in a photo when its annotations cover this share of the image. */
export const SALIENT_SHARE = 0.01;
/** The default MinConfidence of DetectLabels, and the threshold AWS calls confident. */
const DEFAULT_MIN = 55;
const CONFIDENT = 80;

// --- COCO annotations -> what each photo holds ---

export interface CocoInstances {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; area: number; bbox: [number, number, number, number]; iscrowd: 0 | 1 }[];
  categories: { id: number; name: string }[];
}

/** One category in one photo: its Rekognition name, the share of the image it covers, its boxes. */
export interface ClassTruth {
  coco: string;
  label: string;
  share: number;
  /** Non-crowd boxes as ratios of the image (crowd boxes span many objects). */
  boxes: Box[];
}

export interface PhotoTruth {
  file: string;
  /** Every annotated category, by Rekognition name, whatever its size. */
  classes: Map<string, ClassTruth>;
}

/** Groups a COCO file's annotations into categories per photo, in the file's image order. */
export function groupAnnotations(data: CocoInstances): PhotoTruth[] {
  const categories = new Map(data.categories.map((c) => [c.id, c.name]));
  const photos = new Map(data.images.map((img) => [img.id, { img, truth: { file: img.file_name, classes: new Map<string, ClassTruth>() } }]));
  for (const a of data.annotations) {
    const photo = photos.get(a.image_id);
    const coco = categories.get(a.category_id);
    const label = coco && rekognitionNameForCoco(coco);
    if (!photo || !coco || !label) throw new Error(`annotation of image ${a.image_id}, category ${a.category_id}: unknown image or category`);
    const { width, height } = photo.img;
    const entry = photo.truth.classes.get(label) ?? { coco, label, share: 0, boxes: [] };
    entry.share += a.area / (width * height);
    const [x, y, w, h] = a.bbox;
    if (!a.iscrowd) entry.boxes.push({ Left: x / width, Top: y / height, Width: w / width, Height: h / height });
    photo.truth.classes.set(label, entry);
  }
  return [...photos.values()].map((p) => p.truth);
}

export function salientClasses(photo: PhotoTruth): ClassTruth[] {
  return [...photo.classes.values()].filter((c) => c.share >= SALIENT_SHARE);
}

// --- buckets and bands ---

export const SALIENCE_BUCKETS = ['<1%', '1-5%', '5-20%', '>20%'] as const;
export type SalienceBucket = (typeof SALIENCE_BUCKETS)[number];

export function salienceBucket(share: number): SalienceBucket {
  if (share < SALIENT_SHARE) return '<1%';
  if (share < 0.05) return '1-5%';
  if (share <= 0.2) return '5-20%';
  return '>20%';
}

export const CONFIDENCE_BANDS = [
  { name: '50-55', from: 50 },
  { name: '55-70', from: 55 },
  { name: '70-80', from: 70 },
  { name: '80-90', from: 80 },
  { name: '90-95', from: 90 },
  { name: '95-100', from: 95 },
] as const;

/** The band holding `confidence` (lower bound inclusive), or undefined under 50. */
export function confidenceBand(confidence: number): string | undefined {
  return CONFIDENCE_BANDS.findLast((b) => confidence >= b.from)?.name;
}

// --- one photo's answer against its annotations ---

const cocoLabels: ReadonlySet<string> = new Set(cocoClassNames().map((c) => rekognitionNameForCoco(c)!));
/** Concept labels that come only as ancestors of COCO labels (Food, Fruit, Furniture, Vehicle...), with the COCO labels under each. */
const conceptLabels: ReadonlyMap<string, Set<string>> = (() => {
  const map = new Map<string, Set<string>>();
  for (const label of cocoLabels) {
    for (const parent of labelInfo(label)?.parents ?? []) {
      if (cocoLabels.has(parent)) continue;
      map.set(parent, new Set([...(map.get(parent) ?? []), label]));
    }
  }
  return map;
})();

export interface ObjectOutcome {
  file: string;
  label: string;
  share: number;
  /** The label's confidence in the answer (MinConfidence 50), undefined when not returned. */
  confidence?: number;
  /** Returned with every taxonomy ancestor, both in its Parents and as labels of their own. */
  withAncestors: boolean;
}

export interface ReturnedOutcome {
  file: string;
  label: string;
  confidence: number;
  correct: boolean;
  share: number;
}

export interface PhotoScore {
  file: string;
  /** Salient objects, found or not. */
  objects: ObjectOutcome[];
  /** Returned labels that map from a COCO category. */
  returned: ReturnedOutcome[];
  /** Returned concept labels (ancestors of COCO labels only): right when an annotated category lies under them. */
  concepts: ReturnedOutcome[];
  /** Best IoU with a COCO box of its class, one per returned instance of an annotated class. */
  instanceIous: number[];
  labelCount: number;
}

function hasAncestors(label: Label, labels: Map<string, Label>): boolean {
  const parents = new Set((label.Parents ?? []).map((p) => p.Name));
  return (labelInfo(label.Name!)?.parents ?? []).every((name) => parents.has(name) && labels.has(name));
}

const toBox = (b: { Left?: number; Top?: number; Width?: number; Height?: number }): Box => ({ Left: b.Left ?? 0, Top: b.Top ?? 0, Width: b.Width ?? 0, Height: b.Height ?? 0 });

export function scorePhoto(truth: PhotoTruth, labels: Label[]): PhotoScore {
  const byName = new Map(labels.map((l) => [l.Name!, l]));
  const objects = salientClasses(truth).map((c) => {
    const label = byName.get(c.label);
    return { file: truth.file, label: c.label, share: c.share, confidence: label?.Confidence, withAncestors: label ? hasAncestors(label, byName) : false };
  });
  const returned = labels
    .filter((l) => cocoLabels.has(l.Name!))
    .map((l) => ({ file: truth.file, label: l.Name!, confidence: l.Confidence!, correct: truth.classes.has(l.Name!), share: truth.classes.get(l.Name!)?.share ?? 0 }));
  const concepts = labels
    .filter((l) => conceptLabels.has(l.Name!))
    .map((l) => ({ file: truth.file, label: l.Name!, confidence: l.Confidence!, correct: [...conceptLabels.get(l.Name!)!].some((c) => truth.classes.has(c)), share: 0 }));
  const instanceIous = labels.flatMap((l) => {
    const boxes = truth.classes.get(l.Name!)?.boxes ?? [];
    if (!boxes.length) return [];
    return (l.Instances ?? []).map((i) => Math.max(...boxes.map((b) => iou(toBox(i.BoundingBox ?? {}), b))));
  });
  return { file: truth.file, objects, returned, concepts, instanceIous, labelCount: labels.length };
}

// --- arithmetic ---

export function mean(values: number[]): number | undefined {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
}

export function percentile(values: number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** `hits/total (rate%)`, or `-` when there is nothing to count. */
export function rate(hits: number, total: number): string {
  return total ? `${hits}/${total} (${((100 * hits) / total).toFixed(1)}%)` : '-';
}

export const found = (o: ObjectOutcome, min: number) => o.confidence !== undefined && o.confidence >= min;

/** Rows padded to aligned columns: text left, the rest right. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const fixed = (n: number | undefined, digits = 1) => (n === undefined ? '-' : n.toFixed(digits));

// --- the run ---

interface PhotoRun {
  score: PhotoScore;
  hasPerson: boolean;
  moderation: ModerationLabel[];
  contentTypes: string[];
  labelsMs: number;
}

const CALLER = { account: '000000000000', region: 'us-east-1' };

async function call<T>(emulator: Emulator, operation: string, input: object): Promise<T> {
  const answer = await emulator.dispatch(operation, JSON.stringify(input), CALLER);
  if (answer.status !== 200) throw new Error(`${operation}: ${answer.body}`);
  return JSON.parse(answer.body) as T;
}

/**
 * Both operations once per photo, one after the other so DetectLabels' time is its own; every
 * figure (at 50 and at 55 alike) is read from these two answers.
 */
async function runPhoto(emulator: Emulator, dir: string, truth: PhotoTruth): Promise<PhotoRun> {
  const Image = { Bytes: readFileSync(join(dir, truth.file)).toString('base64') };
  const t0 = performance.now();
  const { Labels = [] } = await call<{ Labels?: Label[] }>(emulator, 'DetectLabels', { Image, MinConfidence: 50 });
  const labelsMs = performance.now() - t0;
  const moderation = await call<{ ModerationLabels?: ModerationLabel[]; ContentTypes?: { Name?: string }[] }>(emulator, 'DetectModerationLabels', { Image });
  return {
    score: scorePhoto(truth, Labels),
    hasPerson: truth.classes.has('Person'),
    moderation: moderation.ModerationLabels ?? [],
    contentTypes: (moderation.ContentTypes ?? []).map((c) => c.Name ?? ''),
    labelsMs,
  };
}

function recallSection(runs: PhotoRun[]): string[] {
  const objects = runs.flatMap((r) => r.score.objects);
  const out = [
    `recall of salient objects (category ≥ ${100 * SALIENT_SHARE}% of the image): ${rate(objects.filter((o) => found(o, 50)).length, objects.length)} at MinConfidence 50, ` +
      `${rate(objects.filter((o) => found(o, DEFAULT_MIN)).length, objects.length)} at ${DEFAULT_MIN}`,
    `found labels returned with all their ancestors (Parents and labels): ${rate(objects.filter((o) => found(o, 50) && o.withAncestors).length, objects.filter((o) => found(o, 50)).length)}`,
    '',
    table(
      ['salience', 'objects', 'found @50', 'found @55', 'mean conf of found'],
      SALIENCE_BUCKETS.slice(1).map((bucket) => {
        const inBucket = objects.filter((o) => salienceBucket(o.share) === bucket);
        const hits = inBucket.filter((o) => found(o, 50));
        return [bucket, inBucket.length, rate(hits.length, inBucket.length), rate(inBucket.filter((o) => found(o, DEFAULT_MIN)).length, inBucket.length), fixed(mean(hits.map((o) => o.confidence!)))];
      }),
    ),
    '',
  ];
  const byLabel = new Map<string, ObjectOutcome[]>();
  for (const o of objects) byLabel.set(o.label, [...(byLabel.get(o.label) ?? []), o]);
  const categories = [...byLabel.entries()]
    .map(([label, list]) => ({ label, list, misses: list.filter((o) => !found(o, 50)).length }))
    .filter((c) => c.misses > 0)
    .sort((a, b) => b.misses - a.misses || a.label.localeCompare(b.label));
  out.push('categories with misses (most first):');
  out.push(table(['label', 'objects', 'missed @50', 'found @50', 'found @55'], categories.slice(0, 12).map((c) => [c.label, c.list.length, c.misses, rate(c.list.length - c.misses, c.list.length), rate(c.list.filter((o) => found(o, DEFAULT_MIN)).length, c.list.length)])));
  const largest = objects.filter((o) => !found(o, 50)).sort((a, b) => b.share - a.share);
  out.push('', 'largest missed objects:');
  out.push(table(['file', 'label', 'share of image'], largest.slice(0, 10).map((o) => [o.file, o.label, `${(100 * o.share).toFixed(1)}%`])));
  const empty = runs.filter((r) => r.score.labelCount === 0).map((r) => r.score.file);
  const blind = runs.filter((r) => r.score.objects.length && !r.score.objects.some((o) => found(o, 50))).map((r) => r.score.file);
  out.push('', `photos with no label at all (MinConfidence 50): ${empty.length}${empty.length ? ` (${empty.join(', ')})` : ''}`);
  out.push(`photos with salient objects none of which was found: ${blind.length}${blind.length ? ` (${blind.join(', ')})` : ''}`);
  return out;
}

function precisionSection(runs: PhotoRun[]): string[] {
  const returned = runs.flatMap((r) => r.score.returned);
  const precision = (list: ReturnedOutcome[]) => rate(list.filter((l) => l.correct).length, list.length);
  const mistakes = returned.filter((l) => !l.correct && l.confidence >= CONFIDENT).sort((a, b) => b.confidence - a.confidence);
  const trueOnes = returned.filter((l) => l.correct);
  return [
    'precision of object labels (labels mapped from a COCO category; COCO does not annotate every object, so this is a lower bound):',
    `  at ≥ 50 ${precision(returned)}; at ≥ ${DEFAULT_MIN} ${precision(returned.filter((l) => l.confidence >= DEFAULT_MIN))}; at ≥ ${CONFIDENT} ${precision(returned.filter((l) => l.confidence >= CONFIDENT))}`,
    '',
    table(
      ['confidence', 'labels', 'right'],
      CONFIDENCE_BANDS.map((b) => {
        const inBand = returned.filter((l) => confidenceBand(l.confidence) === b.name);
        return [b.name, inBand.length, precision(inBand)];
      }),
    ),
    '',
    `confident mistakes (≥ ${CONFIDENT}, category not annotated in the photo): ${mistakes.length}`,
    ...(mistakes.length ? [table(['file', 'label', 'confidence'], mistakes.map((l) => [l.file, l.label, l.confidence.toFixed(1)]))] : []),
    '',
    `concept labels (ancestors of COCO labels) at ≥ ${DEFAULT_MIN}, right when an annotated category lies under them:`,
    table(
      ['label', 'returned', 'right'],
      [...new Set(runs.flatMap((r) => r.score.concepts.map((c) => c.label)))].sort().map((name) => {
        const list = runs.flatMap((r) => r.score.concepts).filter((c) => c.label === name && c.confidence >= DEFAULT_MIN);
        return [name, list.length, rate(list.filter((c) => c.correct).length, list.length)];
      }),
    ),
    '',
    'mean confidence of true object labels by salience of their category:',
    table(
      ['salience', 'true labels', 'mean conf', 'p50 conf'],
      SALIENCE_BUCKETS.map((bucket) => {
        const conf = trueOnes.filter((l) => salienceBucket(l.share) === bucket).map((l) => l.confidence);
        return [bucket, conf.length, fixed(mean(conf)), fixed(percentile(conf, 50))];
      }),
    ),
  ];
}

function instancesSection(runs: PhotoRun[]): string[] {
  const ious = runs.flatMap((r) => r.score.instanceIous);
  return [
    `instances of annotated classes: ${ious.length}; mean best IoU with a COCO box of the class ${fixed(mean(ious), 2)}; IoU ≥ 0.5 ${rate(ious.filter((v) => v >= 0.5).length, ious.length)}`,
  ];
}

function moderationSection(runs: PhotoRun[]): string[] {
  const flagged = runs.filter((r) => r.moderation.length);
  const withPeople = runs.filter((r) => r.hasPerson);
  const out = [
    `moderation (default MinConfidence): photos with people flagged ${rate(withPeople.filter((r) => r.moderation.length).length, withPeople.length)}, ` +
      `other photos flagged ${rate(runs.filter((r) => !r.hasPerson && r.moderation.length).length, runs.length - withPeople.length)}; ` +
      `photos with ContentTypes ${runs.filter((r) => r.contentTypes.length).length}`,
  ];
  if (flagged.length) {
    out.push(table(['file', 'people', 'moderation labels'], flagged.map((r) => [r.score.file, r.hasPerson ? 'yes' : 'no', r.moderation.map((m) => `${m.Name} ${m.Confidence!.toFixed(1)}`).join(', ')])));
  }
  return out;
}

function latencySection(runs: PhotoRun[]): string[] {
  const ms = runs.map((r) => r.labelsMs);
  return [`DetectLabels latency over ${ms.length} photos: p50 ${fixed(percentile(ms, 50), 0)} ms, p90 ${fixed(percentile(ms, 90), 0)} ms`];
}

/** The headline figures of both splits side by side. */
function summary(results: { name: string; runs: PhotoRun[] }[]): string {
  const rows: [string, (runs: PhotoRun[]) => string][] = [
    ['photos', (runs) => String(runs.length)],
    ['salient objects', (runs) => String(runs.flatMap((r) => r.score.objects).length)],
    ['recall @50', (runs) => rate(runs.flatMap((r) => r.score.objects).filter((o) => found(o, 50)).length, runs.flatMap((r) => r.score.objects).length)],
    ['recall @55', (runs) => rate(runs.flatMap((r) => r.score.objects).filter((o) => found(o, DEFAULT_MIN)).length, runs.flatMap((r) => r.score.objects).length)],
    ...SALIENCE_BUCKETS.slice(1).map((bucket): [string, (runs: PhotoRun[]) => string] => [
      `recall @55, ${bucket}`,
      (runs) => {
        const list = runs.flatMap((r) => r.score.objects).filter((o) => salienceBucket(o.share) === bucket);
        return rate(list.filter((o) => found(o, DEFAULT_MIN)).length, list.length);
      },
    ]),
    ...[50, DEFAULT_MIN, CONFIDENT].map((min): [string, (runs: PhotoRun[]) => string] => [
      `precision ≥ ${min}`,
      (runs) => {
        const list = runs.flatMap((r) => r.score.returned).filter((l) => l.confidence >= min);
        return rate(list.filter((l) => l.correct).length, list.length);
      },
    ]),
    ['confident mistakes (≥ 80)', (runs) => String(runs.flatMap((r) => r.score.returned).filter((l) => !l.correct && l.confidence >= CONFIDENT).length)],
    ...SALIENCE_BUCKETS.slice(1).map((bucket): [string, (runs: PhotoRun[]) => string] => [
      `mean conf of true labels, ${bucket}`,
      (runs) => fixed(mean(runs.flatMap((r) => r.score.returned).filter((l) => l.correct && salienceBucket(l.share) === bucket).map((l) => l.confidence))),
    ]),
    [
      'precision of concept labels ≥ 55',
      (runs) => {
        const list = runs.flatMap((r) => r.score.concepts).filter((l) => l.confidence >= DEFAULT_MIN);
        return rate(list.filter((l) => l.correct).length, list.length);
      },
    ],
    ['mean best instance IoU', (runs) => fixed(mean(runs.flatMap((r) => r.score.instanceIous)), 2)],
    ['photos with no label', (runs) => String(runs.filter((r) => r.score.labelCount === 0).length)],
    ['people photos with moderation', (runs) => rate(runs.filter((r) => r.hasPerson && r.moderation.length).length, runs.filter((r) => r.hasPerson).length)],
    ['DetectLabels p50 / p90 ms', (runs) => `${fixed(percentile(runs.map((r) => r.labelsMs), 50), 0)} / ${fixed(percentile(runs.map((r) => r.labelsMs), 90), 0)}`],
  ];
  return table(['', ...results.map((r) => r.name)], rows.map(([name, fn]) => [name, ...results.map((r) => fn(r.runs))]));
}

export async function benchLabelsAccuracy(): Promise<void> {
  const root = process.env[DATA_ENV];
  if (!root || !existsSync(join(root, 'coco', 'annotations'))) {
    console.log(`${DATA_ENV} must name the development-data folder holding coco/annotations/ and coco/{train2017,val2017}/, e.g.\n  ${DATA_ENV}=/path/to/data npm run bench -- labels-accuracy`);
    return;
  }
  const pool = new ModelsClient();
  await Promise.all([pool.warmup(), loadOcrModels()]);
  const emulator = createEmulator({ logLevel: 'warn' }, { inference: pool });
  const results: { name: string; runs: PhotoRun[] }[] = [];
  try {
    for (const split of SPLITS) {
      const data = JSON.parse(readFileSync(join(root, 'coco', 'annotations', `instances_${split.folder}.json`), 'utf8')) as CocoInstances;
      const runs: PhotoRun[] = [];
      for (const truth of groupAnnotations(data)) runs.push(await runPhoto(emulator, join(root, 'coco', split.folder), truth));
      results.push({ name: `${split.name} (${split.folder})`, runs });
      const sections = [recallSection(runs), precisionSection(runs), instancesSection(runs), moderationSection(runs), latencySection(runs)];
      console.log(`\n### ${split.name} split: ${split.folder}, ${runs.length} photos\n\n${sections.map((s) => s.join('\n')).join('\n\n')}`);
    }
    console.log(`\n### both splits\n\n${summary(results)}`);
  } finally {
    await emulator.stop();
    await pool.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchLabelsAccuracy();
  process.exit(0);
}
