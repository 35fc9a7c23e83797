/**
 * Trains the face-attribute heads (src/analysis/face-heads.ts) on the hand labels of
 * bench/labels/face-attributes.json, dev split only, and compares each with the rule it would
 * replace (src/analysis/faces.ts).
 *
 *   REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/face-heads.ts collect faces.json [path prefix[,prefix...]]
 *   REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/face-heads.ts collect-drawn drawn.json    # dev faces with sunglasses drawn on
 *   REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/face-heads.ts collect-grain grain.json    # every labelled photo with camera grain added
 *   REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/face-heads.ts collect-small small.json    # every labelled photo shrunk, its faces 36-60 px
 *   npx tsx bench/face-heads.ts train faces.json                 # dev cross-validation only
 *   npx tsx bench/face-heads.ts train old.json,new.json          # several collections together
 *   npx tsx bench/face-heads.ts train faces.json --held-out      # and the held-out check, once
 *   npx tsx bench/face-heads.ts train faces.json --write         # writes src/analysis/face-heads.json
 *   npx tsx bench/face-heads.ts train faces.json --sets=rules+shape,faceres beard   # only these feature sets, for Beard
 *   npx tsx bench/face-heads.ts check new.json                   # the rules and shipped answers on collected faces
 *
 * `collect` runs the face task (every model, as DetectFaces ALL with embeddings, with DetectFaces'
 * own detection settings: profiles, checks and tiles) on each labelled photo and on its mirror
 * image, matches the faces found to the labels with the accuracy bench's rules
 * (bench/faces-scoring.ts), and keeps the raw measurements in a file outside the repository;
 * with path prefixes (e.g. `npm/`, or `npm/a@1.0.0/,npm/b@2.1.0/`), only the photos under them, so new labels can be
 * collected apart (label indices are positions in the file: append new labels at its end).
 * `collect-drawn` does the same on dev faces without sunglasses after drawing a pair on each
 * (bench/draw-sunglasses.ts): Sunglasses training examples, never scored; half of the drawings get
 * camera grain (bench/photo-grain.ts).
 * `collect-grain` collects every labelled photo again with grain added: dev faces are training
 * examples, and both splits' faces show how each answer holds up on a grainy photo (`check`). A
 * clean lens is smooth; the grain of a dim or small photo is not, and a Sunglasses head fitted on
 * clean photos alone read grainy lenses as eyes.
 * `collect-small` does the same with each photo shrunk until its largest face is 36-60 px wide: a
 * face in a group photo or a wide shot. Most labelled faces are large, and the heads read small
 * faces worst.
 * `train` fits an L2-regularised logistic regression for each attribute and candidate feature set;
 * the feature set and the regularisation are chosen by cross-validation inside dev, folds grouped
 * by the split key (one person's photos, and a photo and its mirror, never on both sides).
 * A head is written only for an attribute where it beats the rule in dev cross-validation.
 * `check` scores the rules and the shipped answers (src/analysis/face-heads.json) on the faces of a
 * collection, per split: on labels collected apart after the heads were chosen, an untouched test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelsClient } from '../models/client';
import type { RawFace } from '../models/tasks/faces';
import { buildFace, detectionSettings, resolveAttributes } from '../src/analysis/faces';
import { HEAD_ATTRIBUTES, HEAD_TARGETS, headFeatures, headProbability, type FaceHead, type FaceHeads, type FeatureGroup, type HeadAttribute } from '../src/analysis/face-heads';
import sharp from 'sharp';
import { seededRandom, sunglassesSvg, type Reflection } from './draw-sunglasses';
import { fitLogistic } from './face-heads-fit';
import { randomGrain, shrunkCopy } from './photo-grain';
import { fitRgb, loadImage, type RgbPixels } from '../src/media/image';
import { defaultConfig } from '../src/runtime/config';
import { MemoryBudget } from '../src/runtime/memory-budget';
import { SdkClients } from '../src/runtime/sdk-clients';
import { fetchNpmPhotos, labelledPhotoPath, npmPhotosFolder } from './npm-photos';
import { expectedValue, isTightCrop, matchFaces, npmPhotoOf, rawFaceBox, splitKey, splitOf, type FaceLabel } from './faces-scoring';

const labelsFile = fileURLToPath(new URL('./labels/face-attributes.json', import.meta.url));
const noFaceFile = fileURLToPath(new URL('./labels/no-face.json', import.meta.url));
const headsFile = fileURLToPath(new URL('../src/analysis/face-heads.json', import.meta.url));


/** Feature sets tried for every attribute (few, so that choosing among them does not overfit dev). */
const CANDIDATES: FeatureGroup[][] = [['rules'], ['rules', 'emotion'], ['rules', 'shape'], ['rules', 'texture'], ['rules', 'lowerFace'], ['rules', 'eyes'], ['rules', 'emotion', 'lowerFace'], ['rules', 'emotion', 'shape'], ['identity'], ['faceres'], ['rules', 'faceres']];
/** Tried too for the attributes of the eyes (the eye band's features are of the eyes only). */
const EYE_CANDIDATES: FeatureGroup[][] = [['eyeBand'], ['rules', 'eyeBand']];
/** Sunglasses: the rules alone stand for the other sets, none of which beat the rule (docs/FACES.md), and each eye-band fit takes seconds. */
function candidatesFor(attribute: HeadAttribute): FeatureGroup[][] {
  if (attribute === 'sunglasses') return [['rules'], ...EYE_CANDIDATES];
  return attribute === 'eyeglasses' ? [...CANDIDATES, ...EYE_CANDIDATES] : CANDIDATES;
}
/**
 * Weight of a face with drawn sunglasses in the fit, against 1 for a photographed face: there are
 * some 40 drawn faces for each real pair of sunglasses, and at full weight the head learns that
 * sunglasses are common (in dev cross-validation, 0.05-0.2 gave the fewest false sunglasses).
 */
