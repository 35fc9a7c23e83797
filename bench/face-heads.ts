/**
 * Trains the face-attribute heads (src/analysis/face-heads.ts) on the hand labels of
 * bench/labels/face-attributes.json, dev split only, and compares each with the rule it would
 * replace (src/analysis/faces.ts).
 *
 *   REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/face-heads.ts collect faces.json [path prefix]
 *   npx tsx bench/face-heads.ts train faces.json                 # dev cross-validation only
 *   npx tsx bench/face-heads.ts train old.json,new.json          # several collections together
 *   npx tsx bench/face-heads.ts train faces.json --held-out      # and the held-out check, once
 *   npx tsx bench/face-heads.ts train faces.json --write         # writes src/analysis/face-heads.json
 *
 * `collect` runs the face task (every model, as DetectFaces ALL with embeddings) on each labelled
 * photo and on its mirror image, matches the faces found to the labels with the accuracy bench's
 * rules (bench/faces-scoring.ts), and keeps the raw measurements in a file outside the repository;
 * with a path prefix (e.g. `npm/`), only the photos under it, so new labels can be collected apart.
 * `train` fits an L2-regularised logistic regression for each attribute and candidate feature set;
 * the feature set and the regularisation are chosen by cross-validation inside dev, folds grouped
 * by the split key (one person's photos, and a photo and its mirror, never on both sides).
 * A head is written only for an attribute where it beats the rule in dev cross-validation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelsClient } from '../models/client';
import type { RawFace } from '../models/tasks/faces';
import { REGIONS } from '../models/face-regions';
import { buildFace, FACE_GATES, resolveAttributes } from '../src/analysis/faces';
import { HEAD_ATTRIBUTES, HEAD_TARGETS, headFeatures, headProbability, type FaceHead, type FeatureGroup, type HeadAttribute } from '../src/analysis/face-heads';
import { fitLogistic } from './face-heads-fit';
import { fitRgb, loadImage, type RgbPixels } from '../src/media/image';
import { defaultConfig } from '../src/runtime/config';
import { MemoryBudget } from '../src/runtime/memory-budget';
import { SdkClients } from '../src/runtime/sdk-clients';
import { fetchNpmPhotos, labelledPhotoPath, npmPhotosFolder } from './npm-photos';
import { expectedValue, isTightCrop, matchFaces, npmPhotoOf, rawFaceBox, splitKey, splitOf, type FaceLabel } from './faces-scoring';

const labelsFile = fileURLToPath(new URL('./labels/face-attributes.json', import.meta.url));
const headsFile = fileURLToPath(new URL('../src/analysis/face-heads.json', import.meta.url));


/** Feature sets tried for every attribute (few, so that choosing among them does not overfit dev). */
const CANDIDATES: FeatureGroup[][] = [['rules'], ['rules', 'emotion'], ['rules', 'shape'], ['rules', 'texture'], ['rules', 'lowerFace'], ['rules', 'eyes'], ['rules', 'emotion', 'lowerFace'], ['rules', 'emotion', 'shape'], ['identity']];
const LAMBDAS = [0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300];
const FOLDS = 5;
/** Cross-validation is repeated with this many different fold assignments, and averaged (small sets give noisy folds). */
const REPEATS = 3;

/** One labelled face as the face task saw it. */
interface Sample {
  file: string;
  label: number;
  mirrored: boolean;
  width: number;
  height: number;
  face: RawFace;
}

// ---------------------------------------------------------------------------------------------
// collect

function mirror(rgb: RgbPixels): RgbPixels {
  const { width, height } = rgb;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3, d = (y * width + (width - 1 - x)) * 3;
      data[d] = rgb.data[s]; data[d + 1] = rgb.data[s + 1]; data[d + 2] = rgb.data[s + 2];
    }
  }
  return { data, width, height };
}

