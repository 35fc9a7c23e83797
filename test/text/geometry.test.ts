import { describe, expect, it } from 'vitest';
import {
  boxCorners,
  continuesLine,
  convexHull,
  dbBoxes,
  fractionInside,
  joinLines,
  minAreaRect,
  mostHorizontal,
  pointInPolygon,
  rotate180,
  rotate90,
  scaleBox,
  subBox,
  unclip,
  warpBox,
  type Point,
  type RotatedBox,
} from '../../models/text/geometry';

const deg = (d: number) => (d * Math.PI) / 180;
const box = (cx: number, cy: number, w: number, h: number, angle = 0): RotatedBox => ({ cx, cy, ux: Math.cos(deg(angle)), uy: Math.sin(deg(angle)), w, h });
const close = (a: Point, b: Point, digits = 6) => {
  expect(a.x).toBeCloseTo(b.x, digits);
  expect(a.y).toBeCloseTo(b.y, digits);
};

describe('rotated boxes', () => {
  it('lists corners top-left, top-right, bottom-right, bottom-left', () => {
    const [tl, tr, br, bl] = boxCorners(box(50, 20, 40, 10));
    close(tl, { x: 30, y: 15 });
    close(tr, { x: 70, y: 15 });
    close(br, { x: 70, y: 25 });
    close(bl, { x: 30, y: 25 });
  });

  it('follows the reading direction when rotated', () => {
    // Text rotated 90° clockwise reads downwards: its top-left is at the image's top-right.
    const [tl, tr, br, bl] = boxCorners(box(0, 0, 20, 4, 90));
    close(tl, { x: 2, y: -10 });
    close(tr, { x: 2, y: 10 });
    close(br, { x: -2, y: 10 });
    close(bl, { x: -2, y: -10 });
  });

  it('cuts a part along the width', () => {
    const part = subBox(box(50, 20, 40, 10, 30), 0.25, 0.75);
    expect(part.w).toBeCloseTo(20);
    expect(part.h).toBeCloseTo(10);
    close({ x: part.cx, y: part.cy }, { x: 50, y: 20 });
    const first = subBox(box(50, 20, 40, 10), 0, 0.25);
    close(boxCorners(first)[0], { x: 30, y: 15 });
    close(boxCorners(first)[1], { x: 40, y: 15 });
  });

  it('turns by 90 and 180 degrees and back to the most horizontal reading', () => {
    const b = box(10, 10, 30, 8, 20);
    const r = rotate90(b);
    expect(r.w).toBe(8);
    expect(r.h).toBe(30);
    expect(r.ux).toBeCloseTo(-Math.sin(deg(20)));
    const back = mostHorizontal(rotate180(rotate90(b)));
    expect(back.ux).toBeCloseTo(b.ux);
    expect(back.uy).toBeCloseTo(b.uy);
    expect(back.w).toBeCloseTo(30);
  });

  it('unclips by area * ratio / perimeter on every side', () => {
    const b = unclip(box(0, 0, 100, 10), 1.5);
    const d = (100 * 10 * 1.5) / 220;
    expect(b.w).toBeCloseTo(100 + 2 * d);
    expect(b.h).toBeCloseTo(10 + 2 * d);
  });

  it('scales a box per axis', () => {
    const b = scaleBox(box(10, 10, 20, 4), 2, 3);
    expect(b.cx).toBe(20);
    expect(b.cy).toBe(30);
    expect(b.w).toBe(40);
    expect(b.h).toBe(12);
  });
});

describe('hull and minimum-area rectangle', () => {
  it('finds the convex hull', () => {
    const pts = [
      { x: 0, y: 0 },
      { x: 4, y: 0 },
      { x: 4, y: 4 },
      { x: 0, y: 4 },
      { x: 2, y: 2 },
      { x: 1, y: 3 },
    ];
    const hull = convexHull(pts);
    expect(hull).toHaveLength(4);
    expect(hull).not.toContainEqual({ x: 2, y: 2 });
  });

  it('recovers a rotated rectangle from points inside it', () => {
    const truth = box(100, 60, 80, 20, 25);
    const corners = boxCorners(truth);
    const inside: Point[] = [];
    for (let i = 0; i <= 10; i++) {
      for (let j = 0; j <= 10; j++) {
        const s = i / 10;
        const t = j / 10;
        inside.push({ x: corners[0].x + s * (corners[1].x - corners[0].x) + t * (corners[3].x - corners[0].x), y: corners[0].y + s * (corners[1].y - corners[0].y) + t * (corners[3].y - corners[0].y) });
      }
    }
    const r = minAreaRect(inside);
    expect(r.w).toBeCloseTo(80, 4);
    expect(r.h).toBeCloseTo(20, 4);
    expect(Math.atan2(r.uy, r.ux)).toBeCloseTo(deg(25), 4);
    close({ x: r.cx, y: r.cy }, { x: 100, y: 60 }, 4);
  });

  it('reads a tall rectangle as horizontally as possible', () => {
    const r = minAreaRect([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 50 },
      { x: 0, y: 50 },
    ]);
    expect(r.ux).toBeCloseTo(1);
    expect(r.w).toBeCloseTo(10);
    expect(r.h).toBeCloseTo(50);
  });
});

