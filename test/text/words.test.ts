import { describe, expect, it } from 'vitest';
import type { DecodedChar } from '../../models/text/decode';
import { subBox } from '../../models/text/geometry';
import { lineInk, placeWords, SPACE_EVIDENCE } from '../../models/text/words';

const H = 48;

/**
 * A white RGB crop with black glyph blocks: each block [left, right) spans rows 14-34 (the band),
 * or `tall` ones rows 6-34 (an ascender).
 */
function crop(width: number, blocks: { left: number; right: number; tall?: boolean }[]): Uint8Array {
  const rgb = new Uint8Array(width * H * 3).fill(255);
  for (const b of blocks) {
    for (let y = b.tall ? 6 : 14; y < 34; y++) for (let x = b.left; x < b.right; x++) rgb.fill(0, (y * width + x) * 3, (y * width + x) * 3 + 3);
  }
  return rgb;
}

/** Decoded characters with one timestep per 8 columns, each at its block's middle. */
function decoded(text: string, blocks: { left: number; right: number }[], spaceBefore: number[] = []): DecodedChar[] {
  return [...text].map((ch, i) => {
    const t = Math.floor((blocks[i].left + blocks[i].right) / 2 / 8);
    return { text: ch, prob: 0.99, start: t, end: t, spaceBefore: spaceBefore[i] ?? 0 };
  });
}

// "ab cd": glyphs 12 px wide, 4 px apart within a word, 10 px (half the band's 20 rows) between words.
const blocks = [
  { left: 8, right: 20 },
  { left: 24, right: 36, tall: true },
  { left: 46, right: 58 },
  { left: 62, right: 74 },
];
const W = 80;
const text = (chars: { text: string }[]) => chars.map((c) => c.text).join('');

describe('lineInk', () => {
  it('finds dark strokes on a light page, the text band and where ascenders reach', () => {
    const ink = lineInk(crop(W, blocks), W, H)!;
    expect(ink.mask[20 * W + 10]).toBe(1);
    expect(ink.mask[20 * W + 40]).toBe(0);
    expect(ink.mask[20 * W + 50]).toBe(1);
    expect([ink.bandTop, ink.bandBottom]).toEqual([14, 34]);
    expect(ink.reachTop).toBeLessThanOrEqual(6);
    expect(ink.columns[40]).toBe(0);
  });

  it('finds light strokes on a dark page', () => {
    const inverted = crop(W, blocks).map((v) => 255 - v);
    const ink = lineInk(inverted, W, H)!;
    expect(ink.mask[20 * W + 10]).toBe(1);
    expect(ink.mask[2 * W + 2]).toBe(0);
  });

  it('gives nothing when most of the crop would pass for ink (the background was split, not the text)', () => {
    // Light at the border, dark over most of the inside: a dark panel, not strokes.
    const panel = new Uint8Array(W * H * 3).fill(255);
    for (let y = 4; y < H - 4; y++) panel.fill(0, (y * W + 4) * 3, (y * W + W - 4) * 3);
    expect(lineInk(panel, W, H)).toBeUndefined();
  });

  it('gives nothing for a flat crop', () => {
    expect(lineInk(new Uint8Array(W * H * 3).fill(128), W, H)).toBeUndefined();
  });
});

describe('placeWords', () => {
  const steps = W / 8;

  it('restores a space the recogniser left blank where the gap shows and the space class stirred', () => {
    const out = placeWords(decoded('abcd', blocks, [0, 0, SPACE_EVIDENCE * 2, 0]), steps, lineInk(crop(W, blocks), W, H), H / W);
    expect(text(out)).toBe('ab cd');
    // Words end where their ink does: "ab" over columns 8-36, "cd" over 46-74.
    expect(out[0].from * W).toBeCloseTo(8);
    expect(out[1].to * W).toBeCloseTo(36);
    expect(out[3].from * W).toBeCloseTo(46);
    expect(out[4].to * W).toBeCloseTo(74);
    // Rows: "b" has an ascender, the rest sit in the band.
    expect(out[1].top! * H).toBeCloseTo(6);
    expect(out[0].top! * H).toBeCloseTo(14);
    expect(out[0].bottom! * H).toBeCloseTo(34);
  });

  it('keeps a gap as a letter gap without the space class when it is not wide for the line', () => {
    const out = placeWords(decoded('abcd', blocks), steps, lineInk(crop(W, blocks), W, H), H / W);
    expect(text(out)).toBe('abcd');
  });

  it('splits at a gap far wider than the letter gaps even without the space class', () => {
    const wide = [blocks[0], blocks[1], { left: 76, right: 88 }, { left: 92, right: 104 }];
    const out = placeWords(decoded('abcd', wide), 112 / 8, lineInk(crop(112, wide), 112, H), H / 112);
    expect(text(out)).toBe('ab cd');
  });

  it('does not split at the space class alone, where no gap shows', () => {
    const tight = [
      { left: 8, right: 20 },
      { left: 20, right: 32 },
    ];
    const out = placeWords(decoded('ab', tight, [0, 0.5]), 40 / 8, lineInk(crop(40, tight), 40, H), H / 40);
    expect(text(out)).toBe('ab');
  });

  it('without ink keeps the recogniser spaces and spans words by the character pitch', () => {
    const chars: DecodedChar[] = [
      { text: 'a', prob: 1, start: 1, end: 1 },
      { text: 'b', prob: 1, start: 3, end: 3 },
      { text: ' ', prob: 0.5, start: 5, end: 5 },
      { text: 'c', prob: 1, start: 7, end: 7 },
      { text: 'd', prob: 1, start: 9, end: 9 },
    ];
    const out = placeWords(chars, 12, undefined, 0.1);
    expect(text(out)).toBe('ab cd');
    // The first word starts at the line's start and ends half a pitch (2 steps) after "b"'s centre.
    expect(out[0].from).toBe(0);
    expect(out[1].to * 12).toBeCloseTo(4.5);
    expect(out[3].from * 12).toBeCloseTo(6.5);
    expect(out[4].to).toBe(1);
    expect(out[0].top).toBeUndefined();
  });
});

describe('subBox across the line', () => {
  it('takes a band of rows as well as a stretch of columns', () => {
    const part = subBox({ cx: 50, cy: 20, ux: 1, uy: 0, w: 100, h: 40 }, 0.5, 1, 0.25, 0.75);
    expect(part).toMatchObject({ cx: 75, cy: 20, w: 50, h: 20 });
    const turned = subBox({ cx: 0, cy: 0, ux: 0, uy: 1, w: 100, h: 40 }, 0, 1, 0, 0.5);
    // Text running down the image: "down" in its frame is -x, so the upper half of the rows lies at +x.
    expect(turned.cx).toBeCloseTo(10);
    expect(turned.cy).toBeCloseTo(0);
  });
});
