/**
 * Gender and AgeRange on the hand labels of bench/labels/face-attributes.json: how the two age and
 * gender nets in the tree (human's FaceRes, which DetectFaces uses, and face-api's small net, which
 * the label pipeline uses), their mirrored crops, other crops and other ways to build the range
 * compare, chosen on dev and checked on held-out.
 *
 *   REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/face-age-gender.ts collect age-gender.json
 *   npx tsx bench/face-age-gender.ts evaluate age-gender.json               # dev only
 *   npx tsx bench/face-age-gender.ts evaluate age-gender.json --held-out    # and held-out, once
 *
 * `collect` runs the face task in this process on each labelled photo, with DetectFaces ALL's
 * models and detection gates but without its profile search, face checks and tiles (so faces only
 * FaceBoxes or a tile finds are not collected), matches the faces found to the labels
 * (bench/faces-scoring.ts), and for every matched face also
 * runs: FaceRes on the mirror of the input the task gave it (view `task`: human's 192 px detector
 * crop before the upright 1.3x crop was adopted, that crop since); FaceRes on upright squares cut around the mesh
 * (several sizes, and their mirrors); face-api's age/gender net on the label pipeline's crop and on
 * the upright square (and mirrors). It keeps the outputs and each net's time per run in a file
 * outside the repository. `evaluate` scores every combination offline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as TfCore from '@tensorflow/tfjs-core';
import { detectFacesTask, type RawFace } from '../models/tasks/faces';
import { REGIONS } from '../models/face-regions';
import { ageAndGender, AGE_GENDER_INPUT, mirrorChip, warp } from '../models/runtime/faceapi';
import { getHuman, exclusive } from '../models/runtime/human';
import { FACE_GATES } from '../src/analysis/faces';
import { fitRgb, loadImage, type RgbPixels } from '../src/media/image';
import { defaultConfig } from '../src/runtime/config';
import { MemoryBudget } from '../src/runtime/memory-budget';
import { SdkClients } from '../src/runtime/sdk-clients';
import { fitLogistic } from './face-heads-fit';
import { fetchNpmPhotos, labelledPhotoPath, npmPhotosFolder } from './npm-photos';
import { isTightCrop, matchFaces, npmPhotoOf, splitKey, splitOf, type Box, type FaceLabel } from './faces-scoring';

const labelsFile = fileURLToPath(new URL('./labels/face-attributes.json', import.meta.url));

/** One net's answer on one view of a face: P(male), and an age distribution (FaceRes) or age in years (face-api). */
interface View {
  male: number;
  age?: number[];
  years?: number;
}

interface Sample {
  file: string;
  label: number;
  views: Record<string, View>;
}

interface Collected {
  samples: Sample[];
  /** Milliseconds per run of each net (median over the runs of this collection). */
  ms: Record<string, number>;
}

/** Sides of the upright squares cut for FaceRes, over the mesh box's longer side. */
const FACERES_SCALES = [1.1, 1.3, 1.6];
const FACERES_INPUT = 224;
/** The label pipeline's face-api crop (models/tasks/vision.ts). */
const FACEAPI_SCALE = 1.2;

type Point = [number, number];
const point = (mesh: number[], i: number): Point => [mesh[3 * i], mesh[3 * i + 1]];

function meshExtent(mesh: number[]): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < 468; i++) {
    const [x, y] = point(mesh, i);
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
}

function meshBox(mesh: number[], scale: number): Box {
  const [x0, y0, x1, y1] = meshExtent(mesh);
  return { left: x0 * scale, top: y0 * scale, width: (x1 - x0) * scale, height: (y1 - y0) * scale };
}

/** A square of `scale` times the mesh box's longer side around its centre, turned upright by the eye line when `upright`. */
function squareCrop(rgb: RgbPixels, mesh: number[], scale: number, size: number, upright: boolean): Float32Array {
  const [x0, y0, x1, y1] = meshExtent(mesh);
  const mid = (a: Point, b: Point): Point => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  let l = mid(point(mesh, 33), point(mesh, 133)), r = mid(point(mesh, 263), point(mesh, 362));
  if (l[0] > r[0]) [l, r] = [r, l];
  const roll = upright ? Math.atan2(r[1] - l[1], r[0] - l[0]) : 0;
  const k = (scale * Math.max(x1 - x0, y1 - y0)) / size;
  const a = k * Math.cos(roll), b = k * Math.sin(roll), h = size / 2;
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  return warp(rgb, { a, b, tx: cx - (a * h - b * h), ty: cy - (b * h + a * h) }, size);
}

