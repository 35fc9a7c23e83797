/**
 * Faces that are small in a large photo. AWS finds faces down to 40x40 px in a 1920x1080 photo (2%
 * of its width); the labelled photos are mostly 640 px wide, where a 40 px face is 6%. Here nine
 * labelled photos at a time are laid out 3x3 in 640x480 cells (each shrunk to fit, never enlarged,
 * on grey), making 1920x1440 mosaics whose faces keep their labels, moved and scaled. Each mosaic
 * goes once through DetectFaces (default attributes); recall counts the labelled faces of 40 px or
 * more in the mosaic, false faces are unmatched detections beyond the photos' counted small faces.
 * Dev and held-out photos are never mixed in one mosaic. Tight crops (bbt, johns) are left out.
 * MOSAIC_LAYOUT=3x2 (columns x rows) lays out six photos in a 1920x960 mosaic instead: a wide photo.
 *
 *   REKOGNITION_DEV_DATA=/path/to/data npm run bench -- faces-mosaics
 *   REKOGNITION_DEV_DATA=/path/to/data MOSAIC_LAYOUT=3x2 npx tsx bench/faces-mosaics.ts
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp, { type OverlayOptions } from 'sharp';
import { createEmulator } from '../src/emulator';
import { Logger } from '../src/runtime/logger';
import { ModelsClient } from '../models/client';
import { bump, CALLER, dataFolder, npmPhotosReady, readFaceLabels } from './faces-accuracy';
import {
  falseDetections,
  formatRatio,
  isTightCrop,
  matchFaces,
  npmPhotoOf,
  percentile,
  ratio,
  splitOf,
  widthBucket,
  WIDTH_BUCKETS,
  type Box,
  type CountLabel,
  type FaceLabel,
  type Ratio,
} from './faces-scoring';
import { labelledPhotoPath } from './npm-photos';

export const CELL = { width: 640, height: 480 };

/** How many cells across and down a mosaic has. */
export interface Layout {
  cols: number;
  rows: number;
}

export const DEFAULT_LAYOUT: Layout = { cols: 3, rows: 3 };

/** The layout MOSAIC_LAYOUT names ("3x2": columns x rows); 3x3 without it. */
export function layoutOf(name: string | undefined): Layout {
  if (!name) return DEFAULT_LAYOUT;
  const match = /^(\d+)x(\d+)$/.exec(name);
  if (!match) throw new Error(`MOSAIC_LAYOUT is columns x rows, like 3x2: not ${name}`);
  return { cols: Number(match[1]), rows: Number(match[2]) };
}

/** Where a photo of this size goes in its cell: shrunk to fit (never enlarged) and centred. */
export function placeInCell(width: number, height: number, cell: number, layout = DEFAULT_LAYOUT): { scale: number; left: number; top: number } {
  const scale = Math.min(1, CELL.width / width, CELL.height / height);
  const col = cell % layout.cols, row = Math.floor(cell / layout.cols);
  return {
    scale,
    left: col * CELL.width + Math.floor((CELL.width - Math.round(width * scale)) / 2),
    top: row * CELL.height + Math.floor((CELL.height - Math.round(height * scale)) / 2),
  };
}

export const placeBox = (box: Box, at: { scale: number; left: number; top: number }): Box => ({
  left: at.left + box.left * at.scale,
  top: at.top + box.top * at.scale,
  width: box.width * at.scale,
  height: box.height * at.scale,
});

interface Mosaic {
  jpeg: Buffer;
  labels: Box[];
  /** Counted faces in its photos that have no label (small ones): detections that may be excused. */
  unlabelledSmall: number;
}

async function buildMosaic(dir: string, files: string[], layout: Layout, labelsByFile: Map<string, FaceLabel[]>, counts: Map<string, CountLabel>): Promise<Mosaic> {
  const layers: OverlayOptions[] = [];
  const labels: Box[] = [];
  let unlabelledSmall = 0;
  for (const [cell, file] of files.entries()) {
    const photo = sharp(readFileSync(labelledPhotoPath(dir, file))).rotate();
    const { data, info } = await photo.toBuffer({ resolveWithObject: true });
    const at = placeInCell(info.width, info.height, cell, layout);
    const input = await sharp(data).resize(Math.round(info.width * at.scale), Math.round(info.height * at.scale)).toBuffer();
    layers.push({ input, left: at.left, top: at.top });
    const mine = labelsByFile.get(file) ?? [];
    labels.push(...mine.map((l) => placeBox(l.box, at)));
    const count = counts.get(file);
    if (count) unlabelledSmall += Math.max(0, count.faces + count.smallFaces - mine.length);
  }
  const canvas = sharp({ create: { width: CELL.width * layout.cols, height: CELL.height * layout.rows, channels: 3, background: { r: 128, g: 128, b: 128 } } });
  const jpeg = await canvas.composite(layers).jpeg({ quality: 92 }).toBuffer();
  return { jpeg, labels, unlabelledSmall };
}

