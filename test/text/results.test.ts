import { describe, expect, it } from 'vitest';
import { RekognitionError } from '../../src/api/errors';
import type { TextDetection } from '../../src/api/generated/types';
import type { RotatedBox } from '../../models/text/geometry';
import { geometry, MAX_WORDS, splitWords, toTextDetections, type OcrLine, type PlacedChar } from '../../src/analysis/text-results';

const W = 1000;
const H = 500;

/** A line of evenly pitched characters filling `box`, with one probability for all of them. */
function line(text: string, box: RotatedBox, prob = 0.99): OcrLine {
  const n = text.length;
  const chars: PlacedChar[] = [...text].map((ch, i) => ({ text: ch, prob, from: i / n, to: (i + 1) / n }));
  return { box, chars };
}

const flat = (cx: number, cy: number, w: number, h: number): RotatedBox => ({ cx, cy, ux: 1, uy: 0, w, h });
const words = (d: TextDetection[]) => d.filter((t) => t.Type === 'WORD').map((t) => t.DetectedText);
const lines = (d: TextDetection[]) => d.filter((t) => t.Type === 'LINE').map((t) => t.DetectedText);

describe('splitting words', () => {
  it('splits at spaces and places each word along the line', () => {
    // 10 characters over 500 px, 50 px each: "hi" 0-100, the space 100-150, "there!!" 150-500.
    const out = splitWords(line('hi there!!', flat(250, 100, 500, 40)));
    expect(out.map((w) => w.text)).toEqual(['hi', 'there!!']);
    const [hi, there] = out;
    // "hi" starts at the line's start and ends half a pitch after its last glyph's centre.
    expect(hi.box.cx - hi.box.w / 2).toBeCloseTo(0);
    expect(hi.box.cx + hi.box.w / 2).toBeCloseTo(100);
    expect(there.box.cx - there.box.w / 2).toBeCloseTo(150);
    expect(there.box.cx + there.box.w / 2).toBeCloseTo(500);
    expect(hi.box.h).toBe(40);
  });

  it('spans a word over its glyphs\' ink rows when the reader measured them', () => {
    const l = line('ab', flat(50, 100, 100, 40));
    l.chars[0] = { ...l.chars[0], top: 0.25, bottom: 0.75 };
    l.chars[1] = { ...l.chars[1], top: 0.1, bottom: 0.75 };
    const [ab] = splitWords(l);
    // Rows 0.1-0.75 of a 40 px line centred at y 100: y 84 to 110.
    expect(ab.box.h).toBeCloseTo(26);
    expect(ab.box.cy).toBeCloseTo(97);
    expect(ab.box.w).toBeCloseTo(100);
  });

  it('averages character probabilities into a 0-100 confidence', () => {
    const l = line('ab', flat(50, 50, 100, 20));
    l.chars[0].prob = 0.8;
    l.chars[1].prob = 1;
    expect(splitWords(l)[0].confidence).toBeCloseTo(90);
  });

  it('gives nothing for a blank line', () => {
    expect(splitWords(line('   ', flat(50, 50, 100, 20)))).toEqual([]);
  });
});

describe('geometry', () => {
  it('gives ratios, the polygon in reading order and the enclosing box', () => {
    const g = geometry({ cx: 500, cy: 250, ux: Math.SQRT1_2, uy: Math.SQRT1_2, w: 200, h: 20 }, W, H);
    expect(g.Polygon).toHaveLength(4);
    const xs = g.Polygon.map((p) => p.X!);
    const ys = g.Polygon.map((p) => p.Y!);
    expect(g.BoundingBox.Left).toBeCloseTo(Math.min(...xs));
    expect(g.BoundingBox.Top).toBeCloseTo(Math.min(...ys));
    expect(g.BoundingBox.Width).toBeCloseTo(Math.max(...xs) - Math.min(...xs));
    expect(g.BoundingBox.Height).toBeCloseTo(Math.max(...ys) - Math.min(...ys));
    // Text going down-right at 45°: the polygon starts at its upper-left corner.
    expect(g.Polygon[0].X).toBeLessThan(g.Polygon[1].X!);
    expect(g.Polygon[0].Y).toBeLessThan(g.Polygon[1].Y!);
  });

  it('clamps to the image', () => {
    const g = geometry(flat(990, 10, 40, 40), W, H);
    expect(Math.max(...g.Polygon.map((p) => p.X!))).toBe(1);
    expect(Math.min(...g.Polygon.map((p) => p.Y!))).toBe(0);
  });
});