const DRAWN_WEIGHT = 0.2;
/** Weight of a photographed face seen again with grain: the same face, so less than a new one (GRAIN_WEIGHT in the environment overrides it, to compare). */
const GRAIN_WEIGHT = Number(process.env.GRAIN_WEIGHT ?? 0.5);
/** Weight of a photographed face seen again shrunk (SMALL_WEIGHT in the environment overrides it, to compare). */
const SMALL_WEIGHT = Number(process.env.SMALL_WEIGHT ?? 0.5);
const weightOf = (sample: Sample) => (sample.drawn ? DRAWN_WEIGHT : sample.grain ? GRAIN_WEIGHT : sample.small ? SMALL_WEIGHT : 1);
/**
 * Probabilities from which a head answers true, chosen with λ by cross-validation. Drawn sunglasses
 * still leave the head's prior higher than the photos' (a dozen real pairs in 279 dev faces), so
 * Sunglasses may ask for more; the chosen threshold goes into the head's bias, so the head still
 * answers at p ≥ 0.5.
 */
const thresholdsFor = (attribute: HeadAttribute) => (attribute === 'sunglasses' ? [0.5, 0.7, 0.9] : [0.5]);
const logit = (p: number) => Math.log(p / (1 - p));
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
  /** Sunglasses were drawn on the face (collect-drawn): a Sunglasses training example only, never scored. */
  drawn?: boolean;
  /** Camera grain was added to the photo (collect-grain): a training example, and scored apart. */
  grain?: boolean;
  /** The photo was shrunk until the face was small (collect-small): a training example, and scored apart. */
  small?: boolean;
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

/** Dev faces from this width (label box, pixels) get sunglasses drawn on them: smaller ones would draw a few blurred pixels. */
const DRAWN_MIN_WIDTH = 40;
/** collect-small: photos whose largest labelled face is this wide or more are shrunk until it is 36-60 px wide, into a photo at least 192 px a side. */
const SMALL_FROM = 72;
const SMALL_WIDTH: [number, number] = [36, 60];
const SMALL_MIN_SIDE = 192;

