/**
 * Geometry the face task relies on (models/runtime/faceapi.ts, models/tasks/faces.ts): similarity
 * transforms, image warping, dlib's chip alignment, convex hulls, region statistics and the tiles
 * a large image is searched on.
 */
import { describe, expect, it } from 'vitest';
import { applySimilarity, chipTemplate, chipTransform, CHIP_SIZE, fitSimilarity, invertSimilarity, warp } from '../../models/runtime/faceapi';
import { convexHull, measureRegions, searchTiles } from '../../models/tasks/faces';

describe('similarity transforms', () => {
  it('fitSimilarity recovers a rotation, scale and shift exactly, and inverts', () => {
    const truth = { a: 1.5 * Math.cos(0.3), b: 1.5 * Math.sin(0.3), tx: 12, ty: -7 };
    const from = [[0, 0], [10, 0], [0, 10], [7, 3]];
    const to = from.map(([x, y]) => applySimilarity(truth, x, y));
    const fit = fitSimilarity(from, to);
    for (const k of ['a', 'b', 'tx', 'ty'] as const) expect(fit[k]).toBeCloseTo(truth[k], 9);
    const back = invertSimilarity(fit);
    const [x, y] = applySimilarity(back, ...applySimilarity(fit, 4, 5));
    expect([x, y].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([4, 5]);
  });

  it('chipTransform finds the transform that placed a face: a face already in chip position gives the identity', () => {
    const template = chipTemplate();
    const jaw = Array.from({ length: 17 }, () => [0, 0]); // points 0-16 do not take part
    const same = chipTransform([...jaw, ...template]);
    expect([same.a, same.b, same.tx, same.ty].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 0, 0, 0]);
    const placed = { a: 2 * Math.cos(-0.2), b: 2 * Math.sin(-0.2), tx: 300, ty: 120 };
    const fit = chipTransform([...jaw, ...template.map(([x, y]) => applySimilarity(placed, x, y))]);
    for (const k of ['a', 'b', 'tx', 'ty'] as const) expect(fit[k]).toBeCloseTo(placed[k], 9);
    expect(template).toHaveLength(51);
    expect(Math.max(...template.map((p) => p[0]))).toBeLessThan(CHIP_SIZE);
  });
});

describe('warp', () => {
  const W = 40, H = 30;
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set([x * 5, y * 7, 100], (y * W + x) * 3);
  const rgb = { data, width: W, height: H };

  it('copies pixels under the identity and shifts under a translation', () => {
    const same = warp(rgb, { a: 1, b: 0, tx: 0, ty: 0 }, W, H);
    expect(Array.from(same.slice(0, 6))).toEqual([0, 0, 100, 5, 0, 100]);
    const shifted = warp(rgb, { a: 1, b: 0, tx: 3, ty: 2 }, 4, 4);
    expect(Array.from(shifted.slice(0, 3))).toEqual([15, 14, 100]);
  });

  it('averages when shrinking and repeats edge pixels outside the image', () => {
    const half = warp(rgb, { a: 2, b: 0, tx: 0.5, ty: 0.5 }, 20, 15);
    expect(half[0]).toBeCloseTo(2.5, 6); // red is 5x: samples at source x = 0 and 1
    const outside = warp(rgb, { a: 1, b: 0, tx: -10, ty: -10 }, 2, 2);
    expect(Array.from(outside.slice(0, 3))).toEqual([0, 0, 100]);
  });
});

describe('convexHull', () => {
  it('drops interior points and keeps the corners', () => {
    const hull = convexHull([[0, 0], [4, 0], [4, 4], [0, 4], [2, 2], [1, 3]]);
    expect(hull).toHaveLength(4);
    expect(hull).toEqual(expect.arrayContaining([[0, 0], [4, 0], [4, 4], [0, 4]]));
  });
});