// ---------------------------------------------------------------------------------------------
// collect

type GraphModel = { execute(input: TfCore.Tensor): TfCore.Tensor | TfCore.Tensor[] };

async function collect(out: string): Promise<void> {
  const dir = process.env.REKOGNITION_DEV_DATA;
  if (!dir) throw new Error('set REKOGNITION_DEV_DATA to the development-data folder (bench/labels/README.md)');
  const labels = JSON.parse(readFileSync(labelsFile, 'utf8')) as FaceLabel[];
  const files = [...new Set(labels.map((l) => l.file))].sort();
  const ctx = { config: defaultConfig, clients: new SdkClients(), decodes: new MemoryBudget(1 << 30), region: 'us-east-1' };
  fetchNpmPhotos(npmPhotosFolder(), files.filter((f) => npmPhotoOf(f)));
  const taskCtx = { reportModelState: () => undefined };

  // FaceRes as the face task loads it; its inputs are kept so they can be run again mirrored
  const human = await getHuman();
  const tf = human.tf as typeof TfCore;
  await exclusive(() => human.load({ face: { enabled: true, description: { enabled: true } } }));
  const model = human.models.models.faceres as GraphModel;
  const execute = model.execute.bind(model);
  let inputs: TfCore.Tensor[] = [];
  model.execute = (input) => {
    inputs.push(tf.keep(tf.clone(input)));
    return execute(input);
  };
  const times: Record<string, number[]> = { faceres: [], faceapi: [] };
  const faceRes = async (input: TfCore.Tensor): Promise<View> => {
    const started = performance.now();
    const outs = execute(input) as TfCore.Tensor[];
    const male = (await outs.find((t) => t.shape[1] === 1)!.data())[0];
    const age = Array.from(await outs.find((t) => t.shape[1] === 100)!.data());
    times.faceres.push(performance.now() - started);
    tf.dispose(outs);
    return { male, age };
  };
  const faceApi = async (crop: Float32Array): Promise<View> => {
    const started = performance.now();
    const { age, male } = await ageAndGender(crop);
    times.faceapi.push(performance.now() - started);
    return { male, years: age };
  };

  const samples: Sample[] = [];
  for (const file of files) {
    const image = await loadImage({ Bytes: readFileSync(labelledPhotoPath(dir, file)) }, ctx);
    const rgb = await fitRgb(await image.rgb(), 2048);
    const scale = image.width / rgb.width;
    inputs = [];
    const pixels = new Uint8Array(rgb.data).buffer;
    const { faces } = await detectFacesTask({ pixels, width: rgb.width, height: rgb.height, emotion: true, ageGender: true, regions: REGIONS, gates: [...FACE_GATES] }, taskCtx);
    if (inputs.length !== faces.length) throw new Error(`${file}: ${inputs.length} FaceRes inputs for ${faces.length} faces`);
    const indexed = labels.map((l, i) => ({ l, i })).filter(({ l }) => l.file === file);
    const m = matchFaces(indexed.map(({ l }) => l.box), faces.map((f) => meshBox(f.mesh, scale)), isTightCrop(file));
    // the task's mesh is in the caller's pixels even when it padded the image; crops below use the same pixels
    for (const [l, d] of m.pairs) {
      const face: RawFace = faces[d];
      const views: Record<string, View> = { task: { male: face.male!, age: face.age! } };
      const mirrored = tf.reverse(inputs[d], 2);
      views['task-mirror'] = await faceRes(mirrored);
      mirrored.dispose();
      for (const s of FACERES_SCALES) {
        const crop = squareCrop(rgb, face.mesh, s, FACERES_INPUT, true);
        for (const [name, data] of [[`up${s}`, crop], [`up${s}-mirror`, mirrorChip(crop, FACERES_INPUT)]] as const) {
          const t = tf.tensor4d(data, [1, FACERES_INPUT, FACERES_INPUT, 3]);
          views[name] = await faceRes(t);
          t.dispose();
        }
      }
      const label = squareCrop(rgb, face.mesh, FACEAPI_SCALE, AGE_GENDER_INPUT, false);
      const upright = squareCrop(rgb, face.mesh, FACEAPI_SCALE, AGE_GENDER_INPUT, true);
      views.fa = await faceApi(label);
      views['fa-mirror'] = await faceApi(mirrorChip(label, AGE_GENDER_INPUT));
      views['fa-up'] = await faceApi(upright);
      views['fa-up-mirror'] = await faceApi(mirrorChip(upright, AGE_GENDER_INPUT));
      samples.push({ file, label: indexed[l].i, views });
    }
    tf.dispose(inputs);
    process.stdout.write('.');
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const ms = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, +median(v).toFixed(1)]));
  samples.sort((a, b) => a.label - b.label);
  writeFileSync(out, JSON.stringify({ samples, ms } satisfies Collected));
  console.log(`\n${samples.length} matched faces of ${labels.length} labels in ${files.length} photos -> ${out}; ms per run ${JSON.stringify(ms)}`);
}