describe('TextDetections', () => {
  const page = [line('Hello world', flat(300, 100, 440, 40)), line('second line here', flat(300, 300, 640, 40), 0.9)];

  it('lists LINEs with Ids 0..n-1, then WORDs with ParentId, in wire key order', () => {
    const d = toTextDetections(page, W, H);
    expect(d.map((t) => [t.Type, t.Id, t.ParentId])).toEqual([
      ['LINE', 0, undefined],
      ['LINE', 1, undefined],
      ['WORD', 2, 0],
      ['WORD', 3, 0],
      ['WORD', 4, 1],
      ['WORD', 5, 1],
      ['WORD', 6, 1],
    ]);
    expect(Object.keys(d[0])).toEqual(['DetectedText', 'Type', 'Id', 'Confidence', 'Geometry']);
    expect(Object.keys(d[2])).toEqual(['DetectedText', 'Type', 'Id', 'ParentId', 'Confidence', 'Geometry']);
    expect(Object.keys(d[0].Geometry!)).toEqual(['BoundingBox', 'Polygon']);
    expect(Object.keys(d[0].Geometry!.BoundingBox!)).toEqual(['Width', 'Height', 'Left', 'Top']);
    expect(lines(d)).toEqual(['Hello world', 'second line here']);
    expect(words(d)).toEqual(['Hello', 'world', 'second', 'line', 'here']);
    expect(d[0].Confidence).toBeCloseTo(99);
    expect(d[0].Geometry!.BoundingBox!.Left).toBeCloseTo(0.08);
    expect(d[0].Geometry!.BoundingBox!.Width).toBeCloseTo(0.44);
  });

  it('filters words by confidence and drops lines left empty', () => {
    const d = toTextDetections(page, W, H, { WordFilter: { MinConfidence: 95 } });
    expect(lines(d)).toEqual(['Hello world']);
    expect(words(d)).toEqual(['Hello', 'world']);
  });

  it('applies the documented default of 80 when a WordFilter omits MinConfidence', () => {
    const weak = [line('faint', flat(100, 100, 100, 20), 0.7)];
    expect(toTextDetections(weak, W, H)).toHaveLength(2);
    expect(toTextDetections(weak, W, H, { WordFilter: {} })).toEqual([]);
    expect(toTextDetections([line('noise', flat(100, 100, 100, 20), 0.3)], W, H)).toEqual([]);
  });

  it('filters words by box height and width', () => {
    expect(toTextDetections(page, W, H, { WordFilter: { MinBoundingBoxHeight: 0.1 } })).toEqual([]);
    // "Hello" and "world" are 0.2 of the image's width, "second" 0.24, "line" and "here" 0.16.
    const d = toTextDetections(page, W, H, { WordFilter: { MinBoundingBoxWidth: 0.19 } });
    expect(words(d)).toEqual(['Hello', 'world', 'second']);
    // The line keeps its full text; only its words are filtered.
    expect(lines(d)).toEqual(['Hello world', 'second line here']);
  });

  it('keeps words more than half inside a region of interest', () => {
    const left = { BoundingBox: { Left: 0, Top: 0, Width: 0.3, Height: 1 } };
    expect(words(toTextDetections(page, W, H, { RegionsOfInterest: [left] }))).toEqual(['Hello', 'second']);
    const triangle = { Polygon: [{ X: 0, Y: 0 }, { X: 1, Y: 0 }, { X: 0, Y: 0.5 }] };
    expect(words(toTextDetections(page, W, H, { RegionsOfInterest: [triangle] }))).toEqual(['Hello', 'world']);
    const empty = { BoundingBox: { Left: 0, Top: 0.7, Width: 1, Height: 0.3 } };
    expect(toTextDetections(page, W, H, { RegionsOfInterest: [empty] })).toEqual([]);
    const lower = { BoundingBox: { Left: 0, Top: 0.5, Width: 1, Height: 0.5 } };
    expect(words(toTextDetections(page, W, H, { RegionsOfInterest: [left, lower] }))).toEqual(['Hello', 'second', 'line', 'here']);
  });

  it('refuses malformed regions', () => {
    const bad = [{ Polygon: [{ X: 0, Y: 0 }, { X: 1, Y: 1 }] }, {}, { Polygon: Array.from({ length: 11 }, (_, i) => ({ X: i / 11, Y: (i % 2) / 2 })) }];
    for (const region of bad) {
      expect(() => toTextDetections(page, W, H, { RegionsOfInterest: [region] })).toThrow(RekognitionError);
    }
  });

  it('returns at most 100 words, dropping the least confident lines', () => {
    const many: OcrLine[] = [];
    for (let i = 0; i < 12; i++) many.push(line('aa bb cc dd ee ff gg hh ii jj', flat(300, 20 + i * 40, 580, 30), i === 3 ? 0.6 : i === 7 ? 0.7 : 0.99));
    const d = toTextDetections(many, W, H);
    expect(words(d)).toHaveLength(MAX_WORDS);
    expect(lines(d)).toHaveLength(10);
    const kept = d.filter((t) => t.Type === 'LINE').map((t) => t.Geometry!.BoundingBox!.Top!);
    // Lines 3 and 7 went; the rest keep reading order.
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(d.filter((t) => t.Type === 'LINE').every((t) => t.Confidence! > 98)).toBe(true);
  });
});

describe('reading order', () => {
  it('goes top to bottom, and left to right within a row', async () => {
    const { readingOrder } = await import('../../models/text/read');
    const ordered = readingOrder([
      line('c', flat(100, 200, 80, 30)),
      line('b', flat(400, 52, 80, 30)),
      line('a', flat(100, 50, 80, 30)),
      line('d', flat(400, 205, 80, 30)),
    ]);
    expect(ordered.map((l) => l.chars[0].text)).toEqual(['a', 'b', 'c', 'd']);
  });
});