describe('measureRegions', () => {
  // a flat grey "face" with eyes 40 px apart (mesh points 33/133 and 362/263), so the canonical
  // image equals the source; a thin dark horizontal line crosses y = 80
  const W = 128, H = 144;
  const data = new Uint8Array(W * H * 3).fill(160);
  for (let x = 0; x < W; x++) data.fill(40, (80 * W + x) * 3, (80 * W + x) * 3 + 3);
  const mesh = new Array(478 * 3).fill(0);
  const put = (i: number, x: number, y: number) => ((mesh[3 * i] = x), (mesh[3 * i + 1] = y));
  put(33, 34, 56); put(133, 54, 56); put(362, 74, 56); put(263, 94, 56);
  put(0, 20, 70); put(1, 100, 70); put(2, 100, 90); put(3, 20, 90); // a box across the line
  put(4, 20, 20); put(5, 100, 20); put(6, 100, 40); put(7, 20, 40); // a box of plain grey
  const rgb = { data, width: W, height: H };

  it('finds the thin dark line in the region it crosses and none in plain skin', () => {
    const stats = measureRegions(rgb, mesh, { line: [0, 1, 2, 3], plain: [4, 5, 6, 7] });
    expect(stats.line.hLine).toBeCloseTo(120, 6);
    expect(stats.plain.hLine).toBe(0);
    expect(stats.plain.mean).toBeCloseTo(160, 6);
    expect(stats.plain.std).toBeCloseTo(0, 6);
    expect(stats.plain.rgb).toEqual([160, 160, 160]);
    // 21 rows, one of them the line
    expect(stats.line.mean).toBeCloseTo(160 - 120 / 21, 6);
    expect(stats.line.p90).toBeCloseTo(160, 6);
    expect(stats.plain.outside).toBe(0);
  });

  it('counts the share of a region that falls outside the image', () => {
    const shifted = mesh.map((v, i) => (i % 3 === 0 ? v + 70 : v)); // the face moves right: plain box half outside
    const stats = measureRegions({ ...rgb }, shifted, { plain: [4, 5, 6, 7] });
    expect(stats.plain.outside).toBeGreaterThan(0.4);
    expect(stats.plain.outside).toBeLessThan(0.7);
  });
});

describe('searchTiles', () => {
  const search = { from: 1000, grid: 2, share: 0.6, aspect: 4 / 3, largest: 0.15 };
  const covers = (tiles: number[][], x: number, y: number) => tiles.some(([x0, y0, w, h]) => x >= x0 && x < x0 + w && y >= y0 && y < y0 + h);

  it('searches an image smaller than `from` whole, with no tile', () => {
    expect(searchTiles(999, 700, search)).toEqual([]);
    expect(searchTiles(1920, 1080, { ...search, grid: 1 })).toEqual([]);
  });

  it('covers a 4:3 image with a 2x2 grid of overlapping tiles that reach every edge', () => {
    const tiles = searchTiles(1920, 1440, search);
    expect(tiles).toEqual([
      [0, 0, 1152, 864],
      [768, 0, 1152, 864],
      [0, 576, 1152, 864],
      [768, 576, 1152, 864],
    ]);
    // neighbours overlap by a fifth of the image: a face of AWS's smallest size lies whole in some tile
    for (const [x, y] of [[0, 0], [1919, 1439], [960, 720], [1919, 0]]) expect(covers(tiles, x, y)).toBe(true);
    const three = searchTiles(3000, 3000, { ...search, grid: 3, share: 0.4 });
    expect(three).toHaveLength(9);
    expect(three.at(-1)).toEqual([1800, 1800, 1200, 1200]);
  });

  it('gives a wide or tall image more tiles along its longer side, none wider than 4:3', () => {
    const wide = searchTiles(1920, 1080, search);
    expect(wide).toHaveLength(6);
    expect(wide[0]).toEqual([0, 0, 864, 648]);
    expect(wide.at(-1)).toEqual([1056, 432, 864, 648]);
    // along the long side, neighbours overlap by at least a third of a tile, as in the 2x2 grid
    expect(864 - (wide[1][0] - wide[0][0])).toBeGreaterThanOrEqual(864 / 3);
    const tall = searchTiles(1080, 1920, search);
    expect(tall.map(([x, y, w, h]) => [y, x, h, w]).sort()).toEqual(wide.map((t) => [...t]).sort());
    for (const [x, y] of [[0, 0], [1919, 1079], [960, 540], [1919, 0], [0, 1079]]) expect(covers(wide, x, y)).toBe(true);
  });
});
