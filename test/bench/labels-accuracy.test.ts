/** The pure parts of bench/labels-accuracy.ts on hand-made annotations: no photos, no models. */
import { describe, expect, it } from 'vitest';
import type { Label } from '../../src/api/generated/types';
import { confidenceBand, groupAnnotations, mean, percentile, rate, salienceBucket, salientClasses, scorePhoto, table, type CocoInstances } from '../../bench/labels-accuracy';

// A 100x100 photo: two dogs covering 3% together, one person 0.5% (not salient), a crowd of people
// (counted in the area, not as a box), a cup covering 30%.
const coco: CocoInstances = {
  images: [{ id: 7, file_name: 'a.jpg', width: 100, height: 100 }],
  categories: [
    { id: 1, name: 'person' },
    { id: 18, name: 'dog' },
    { id: 47, name: 'cup' },
  ],
  annotations: [
    { image_id: 7, category_id: 18, area: 200, bbox: [0, 0, 20, 20], iscrowd: 0 },
    { image_id: 7, category_id: 18, area: 100, bbox: [50, 50, 10, 10], iscrowd: 0 },
    { image_id: 7, category_id: 1, area: 50, bbox: [80, 0, 10, 10], iscrowd: 0 },
    { image_id: 7, category_id: 1, area: 60, bbox: [0, 80, 50, 20], iscrowd: 1 },
    { image_id: 7, category_id: 47, area: 3000, bbox: [30, 30, 60, 60], iscrowd: 0 },
  ],
};

const label = (Name: string, Confidence: number, extra: Partial<Label> = {}): Label => ({ Name, Confidence, Instances: [], Parents: [], ...extra });

describe('labels accuracy benchmark', () => {
  it('groups annotations into categories per photo, by Rekognition name, crowd areas counted but not their boxes', () => {
    const [photo] = groupAnnotations(coco);
    expect(photo.file).toBe('a.jpg');
    expect(photo.classes.get('Dog')).toMatchObject({ coco: 'dog', share: 0.03 });
    expect(photo.classes.get('Dog')!.boxes).toEqual([
      { Left: 0, Top: 0, Width: 0.2, Height: 0.2 },
      { Left: 0.5, Top: 0.5, Width: 0.1, Height: 0.1 },
    ]);
    expect(photo.classes.get('Person')!.share).toBeCloseTo(0.011);
    expect(photo.classes.get('Person')!.boxes).toHaveLength(1);
    expect(salientClasses(photo).map((c) => c.label).sort()).toEqual(['Cup', 'Dog', 'Person']);
  });

  it('leaves out categories under 1% of the image', () => {
    const [photo] = groupAnnotations({ ...coco, annotations: coco.annotations.filter((a) => a.iscrowd === 0) });
    expect(photo.classes.has('Person')).toBe(true);
    expect(salientClasses(photo).map((c) => c.label).sort()).toEqual(['Cup', 'Dog']);
  });

  it('refuses an annotation of an unknown category', () => {
    expect(() => groupAnnotations({ ...coco, categories: coco.categories.slice(1) })).toThrow(/category 1/);
  });

  it('assigns salience buckets and confidence bands at their bounds', () => {
    expect([0.0099, 0.01, 0.0499, 0.05, 0.2, 0.2001].map(salienceBucket)).toEqual(['<1%', '1-5%', '1-5%', '5-20%', '5-20%', '>20%']);
    expect([49.9, 50, 54.99, 55, 79.9, 80, 94.99, 95, 100].map(confidenceBand)).toEqual([undefined, '50-55', '50-55', '55-70', '70-80', '80-90', '90-95', '95-100', '95-100']);
  });

  it('scores a photo: found objects, false positives, ancestors and instance IoU', () => {
    const [photo] = groupAnnotations(coco);
    const labels = [
      label('Dog', 91, {
        Parents: [{ Name: 'Animal' }, { Name: 'Canine' }, { Name: 'Mammal' }, { Name: 'Pet' }],
        Instances: [{ BoundingBox: { Left: 0, Top: 0, Width: 0.2, Height: 0.1 }, Confidence: 91 }],
      }),
      ...['Animal', 'Canine', 'Mammal', 'Pet'].map((name) => label(name, 91)),
      label('Cat', 83, { Instances: [{ BoundingBox: { Left: 0, Top: 0, Width: 0.2, Height: 0.2 }, Confidence: 83 }] }),
      label('Text', 99),
    ];
    const score = scorePhoto(photo, labels);
    expect(score.objects).toEqual([
      { file: 'a.jpg', label: 'Dog', share: 0.03, confidence: 91, withAncestors: true },
      expect.objectContaining({ label: 'Person', confidence: undefined, withAncestors: false }),
      expect.objectContaining({ label: 'Cup', confidence: undefined }),
    ]);
    // Text maps from no COCO category, so it is neither right nor wrong; Cat is absent from the photo.
    expect(score.returned.map((r) => [r.label, r.correct])).toEqual([
      ['Dog', true],
      ['Cat', false],
    ]);
    // The dog's instance covers the top half of the first dog's box; the cat is not an annotated class.
    expect(score.instanceIous).toEqual([0.5]);
    expect(score.labelCount).toBe(7);
  });

  it('does not count a label as found with ancestors when one is missing from the answer', () => {
    const [photo] = groupAnnotations(coco);
    const score = scorePhoto(photo, [label('Dog', 91, { Parents: [{ Name: 'Animal' }, { Name: 'Canine' }, { Name: 'Mammal' }, { Name: 'Pet' }] }), label('Animal', 91)]);
    expect(score.objects[0]).toMatchObject({ label: 'Dog', withAncestors: false });
  });

  it('does the arithmetic', () => {
    expect(mean([])).toBeUndefined();
    expect(mean([1, 2, 6])).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(10);
    expect(rate(17, 20)).toBe('17/20 (85.0%)');
    expect(rate(0, 0)).toBe('-');
  });

  it('aligns table columns', () => {
    expect(table(['name', 'n'], [['Dog', 3], ['Teddy Bear', 12]]).split('\n')).toEqual(['name         n', '----------  --', 'Dog          3', 'Teddy Bear  12']);
  });
});
