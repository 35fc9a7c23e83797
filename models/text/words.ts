/**
 * Words of a recognised line. The recogniser often reads a word space as blanks instead of the
 * space class, so spaces are restored from two pieces of evidence: the space class's leftover
 * probability over the blanks between two characters, and an empty run of columns there in the
 * line crop (the text's ink told from the background by Otsu's threshold). Each word's box is
 * then its own ink, so every WORD gets a box of its own. Works on the upright crop the recogniser
 * read, whose columns map linearly onto the line box (0..1 along its width).
 */
import type { DecodedChar } from './decode';

/** One recognised character; `from`/`to` are fractions of the line box's width. */
export interface PlacedChar {
  text: string;
  /** 0-1 */
  prob: number;
  from: number;
  to: number;
  /** The glyph's ink rows, as fractions of the line box's height (absent when not measured). */
  top?: number;
  bottom?: number;
}

/** Where the text's strokes are in a line crop. */
export interface LineInk {
  width: number;
  height: number;
  /** 1 where a pixel belongs to a stroke, row-major. */
  mask: Uint8Array;
  /** Rows of the text's main body (x-height or cap height), [top, bottom). */
  bandTop: number;
  bandBottom: number;
  /** Rows where the text's ascenders and descenders may reach, [top, bottom). */
  reachTop: number;
  reachBottom: number;
  /** Stroke pixels per column between reachTop and reachBottom. */
  columns: Uint16Array;
}

/**
 * Share of a crop's pixels that strokes may cover: measured 15-45% on the rendered pages and text
 * fixtures, 12-47% on the dev photos (heavy poster type); more means the background was taken for ink.
 */
const MAX_INK_SHARE = 0.6;
/** Grey levels between the two classes below this: no trustworthy ink, keep the recogniser's reading. */
const MIN_CONTRAST = 25;
/** A row belongs to the text's main body when it holds at least this share of the busiest row's ink. */
const BAND_SHARE = 0.35;
/** Rows around the band where ascenders and descenders may reach, in band heights. */
const REACH = 0.5;
/**
 * When a gap between two characters is a word gap. Measured on the dev rendered pages of
 * bench/text-words.ts and the text fixtures (1193 gaps, 27 of them word gaps the recogniser left
 * blank): over those blanks the space class summed 0.019-0.08 at word gaps and at most 0.006 at
 * letter gaps but one (0.046 at a gap only 0.07 band heights wide); empty runs, in band heights,
 * were 0.53-1.1 at word gaps and up to 0.67 between letters (monospace, punctuation).
 * So: some space evidence and a visible gap, or, with no evidence, a wide gap that is also
 * wide for the line (the recogniser's evidence fades on photos).
 */
export const SPACE_EVIDENCE = 0.01;
export const MIN_WORD_GAP = 0.3;
export const WIDE_GAP = 0.8;
export const WIDE_OVER_LETTER_GAP = 3;

function otsu(grey: Uint8Array): { threshold: number; low: number; high: number } {
  const hist = new Float64Array(256);
  for (const v of grey) hist[v]++;
  const total = grey.length;
  let sum = 0;
  for (let i = 0; i < 256; i++) sum += i * hist[i];
  let best = 0;
  let threshold = 127;
  let wB = 0;
  let sumB = 0;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t];
    const mB = sumB / wB;
    const mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) ** 2;
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  let nLow = 0;
  let sLow = 0;
  for (let i = 0; i <= threshold; i++) {
    nLow += hist[i];
    sLow += i * hist[i];
  }
  return { threshold, low: nLow ? sLow / nLow : 0, high: total - nLow ? (sum - sLow) / (total - nLow) : 255 };
}

