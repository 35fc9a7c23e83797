/**
 * Same-person similarity across pose, lighting and size: every identity photo of the development
 * data, and edited copies of it (mirrored, rolled 20 degrees either way, darkened, halved), each
 * embedded the way IndexFaces embeds a face, and with candidate changes to the embedding (the
 * mirrored chip's descriptor averaged in; descriptors of slightly shifted and scaled chips
 * averaged in, as dlib's num_jitters does). Prints, per method, the same-person similarity
 * distribution across different photos and edits, the share of same-person pairs at or above 80
 * and of different-person pairs above 80, and SearchFacesByImage top-1 (each photo or edit against
 * the originals of every other photo).
 *
 * Runs the face models in this thread, one image at a time. The photos are not in the repository:
 * `REKOGNITION_DEV_DATA=/path/to/data npm run bench -- faces-similarity`.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { detectFacesTask } from '../models/tasks/faces';
import { applySimilarity, CHIP_SIZE, chipTransform, descriptors, getFaceApi, LANDMARK_INPUT, landmarks68, mirrorChip, warp, type Similarity2D } from '../models/runtime/faceapi';
import type { TaskContext } from '../models/tasks/index';
import { DISTANCE_AT_80, faceDistance, similarity } from '../src/analysis/faces';

type Rgb = { data: Uint8Array; width: number; height: number };
type Point = [number, number];

const EDITS = ['original', 'mirrored', 'roll+20', 'roll-20', 'dark', 'half'] as const;
type Edit = (typeof EDITS)[number];

async function edited(file: string, edit: Edit): Promise<Rgb | undefined> {
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

const point = (mesh: number[], i: number): Point => [mesh[3 * i], mesh[3 * i + 1]];

/** The 68 landmarks of a face, as models/tasks/faces.ts finds them (mesh box, upright, landmark net). */
async function landmarksOf(rgb: Rgb, mesh: number[]): Promise<Point[]> {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < 468; i++) {
    const [x, y] = point(mesh, i);
    minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  const mid = (a: Point, b: Point): Point => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  let left = mid(point(mesh, 33), point(mesh, 133)), right = mid(point(mesh, 263), point(mesh, 362));
  if (left[0] > right[0]) [left, right] = [right, left];
  const roll = Math.atan2(right[1] - left[1], right[0] - left[0]);
  const scale = (Math.max(maxX - minX, maxY - minY) * 1.5) / LANDMARK_INPUT;
  const a = scale * Math.cos(roll), b = scale * Math.sin(roll), h = LANDMARK_INPUT / 2;
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  const toImage: Similarity2D = { a, b, tx: cx - (a * h - b * h), ty: cy - (b * h + a * h) };
  return (await landmarks68({ data: warp(rgb, toImage, LANDMARK_INPUT), size: LANDMARK_INPUT })).map(([x, y]) => applySimilarity(toImage, x, y) as Point);
}

/** The chip transform scaled about the chip's centre and shifted by (dx, dy) chip pixels. */
function jittered(t: Similarity2D, scale: number, dx: number, dy: number): Similarity2D {
  const c = CHIP_SIZE / 2;
  // chip point u -> c + (u - c) * scale + d, then t
  const a = t.a * scale, b = t.b * scale;
  const ox = c - c * scale + dx, oy = c - c * scale + dy;
  return { a, b, tx: t.a * ox - t.b * oy + t.tx, ty: t.b * ox + t.a * oy + t.ty };
}

interface Descriptors {
  plain: number[];
  mirrored: number[];
  jitter: number[][];
}