// ---------------------------------------------------------------------------------------------
// evaluate

const logit = (p: number) => Math.log(Math.max(1e-6, p) / Math.max(1e-6, 1 - p));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const pct = (hits: number, total: number) => `${hits}/${total} ${total ? ((100 * hits) / total).toFixed(1) : '-'}%`;

const FOLDS = 5;
const REPEATS = 3;
/** Deterministic fold of a group key, one assignment per repeat (as bench/face-heads.ts). */
const foldOf = (key: string, repeat: number) => [...key].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261 + repeat) % FOLDS;

/** Mean P(male) of the named views. */
const meanMale = (s: Sample, views: string[]) => views.reduce((t, v) => t + s.views[v].male, 0) / views.length;
/** Mean of the views' logits, as a probability. */
const logitMeanMale = (s: Sample, views: string[]) => sigmoid(views.reduce((t, v) => t + logit(s.views[v].male), 0) / views.length);

/** Mean age of a FaceRes distribution (years 0-99). */
function distMean(age: number[]): number {
  const total = age.reduce((t, p) => t + p, 0) || 1;
  return age.reduce((t, p, i) => t + p * i, 0) / total;
}
/** The q-quantile (a year) of a distribution, as src/analysis/faces.ts ageRange reads it. */
function quantile(age: number[], q: number): number {
  const total = age.reduce((t, p) => t + p, 0) || 1;
  let c = 0;
  for (let i = 0; i < age.length; i++) {
    c += age[i] / total;
    if (c >= q) return i;
  }
  return age.length - 1;
}
/** Element-wise mean of distributions. */
const meanDist = (ds: number[][]) => ds[0].map((_, i) => ds.reduce((t, d) => t + d[i], 0) / ds.length);

interface Range {
  low: number;
  high: number;
}

