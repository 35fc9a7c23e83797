/**
 * Fits the object calibration (src/analysis/object-calibration.ts) on the dev split of the COCO
 * development photos and reports it on both splits: label precision per confidence band, recall of
 * salient objects at 55 and the confident mistakes. Reads the evidence collect-evidence.ts wrote.
 *
 *   REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/labels/fit-calibration.ts evidence.json [--views full512,flip256] [--lone 0.3] [--write]
 *
 * `--views` picks the views (main first) among those collected; `--lone S` drops objects only
 * one view saw under score S; `--write` stores the fit in
 * src/analysis/object-calibration.json. The model: logistic regression (Newton's method, L2
 * penalty) of "the photo's annotations hold this object's class" on the object's features.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DetectedObject } from '../../models/evidence';
import { CALIBRATION_FILE, mergeViews, objectFeatures, calibratedConfidence, type ObjectCalibration, type MergedObject } from '../../src/analysis/object-calibration';
import { rekognitionNameForCoco } from '../../src/analysis/taxonomy';
import { CONFIDENCE_BANDS, confidenceBand, DATA_ENV, groupAnnotations, rate, SALIENT_SHARE, salienceBucket, SALIENCE_BUCKETS, SPLITS, table, type CocoInstances, type PhotoTruth } from '../labels-accuracy';
import { VIEWS, type PhotoEvidence } from './collect-evidence';

/** Objects whose best view scores under this are not candidates at all (centernet's own default cut is 0.1). */
const CANDIDATE_MIN = 0.1;
/**
 * Probability right -> confidence (see ObjectCalibration.scale), chosen on the dev split so that
 * labels at 55 or more are right at least 85% of the time and labels at 80 or more at least 95%.
 */
const SCALE: [number, number][] = [
  [0, 0],
  [0.5, 35],
  [0.7, 55],
  [0.92, 80],
  [0.97, 92],
  [0.99, 98],
  [1, 99.9],
];
/** L2 penalty: light on the shared weights, stronger on the group offsets (few photos per group). */
const PENALTY = { shared: 0.01, group: 1 };

interface Sample {
  photo: string;
  split: string;
  label: string;
  group: string;
  x: number[];
  correct: boolean;
  object: MergedObject;
}

function objectsOf(photo: PhotoEvidence, calibration: ObjectCalibration): MergedObject[] {
  const views = calibration.views.map((v) => ({
    name: v.name,
    objects: photo.views[v.name].objects.map((o): DetectedObject => ({ coco: o.coco, score: o.score, box: { Left: o.box[0], Top: o.box[1], Width: o.box[2], Height: o.box[3] } })),
  }));
  return mergeViews(views, calibration).filter((m) => Math.max(...Object.values(m.scores)) >= CANDIDATE_MIN);
}

function designRow(m: MergedObject, groupNames: string[], calibration: ObjectCalibration): number[] {
  const f = objectFeatures(m, calibration);
  const group = calibration.groups[m.coco];
  return [1, f.main, f.others, f.area, ...groupNames.map((g) => (g === group ? 1 : 0))];
}

/** Solves A x = b (Gaussian elimination with partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** Penalised logistic regression by Newton's method. */
function fitLogistic(rows: number[][], y: number[], penalty: number[]): number[] {
  const d = rows[0].length;
  let w = new Array<number>(d).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const grad = w.map((wi, j) => penalty[j] * wi);
    const hess = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? penalty[i] : 0)));
    rows.forEach((x, n) => {
      const p = 1 / (1 + Math.exp(-x.reduce((s, xi, j) => s + xi * w[j], 0)));
      for (let i = 0; i < d; i++) {
        grad[i] += (p - y[n]) * x[i];
        for (let j = 0; j < d; j++) hess[i][j] += p * (1 - p) * x[i] * x[j];
      }
    });
    const step = solve(hess, grad);
    w = w.map((wi, j) => wi - step[j]);
    if (Math.max(...step.map(Math.abs)) < 1e-6) break;
  }
  return w;
}

function report(name: string, photos: PhotoEvidence[], truths: Map<string, PhotoTruth>, calibration: ObjectCalibration): void {
  const returned: { file: string; label: string; confidence: number; correct: boolean; share: number }[] = [];
  let salient = 0;
  let found55 = 0;
  for (const photo of photos) {
    const truth = truths.get(photo.file)!;
    const best = new Map<string, number>();
    for (const m of objectsOf(photo, calibration)) {
      const label = rekognitionNameForCoco(m.coco)!;
      best.set(label, Math.max(best.get(label) ?? 0, calibratedConfidence(m, calibration)));
    }
    for (const [label, confidence] of best) {
      if (confidence >= 50) returned.push({ file: photo.file, label, confidence, correct: truth.classes.has(label), share: truth.classes.get(label)?.share ?? 0 });
    }
    for (const c of truth.classes.values()) {
      if (c.share < SALIENT_SHARE) continue;
      salient++;
      if ((best.get(c.label) ?? 0) >= 55) found55++;
    }
  }
  const precision = (list: typeof returned) => rate(list.filter((l) => l.correct).length, list.length);
  console.log(`\n## ${name}: ${photos.length} photos (objects only, no faces)`);
  console.log(`recall of salient objects at 55: ${rate(found55, salient)}`);
  console.log(`precision ≥ 50 ${precision(returned)}, ≥ 55 ${precision(returned.filter((l) => l.confidence >= 55))}, ≥ 80 ${precision(returned.filter((l) => l.confidence >= 80))}`);
  console.log(table(['band', 'labels', 'right'], CONFIDENCE_BANDS.map((b) => [b.name, returned.filter((l) => confidenceBand(l.confidence) === b.name).length, precision(returned.filter((l) => confidenceBand(l.confidence) === b.name))])));
  console.log(
    table(
      ['salience', 'true labels', 'mean conf'],
      SALIENCE_BUCKETS.map((bucket) => {
        const conf = returned.filter((l) => l.correct && salienceBucket(l.share) === bucket).map((l) => l.confidence);
        return [bucket, conf.length, conf.length ? (conf.reduce((a, b) => a + b, 0) / conf.length).toFixed(1) : '-'];
      }),
    ),
  );
  const mistakes = returned.filter((l) => !l.correct && l.confidence >= 80).sort((a, b) => b.confidence - a.confidence);
  console.log(`wrong labels ≥ 80: ${mistakes.map((l) => `${l.label} ${l.confidence.toFixed(1)} (${l.file})`).join('; ') || 'none'}`);
}

