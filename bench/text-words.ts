/**
 * DetectText's WORDs against known word boxes: word recall (exact text, case-sensitive and not)
 * and word-box accuracy (a WORD of its own at IoU >= 0.5 with the true box), plus how many WORDs
 * glue two or more true words together.
 *
 * - Rendered pages (test/text/pages.ts): dev pages in the DejaVu fonts, held-out pages in the
 *   Liberation fonts with other words; sizes 14-40 px, words with digits and punctuation.
 * - Photos: COCO photos of the development data (REKOGNITION_DEV_DATA) with hand-labelled word
 *   boxes in bench/text-words.json, split into dev and held-out; skipped when it is not set.
 * - The text fixtures' ground truth (text only): word recall ignoring case, as the accuracy test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadOcrModels } from '../models/ocr';
import { readText } from '../models/text/read';
import { toTextDetections } from '../src/analysis/text-results';
import { addScores, iou, isGlued, matchBoxes, renderPage, scoreWords, wordsOf, type FoundWord, type PageLine, type WordScore } from '../test/text/pages';

const VOCABULARY = [
  'invoice', 'total', 'order', 'Street', 'north', 'OPEN', 'daily', 'coffee', 'Station', 'platform', 'EXIT', 'parking',
  'meeting', 'Room', 'floor', 'price', 'weekend', 'edition', 'Report', 'summary', 'delivery', 'address', 'phone', 'email',
  'route', 'bus', 'ticket', 'valid', 'until', 'warning', 'Keep', 'door', 'closed', 'the', 'of', 'and', 'to', 'a', 'in', 'at',
  'Mon-Fri', '9am-5pm', '10:30', '$12.99', '418.50', '2024-0193', '50%', 'No.7', '(see', 'note)', 'e-mail:', 'A4,', 'route66',
  "O'Neil", 'Apt.', '3B', 'tel.', '+44', '020', 'v2.1', 'Q3/2024', 'item#42', '"free"', 'x86', 'ID:', '7-Eleven', 'BOX',
];

const DEV_FONTS: Omit<PageLine, 'words' | 'size'>[] = [
  { family: 'DejaVu Sans' },
  { family: 'DejaVu Serif' },
  { family: 'DejaVu Sans Mono' },
  { family: 'DejaVu Sans Condensed' },
  { family: 'DejaVu Sans', weight: 'bold' },
  { family: 'DejaVu Serif', style: 'italic' },
];
const HELD_OUT_FONTS: Omit<PageLine, 'words' | 'size'>[] = [
  { family: 'Liberation Sans' },
  { family: 'Liberation Serif' },
  { family: 'Liberation Mono' },
  { family: 'Liberation Sans Narrow' },
  { family: 'Liberation Serif', weight: 'bold' },
  { family: 'Liberation Sans', style: 'italic' },
];
const SIZES = [14, 18, 22, 26, 32, 40];

/** Small deterministic generator (mulberry32), so every run renders the same pages. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pageLines(seed: number, fonts: Omit<PageLine, 'words' | 'size'>[]): PageLine[] {
  const next = random(seed);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
  return Array.from({ length: 8 }, (_, i) => {
    const size = SIZES[(i + seed) % SIZES.length];
    // About 900 px of text at most: fewer words for bigger type.
    const count = Math.max(2, Math.min(7, Math.floor(900 / (size * 5.5))));
    return { ...fonts[(i + seed) % fonts.length], size, words: Array.from({ length: count }, () => pick(VOCABULARY)) };
  });
}

async function detectWords(image: Buffer): Promise<{ words: FoundWord[]; width: number; height: number }> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const detections = toTextDetections(await readText({ data, width: info.width, height: info.height }), info.width, info.height);
  return { words: wordsOf(detections, info.width, info.height), width: info.width, height: info.height };
}

const empty = (): WordScore => ({ truth: 0, found: 0, exact: 0, caseless: 0, boxed: 0, glued: 0 });
const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)}%`;

function report(label: string, s: WordScore): void {
  console.log(
    `${label}: ${s.truth} words, ${s.found} WORDs; recall exact ${pct(s.exact, s.truth)}, ignoring case ${pct(s.caseless, s.truth)}; ` +
      `box IoU>=0.5 ${pct(s.boxed, s.truth)}; glued WORDs ${s.glued}`,
  );
}

async function renderedSet(seeds: number[], fonts: Omit<PageLine, 'words' | 'size'>[]): Promise<WordScore> {
  let total = empty();
  for (const seed of seeds) {
    const page = await renderPage(pageLines(seed, fonts));
    const { words } = await detectWords(page.png);
    total = addScores(total, scoreWords(page.words, words));
    if (process.env.BENCH_TEXT_VERBOSE) explain(`page ${seed}`, page.words, words);
  }
  return total;
}

interface PhotoTruth {
  file: string;
  words: [string, [number, number, number, number]][];
}

async function photoSet(root: string, photos: PhotoTruth[]): Promise<WordScore> {
  let total = empty();
  for (const photo of photos) {
    const { words } = await detectWords(readFileSync(join(root, photo.file)));
    const truth = photo.words.map(([text, [left, top, width, height]]) => ({ text, left, top, width, height }));
    total = addScores(total, scoreWords(truth, words));
    if (process.env.BENCH_TEXT_VERBOSE) explain(photo.file, truth, words);
  }
  return total;
}

/** BENCH_TEXT_VERBOSE=1: each truth word without a box of its own, and the answer nearest to it. */
function explain(name: string, truth: FoundWord[], found: FoundWord[]): void {
  const matched = matchBoxes(truth, found);
  const box = (b: FoundWord) => `"${b.text}" [${[b.left, b.top, b.width, b.height].map((v) => v.toFixed(0)).join(', ')}]`;
  truth.forEach((t, i) => {
    if (matched.has(i)) return;
    const best = found.reduce<{ w?: FoundWord; v: number }>((acc, f) => (iou(t, f) > acc.v ? { w: f, v: iou(t, f) } : acc), { v: 0 });
    console.log(`  ${name}: ${box(t)} nearest ${best.w ? `${box(best.w)} IoU ${best.v.toFixed(2)}` : 'none'}`);
  });
  const left = found.map((f) => f.text);
  const unread = truth.filter((t) => {
    const k = left.indexOf(t.text);
    if (k >= 0) left.splice(k, 1);
    return k < 0;
  });
  if (unread.length) console.log(`  ${name}: not read exactly ${unread.map((t) => `"${t.text}"`).join(', ')}; unmatched WORDs ${left.map((w) => `"${w}"`).join(', ')}`);
  const glued = found.filter((f) => isGlued(f, truth));
  if (glued.length) console.log(`  ${name}: glued ${glued.map(box).join(', ')}`);
}