/** A scene for the lenses to mirror: a dev no-face photo (a street, a skyline, a room), turned around as a mirror does. */
async function reflectionFrom(dir: string, scenes: readonly string[], random: () => number): Promise<Reflection> {
  const file = scenes[Math.floor(random() * scenes.length)];
  const jpeg = await sharp(readFileSync(labelledPhotoPath(dir, file))).flop().resize(160, 100, { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
  return { href: `data:image/jpeg;base64,${jpeg.toString('base64')}`, aspect: 1.6 };
}

/** The photo with sunglasses drawn over the face whose mesh is given (bench/draw-sunglasses.ts), softened as a photo's edges are. */
async function withSunglasses(rgb: RgbPixels, mesh: number[], seed: number, reflection: Reflection): Promise<RgbPixels> {
  const random = seededRandom(seed);
  const svg = sunglassesSvg(mesh, rgb.width, rgb.height, random, reflection);
  const eyeWidth = Math.hypot(mesh[3 * 33] - mesh[3 * 133], mesh[3 * 33 + 1] - mesh[3 * 133 + 1]);
  const overlay = await sharp(Buffer.from(svg)).blur(Math.max(0.3, (eyeWidth / 40) * (0.5 + random()))).png().toBuffer();
  const data = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } }).composite([{ input: overlay }]).removeAlpha().raw().toBuffer();
  return { data: new Uint8Array(data), width: rgb.width, height: rgb.height };
}

/**
 * Runs the face task on each labelled photo (and its mirror) and keeps the faces matched to labels.
 * `drawn`: dev faces without sunglasses only, each with sunglasses drawn on it first (and grain on
 * half of them); `grain`: every photo with grain added; `small`: every photo with a face of
 * SMALL_FROM px or more, shrunk until its largest face is SMALL_WIDTH px wide.
 */