async function describe(rgb: Rgb): Promise<Descriptors | undefined> {
  const { faces } = await detectFacesTask({ pixels: rgb.data.slice().buffer, width: rgb.width, height: rgb.height, gates: [{ mesh: 0.7, detector: 0 }] }, ctx);
  if (!faces.length) return undefined;
  const area = (m: number[]) => {
    const xs = [], ys = [];
    for (let i = 0; i < 468; i++) { xs.push(m[3 * i]); ys.push(m[3 * i + 1]); }
    return (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
  };
  const face = faces.reduce((p, q) => (area(q.mesh) > area(p.mesh) ? q : p));
  const t = chipTransform(await landmarksOf(rgb, face.mesh));
  const chip = warp(rgb, t, CHIP_SIZE);
  const jittered2 = ([[1.05, 2, 0], [0.95, -2, 0]] as const).map(([s, dx, dy]) => warp(rgb, jittered(t, s, dx, dy), CHIP_SIZE));
  // Single-chip descriptors (models/runtime/faceapi.ts's `descriptor` is the mirrored mean).
  const [plain, mirrored, ...jitter] = await descriptors([chip, mirrorChip(chip), ...jittered2]);
  return { plain, mirrored, jitter };
}

const mean = (vs: number[][]) => vs[0].map((_, i) => vs.reduce((s, v) => s + v[i], 0) / vs.length);

const METHODS: Record<string, (d: Descriptors) => number[]> = {
  plain: (d) => d.plain,
  'mirror-avg': (d) => mean([d.plain, d.mirrored]),
  'jitter-avg': (d) => mean([d.plain, ...d.jitter]),
  'mirror+jitter': (d) => mean([d.plain, d.mirrored, ...d.jitter]),
};

interface Sample {
  identity: string;
  photo: string;
  edit: Edit;
  d: Descriptors;
}

const pct = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
};

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
  /** The plain descriptor's false accepts at 80: the other methods are also compared at that many. */
  let plainFalse = 0;
  for (const [name, embed] of Object.entries(METHODS)) {
    const e = samples.map((s) => embed(s.d));
    const same: number[] = [];
    const sameEdited: number[] = [];
    let different = 0, differentOver = 0;
    for (let i = 0; i < samples.length; i++) {
      for (let j = i + 1; j < samples.length; j++) {
        if (samples[i].photo === samples[j].photo) continue;
        const s = similarity(e[i], e[j]);
        if (samples[i].identity === samples[j].identity) {
          same.push(s);
          if (samples[i].edit !== 'original' || samples[j].edit !== 'original') sameEdited.push(s);
        } else {
          different++;
          if (s >= 80) differentOver++;
        }
      }
    }
    // top-1: each sample against the originals of every other photo
    let top1 = 0, queries = 0;
    const gallery = samples.map((s, i) => i).filter((i) => samples[i].edit === 'original');
    for (let q = 0; q < samples.length; q++) {
      const candidates = gallery.filter((g) => samples[g].photo !== samples[q].photo);
      if (!candidates.some((g) => samples[g].identity === samples[q].identity)) continue;
      const best = candidates.reduce((a, b) => (similarity(e[q], e[b]) > similarity(e[q], e[a]) ? b : a));
      queries++;
      if (samples[best].identity === samples[q].identity) top1++;
    }
    const over = same.filter((s) => s >= 80).length;
    console.log(
      `${name.padEnd(14)} same-person pairs ${same.length}: >=80 ${((100 * over) / same.length).toFixed(2)}%, ` +
        `min ${Math.min(...same).toFixed(1)}, p1 ${pct(same, 0.01).toFixed(1)}, p5 ${pct(same, 0.05).toFixed(1)}, median ${pct(same, 0.5).toFixed(1)}; ` +
        `edited ${((100 * sameEdited.filter((s) => s >= 80).length) / sameEdited.length).toFixed(2)}% >=80 | ` +
        `different-person pairs ${different}: >=80 ${differentOver} (${((100 * differentOver) / different).toFixed(3)}%) | top-1 ${top1}/${queries} (${((100 * top1) / queries).toFixed(2)}%)`,
    );
    // Averaged descriptors sit closer together, same person or not: compare at equal false accepts too.
    const sameD: number[] = [], diffD: number[] = [];
    for (let i = 0; i < samples.length; i++)
      for (let j = i + 1; j < samples.length; j++)
        if (samples[i].photo !== samples[j].photo) (samples[i].identity === samples[j].identity ? sameD : diffD).push(faceDistance(e[i], e[j]));
    diffD.sort((a, b) => a - b);
    sameD.sort((a, b) => a - b);
    const below = (sorted: number[], t: number) => { let lo = 0, hi = sorted.length; while (lo < hi) { const m = (lo + hi) >> 1; if (sorted[m] <= t) lo = m + 1; else hi = m; } return lo; };
    let bestT = 0, bestErr = Infinity;
    for (const t of [...sameD, ...diffD.slice(0, 5000)]) {
      const err = sameD.length - below(sameD, t) + below(diffD, t);
      if (err < bestErr) { bestErr = err; bestT = t; }
    }
    if (name === 'plain') plainFalse = differentOver;
    const equalFar = diffD[Math.max(0, plainFalse - 1)];
    const atT = (t: number) => `same accepted ${below(sameD, t)}/${sameD.length}, different accepted ${below(diffD, t)}`;
    console.log(`    distance at 80 (${DISTANCE_AT_80}): ${atT(DISTANCE_AT_80)}; at plain's ${plainFalse} false accepts (distance ${equalFar.toFixed(3)}): ${atT(equalFar)}; best split ${bestT.toFixed(3)}: ${bestErr} errors`);
    for (const edit of EDITS) {
      const rows: number[] = [];
      for (let i = 0; i < samples.length; i++) {
        if (samples[i].edit !== edit) continue;
        for (let j = 0; j < samples.length; j++) if (samples[j].edit === 'original' && samples[j].identity === samples[i].identity && samples[j].photo !== samples[i].photo) rows.push(similarity(e[i], e[j]));
      }
      if (rows.length) console.log(`    ${edit.padEnd(9)} vs other originals: ${rows.length} pairs, >=80 ${((100 * rows.filter((s) => s >= 80).length) / rows.length).toFixed(1)}%, p5 ${pct(rows, 0.05).toFixed(1)}, median ${pct(rows, 0.5).toFixed(1)}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchFacesSimilarity();