async function main(): Promise<void> {
  const root = process.env[DATA_ENV];
  const file = process.argv[2];
  if (!root || !file) {
    console.log(`usage: ${DATA_ENV}=/path/to/data npx tsx bench/labels/fit-calibration.ts evidence.json [--views a,b] [--write]`);
    return;
  }
  const viewArg = process.argv.indexOf('--views');
  const viewNames = viewArg > 0 ? process.argv[viewArg + 1].split(',') : ['full512'];
  const photos = JSON.parse(readFileSync(file, 'utf8')) as PhotoEvidence[];
  const truths = new Map<string, PhotoTruth>();
  const groups: Record<string, string> = {};
  for (const split of SPLITS) {
    const data = JSON.parse(readFileSync(join(root, 'coco', 'annotations', `instances_${split.folder}.json`), 'utf8')) as CocoInstances & { categories: { name: string; supercategory: string }[] };
    for (const c of data.categories) groups[c.name] = c.supercategory;
    for (const t of groupAnnotations(data)) truths.set(`${split.folder}/${t.file}`, t);
  }
  const groupNames = [...new Set(Object.values(groups))].sort();
  const calibration: ObjectCalibration = {
    views: viewNames.map((name) => ({ name, longSide: VIEWS[name].longSide!, flip: VIEWS[name].flip ?? false })),
    floor: 0.05,
    mergeIou: 0.5,
    loneMinScore: process.argv.includes('--lone') ? Number(process.argv[process.argv.indexOf('--lone') + 1]) : 0,
    groups,
    weights: { bias: 0, main: 0, others: 0, area: 0, group: {} },
    fitted: { photos: 0, objects: 0, note: '' },
    scale: SCALE,
  };
  const dev = photos.filter((p) => p.split === 'dev');
  // One sample per (photo, label): its strongest object, since a label is right or wrong as a whole.
  const samples: Sample[] = dev.flatMap((photo) => {
    const strongest = new Map<string, MergedObject>();
    const strength = (m: MergedObject) => {
      const f = objectFeatures(m, calibration);
      return f.main + f.others;
    };
    for (const m of objectsOf(photo, calibration)) {
      const label = rekognitionNameForCoco(m.coco)!;
      const held = strongest.get(label);
      if (!held || strength(m) > strength(held)) strongest.set(label, m);
    }
    return [...strongest].map(([label, m]) => ({ photo: photo.file, split: photo.split, label, group: groups[m.coco], x: designRow(m, groupNames, calibration), correct: truths.get(photo.file)!.classes.has(label), object: m }));
  });
  const shared = viewNames.length > 1 ? 4 : 3;
  const rows = samples.map((s) => (shared === 4 ? s.x : [s.x[0], s.x[1], s.x[3], ...s.x.slice(4)]));
  const w = fitLogistic(rows, samples.map((s) => (s.correct ? 1 : 0)), rows[0].map((_, j) => (j < shared ? PENALTY.shared : PENALTY.group)));
  const [bias, main, others, area] = shared === 4 ? w : [w[0], w[1], 0, w[2]];
  calibration.weights = { bias, main, others, area, group: Object.fromEntries(groupNames.map((g, i) => [g, Number(w[shared + i].toFixed(4))])) };
  for (const k of ['bias', 'main', 'others', 'area'] as const) calibration.weights[k] = Number(calibration.weights[k].toFixed(4));
  calibration.fitted = {
    photos: dev.length,
    objects: samples.length,
    note: `fitted by bench/labels/fit-calibration.ts on the dev split (COCO train2017 development photos): candidates with a view scoring >= ${CANDIDATE_MIN}, target = the photo's annotations hold the class`,
  };
  console.log(`views ${viewNames.join(', ')}; ${samples.length} dev objects (${samples.filter((s) => s.correct).length} of annotated classes)`);
  console.log(JSON.stringify(calibration.weights));
  const ms = (split: string) => viewNames.map((v) => (photos.filter((p) => p.split === split).reduce((a, p) => a + p.views[v].ms, 0) / photos.filter((p) => p.split === split).length).toFixed(0)).join(' + ');
  console.log(`mean ms per view (one core, loaded machine): ${ms('dev')}`);
  report('dev', dev, truths, calibration);
  report('held-out', photos.filter((p) => p.split === 'held-out'), truths, calibration);
  if (process.argv.includes('--write')) {
    writeFileSync(CALIBRATION_FILE, `${JSON.stringify(calibration, null, 2)}\n`);
    console.log(`\nwritten: ${CALIBRATION_FILE}`);
  }
}

await main();