describe('DB box extraction', () => {
  const W = 120;
  const H = 60;
  const map = () => new Float32Array(W * H);
  const fill = (m: Float32Array, x0: number, y0: number, x1: number, y1: number, v: number) => {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) m[y * W + x] = v;
  };

  it('finds one box per text region, unclipped', () => {
    const m = map();
    fill(m, 10, 10, 69, 17, 0.95);
    fill(m, 20, 40, 49, 45, 0.9);
    const boxes = dbBoxes(m, W, H).sort((a, b) => a.box.cy - b.box.cy);
    expect(boxes).toHaveLength(2);
    const [a, b] = boxes;
    expect(a.score).toBeCloseTo(0.95, 5);
    expect(a.box.cx).toBeCloseTo(39.5);
    expect(a.box.cy).toBeCloseTo(13.5);
    // Kernel 59 x 7 through pixel centres, grown by 59*7*1.5/132 on each side.
    const d = (59 * 7 * 1.5) / 132;
    expect(a.box.w).toBeCloseTo(59 + 2 * d);
    expect(a.box.h).toBeCloseTo(7 + 2 * d);
    expect(b.box.cy).toBeCloseTo(42.5);
  });

  it('drops faint, tiny and sub-threshold regions', () => {
    const m = map();
    fill(m, 10, 10, 60, 20, 0.5); // above the pixel threshold, below the box threshold
    fill(m, 80, 30, 81, 31, 0.99); // too small
    fill(m, 10, 40, 60, 50, 0.2); // not text
    expect(dbBoxes(m, W, H)).toEqual([]);
  });
});

describe('joining split lines', () => {
  it('joins words on one line with a small gap', () => {
    const a = box(50, 50, 60, 20);
    const b = box(125, 51, 70, 20);
    expect(continuesLine(a, b, 0.5)).toBe(true);
    expect(continuesLine(b, a, 0.5)).toBe(false);
    const joined = joinLines([b, a]);
    expect(joined).toHaveLength(1);
    expect(joined[0].w).toBeCloseTo(140, 0);
    expect(joined[0].ux).toBeCloseTo(1, 3);
  });

  it('keeps apart lines above each other, far apart, turned or of another size', () => {
    const a = box(50, 50, 60, 20);
    expect(joinLines([a, box(50, 75, 60, 20)])).toHaveLength(2);
    expect(joinLines([a, box(160, 50, 60, 20)])).toHaveLength(2);
    expect(joinLines([a, box(125, 50, 70, 20, 30)])).toHaveLength(2);
    expect(joinLines([a, box(125, 50, 70, 50)])).toHaveLength(2);
  });
});

describe('regions', () => {
  const square = [
    { x: 0, y: 0 },
    { x: 1, y: 0 },
    { x: 1, y: 1 },
    { x: 0, y: 1 },
  ];

  it('tests points against polygons', () => {
    expect(pointInPolygon({ x: 0.5, y: 0.5 }, square)).toBe(true);
    expect(pointInPolygon({ x: 1.5, y: 0.5 }, square)).toBe(false);
    const triangle = [
      { x: 0, y: 0 },
      { x: 1, y: 0 },
      { x: 0, y: 1 },
    ];
    expect(pointInPolygon({ x: 0.2, y: 0.2 }, triangle)).toBe(true);
    expect(pointInPolygon({ x: 0.8, y: 0.8 }, triangle)).toBe(false);
  });

  it('measures how much of a box lies in a polygon', () => {
    const quad = boxCorners(box(1, 0.5, 1, 0.5));
    expect(fractionInside(quad, square)).toBeCloseTo(0.5);
    expect(fractionInside(boxCorners(box(0.5, 0.5, 0.5, 0.5)), square)).toBe(1);
  });
});

describe('upright crops', () => {
  // 4 x 2 image whose red channel is the column and green channel the row.
  const img = { width: 4, height: 2, data: new Uint8Array([0, 0, 0, 10, 0, 0, 20, 0, 0, 30, 0, 0, 0, 10, 0, 10, 10, 0, 20, 10, 0, 30, 10, 0]) };

  it('copies an axis-aligned box pixel for pixel', () => {
    const out = warpBox(img, box(2, 1, 4, 2), 4, 2);
    expect([...out]).toEqual([...img.data]);
  });

  it('turns a box read upside down', () => {
    const out = warpBox(img, rotate180(box(2, 1, 4, 2)), 4, 2);
    expect(out[0]).toBe(30);
    expect(out[1]).toBe(10);
    expect(out[(2 * 4 - 1) * 3]).toBe(0);
  });

  it('averages when shrinking', () => {
    const out = warpBox(img, box(2, 1, 4, 2), 2, 1);
    expect(out[0]).toBe(5);
    expect(out[1]).toBe(5);
    expect(out[3]).toBe(25);
  });
});