function genderReport(rows: { s: Sample; male: boolean }[], heldOut: { s: Sample; male: boolean }[] | undefined): void {
  console.log(`\nGender (${rows.length} dev faces, ${rows.filter((r) => !r.male).length} female${heldOut ? `; held-out ${heldOut.length}, ${heldOut.filter((r) => !r.male).length} female` : ''})`);
  const fixed: [string, (s: Sample) => number][] = [
    ['FaceRes, the face task\'s crop', (s) => s.views.task.male],
    ['FaceRes, the face task\'s crop + mirror', (s) => meanMale(s, ['task', 'task-mirror'])],
    ...FACERES_SCALES.flatMap((k): [string, (s: Sample) => number][] => [
      [`FaceRes, upright ${k}x`, (s) => s.views[`up${k}`].male],
      [`FaceRes, upright ${k}x + mirror`, (s) => meanMale(s, [`up${k}`, `up${k}-mirror`])],
    ]),
    ['face-api, label crop', (s) => s.views.fa.male],
    ['face-api, label crop + mirror', (s) => meanMale(s, ['fa', 'fa-mirror'])],
    ['face-api, upright', (s) => s.views['fa-up'].male],
    ['face-api, upright + mirror', (s) => meanMale(s, ['fa-up', 'fa-up-mirror'])],
    ['mean P: FaceRes task + face-api label', (s) => meanMale(s, ['task', 'fa'])],
    ['mean P: FaceRes task + face-api upright', (s) => meanMale(s, ['task', 'fa-up'])],
    ['mean logit: FaceRes task + face-api label', (s) => logitMeanMale(s, ['task', 'fa'])],
    ['mean logit: FaceRes task + face-api upright', (s) => logitMeanMale(s, ['task', 'fa-up'])],
    ['mean P: task + face-api upright + mirror', (s) => meanMale(s, ['task', 'fa-up', 'fa-up-mirror'])],
    ['mean P: task + mirror + face-api both', (s) => meanMale(s, ['task', 'task-mirror', 'fa-up', 'fa-up-mirror'])],
  ];
  for (const [name, p] of fixed) {
    const hits = rows.filter((r) => (p(r.s) >= 0.5) === r.male).length;
    const ho = heldOut ? `  held-out ${pct(heldOut.filter((r) => (p(r.s) >= 0.5) === r.male).length, heldOut.length)}` : '';
    const wrong = rows.filter((r) => (p(r.s) >= 0.5) !== r.male).map((r) => `${r.s.file.split('/').slice(-2).join('/')}`);
    console.log(`  ${name.padEnd(46)} dev ${pct(hits, rows.length)}${ho}   misses: ${wrong.join(' ')}`);
  }
  // logistic combinations of the nets' logits, fitted on dev with grouped cross-validation
  const combos: [string, string[]][] = [
    ['logistic: FaceRes task + face-api label', ['task', 'fa']],
    ['logistic: FaceRes task + face-api upright', ['task', 'fa-up']],
    ['logistic: task, task mirror, fa-up, fa-up mirror', ['task', 'task-mirror', 'fa-up', 'fa-up-mirror']],
  ];
  for (const [name, views] of combos) {
    const x = (s: Sample) => views.map((v) => logit(s.views[v].male));
    for (const lambda of [0.1, 1, 10]) {
      let hits = 0, total = 0;
      for (let f = 0; f < FOLDS * REPEATS; f++) {
        const k = f % FOLDS, rep = Math.floor(f / FOLDS);
        const train = rows.filter((r) => foldOf(splitKey(r.s.file), rep) !== k);
        const test = rows.filter((r) => foldOf(splitKey(r.s.file), rep) === k);
        if (!test.length) continue;
        const head = fitLogistic(train.map((r) => x(r.s)), train.map((r) => +r.male), lambda);
        for (const r of test) {
          hits += +((applyHead(head, x(r.s)) >= 0.5) === r.male);
          total++;
        }
      }
      const head = fitLogistic(rows.map((r) => x(r.s)), rows.map((r) => +r.male), lambda);
      const ho = heldOut ? `  held-out ${pct(heldOut.filter((r) => (applyHead(head, x(r.s)) >= 0.5) === r.male).length, heldOut.length)}` : '';
      console.log(`  ${`${name} λ=${lambda}`.padEnd(46)} dev CV ${((100 * hits) / total).toFixed(1)}% (${REPEATS} fold sets)${ho}  weights ${head.weights.map((w, i) => (w / head.std[i]).toFixed(2)).join(' ')}`);
    }
  }
}

function applyHead(head: { mean: number[]; std: number[]; weights: number[]; bias: number }, x: number[]): number {
  return sigmoid(head.bias + x.reduce((t, v, i) => t + head.weights[i] * ((v - head.mean[i]) / head.std[i]), 0));
}