async function collect(out: string, prefix = '', kind: 'plain' | 'drawn' | 'grain' | 'small' = 'plain'): Promise<void> {
  const drawn = kind === 'drawn';
  const dir = process.env.REKOGNITION_DEV_DATA;
  if (!dir) throw new Error('set REKOGNITION_DEV_DATA to the development-data folder (bench/labels/README.md)');
  const labels = readLabels();
  const scenes = (JSON.parse(readFileSync(noFaceFile, 'utf8')) as { file: string }[]).map((p) => p.file).filter((f) => splitOf(f) === 'dev' && !npmPhotoOf(f));
  const drawable = (l: FaceLabel) => splitOf(l.file) === 'dev' && !l.sunglasses && !l.uncertain.includes('sunglasses') && l.box.width >= DRAWN_MIN_WIDTH;
  const files = [...new Set(labels.filter((l) => !drawn || drawable(l)).map((l) => l.file))].filter((f) => prefix.split(',').some((p) => f.startsWith(p))).sort();
  const pool = new ModelsClient();
  const ctx = { config: defaultConfig, clients: new SdkClients(), decodes: new MemoryBudget(1 << 30), region: 'us-east-1' };
  fetchNpmPhotos(npmPhotosFolder(), files.filter((f) => npmPhotoOf(f)));
  const samples: Sample[] = [];
  const measure = async (file: string, rgb: RgbPixels, scale: number, indexed: { l: FaceLabel; i: number }[], extra: Partial<Sample>) => {
    for (const mirrored of [false, true]) {
      const pixels = mirrored ? mirror(rgb) : rgb;
      const { faces } = await pool.run('faces.detect', { image: pixels, emotion: true, ageGender: true, embeddings: true, eyeBand: true, ...detectionSettings() });
      const boxes = indexed.map(({ l }) => (mirrored ? { ...l.box, left: rgb.width * scale - l.box.left - l.box.width } : l.box));
      const m = matchFaces(boxes, faces.map((f) => rawFaceBox(f, scale)), isTightCrop(file));
      for (const [l, d] of m.pairs) samples.push({ file, label: indexed[l].i, mirrored, width: rgb.width, height: rgb.height, face: faces[d], ...extra });
    }
  };
  const tasks = files.map(async (file) => {
    const image = await loadImage({ Bytes: readFileSync(labelledPhotoPath(dir, file)) }, ctx);
    const rgb = await fitRgb(await image.rgb(), 2048);
    const scale = image.width / rgb.width;
    const indexed = labels.map((l, i) => ({ l, i })).filter(({ l }) => l.file === file);
    if (kind === 'grain') return measure(file, await randomGrain(rgb, seededRandom(hashOf(file))), scale, indexed, { grain: true });
    if (kind === 'small') {
      const largest = Math.max(...indexed.map(({ l }) => l.box.width));
      if (largest < SMALL_FROM) return;
      const random = seededRandom(hashOf(file));
      const target = SMALL_WIDTH[0] + (SMALL_WIDTH[1] - SMALL_WIDTH[0]) * random();
      const shrunk = await shrunkCopy(rgb, (target / largest) * scale, SMALL_MIN_SIDE, random);
      // the labels move from the photo's pixels to the copy's: shrunk, then past the added border
      const k = shrunk.scale / scale, [dx, dy] = shrunk.offset;
      const moved = indexed.map(({ l, i }) => ({ i, l: { ...l, box: { left: l.box.left * k + dx, top: l.box.top * k + dy, width: l.box.width * k, height: l.box.height * k } } }));
      return measure(file, shrunk.rgb, 1, moved, { small: true });
    }
    if (!drawn) return measure(file, rgb, scale, indexed, {});
    // draw on each face where DetectFaces' detection finds it, one face per drawing
    const { faces } = await pool.run('faces.detect', { image: rgb, ...detectionSettings() });
    const m = matchFaces(indexed.map(({ l }) => l.box), faces.map((f) => rawFaceBox(f, scale)), isTightCrop(file));
    for (const [l, d] of m.pairs) {
      if (!drawable(indexed[l].l)) continue;
      const seed = indexed[l].i + 1;
      const reflection = await reflectionFrom(dir, scenes, seededRandom(31 * seed + 7));
      const random = seededRandom(97 * seed + 13);
      const drawing = await withSunglasses(rgb, faces[d].mesh, seed, reflection);
      await measure(file, random() < 0.5 ? await randomGrain(drawing, random) : drawing, scale, [indexed[l]], { drawn: true });
    }
  });
  await Promise.all(tasks);
  await pool.close();
  samples.sort((a, b) => a.label - b.label || Number(a.mirrored) - Number(b.mirrored));
  writeFileSync(out, JSON.stringify(samples));
  console.log(`${samples.length} matched faces (originals and mirrors${{ plain: '', drawn: ', sunglasses drawn', grain: ', grain added', small: ', shrunk' }[kind]}) of ${labels.length} labels in ${files.length} photos -> ${out}`);
}

// ---------------------------------------------------------------------------------------------
// train

/** What DetectFaces answers for a face with these heads; without any, what today's rules answer. */
function answerOf(sample: Sample, attribute: HeadAttribute, heads: FaceHeads = {}): boolean {
  const detail = buildFace(sample.face, sample.width, sample.height, resolveAttributes(['ALL']), heads).detail;
  return detail[HEAD_TARGETS[attribute].member]?.Value === true;
}

/** The heads in src/analysis/face-heads.json as they are now. */
const readHeads = () => JSON.parse(readFileSync(headsFile, 'utf8')) as FaceHeads;
const readLabels = () => JSON.parse(readFileSync(labelsFile, 'utf8')) as FaceLabel[];
/** The samples of one or more collections (comma-separated files). */
const readSamples = (caches: string) => caches.split(',').flatMap((cache) => JSON.parse(readFileSync(cache, 'utf8')) as Sample[]);

