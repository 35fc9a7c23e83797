/** Colour histograms of boxes and frames, which the tracker uses to tell people and shots apart. */
import { describe, expect, it } from 'vitest';
import { colourHistogram, histogramSimilarity } from '../../src/analysis/appearance';

/** A 40x20 frame: red on the left half, blue on the right. */
const frame = (() => {
  const width = 40, height = 20;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(x < width / 2 ? [250, 10, 10] : [10, 10, 250], (y * width + x) * 3);
  return { data, width, height };
})();

describe('colourHistogram', () => {
  it('counts the colours of a box, or of the whole frame, as shares that sum to 1', () => {
    const whole = colourHistogram(frame);
    expect(whole.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(whole.filter((v) => v > 0).map((v) => v.toFixed(2))).toEqual(['0.50', '0.50']);
    const left = colourHistogram(frame, { Left: 0, Top: 0, Width: 0.5, Height: 1 });
    expect(left.filter((v) => v > 0)).toEqual([1]);
  });

  it('looks only at the middle of the box when asked to inset it', () => {
    // The box straddles both halves unevenly; its middle lies in the red half.
    const box = { Left: 0, Top: 0, Width: 0.6, Height: 1 };
    expect(histogramSimilarity(colourHistogram(frame, box, 0.25), colourHistogram(frame, { Left: 0, Top: 0, Width: 0.5, Height: 1 }))).toBeCloseTo(1, 9);
    expect(histogramSimilarity(colourHistogram(frame, box), colourHistogram(frame, { Left: 0, Top: 0, Width: 0.5, Height: 1 }))).toBeLessThan(0.95);
  });
});

describe('histogramSimilarity', () => {
  it('is 1 for equal histograms and 0 for disjoint ones', () => {
    const red = colourHistogram(frame, { Left: 0, Top: 0, Width: 0.5, Height: 1 });
    const blue = colourHistogram(frame, { Left: 0.5, Top: 0, Width: 0.5, Height: 1 });
    expect(histogramSimilarity(red, red)).toBeCloseTo(1, 9);
    expect(histogramSimilarity(red, blue)).toBe(0);
    expect(histogramSimilarity(red, colourHistogram(frame))).toBeCloseTo(Math.sqrt(0.5), 9);
  });
});
