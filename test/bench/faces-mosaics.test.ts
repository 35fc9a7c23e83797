/** The mosaic bench's layout (bench/faces-mosaics.ts): where each photo and its labelled faces go. */
import { describe, expect, it } from 'vitest';
import { CELL, layoutOf, placeBox, placeInCell, DEFAULT_LAYOUT } from '../../bench/faces-mosaics';

describe('placeInCell', () => {
  it('shrinks a photo to fit its cell, never enlarges one, and centres it', () => {
    expect(placeInCell(1280, 960, 0)).toEqual({ scale: 0.5, left: 0, top: 0 });
    expect(placeInCell(320, 240, 0)).toEqual({ scale: 1, left: 160, top: 120 });
    // a portrait photo in the middle cell: height-bound
    const at = placeInCell(480, 960, 4);
    expect(at).toEqual({ scale: 0.5, left: CELL.width + 200, top: CELL.height });
    expect(DEFAULT_LAYOUT).toEqual({ cols: 3, rows: 3 });
  });

  it('places the cells of a wide layout row by row', () => {
    expect(placeInCell(640, 480, 4, layoutOf('3x2'))).toEqual({ scale: 1, left: CELL.width, top: CELL.height });
    expect(layoutOf(undefined)).toBe(DEFAULT_LAYOUT);
    expect(() => layoutOf('wide')).toThrow(/columns x rows/);
  });

  it('moves and scales a labelled face with its photo', () => {
    const at = placeInCell(1280, 960, 8);
    expect(placeBox({ left: 100, top: 200, width: 80, height: 90 }, at)).toEqual({ left: 2 * CELL.width + 50, top: 2 * CELL.height + 100, width: 40, height: 45 });
  });
});