interface Row {
  sample: Sample;
  truth: boolean;
  group: string;
}

/** A 32-bit FNV-1a hash of a string, from a seed (the grain of a photo, the folds). */
const hashOf = (key: string, seed = 2166136261) => [...key].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, seed);

/** Deterministic fold of a group key, one assignment per repeat. */
const foldOf = (key: string, repeat: number) => hashOf(key, 2166136261 + repeat) % FOLDS;

/** A labelled photo as it is, with grain or shrunk: not a mirror image, not a drawing. */
const original = (sample: Sample) => !sample.mirrored && !sample.drawn;
/** How a photo was seen: as it is, with grain added, or shrunk. */
type Copy = 'clean' | 'grain' | 'small';
const COPIES: readonly Copy[] = ['clean', 'grain', 'small'];
const copyOf = (sample: Sample): Copy => (sample.grain ? 'grain' : sample.small ? 'small' : 'clean');
/** Whether a face is scored: mirrors, drawn sunglasses, grainy and shrunk copies are training data only. */
const scored = (sample: Sample) => original(sample) && copyOf(sample) === 'clean';

/** Cross-validated accuracy at each threshold, on the clean original photos and apart on each kind of copy the rows hold. */
type Validation = { clean: number[] } & Partial<Record<Copy, number[]>>;

/** What a feature set is chosen by: the mean accuracy over the clean photos and each kind of copy (photos come every way). */
const scoreOf = (v: Validation) => {
  const sets = COPIES.map((c) => v[c]).filter((set): set is number[] => set !== undefined);
  return v.clean.map((_, i) => sets.reduce((sum, set) => sum + set[i], 0) / sets.length);
};

/** Cross-validated accuracy on the original photos and, apart, on each kind of copy, over REPEATS fold assignments. */
function crossValidate(rows: Row[], groups: FeatureGroup[], lambda: number, thresholds: readonly number[]): Validation {
  const hits = Object.fromEntries(COPIES.map((c) => [c, thresholds.map(() => 0)])) as Record<Copy, number[]>;
  const totals: Record<Copy, number> = { clean: 0, grain: 0, small: 0 };
  for (let fold = 0; fold < FOLDS * REPEATS; fold++) {
    const k = fold % FOLDS, repeat = Math.floor(fold / FOLDS);
    const train = rows.filter((r) => foldOf(r.group, repeat) !== k);
    const test = rows.filter((r) => foldOf(r.group, repeat) === k && original(r.sample));
    if (!test.length) continue;
    const head = { ...fitLogistic(train.map((r) => headFeatures(r.sample.face, groups)!), train.map((r) => +r.truth), lambda, train.map((r) => weightOf(r.sample))), groups };
    for (const r of test) {
      const p = headProbability(head, headFeatures(r.sample.face, groups)!);
      const copy = copyOf(r.sample);
      thresholds.forEach((t, i) => (hits[copy][i] += +((p >= t) === r.truth)));
      totals[copy]++;
    }
  }
  const validation: Validation = { clean: hits.clean.map((h) => h / totals.clean) };
  for (const copy of COPIES) if (copy !== 'clean' && totals[copy]) validation[copy] = hits[copy].map((h) => h / totals[copy]);
  return validation;
}

const pct = (hits: number, total: number) => `${hits}/${total} ${((100 * hits) / total).toFixed(1)}%`;

