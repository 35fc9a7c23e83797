/**
 * Rendered text pages with known word boxes, for DetectText's word tests and bench/text-words.ts:
 * each word's box is the extent of its ink, measured exactly on a rendering of its line alone.
 */
import sharp from 'sharp';

export interface PageLine {
  words: string[];
  size: number;
  family?: string;
  weight?: string;
  style?: string;
}

export interface PageWord {
  text: string;
  line: number;
  /** Ink box in pixels. */
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Page {
  png: Buffer;
  width: number;
  height: number;
  words: PageWord[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `body` is markup (already escaped). xml:space keeps runs of spaces as they are. */
function textElement(body: string, x: number, y: number, l: PageLine): string {
  return `<text xml:space="preserve" x="${x}" y="${y}" font-family="${l.family ?? 'DejaVu Sans'}" font-size="${l.size}" font-weight="${l.weight ?? 'normal'}" font-style="${l.style ?? 'normal'}" fill="#111">${body}</text>`;
}

/** The extent of pixels darker than the white page, or undefined for none. */
async function inkBox(svg: string): Promise<{ left: number; top: number; right: number; bottom: number } | undefined> {
  const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
  let left = Infinity;
  let top = Infinity;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[y * info.width + x] < 160) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return right < 0 ? undefined : { left, top, right: right + 1, bottom: bottom + 1 };
}

/**
 * Renders `lines` on a white page `width` px wide, from a left margin, one line under the other.
 * Each line is one <text> with real spaces, so fonts space words as they do in print; a word's
 * box is found by rendering its line with every other word transparent (the layout is the same).
 */
export async function renderPage(lines: PageLine[], width = 1000): Promise<Page> {
  const margin = 30;
  const height = Math.ceil(margin * 2 + lines.reduce((h, l) => h + l.size * 1.6, 0));
  const svgOf = (body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`;
  const words: PageWord[] = [];
  const elements: string[] = [];
  let baseline = margin;
  for (const [index, line] of lines.entries()) {
    baseline += line.size * 1.5;
    const element = (shown?: number) =>
      textElement(line.words.map((w, k) => (shown === undefined || k === shown ? esc(w) : `<tspan fill-opacity="0">${esc(w)}</tspan>`)).join(' '), margin, baseline, line);
    for (const [k, text] of line.words.entries()) {
      const ink = await inkBox(svgOf(element(k)));
      if (!ink) throw new Error(`"${text}" rendered no ink`);
      if (ink.right > width - margin) throw new Error(`line ${index} does not fit ${width} px`);
      words.push({ text, line: index, left: ink.left, top: ink.top, width: ink.right - ink.left, height: ink.bottom - ink.top });
    }
    elements.push(element());
  }
  const png = await sharp(Buffer.from(svgOf(`<rect width="100%" height="100%" fill="#ffffff"/>${elements.join('')}`)))
    .png()
    .toBuffer();
  return { png, width, height, words };
}

/** Intersection over union of two boxes given as { left, top, width, height } in one unit. */
export function iou(a: { left: number; top: number; width: number; height: number }, b: { left: number; top: number; width: number; height: number }): number {
  const w = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
  const h = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** The page the issue was filed on: words with digits glued together, then mixed fonts and punctuation. */
export const GLUED_PAGE: PageLine[] = [
  { words: ['alpha30', 'bravo31', 'charlie32', 'delta33', 'echo34', 'foxtrot35'], size: 28 },
  { words: ['golf36', 'hotel37', 'india38', 'juliet39'], size: 22, family: 'DejaVu Serif' },
  { words: ['Total:', '$418.50', '(incl.', 'VAT)'], size: 26, family: 'DejaVu Sans Mono' },
  { words: ['Open', '9am-5pm,', 'Mon-Fri!'], size: 32, weight: 'bold' },
];

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface FoundWord extends Box {
  text: string;
}

export interface WordScore {
  /** Ground-truth words. */
  truth: number;
  /** WORDs answered. */
  found: number;
  /** Truth words read exactly (case-sensitive), each answer used once. */
  exact: number;
  /** The same, ignoring case. */
  caseless: number;
  /** Truth words with their own answered box at IoU >= 0.5 (one-to-one, best IoU first). */
  boxed: number;
  /** Answered WORDs that glue true words together (isGlued). */
  glued: number;
}

function textMatches(truth: string[], found: string[], fold: (s: string) => string): number {
  const left = new Map<string, number>();
  for (const w of found) left.set(fold(w), (left.get(fold(w)) ?? 0) + 1);
  let hits = 0;
  for (const w of truth) {
    const n = left.get(fold(w)) ?? 0;
    if (n > 0) {
      hits++;
      left.set(fold(w), n - 1);
    }
  }
  return hits;
}

/** Pairs truth and answered boxes one-to-one, best IoU first, keeping pairs at IoU >= `minIou`. */
export function matchBoxes(truth: Box[], found: Box[], minIou = 0.5): Map<number, number> {
  const pairs: [number, number, number][] = [];
  truth.forEach((t, i) => found.forEach((f, j) => pairs.push([iou(t, f), i, j])));
  pairs.sort((a, b) => b[0] - a[0]);
  const match = new Map<number, number>();
  const used = new Set<number>();
  for (const [v, i, j] of pairs) {
    if (v < minIou) break;
    if (match.has(i) || used.has(j)) continue;
    match.set(i, j);
    used.add(j);
  }
  return match;
}

/** Whether box `b` holds the centre of box `t`. */
export function holdsCentre(b: Box, t: Box): boolean {
  const x = t.left + t.width / 2;
  const y = t.top + t.height / 2;
  return x >= b.left && x <= b.left + b.width && y >= b.top && y <= b.top + b.height;
}

/**
 * Whether answered box `f` glues true words together: it holds the centres of two or more and is
 * wider than any one of them by half (so stacked or tilted words whose upright boxes overlap do
 * not count).
 */
export function isGlued(f: Box, truth: Box[]): boolean {
  const held = truth.filter((t) => holdsCentre(f, t));
  return held.length >= 2 && f.width > 1.5 * Math.max(...held.map((t) => t.width));
}

export function scoreWords(truth: FoundWord[], found: FoundWord[]): WordScore {
  return {
    truth: truth.length,
    found: found.length,
    exact: textMatches(truth.map((w) => w.text), found.map((w) => w.text), (s) => s),
    caseless: textMatches(truth.map((w) => w.text), found.map((w) => w.text), (s) => s.toLowerCase()),
    boxed: matchBoxes(truth, found).size,
    glued: found.filter((f) => isGlued(f, truth)).length,
  };
}

export function addScores(a: WordScore, b: WordScore): WordScore {
  return { truth: a.truth + b.truth, found: a.found + b.found, exact: a.exact + b.exact, caseless: a.caseless + b.caseless, boxed: a.boxed + b.boxed, glued: a.glued + b.glued };
}

/** WORD detections as pixel boxes of an image `width` x `height`. */
export function wordsOf(detections: { Type?: string; DetectedText?: string; Geometry?: { BoundingBox?: { Left?: number; Top?: number; Width?: number; Height?: number } } }[], width: number, height: number): FoundWord[] {
  return detections
    .filter((d) => d.Type === 'WORD')
    .map((d) => {
      const b = d.Geometry!.BoundingBox!;
      return { text: d.DetectedText!, left: b.Left! * width, top: b.Top! * height, width: b.Width! * width, height: b.Height! * height };
    });
}
