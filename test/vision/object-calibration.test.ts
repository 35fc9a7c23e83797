import { describe, expect, it } from 'vitest';
import type { DetectedObject } from '../../models/evidence';
import { supportedFaces } from '../../src/analysis/detect-labels';
import { calibratedConfidence, labelProbability, mergeViews, OBJECT_CALIBRATION, onRekognitionScale, type MergedObject } from '../../src/analysis/object-calibration';

const box = (Left: number, Top: number, Width: number, Height: number) => ({ Left, Top, Width, Height });
const [main, second] = OBJECT_CALIBRATION.views.map((v) => v.name);
const object = (coco: string, scores: Record<string, number>, b = box(0.2, 0.2, 0.4, 0.4)): MergedObject => ({ coco, box: b, scores });

describe('merging centernet views', () => {
  it('joins same-class detections that overlap and keeps the main view box', () => {
    const views: { name: string; objects: DetectedObject[] }[] = [
      { name: main, objects: [{ coco: 'cat', score: 0.4, box: box(0.1, 0.1, 0.5, 0.5) }, { coco: 'dog', score: 0.2, box: box(0.1, 0.1, 0.5, 0.5) }] },
      { name: second, objects: [{ coco: 'cat', score: 0.6, box: box(0.12, 0.1, 0.5, 0.52) }, { coco: 'cat', score: 0.3, box: box(0.7, 0.7, 0.2, 0.2) }] },
    ];
    const merged = mergeViews(views);
    const cats = merged.filter((m) => m.coco === 'cat');
    expect(cats).toHaveLength(2);
    expect(cats[0]).toEqual({ coco: 'cat', box: box(0.1, 0.1, 0.5, 0.5), scores: { [main]: 0.4, [second]: 0.6 }, mainIndex: 0 });
    expect(cats[1].mainIndex).toBeUndefined();
    expect(merged.find((m) => m.coco === 'dog')!.scores).toEqual({ [main]: 0.2 });
  });

  it('drops detections under the floor', () => {
    expect(mergeViews([{ name: main, objects: [{ coco: 'cat', score: OBJECT_CALIBRATION.floor / 2, box: box(0, 0, 1, 1) }] }])).toEqual([]);
  });
});

describe('the fitted calibration', () => {
  it('rises with each view score and favours objects both views see', () => {
    const one = calibratedConfidence(object('car', { [main]: 0.4 }));
    const both = calibratedConfidence(object('car', { [main]: 0.4, [second]: 0.4 }));
    expect(both).toBeGreaterThan(one);
    expect(calibratedConfidence(object('car', { [main]: 0.5, [second]: 0.4 }))).toBeGreaterThan(both);
  });

  it('drops a weak object only one view saw', () => {
    expect(calibratedConfidence(object('person', { [main]: OBJECT_CALIBRATION.loneMinScore - 0.03 }))).toBe(0);
    expect(calibratedConfidence(object('person', { [main]: OBJECT_CALIBRATION.loneMinScore - 0.03, [second]: 0.2 }))).toBeGreaterThan(0);
  });

  it('puts a clear object in the high 90s and centernet noise under the label floor', () => {
    // A full-frame cat that both views score 0.7 (the development cat scored 0.45-0.7).
    expect(calibratedConfidence(object('cat', { [main]: 0.7, [second]: 0.7 }, box(0, 0, 1, 1)))).toBeGreaterThan(95);
    expect(calibratedConfidence(object('cat', { [main]: 0.1 }, box(0.4, 0.4, 0.05, 0.05)))).toBeLessThan(50);
  });

  it('maps probabilities onto the scale AWS uses: 55 at 70% right, 80 at 92%', () => {
    expect(onRekognitionScale(0.7)).toBeCloseTo(55, 6);
    expect(onRekognitionScale(0.92)).toBeCloseTo(80, 6);
    let last = -1;
    for (let p = 0; p <= 1; p += 0.01) {
      expect(onRekognitionScale(p)).toBeGreaterThanOrEqual(last);
      last = onRekognitionScale(p);
    }
    expect(labelProbability(object('person', { [main]: 0.9, [second]: 0.9 }))).toBeLessThan(1);
  });

  it('has an offset for every COCO class group it names', () => {
    expect(Object.keys(OBJECT_CALIBRATION.groups)).toHaveLength(80);
    for (const group of Object.values(OBJECT_CALIBRATION.groups)) expect(OBJECT_CALIBRATION.weights.group[group]).toBeTypeOf('number');
  });
});

describe('faces as evidence of a person', () => {
  const face = (confidence: number) => ({ box: box(0.4, 0.2, 0.1, 0.1), confidence });
  it('keeps a sure face alone and a weaker one only inside a person candidate', () => {
    const person = { coco: 'person', score: 0.08, box: box(0.3, 0.1, 0.4, 0.8) };
    const bird = { coco: 'bird', score: 0.4, box: box(0.3, 0.1, 0.4, 0.8) };
    expect(supportedFaces([face(99.9), face(92.6)], [bird])).toEqual([face(99.9)]);
    expect(supportedFaces([face(92.6)], [bird, person])).toEqual([face(92.6)]);
  });
});