async function fixturesRecall(): Promise<void> {
  const dir = fileURLToPath(new URL('../fixtures/images/', import.meta.url));
  const parts: string[] = [];
  for (const name of ['page', 'text-fonts', 'text-rotated', 'text-colour', 'scene-sign']) {
    const truth = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as { file: string; lines: string[] };
    const { words } = await detectWords(readFileSync(join(dir, truth.file)));
    const expected = truth.lines.flatMap((l) => l.split(/\s+/)).map((text) => ({ text, left: 0, top: 0, width: 0, height: 0 }));
    const s = scoreWords(expected, words);
    parts.push(`${name} ${s.caseless}/${s.truth}`);
  }
  console.log(`text fixtures, words read ignoring case: ${parts.join(', ')}`);
}

export async function benchTextWords(): Promise<void> {
  await loadOcrModels();
  report('rendered pages, dev (DejaVu, 3 pages)', await renderedSet([1, 2, 3], DEV_FONTS));
  report('rendered pages, held-out (Liberation, 3 pages)', await renderedSet([11, 12, 13], HELD_OUT_FONTS));
  const root = process.env.REKOGNITION_DEV_DATA;
  if (root && existsSync(root)) {
    const truth = JSON.parse(readFileSync(fileURLToPath(new URL('./text-words.json', import.meta.url)), 'utf8')) as { dev: PhotoTruth[]; heldOut: PhotoTruth[] };
    report(`photos, dev (${truth.dev.length} COCO photos)`, await photoSet(root, truth.dev));
    report(`photos, held-out (${truth.heldOut.length} COCO photos)`, await photoSet(root, truth.heldOut));
  } else {
    console.log('photos: skipped (set REKOGNITION_DEV_DATA to the development data folder)');
  }
  await fixturesRecall();
}
