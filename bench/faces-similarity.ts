/**
 * Same-person similarity across pose, lighting and size: every identity photo of the development
 * data, and edited copies of it (mirrored, rolled 20 degrees either way, darkened, halved, and the
 * head turned 25 and 40 degrees either way by bench/head-turn.ts), each embedded the way IndexFaces
 * embeds a face. Compares face-api's descriptor alone (as before the combined descriptor), the
 * ArcFace-style net's alone, and the combined descriptor CompareFaces and collections use
 * (src/analysis/faces.ts, identityDescriptor). Prints, per descriptor, the share of same-person
 * pairs (different photos) at or above Similarity 80 and the different-person pairs above it, the
 * same-person pairs accepted at face-api's false accepts, the fewest errors at any threshold,
 * SearchFacesByImage top-1 (each photo or edit against the originals of every other photo), and
 * per edit the same-person pairs at 80 against the other photos' originals.
 *
 * Runs the face models in this thread, one image at a time. The photos are not in the repository:
 * `REKOGNITION_DEV_DATA=/path/to/data npm run bench -- faces-similarity`.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { arcFaceDescriptor } from '../models/runtime/arcface';
import { detectFacesTask, faceLandmarks68 } from '../models/tasks/faces';
import { CHIP_SIZE, chipTransform, descriptors, getFaceApi, mirrorChip, warp } from '../models/runtime/faceapi';
import type { TaskContext } from '../models/tasks/index';
import { distanceAt80, faceDistance, identityDescriptor, IDENTITY_DIMENSIONS, FACEAPI_DIMENSIONS } from '../src/analysis/faces';
import { turnHead } from './head-turn';

type Rgb = { data: Uint8Array; width: number; height: number };

const EDITS = ['original', 'mirrored', 'roll+20', 'roll-20', 'dark', 'half', 'turn-25', 'turn+25', 'turn-40', 'turn+40'] as const;
type Edit = (typeof EDITS)[number];

async function edited(file: string, edit: Edit): Promise<Rgb | undefined> {
  if (edit.startsWith('turn')) {
    const rgb = (await edited(file, 'original'))!;
    const face = await largestFace(rgb);
    return face && turnHead(rgb, face.mesh, Number(edit.slice(4)));
  }
  let img = sharp(file).removeAlpha().toColourspace('srgb');
  const meta = await sharp(file).metadata();
  if (edit === 'mirrored') img = img.flop();
  if (edit === 'roll+20') img = img.rotate(20, { background: '#808080' });
  if (edit === 'roll-20') img = img.rotate(-20, { background: '#808080' });
  if (edit === 'dark') img = img.linear(0.45, 0).gamma(2.2, 1.6);
  if (edit === 'half') {
    // Only where half size still leaves a face of 40 px or more.
    if ((meta.width ?? 0) < 400) return undefined;
    img = img.resize({ width: Math.round((meta.width ?? 0) / 2) });
  }
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

const ctx = { reportModelState: () => undefined } as unknown as TaskContext;

async function largestFace(rgb: Rgb) {
  const { faces } = await detectFacesTask({ pixels: rgb.data.slice().buffer, width: rgb.width, height: rgb.height, gates: [{ mesh: 0.7, detector: 0 }] }, ctx);
  const width = (m: number[]) => {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < 468; i++) [lo, hi] = [Math.min(lo, m[3 * i]), Math.max(hi, m[3 * i])];
    return hi - lo;
  };
  return faces.length ? faces.reduce((p, q) => (width(q.mesh) > width(p.mesh) ? q : p)) : undefined;
}

interface Descriptors {
  faceapi: number[];
  arcface: number[];
}

async function describe(rgb: Rgb): Promise<Descriptors | undefined> {
  const face = await largestFace(rgb);
  if (!face) return undefined;
  const points = await faceLandmarks68(rgb, face.mesh);
  const chip = warp(rgb, chipTransform(points), CHIP_SIZE);
  const [plain, mirrored] = await descriptors([chip, mirrorChip(chip)]);
  return { faceapi: mean([plain, mirrored]), arcface: await arcFaceDescriptor(rgb, points) };
}

const mean = (vs: number[][]) => vs[0].map((_, i) => vs.reduce((s, v) => s + v[i], 0) / vs.length);

const METHODS: Record<string, (d: Descriptors) => number[]> = {
  'face-api': (d) => d.faceapi,
  arcface: (d) => d.arcface,
  combined: (d) => identityDescriptor(d.faceapi, d.arcface),
};

interface Sample {
  identity: string;
  photo: string;
  edit: Edit;
  d: Descriptors;
}

export async function benchFacesSimilarity(): Promise<void> {
  const root = process.env.REKOGNITION_DEV_DATA;
  if (!root) {
    console.log('faces-similarity needs the development photos: REKOGNITION_DEV_DATA=/path/to/data npm run bench -- faces-similarity');
    return;
  }
  await getFaceApi();
  const samples: Sample[] = [];
  let missed = 0;
  for (const set of readdirSync(join(root, 'faces'))) {
    for (const identity of readdirSync(join(root, 'faces', set))) {
      const dir = join(root, 'faces', set, identity);
      if (!statSync(dir).isDirectory()) continue;
      for (const photo of readdirSync(dir)) {
        for (const edit of EDITS) {
          const rgb = await edited(join(dir, photo), edit);
          if (!rgb) continue;
          const d = await describe(rgb);
          if (d) samples.push({ identity: `${set}/${identity}`, photo: `${set}/${identity}/${photo}`, edit, d });
          else missed++;
        }
      }
    }
  }
  console.log(`${samples.length} faces embedded (${new Set(samples.map((s) => s.photo)).size} photos x edits), ${missed} edits without a face found`);
  const below = (sorted: number[], t: number) => {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (sorted[m] <= t) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  /** face-api's false accepts at 80: the ArcFace-style descriptor alone, which has no calibration, is read at that many. */
  let faceApiFalse = 0;
  const pctOf = (n: number, of: number) => `${((100 * n) / of).toFixed(2)}%`;
  for (const [name, embed] of Object.entries(METHODS)) {
    const e = samples.map((s) => embed(s.d));
    const sameD: number[] = [], diffD: number[] = [], sameEditedD: number[] = [];
    for (let i = 0; i < samples.length; i++) {
      for (let j = i + 1; j < samples.length; j++) {
        if (samples[i].photo === samples[j].photo) continue;
        const d = faceDistance(e[i], e[j]);
        if (samples[i].identity !== samples[j].identity) diffD.push(d);
        else {
          sameD.push(d);
          if (samples[i].edit !== 'original' || samples[j].edit !== 'original') sameEditedD.push(d);
        }
      }
    }
    for (const list of [sameD, diffD, sameEditedD]) list.sort((x, y) => x - y);
    const calibrated = e[0].length === FACEAPI_DIMENSIONS || e[0].length === IDENTITY_DIMENSIONS;
    if (name === 'face-api') faceApiFalse = below(diffD, distanceAt80(FACEAPI_DIMENSIONS));
    const equalFalse = diffD[Math.max(0, faceApiFalse - 1)];
    const at80 = calibrated ? distanceAt80(e[0].length) : equalFalse;
    let bestT = 0, bestErr = Infinity;
    for (const t of [...sameD, ...diffD.slice(0, 5000)]) {
      const err = sameD.length - below(sameD, t) + below(diffD, t);
      if (err < bestErr) [bestErr, bestT] = [err, t];
    }
    // top-1: each sample against the originals of every other photo
    let top1 = 0, queries = 0;
    const gallery = samples.map((_, i) => i).filter((i) => samples[i].edit === 'original');
    for (let q = 0; q < samples.length; q++) {
      const candidates = gallery.filter((g) => samples[g].photo !== samples[q].photo);
      if (!candidates.some((g) => samples[g].identity === samples[q].identity)) continue;
      const best = candidates.reduce((x, y) => (faceDistance(e[q], e[y]) < faceDistance(e[q], e[x]) ? y : x));
      queries++;
      if (samples[best].identity === samples[q].identity) top1++;
    }
    console.log(
      `${name.padEnd(9)} ${calibrated ? `Similarity 80 at distance ${at80}` : `no calibration: read at face-api's false accepts, distance ${at80.toFixed(3)}`}: ` +
        `same-person pairs ${sameD.length}, accepted ${pctOf(below(sameD, at80), sameD.length)} (edited ${pctOf(below(sameEditedD, at80), sameEditedD.length)}); ` +
        `different-person pairs ${diffD.length}, accepted ${below(diffD, at80)} | at face-api's ${faceApiFalse} false accepts (distance ${equalFalse.toFixed(3)}) same accepted ${below(sameD, equalFalse)} | ` +
        `fewest errors ${bestErr} (at ${bestT.toFixed(3)}) | top-1 ${top1}/${queries}`,
    );
    for (const edit of EDITS) {
      const rows: number[] = [];
      for (let i = 0; i < samples.length; i++) {
        if (samples[i].edit !== edit) continue;
        for (let j = 0; j < samples.length; j++) if (samples[j].edit === 'original' && samples[j].identity === samples[i].identity && samples[j].photo !== samples[i].photo) rows.push(faceDistance(e[i], e[j]));
      }
      rows.sort((x, y) => x - y);
      if (rows.length) console.log(`    ${edit.padEnd(9)} vs other originals: ${rows.length} pairs, accepted ${pctOf(below(rows, at80), rows.length)}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchFacesSimilarity();