interface FalseFace {
  /** The photo whose cell holds the false face's centre (none: the grey between photos). */
  file?: string;
  confidence: number;
  width: number;
}

interface MosaicScore {
  recall: Map<string, Ratio>;
  falseFaces: FalseFace[];
  ms: number[];
}

export async function benchFacesMosaics(): Promise<void> {
  const dir = dataFolder('faces-mosaics');
  if (!dir) return;
  const npm = npmPhotosReady();
  const layout = layoutOf(process.env.MOSAIC_LAYOUT);
  const perMosaic = layout.cols * layout.rows;
  const { labelsByFile, counts, noFace } = readFaceLabels(['']);
  const files = [...new Set([...labelsByFile.keys(), ...counts.keys(), ...noFace])]
    .filter((f) => !isTightCrop(f) && (npm || !npmPhotoOf(f)))
    .sort();

  const pool = new ModelsClient();
  await pool.broadcast('faces.warmup');
  const emulator = createEmulator({}, { inference: pool, runtime: { log: new Logger('warn') } });
  const scores = new Map<string, MosaicScore>();
  for (const split of ['dev', 'held-out']) {
    const mine = files.filter((f) => splitOf(f) === split);
    const score: MosaicScore = { recall: new Map(), falseFaces: [], ms: [] };
    scores.set(split, score);
    for (let i = 0; i < mine.length; i += perMosaic) {
      const photos = mine.slice(i, i + perMosaic);
      const mosaic = await buildMosaic(dir, photos, layout, labelsByFile, counts);
      const t0 = performance.now();
      const answer = await emulator.dispatch('DetectFaces', JSON.stringify({ Image: { Bytes: mosaic.jpeg.toString('base64') } }), CALLER);
      score.ms.push(performance.now() - t0);
      if (answer.status !== 200) throw new Error(`DetectFaces failed on a mosaic: ${answer.body}`);
      const faces = (JSON.parse(answer.body) as { FaceDetails: { BoundingBox: { Left: number; Top: number; Width: number; Height: number }; Confidence: number }[] }).FaceDetails;
      const W = CELL.width * layout.cols, H = CELL.height * layout.rows;
      const dets = faces.map((f) => ({ left: f.BoundingBox.Left * W, top: f.BoundingBox.Top * H, width: f.BoundingBox.Width * W, height: f.BoundingBox.Height * H }));
      const m = matchFaces(mosaic.labels, dets, false);
      const matched = new Set(m.pairs.map(([l]) => l));
      mosaic.labels.forEach((box, l) => {
        const rows = [`width ${widthBucket(box.width)}`, ...(box.width >= 40 ? ['faces >= 40 px'] : [])];
        for (const row of rows) bump(score.recall, row, matched.has(l));
      });
      const unmatched = m.unmatchedDetections.map((d) => dets[d]);
      const verdict = falseDetections(unmatched, mosaic.unlabelledSmall);
      for (const d of verdict.false) {
        const box = unmatched[d];
        const cell = Math.floor((box.top + box.height / 2) / CELL.height) * layout.cols + Math.floor((box.left + box.width / 2) / CELL.width);
        score.falseFaces.push({ file: photos[cell], confidence: faces[m.unmatchedDetections[d]].Confidence, width: box.width });
      }
    }
  }
  await emulator.stop();

  const rows = ['faces >= 40 px', ...WIDTH_BUCKETS.map((b) => `width ${b}`)];
  console.log(`\nmosaics of ${layout.cols}x${layout.rows} labelled photos, ${CELL.width * layout.cols}x${CELL.height * layout.rows}, DetectFaces default attributes`);
  const table: Record<string, Record<string, string>> = {};
  for (const row of rows) table[`recall, ${row}`] = Object.fromEntries([...scores].map(([split, s]) => [split, formatRatio(s.recall.get(row) ?? ratio())]));
  table['false faces (>= 90)'] = Object.fromEntries([...scores].map(([split, s]) => [split, `${s.falseFaces.length} (${s.falseFaces.filter((f) => f.confidence >= 90).length})`]));
  table['mosaics; DetectFaces p50 / max ms'] = Object.fromEntries(
    [...scores].map(([split, s]) => [split, `${s.ms.length}; ${percentile(s.ms, 50).toFixed(0)} / ${Math.max(...s.ms).toFixed(0)}`]),
  );
  console.table(table);
  console.log('\nfalse faces');
  console.table([...scores].flatMap(([split, s]) => s.falseFaces.map((f) => ({ split, file: f.file ?? '(between photos)', confidence: f.confidence.toFixed(2), 'width px': f.width.toFixed(0) }))));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchFacesMosaics();
  process.exit(0);
}