function ageReport(rows: { s: Sample; age: number }[], heldOut: { s: Sample; age: number }[] | undefined): void {
  console.log(`\nAgeRange (${rows.length} dev faces with an age estimate${heldOut ? `, ${heldOut.length} held-out` : ''}; no label has a known true age: "contains" is against the labeller's estimate)`);
  const point = {
    'FaceRes median': (s: Sample) => quantile(s.views.task.age!, 0.5),
    'FaceRes mean': (s: Sample) => distMean(s.views.task.age!),
    'FaceRes+mirror mean': (s: Sample) => distMean(meanDist([s.views.task.age!, s.views['task-mirror'].age!])),
    'FaceRes upright 1.3 mean': (s: Sample) => distMean(s.views['up1.3'].age!),
    'face-api label': (s: Sample) => s.views.fa.years!,
    'face-api upright': (s: Sample) => s.views['fa-up'].years!,
    'face-api upright+mirror': (s: Sample) => (s.views['fa-up'].years! + s.views['fa-up-mirror'].years!) / 2,
    'mean FaceRes mean, face-api label': (s: Sample) => (distMean(s.views.task.age!) + s.views.fa.years!) / 2,
    'mean FaceRes mean, face-api upright': (s: Sample) => (distMean(s.views.task.age!) + s.views['fa-up'].years!) / 2,
  } as Record<string, (s: Sample) => number>;
  console.log('  point estimates: mean absolute error and mean signed error (estimate - label), dev' + (heldOut ? ' | held-out' : ''));
  for (const [name, f] of Object.entries(point)) {
    const err = (rs: typeof rows) => [rs.reduce((t, r) => t + Math.abs(f(r.s) - r.age), 0) / rs.length, rs.reduce((t, r) => t + f(r.s) - r.age, 0) / rs.length];
    const [mae, bias] = err(rows);
    const ho = heldOut ? ` | ${err(heldOut).map((v) => v.toFixed(1)).join(' ')}` : '';
    console.log(`    ${name.padEnd(40)} MAE ${mae.toFixed(1)}  bias ${bias.toFixed(1)}${ho}`);
  }
  const ranges: [string, (s: Sample) => Range][] = [];
  for (const q of [0.25, 0.2, 0.15, 0.1]) ranges.push([`FaceRes ${100 * q}-${100 - 100 * q}th pct${q === 0.25 ? ' (before)' : ''}`, (s) => ({ low: quantile(s.views.task.age!, q), high: quantile(s.views.task.age!, 1 - q) })]);
  for (const q of [0.25, 0.2, 0.15]) ranges.push([`FaceRes+mirror ${100 * q}-${100 - 100 * q}th pct`, (s) => { const d = meanDist([s.views.task.age!, s.views['task-mirror'].age!]); return { low: quantile(d, q), high: quantile(d, 1 - q) }; }]);
  for (const [pname, f] of Object.entries(point)) {
    for (const w of [4, 5, 6]) ranges.push([`${pname} ±${w}`, (s) => ({ low: Math.max(0, Math.floor(f(s) - w)), high: Math.ceil(f(s) + w) })]);
    for (const r of [0.15, 0.2, 0.22, 0.25]) ranges.push([`${pname} ×(1±${r})`, (s) => ({ low: Math.max(0, Math.floor(f(s) * (1 - r))), high: Math.ceil(f(s) * (1 + r)) })]);
  }
  console.log('  ranges: contains the labelled estimate exactly, within ±5, mean width (High - Low); dev' + (heldOut ? ' | held-out' : ''));
  const score = (rs: typeof rows, g: (s: Sample) => Range) => {
    let exact = 0, near = 0, width = 0;
    for (const r of rs) {
      const { low, high } = g(r.s);
      exact += +(r.age >= low && r.age <= high);
      near += +(r.age >= low - 5 && r.age <= high + 5);
      width += high - low;
    }
    return `${pct(exact, rs.length).padEnd(14)} ±5 ${pct(near, rs.length).padEnd(14)} width ${(width / rs.length).toFixed(1)}`;
  };
  for (const [name, g] of ranges) console.log(`    ${name.padEnd(44)} ${score(rows, g)}${heldOut ? ` | ${score(heldOut, g)}` : ''}`);
}

function evaluate(cache: string, heldOut: boolean): void {
  const labels = JSON.parse(readFileSync(labelsFile, 'utf8')) as FaceLabel[];
  const { samples, ms } = JSON.parse(readFileSync(cache, 'utf8')) as Collected;
  console.log(`${samples.length} matched faces; ms per run: ${JSON.stringify(ms)}`);
  const of = (split: string) => samples.filter((s) => splitOf(s.file) === split);
  const genderRows = (ss: Sample[]) => ss.filter((s) => !labels[s.label].uncertain.includes('gender')).map((s) => ({ s, male: labels[s.label].gender === 'Male' }));
  const ageRows = (ss: Sample[]) => ss.filter((s) => !labels[s.label].uncertain.includes('ageEstimate')).map((s) => ({ s, age: labels[s.label].ageEstimate }));
  const known = samples.filter((s) => labels[s.label].ageKnown).length;
  console.log(`faces whose label has a known true age: ${known}`);
  genderReport(genderRows(of('dev')), heldOut ? genderRows(of('held-out')) : undefined);
  ageReport(ageRows(of('dev')), heldOut ? ageRows(of('held-out')) : undefined);
}

const [command, file, ...flags] = process.argv.slice(2);
if (command === 'collect' && file) await collect(file);
else if (command === 'evaluate' && file) evaluate(file, flags.includes('--held-out'));
else console.log('usage: face-age-gender.ts collect <age-gender.json> | evaluate <age-gender.json> [--held-out]');