function train(caches: string, heldOut: boolean, write: boolean, only: readonly string[], sets?: string[]): void {
  const labels = readLabels();
  const samples = readSamples(caches);
  const shipped = readHeads();
  const heads: Partial<Record<HeadAttribute, FaceHead>> = {};
  const trained = HEAD_ATTRIBUTES.filter((a) => !only.length || only.includes(a));
  for (const attribute of trained) {
    // drawn sunglasses teach Sunglasses only: they say nothing of the other attributes
    const usable = samples.filter((s) => (s.drawn ? attribute === 'sunglasses' : !labels[s.label].uncertain.includes(attribute)));
    const rows = (split: string) =>
      usable.filter((s) => splitOf(s.file) === split).map((sample): Row => ({ sample, truth: sample.drawn || expectedValue(labels[sample.label], attribute), group: splitKey(sample.file) }));
    const dev = rows('dev');
    const devOriginals = dev.filter((r) => scored(r.sample));
    const ruleDev = devOriginals.filter((r) => answerOf(r.sample, attribute) === r.truth).length;
    const positives = devOriginals.filter((r) => r.truth).length;
    console.log(`\n${attribute}: dev ${devOriginals.length} faces (${positives} true), ${dev.length - devOriginals.length} mirrors and drawn; rule on dev ${pct(ruleDev, devOriginals.length)}`);
    const thresholds = thresholdsFor(attribute);
    let best = { score: -1, groups: CANDIDATES[0], lambda: LAMBDAS[0], threshold: 0.5 };
    for (const groups of candidatesFor(attribute).filter((g) => !sets || sets.includes(g.join('+')))) {
      const validations = LAMBDAS.map((lambda) => crossValidate(dev, groups, lambda, thresholds));
      const scores = validations.map(scoreOf);
      const top = scores.map((byThreshold) => Math.max(...byThreshold));
      const i = top.indexOf(Math.max(...top));
      const j = scores[i].indexOf(top[i]);
      const threshold = thresholds[j];
      const shown = thresholds.map((t, k) => `${thresholds.length > 1 ? `p≥${t}: ` : ''}${scores.map((s) => (100 * s[k]).toFixed(1)).join(' ')}`).join(' | ');
      const copies = COPIES.filter((c) => validations[i][c]);
      const parts = copies.length > 1 ? ` (${copies.map((c) => `${c} ${(100 * validations[i][c]![j]).toFixed(1)}`).join(', ')})` : '';
      console.log(`  ${groups.join('+').padEnd(24)} CV ${shown}  best λ=${LAMBDAS[i]}${thresholds.length > 1 ? ` p≥${threshold}` : ''}${parts}`);
      if (top[i] > best.score) best = { score: top[i], groups, lambda: LAMBDAS[i], threshold };
    }
    const fitted = fitLogistic(dev.map((r) => headFeatures(r.sample.face, best.groups)!), dev.map((r) => +r.truth), best.lambda, dev.map((r) => weightOf(r.sample)));
    const head = { ...fitted, bias: fitted.bias - logit(best.threshold), groups: best.groups };
    const beats = best.score > ruleDev / devOriginals.length;
    console.log(`  chosen: ${best.groups.join('+')} λ=${best.lambda} p≥${best.threshold}, dev CV ${(100 * best.score).toFixed(1)}% against the rule's ${((100 * ruleDev) / devOriginals.length).toFixed(1)}%: ${beats ? 'head' : 'rule'}`);
    if (heldOut) {
      for (const copy of COPIES) {
        const test = rows('held-out').filter((r) => original(r.sample) && copyOf(r.sample) === copy);
        if (!test.length) continue;
        const ruleHits = test.filter((r) => answerOf(r.sample, attribute) === r.truth).length;
        const says = (h: FaceHead, r: Row) => headProbability(h, headFeatures(r.sample.face, h.groups)!) >= 0.5;
        const scoredBy = (h: FaceHead) => `${pct(test.filter((r) => says(h, r) === r.truth).length, test.length)} (TP ${test.filter((r) => r.truth && says(h, r)).length}, FP ${test.filter((r) => !r.truth && says(h, r)).length})`;
        const current = shipped[attribute];
        const currentText = current ? `, shipped head ${scoredBy(current)}` : '';
        console.log(`  held-out${copy === 'clean' ? '' : `, ${copy}`} (${test.length} faces, ${test.filter((r) => r.truth).length} true): rule ${pct(ruleHits, test.length)}, head ${scoredBy(head)}${currentText}`);
      }
    }
    if (beats) heads[attribute] = head;
  }
  if (write) {
    const round = (h: FaceHead): FaceHead => ({ groups: h.groups, mean: h.mean.map((v) => +v.toPrecision(6)), std: h.std.map((v) => +v.toPrecision(6)), weights: h.weights.map((v) => +v.toPrecision(6)), bias: +h.bias.toPrecision(6) });
    // attributes not trained in this run keep their head
    const all = readHeads();
    for (const attribute of trained) delete all[attribute];
    for (const attribute of trained) if (heads[attribute]) all[attribute] = round(heads[attribute]);
    const ordered = Object.fromEntries(HEAD_ATTRIBUTES.filter((a) => all[a]).map((a) => [a, all[a]]));
    writeFileSync(headsFile, JSON.stringify(ordered, null, 1) + '\n');
    console.log(`\nwrote ${Object.keys(heads).join(', ') || 'no head'} to ${headsFile}`);
  }
}