/** The ink of an RGB line crop, or undefined when text and background cannot be told apart. */
export function lineInk(rgb: Uint8Array, width: number, height: number): LineInk | undefined {
  const n = width * height;
  const grey = new Uint8Array(n);
  for (let i = 0; i < n; i++) grey[i] = Math.round(0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2]);
  const { threshold, low, high } = otsu(grey);
  if (high - low < MIN_CONTRAST) return undefined;
  // The crop's border is mostly background (the detector's box has a margin around the text).
  let lightBorder = 0;
  let border = 0;
  for (let x = 0; x < width; x++) {
    for (const y of [0, 1, height - 2, height - 1]) {
      border++;
      if (grey[y * width + x] > threshold) lightBorder++;
    }
  }
  const darkInk = lightBorder * 2 >= border;
  const mask = new Uint8Array(n);
  let inked = 0;
  for (let i = 0; i < n; i++) inked += mask[i] = (grey[i] > threshold) !== darkInk ? 1 : 0;
  // Past MAX_INK_SHARE the background (or part of a two-tone one) passed for ink: its gaps mean nothing.
  if (inked > MAX_INK_SHARE * n) return undefined;

  const rows = new Uint32Array(height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows[y] += mask[y * width + x];
  const busiest = Math.max(...rows);
  if (busiest === 0) return undefined;
  // The band: the longest run of busy rows (a neighbouring line's strokes at the edge are shorter).
  let bandTop = 0;
  let bandBottom = 0;
  for (let y = 0; y < height; ) {
    if (rows[y] < BAND_SHARE * busiest) {
      y++;
      continue;
    }
    let end = y;
    while (end < height && rows[end] >= BAND_SHARE * busiest) end++;
    if (end - y > bandBottom - bandTop) [bandTop, bandBottom] = [y, end];
    y = end;
  }
  const band = bandBottom - bandTop;
  const reachTop = Math.max(0, Math.floor(bandTop - REACH * band));
  const reachBottom = Math.min(height, Math.ceil(bandBottom + REACH * band));
  const columns = new Uint16Array(width);
  for (let y = reachTop; y < reachBottom; y++) for (let x = 0; x < width; x++) columns[x] += mask[y * width + x];
  return { width, height, mask, bandTop, bandBottom, reachTop, reachBottom, columns };
}

/** The widest run of empty columns in [from, to) (crop columns): its start and length. */
function widestGap(ink: LineInk, from: number, to: number): { start: number; length: number } {
  let best = { start: from, length: 0 };
  let runStart = -1;
  for (let x = Math.max(0, from); x <= Math.min(ink.width, to); x++) {
    const empty = x < Math.min(ink.width, to) && ink.columns[x] === 0;
    if (empty && runStart < 0) runStart = x;
    if (!empty && runStart >= 0) {
      if (x - runStart > best.length) best = { start: runStart, length: x - runStart };
      runStart = -1;
    }
  }
  return best;
}

