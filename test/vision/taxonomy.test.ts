import { describe, expect, it } from 'vitest';
import { COCO_CLASSES } from '../../models/coco';
import { CSS_COLORS } from '../../models/css-colors';
import { allLabels, cocoClassNames, cssColors, labelInfo, moderationChain, moderationLabel, parseCsv, rekognitionNameForCoco } from '../../src/analysis/taxonomy';

/** Labels labels.ts can emit directly (their ancestors are checked through them). */
const EMITTED = ['Face', 'Adult', 'Child', 'Male', 'Female', 'Man', 'Woman', 'Boy', 'Girl', 'Happy', 'Smile', 'Portrait', 'People', 'Crowd', 'Text'];

describe('label taxonomy v3.0', () => {
  it('holds the 3,083 labels of the merged AWS lists with one category each', () => {
    const labels = [...allLabels()];
    expect(labels).toHaveLength(3083);
    // `Riding Bicycle` is in AWS's label list but not in its category mapping (taxonomy README, gap 1).
    expect(labels.filter((l) => !l.category).map((l) => l.name)).toEqual(['Riding Bicycle']);
    expect(labelInfo('Person')).toMatchObject({ category: 'Person Description', aliases: ['Human'], boundingBox: true, parents: [] });
    expect(labelInfo('Cup')).toMatchObject({ aliases: ['Mug'], boundingBox: true });
    expect(labelInfo('person')).toBeUndefined();
  });

  it('names all 80 COCO classes as Rekognition does', () => {
    const coco = cocoClassNames();
    expect(coco).toHaveLength(80);
    for (const name of coco) expect(labelInfo(rekognitionNameForCoco(name)!), name).toBeDefined();
    expect(rekognitionNameForCoco('cell phone')).toBe('Mobile Phone');
    expect(rekognitionNameForCoco('hair drier')).toBe('Blow Dryer');
    expect(rekognitionNameForCoco('stop sign')).toBe('Stopsign');
    expect(rekognitionNameForCoco('sports ball')).toBe('Ball');
    expect(rekognitionNameForCoco('tv')).toBe('TV');
  });

  it("agrees with centernet's class list in models/", () => {
    expect([...COCO_CLASSES]).toEqual(cocoClassNames());
  });

  it('keeps parents seen in real v3 responses, alphabetical', () => {
    expect(labelInfo('Dog')!.parents).toEqual(['Animal', 'Canine', 'Mammal', 'Pet']);
    expect(labelInfo('Smile')!.parents).toEqual(['Face', 'Happy', 'Head', 'Person']);
    expect(labelInfo('TV')!.parents).toEqual(['Computer Hardware', 'Electronics', 'Hardware', 'Monitor', 'Screen']);
    // The fuller chain wins over the AWS documentation example's [Vehicle].
    expect(labelInfo('Car')!.parents).toEqual(['Transportation', 'Vehicle']);
  });

  it('has closed, alphabetical parent chains for every label the emulator can emit', () => {
    const start = [...cocoClassNames().map((c) => rekognitionNameForCoco(c)!), ...EMITTED];
    const seen = new Set<string>();
    const queue = [...start];
    while (queue.length) {
      const name = queue.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const info = labelInfo(name);
      expect(info, `${name} is not a v3 label`).toBeDefined();
      expect(info!.parents).toEqual([...info!.parents].sort());
      for (const parent of info!.parents) {
        expect(labelInfo(parent), `parent ${parent} of ${name}`).toBeDefined();
        // A parent's own parents are ancestors of the child too.
        for (const grand of labelInfo(parent)!.parents) expect(info!.parents, `${name} -> ${parent} -> ${grand}`).toContain(grand);
        queue.push(parent);
      }
    }
    expect(seen.size).toBeGreaterThan(100);
  });
});

describe('moderation taxonomy v7', () => {
  it('chains a label to its top level, child first', () => {
    expect(moderationChain('Smoking').map((l) => [l.name, l.level, l.parent])).toEqual([
      ['Smoking', 3, 'Drugs & Tobacco Paraphernalia & Use'],
      ['Drugs & Tobacco Paraphernalia & Use', 2, 'Drugs & Tobacco'],
      ['Drugs & Tobacco', 1, ''],
    ]);
    expect(moderationChain('Explicit Nudity').map((l) => l.name)).toEqual(['Explicit Nudity', 'Explicit']);
  });

  it('keeps Gambling a top-level label (the unconfirmed L2 row would loop)', () => {
    expect(moderationLabel('Gambling')).toEqual({ name: 'Gambling', level: 1, parent: '' });
    expect(moderationChain('Gambling')).toHaveLength(1);
  });
});

describe('CSS colours', () => {
  it('lists the 138 distinct RGB values of the 140 CSS3 names, spelled as Rekognition does', () => {
    expect(cssColors).toHaveLength(138);
    const byName = new Map(cssColors.map((c) => [c.name, c]));
    expect(byName.get('gray')!.hex).toBe('#808080');
    expect(byName.get('dimgrey')!.hex).toBe('#696969');
    expect(byName.get('darkslategrey')!.rgb).toEqual([47, 79, 79]);
    expect(byName.has('rebeccapurple')).toBe(false);
  });

  it("agrees with the workers' copy in models/", () => {
    expect(CSS_COLORS).toEqual(cssColors);
  });
});

describe('CSV reader', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\n')).toEqual([{ a: 'x, y', b: 'say "hi"\nthere' }]);
  });
});