// ---------------------------------------------------------------------------------------------
// check

function check(caches: string): void {
  const labels = readLabels();
  const shipped = readHeads();
  // grainy and shrunk copies are scored apart: how each answer holds up on such a photo
  const samples = readSamples(caches).filter(original);
  const sets = COPIES.filter((c) => samples.some((s) => copyOf(s) === c));
  for (const attribute of HEAD_ATTRIBUTES) {
    const known = samples.filter((s) => !labels[s.label].uncertain.includes(attribute));
    for (const copy of sets) {
      for (const split of ['dev', 'held-out', 'both']) {
        const rows = known.filter((s) => copyOf(s) === copy && (split === 'both' || splitOf(s.file) === split));
        const truth = rows.map((s) => expectedValue(labels[s.label], attribute));
        const rule = rows.filter((s, i) => answerOf(s, attribute) === truth[i]).length;
        const now = rows.filter((s, i) => answerOf(s, attribute, shipped) === truth[i]).length;
        const positives = (answer: (s: Sample) => boolean) => `TP ${rows.filter((s, i) => truth[i] && answer(s)).length} FP ${rows.filter((s, i) => !truth[i] && answer(s)).length}`;
        console.log(`${attribute.padEnd(11)} ${(split + (copy === 'clean' ? '' : ` ${copy}`)).padEnd(14)} ${rows.length} faces (${truth.filter(Boolean).length} true): rule ${pct(rule, rows.length)}, shipped ${pct(now, rows.length)} ${positives((s) => answerOf(s, attribute, shipped))}`);
      }
    }
  }
}

const [command, file, ...flags] = process.argv.slice(2);
if (command === 'collect' && file) await collect(file, flags[0]);
else if (command === 'collect-drawn' && file) await collect(file, flags[0], 'drawn');
else if (command === 'collect-grain' && file) await collect(file, flags[0], 'grain');
else if (command === 'collect-small' && file) await collect(file, flags[0], 'small');
else if (command === 'train' && file) {
  const sets = flags.find((f) => f.startsWith('--sets='))?.slice('--sets='.length).split(',');
  const known = new Set([...CANDIDATES, ...EYE_CANDIDATES].map((g) => g.join('+')));
  const unknown = sets?.filter((set) => !known.has(set)) ?? [];
  if (unknown.length) throw new Error(`no candidate feature set ${unknown.join(', ')}: try ${[...known].join(', ')}`);
  train(file, flags.includes('--held-out'), flags.includes('--write'), flags.filter((f) => !f.startsWith('--')), sets);
}
else if (command === 'check' && file) check(file);
else console.log('usage: face-heads.ts check <faces.json>[,<more.json>] | collect <faces.json> [path prefix[,prefix...]] | collect-drawn <drawn.json> [path prefix[,prefix...]] | collect-grain <grain.json> [path prefix[,prefix...]] | collect-small <small.json> [path prefix[,prefix...]] | train <faces.json>[,<more.json>] [--held-out] [--write] [--sets=rules+shape,faceres] [attribute...]');