/** Columns [first, last] and rows [top, bottom] holding ink within columns [from, to), or undefined. */
function inkBox(ink: LineInk, from: number, to: number): { left: number; right: number; top: number; bottom: number } | undefined {
  let left = -1;
  let right = -1;
  let top = ink.height;
  let bottom = -1;
  for (let x = Math.max(0, Math.floor(from)); x < Math.min(ink.width, Math.ceil(to)); x++) {
    for (let y = ink.reachTop; y < ink.reachBottom; y++) {
      if (ink.mask[y * ink.width + x] !== 1) continue;
      if (left < 0) left = x;
      right = x;
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  return left < 0 ? undefined : { left, right, top, bottom };
}

const isSpace = (c: { text: string }) => c.text.trim() === '';
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
};

/** Word spaces the recogniser left blank (see SPACE_EVIDENCE). `decoded[i]` is `placed[i]` as decoded. */
function restoreSpaces(placed: PlacedChar[], decoded: DecodedChar[], ink: LineInk): PlacedChar[] {
  const col = (c: PlacedChar) => ((c.from + c.to) / 2) * ink.width;
  const band = Math.max(1, ink.bandBottom - ink.bandTop);
  const gaps: { after: number; start: number; length: number }[] = [];
  placed.forEach((c, i) => {
    const next = placed[i + 1];
    if (!next || isSpace(c) || isSpace(next)) return;
    gaps.push({ after: i, ...widestGap(ink, Math.ceil(col(c)), Math.floor(col(next))) });
  });
  const typical = Math.max(1, median(gaps.map((g) => g.length)));
  const isWordGap = (g: (typeof gaps)[number]) =>
    ((decoded[g.after + 1].spaceBefore ?? 0) >= SPACE_EVIDENCE && g.length >= MIN_WORD_GAP * band) ||
    (g.length >= WIDE_GAP * band && g.length >= WIDE_OVER_LETTER_GAP * typical);
  const wordGapAfter = new Map(gaps.filter(isWordGap).map((g) => [g.after, g]));
  return placed.flatMap((c, i) => {
    const gap = wordGapAfter.get(i);
    if (!gap) return [c];
    // Its neighbours' confidence, so a line's mean over its characters (DetectLabels' Text) stays as it was.
    const prob = (c.prob + placed[i + 1].prob) / 2;
    return [c, { text: ' ', prob, from: gap.start / ink.width, to: (gap.start + gap.length) / ink.width }];
  });
}

/**
 * The line's characters with word spaces restored from `ink`, each word's first character
 * starting and last character ending where the word does (fractions of the crop's width), and
 * each glyph's ink rows (`top`/`bottom`, fractions of its height). `chars` come from the CTC
 * decoder over `steps` timesteps spanning the crop. Without ink there are only the recogniser's
 * own spaces, and a word spans half a character pitch either side of its outer glyphs' centres
 * (the first and last words reach the line's ends; `aspect`, the crop's height over its width,
 * stands for the pitch when no two glyphs are neighbours).
 */
export function placeWords(chars: DecodedChar[], steps: number, ink: LineInk | undefined, aspect: number): PlacedChar[] {
  const decoded: PlacedChar[] = chars.map((c) => ({ text: c.text, prob: c.prob, from: c.start / steps, to: (c.end + 1) / steps }));
  const out = ink ? restoreSpaces(decoded, chars, ink) : decoded;
  const centre = (c: PlacedChar) => (c.from + c.to) / 2;
  const pitches: number[] = [];
  out.forEach((c, i) => {
    const next = out[i + 1];
    if (next && !isSpace(c) && !isSpace(next)) pitches.push(centre(next) - centre(c));
  });
  const pitch = pitches.length ? median(pitches) : Math.min(1, aspect);

  const words: [number, number][] = [];
  for (let i = 0; i < out.length; ) {
    if (isSpace(out[i])) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < out.length && !isSpace(out[j + 1])) j++;
    words.push([i, j]);
    i = j + 1;
  }
  const extents = words.map(([first, last], k) => {
    const before = words[k - 1];
    const after = words[k + 1];
    // The word's share of the line: up to the middle of the gaps around it, and at the line's ends
    // a character pitch past its outer glyphs (a frame or a rule may stand at the crop's edge).
    const from = before ? (centre(out[before[1]]) + centre(out[first])) / 2 : Math.max(0, centre(out[first]) - pitch);
    const to = after ? (centre(out[last]) + centre(out[after[0]])) / 2 : Math.min(1, centre(out[last]) + pitch);
    const box = ink && inkBox(ink, from * ink.width, to * ink.width);
    if (box) return { from: box.left / ink!.width, to: (box.right + 1) / ink!.width };
    const spaceBefore = out[first - 1];
    const spaceAfter = out[last + 1];
    return {
      from: k === 0 ? 0 : Math.max(spaceBefore ? centre(spaceBefore) : 0, centre(out[first]) - pitch / 2),
      to: k === words.length - 1 ? 1 : Math.min(spaceAfter ? centre(spaceAfter) : 1, centre(out[last]) + pitch / 2),
    };
  });
  words.forEach(([first, last], k) => {
    const { from, to } = extents[k];
    out[first] = { ...out[first], from };
    out[last] = { ...out[last], to: Math.max(from, to) };
    if (!ink) return;
    // Each glyph's rows: the ink in its share of the word's columns.
    for (let i = first; i <= last; i++) {
      const a = i === first ? from : (centre(out[i - 1]) + centre(out[i])) / 2;
      const b = i === last ? to : (centre(out[i]) + centre(out[i + 1])) / 2;
      const box = inkBox(ink, a * ink.width, b * ink.width);
      if (box) out[i] = { ...out[i], top: box.top / ink.height, bottom: (box.bottom + 1) / ink.height };
    }
  });
  return out;
}