async function collect(out: string, prefix = ''): Promise<void> {
  const dir = process.env.REKOGNITION_DEV_DATA;
  if (!dir) throw new Error('set REKOGNITION_DEV_DATA to the development-data folder (bench/labels/README.md)');
  const labels = JSON.parse(readFileSync(labelsFile, 'utf8')) as FaceLabel[];
  const files = [...new Set(labels.map((l) => l.file))].filter((f) => f.startsWith(prefix)).sort();
  const pool = new ModelsClient();
  const ctx = { config: defaultConfig, clients: new SdkClients(), decodes: new MemoryBudget(1 << 30), region: 'us-east-1' };
  fetchNpmPhotos(npmPhotosFolder(), files.filter((f) => npmPhotoOf(f)));
  const samples: Sample[] = [];
  const tasks = files.map(async (file) => {
    const image = await loadImage({ Bytes: readFileSync(labelledPhotoPath(dir, file)) }, ctx);
    const rgb = await fitRgb(await image.rgb(), 2048);
    const scale = image.width / rgb.width;
    for (const mirrored of [false, true]) {
      const pixels = mirrored ? mirror(rgb) : rgb;
      const { faces } = await pool.run('faces.detect', { image: pixels, emotion: true, ageGender: true, embeddings: true, regions: REGIONS, gates: [...FACE_GATES] });
      const indexed = labels.map((l, i) => ({ l, i })).filter(({ l }) => l.file === file);
      const boxes = indexed.map(({ l }) => (mirrored ? { ...l.box, left: image.width - l.box.left - l.box.width } : l.box));
      const m = matchFaces(boxes, faces.map((f) => rawFaceBox(f, scale)), isTightCrop(file));
      for (const [l, d] of m.pairs) samples.push({ file, label: indexed[l].i, mirrored, width: rgb.width, height: rgb.height, face: faces[d] });
    }
  });
  await Promise.all(tasks);
  await pool.close();
  samples.sort((a, b) => a.label - b.label || Number(a.mirrored) - Number(b.mirrored));
  writeFileSync(out, JSON.stringify(samples));
  console.log(`${samples.length} matched faces (originals and mirrors) of ${labels.length} labels in ${files.length} photos -> ${out}`);
}

// ---------------------------------------------------------------------------------------------
// train

/** What today's rules answer for a face (buildFace without heads). */
function ruleValue(sample: Sample, attribute: HeadAttribute): boolean {
  const detail = buildFace(sample.face, sample.width, sample.height, resolveAttributes(['ALL']), {}).detail;
  return detail[HEAD_TARGETS[attribute].member]?.Value === true;
}

interface Row {
  sample: Sample;
  truth: boolean;
  group: string;
}

/** Deterministic fold of a group key, one assignment per repeat. */
const foldOf = (key: string, repeat: number) => [...key].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261 + repeat) % FOLDS;

/** Cross-validated accuracy on the originals (mirrors are training data only), over REPEATS fold assignments. */
function crossValidate(rows: Row[], groups: FeatureGroup[], lambda: number): number {
  let hits = 0, total = 0;
  for (let fold = 0; fold < FOLDS * REPEATS; fold++) {
    const k = fold % FOLDS, repeat = Math.floor(fold / FOLDS);
    const train = rows.filter((r) => foldOf(r.group, repeat) !== k);
    const test = rows.filter((r) => foldOf(r.group, repeat) === k && !r.sample.mirrored);
    if (!test.length) continue;
    const head = { ...fitLogistic(train.map((r) => headFeatures(r.sample.face, groups)!), train.map((r) => +r.truth), lambda), groups };
    for (const r of test) {
      hits += +((headProbability(head, headFeatures(r.sample.face, groups)!) >= 0.5) === r.truth);
      total++;
    }
  }
  return hits / total;
}

const pct = (hits: number, total: number) => `${hits}/${total} ${((100 * hits) / total).toFixed(1)}%`;

function train(caches: string, heldOut: boolean, write: boolean, only: readonly string[]): void {
  const labels = JSON.parse(readFileSync(labelsFile, 'utf8')) as FaceLabel[];
  const samples = caches.split(',').flatMap((cache) => JSON.parse(readFileSync(cache, 'utf8')) as Sample[]);
  const heads: Partial<Record<HeadAttribute, FaceHead>> = {};
  const trained = HEAD_ATTRIBUTES.filter((a) => !only.length || only.includes(a));
  for (const attribute of trained) {
    const usable = samples.filter((s) => !labels[s.label].uncertain.includes(attribute));
    const rows = (split: string) =>
      usable.filter((s) => splitOf(s.file) === split).map((sample): Row => ({ sample, truth: expectedValue(labels[sample.label], attribute), group: splitKey(sample.file) }));
    const dev = rows('dev');
    const devOriginals = dev.filter((r) => !r.sample.mirrored);
    const ruleDev = devOriginals.filter((r) => ruleValue(r.sample, attribute) === r.truth).length;
    const positives = devOriginals.filter((r) => r.truth).length;
    console.log(`\n${attribute}: dev ${devOriginals.length} faces (${positives} true), ${dev.length - devOriginals.length} mirrors; rule on dev ${pct(ruleDev, devOriginals.length)}`);
    let best = { score: -1, groups: CANDIDATES[0], lambda: LAMBDAS[0] };
    for (const groups of CANDIDATES) {
      const scores = LAMBDAS.map((lambda) => crossValidate(dev, groups, lambda));
      const i = scores.indexOf(Math.max(...scores));
      console.log(`  ${groups.join('+').padEnd(24)} CV ${scores.map((s) => (100 * s).toFixed(1)).join(' ')}  best λ=${LAMBDAS[i]}`);
      if (scores[i] > best.score) best = { score: scores[i], groups, lambda: LAMBDAS[i] };
    }
    const head = { ...fitLogistic(dev.map((r) => headFeatures(r.sample.face, best.groups)!), dev.map((r) => +r.truth), best.lambda), groups: best.groups };
    const beats = best.score > ruleDev / devOriginals.length;
    console.log(`  chosen: ${best.groups.join('+')} λ=${best.lambda}, dev CV ${(100 * best.score).toFixed(1)}% against the rule's ${((100 * ruleDev) / devOriginals.length).toFixed(1)}%: ${beats ? 'head' : 'rule'}`);
    if (heldOut) {
      const test = rows('held-out').filter((r) => !r.sample.mirrored);
      const ruleHits = test.filter((r) => ruleValue(r.sample, attribute) === r.truth).length;
      const headHits = test.filter((r) => (headProbability(head, headFeatures(r.sample.face, best.groups)!) >= 0.5) === r.truth).length;
      console.log(`  held-out (${test.length} faces, ${test.filter((r) => r.truth).length} true): rule ${pct(ruleHits, test.length)}, head ${pct(headHits, test.length)}`);
    }
    if (beats) heads[attribute] = head;
  }
  if (write) {
    const round = (h: FaceHead): FaceHead => ({ groups: h.groups, mean: h.mean.map((v) => +v.toPrecision(6)), std: h.std.map((v) => +v.toPrecision(6)), weights: h.weights.map((v) => +v.toPrecision(6)), bias: +h.bias.toPrecision(6) });
    // attributes not trained in this run keep their head
    const all = JSON.parse(readFileSync(headsFile, 'utf8')) as Record<string, FaceHead>;
    for (const attribute of trained) delete all[attribute];
    for (const [attribute, head] of Object.entries(heads)) all[attribute] = round(head);
    const ordered = Object.fromEntries(HEAD_ATTRIBUTES.filter((a) => all[a]).map((a) => [a, all[a]]));
    writeFileSync(headsFile, JSON.stringify(ordered, null, 1) + '\n');
    console.log(`\nwrote ${Object.keys(heads).join(', ') || 'no head'} to ${headsFile}`);
  }
}

const [command, file, ...flags] = process.argv.slice(2);
if (command === 'collect' && file) await collect(file, flags[0]);
else if (command === 'train' && file) train(file, flags.includes('--held-out'), flags.includes('--write'), flags.filter((f) => !f.startsWith('--')));
else console.log('usage: face-heads.ts collect <faces.json> [path prefix] | train <faces.json>[,<more.json>] [--held-out] [--write] [attribute...]');
