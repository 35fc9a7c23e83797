import { describe, expect, it } from 'vitest';
import { invertCurve, OBJECT_CURVE, objectConfidence } from '../../src/analysis/calibration';
import type { DetectedObject, FaceEvidence, RatioBox } from '../../src/analysis/evidence';
import { buildLabels, CROWD_MIN, dedupePersons } from '../../src/analysis/labels';

const box = (Left: number, Top: number, Width: number, Height: number): RatioBox => ({ Left, Top, Width, Height });
const object = (coco: string, score: number, b = box(0.1, 0.1, 0.5, 0.5)): DetectedObject => ({ coco, score, box: b });
/** The raw detector score that maps to a given confidence. */
const scoreFor = (confidence: number) => invertCurve(OBJECT_CURVE, confidence);
const face = (b: RatioBox, extra: Partial<FaceEvidence> = {}): FaceEvidence => ({ box: b, confidence: 99.5, ...extra });
const names = (labels: { Name?: string }[]) => labels.map((l) => l.Name);

describe('objects to labels', () => {
  it('names a COCO detection as Rekognition does, with its taxonomy and an instance', () => {
    const [cup] = buildLabels({ objects: [object('cup', 0.45)], faces: [] });
    expect(cup).toEqual({
      Name: 'Cup',
      Confidence: objectConfidence(0.45),
      Instances: [{ BoundingBox: box(0.1, 0.1, 0.5, 0.5), Confidence: objectConfidence(0.45) }],
      Parents: [],
      Aliases: [{ Name: 'Mug' }],
      Categories: [{ Name: 'Kitchen and Dining' }],
    });
    // Wire order of the members (AWS-BEHAVIOUR §3.2).
    expect(Object.keys(cup)).toEqual(['Name', 'Confidence', 'Instances', 'Parents', 'Aliases', 'Categories']);
  });

  it('adds every ancestor as a label with the child confidence, sorted by confidence then name', () => {
    const labels = buildLabels({ objects: [object('dog', 0.5), object('cup', 0.7)], faces: [] });
    expect(names(labels)).toEqual(['Cup', 'Animal', 'Canine', 'Dog', 'Mammal', 'Pet']);
    const dog = objectConfidence(0.5);
    for (const l of labels.slice(1)) expect(l.Confidence).toBe(dog);
    expect(labels.find((l) => l.Name === 'Canine')).toMatchObject({ Instances: [], Parents: [{ Name: 'Animal' }, { Name: 'Mammal' }] });
  });

  it('gives a parent the confidence of its most confident child', () => {
    const labels = buildLabels({ objects: [object('car', 0.5), object('motorcycle', 0.6)], faces: [] });
    expect(labels.find((l) => l.Name === 'Vehicle')!.Confidence).toBe(objectConfidence(0.6));
  });

  it('leaves out instances for labels that have no bounding boxes in v3', () => {
    const [bottle] = buildLabels({ objects: [object('bottle', 0.6)], faces: [] });
    expect(bottle).toMatchObject({ Name: 'Bottle', Instances: [] });
  });

  it('keeps one label with an instance per detection', () => {
    const labels = buildLabels({ objects: [object('cup', 0.6, box(0, 0, 0.2, 0.2)), object('cup', 0.5, box(0.5, 0.5, 0.2, 0.2))], faces: [] });
    expect(labels).toHaveLength(1);
    expect(labels[0].Instances!.map((i) => i.Confidence)).toEqual([objectConfidence(0.6), objectConfidence(0.5)]);
  });
});

describe('MinConfidence and MaxLabels', () => {
  it('defaults to 55 and never goes under 50', () => {
    const objects = [object('cup', scoreFor(56)), object('bottle', scoreFor(52)), object('bowl', scoreFor(40))];
    expect(names(buildLabels({ objects, faces: [] }))).toEqual(['Cup']);
    expect(names(buildLabels({ objects, faces: [] }, { minConfidence: 50 }))).toEqual(['Cup', 'Bottle']);
    expect(names(buildLabels({ objects, faces: [] }, { minConfidence: 0 }))).toEqual(['Cup', 'Bottle']);
    expect(names(buildLabels({ objects, faces: [] }, { minConfidence: 57 }))).toEqual([]);
  });

  it('filters labels, not instances: a label that stays keeps its instances under MinConfidence', () => {
    // AWS's CLI example: Car instances at 52.38 and 56.13 under the default 55.
    const objects = [object('cup', scoreFor(90), box(0, 0, 0.2, 0.2)), object('cup', scoreFor(52), box(0.5, 0.5, 0.2, 0.2))];
    for (const minConfidence of [undefined, 70, 89]) {
      const instances = buildLabels({ objects, faces: [] }, { minConfidence })[0].Instances!;
      expect(instances.map((i) => i.Confidence)).toEqual([expect.closeTo(90, 6), expect.closeTo(52, 6)]);
    }
    // Under the floor of 50 a detection is neither a label nor an instance.
    expect(buildLabels({ objects: [...objects, object('cup', scoreFor(45), box(0.7, 0, 0.2, 0.2))], faces: [] })[0].Instances).toHaveLength(2);
  });

  it('keeps Person\'s boxes, and its derived labels\' boxes, when MinConfidence is above the instance', () => {
    // The case: Person at 99.93 from the face, its box at 95; MinConfidence 96.
    const labels = buildLabels(
      { objects: [object('person', scoreFor(95), box(0.1, 0.05, 0.6, 0.9))], faces: [face(box(0.3, 0.1, 0.2, 0.3), { confidence: 99.93, ageLow: 30, ageHigh: 40 })] },
      { minConfidence: 96 },
    );
    expect(names(labels)).toEqual(expect.arrayContaining(['Person', 'Adult']));
    for (const name of ['Person', 'Adult']) expect(labels.find((l) => l.Name === name)!.Instances!.map((i) => i.Confidence)).toEqual([expect.closeTo(95, 6)]);
  });

  it('cuts the ranking at MaxLabels', () => {
    const labels = buildLabels({ objects: [object('dog', 0.5), object('cup', 0.7)], faces: [] }, { maxLabels: 2 });
    expect(names(labels)).toEqual(['Cup', 'Animal']);
  });
});

describe('label filters', () => {
  const evidence = { objects: [object('dog', 0.5), object('cup', 0.7)], faces: [] };
  it('keeps only included labels or categories', () => {
    expect(names(buildLabels(evidence, { settings: { LabelInclusionFilters: ['Dog', 'Cup'] } }))).toEqual(['Cup', 'Dog']);
    expect(names(buildLabels(evidence, { settings: { LabelCategoryInclusionFilters: ['Kitchen and Dining'] } }))).toEqual(['Cup']);
    expect(names(buildLabels(evidence, { settings: { LabelInclusionFilters: ['Dog'], LabelCategoryInclusionFilters: ['Kitchen and Dining'] } }))).toEqual(['Cup', 'Dog']);
  });

  it('removes excluded labels and categories, over inclusions', () => {
    expect(names(buildLabels(evidence, { settings: { LabelExclusionFilters: ['Pet', 'Cup'] } }))).toEqual(['Animal', 'Canine', 'Dog', 'Mammal']);
    expect(names(buildLabels(evidence, { settings: { LabelCategoryExclusionFilters: ['Animals and Pets'] } }))).toEqual(['Cup']);
    expect(names(buildLabels(evidence, { settings: { LabelInclusionFilters: ['Cup'], LabelExclusionFilters: ['Cup'] } }))).toEqual([]);
  });

  it('matches names exactly', () => {
    expect(names(buildLabels(evidence, { settings: { LabelInclusionFilters: ['cup'] } }))).toEqual([]);
  });
});

describe('people and faces', () => {
  const personBox = box(0.1, 0.05, 0.6, 0.9);
  const faceBox = box(0.3, 0.1, 0.2, 0.3);

  it('derives Face, Head, Person and Portrait from a face filling the frame', () => {
    const labels = buildLabels({ objects: [], faces: [face(faceBox)] });
    expect(names(labels)).toEqual(['Face', 'Head', 'Person', 'Photography', 'Portrait']);
    expect(labels.every((l) => l.Confidence === 99.5)).toBe(true);
  });

  it('gives no Portrait for a small face, or for one of several similar faces', () => {
    expect(names(buildLabels({ objects: [], faces: [face(box(0.1, 0.1, 0.05, 0.08))] }))).not.toContain('Portrait');
    const two = buildLabels({ objects: [], faces: [face(faceBox), face(box(0.6, 0.1, 0.2, 0.28))] });
    expect(names(two)).not.toContain('Portrait');
    expect(names(two)).toContain('People');
  });

  it('labels age and gender, carrying the Instances of the person around the face', () => {
    const labels = buildLabels({
      objects: [object('person', 0.6, personBox)],
      faces: [face(faceBox, { ageLow: 30, ageHigh: 38, gender: 'Male', genderConfidence: 90 })],
    });
    const byName = new Map(labels.map((l) => [l.Name, l]));
    for (const name of ['Adult', 'Male', 'Man']) expect(byName.get(name)!.Instances).toEqual(byName.get('Person')!.Instances);
    expect(byName.get('Man')!.Confidence).toBeCloseTo(99.5 * 0.9);
    expect(byName.get('Man')!.Parents).toEqual([{ Name: 'Adult' }, { Name: 'Male' }, { Name: 'Person' }]);
    for (const name of ['Female', 'Woman', 'Child', 'Boy', 'Girl']) expect(byName.has(name)).toBe(false);
  });

  it('labels a child by the face model age', () => {
    const labels = buildLabels({ objects: [], faces: [face(faceBox, { ageLow: 4, ageHigh: 10, gender: 'Female', genderConfidence: 95 })] });
    expect(names(labels)).toEqual(expect.arrayContaining(['Child', 'Female', 'Girl']));
    expect(names(labels)).not.toContain('Adult');
  });

  it('counts People from two persons and Crowd from eight', () => {
    const people = (n: number) => Array.from({ length: n }, (_, i) => object('person', 0.6, box(i * 0.12, 0.1, 0.1, 0.8)));
    expect(names(buildLabels({ objects: people(1), faces: [] }))).toEqual(['Person']);
    expect(names(buildLabels({ objects: people(2), faces: [] }))).toEqual(['People', 'Person']);
    expect(names(buildLabels({ objects: people(CROWD_MIN - 1), faces: [] }))).not.toContain('Crowd');
    expect(names(buildLabels({ objects: people(CROWD_MIN), faces: [] }))).toContain('Crowd');
  });

  it('counts a person detected twice (a faceless box inside another) once', () => {
    const inner = { box: box(0.3, 0.35, 0.3, 0.4), confidence: 90 };
    const outer = { box: box(0, 0, 1, 1), confidence: 95 };
    expect(dedupePersons([outer, inner], [])).toEqual([outer]);
    // ...but keeps a smaller person in front who has a face of their own.
    expect(dedupePersons([outer, inner], [face(box(0.4, 0.36, 0.1, 0.1))])).toHaveLength(2);
    expect(names(buildLabels({ objects: [object('person', 0.6, outer.box), object('person', 0.55, inner.box)], faces: [] }))).toEqual(['Person']);
  });

  it('takes a person box just under a face for that face\'s torso, not a second person', () => {
    const torso = object('person', 0.6, box(0.29, 0.34, 0.35, 0.49));
    const labels = buildLabels({ objects: [torso], faces: [face(box(0.38, 0.08, 0.22, 0.24), { ageLow: 40, ageHigh: 50 })] });
    expect(names(labels)).not.toContain('People');
    expect(labels.find((l) => l.Name === 'Adult')!.Instances).toHaveLength(1);
  });

  it('labels Happy and Smile from the face model', () => {
    const labels = buildLabels({ objects: [], faces: [face(box(0.1, 0.1, 0.05, 0.05), { happy: 90, smile: 80 })] });
    expect(labels.find((l) => l.Name === 'Happy')!.Confidence).toBeCloseTo(99.5 * 0.9);
    expect(labels.find((l) => l.Name === 'Smile')!.Confidence).toBeCloseTo(99.5 * 0.8);
  });
});

describe('text and instance colours', () => {
  it('labels Text from OCR lines of real characters only', () => {
    expect(names(buildLabels({ objects: [], faces: [], text: [{ text: 'EXIT', confidence: 97 }] }))).toEqual(['Text']);
    expect(names(buildLabels({ objects: [], faces: [], text: [{ text: '*', confidence: 99 }, { text: 'ab', confidence: 60 }] }))).toEqual([]);
  });

  it('gives every instance DominantColors when both features are asked for', () => {
    const shares = [{ css: { name: 'black', hex: '#000000', rgb: [0, 0, 0] as [number, number, number] }, percent: 80 }];
    const colors = [{ Red: 0, Blue: 0, Green: 0, HexCode: '#000000', CSSColor: 'black', SimplifiedColor: 'black', PixelPercent: 80 }];
    const labels = buildLabels(
      { objects: [object('cup', 0.7, box(0, 0, 0.2, 0.2)), object('cup', 0.6, box(0.5, 0.5, 0.2, 0.2))], faces: [], instanceColors: [shares, null] },
      { instanceColors: true },
    );
    expect(labels[0].Instances!.map((i) => i.DominantColors)).toEqual([colors, []]);
    expect(buildLabels({ objects: [object('cup', 0.7)], faces: [] })[0].Instances![0]).not.toHaveProperty('DominantColors');
  });

  it('sends colours on Person\'s instances and DominantColors: [] on its derived labels\' (Adult, Woman...)', () => {
    const shares = [{ css: { name: 'black', hex: '#000000', rgb: [0, 0, 0] as [number, number, number] }, percent: 80 }];
    const evidence = {
      objects: [object('person', 0.6, box(0.1, 0.05, 0.6, 0.9))],
      faces: [face(box(0.3, 0.1, 0.2, 0.3), { ageLow: 30, ageHigh: 38, gender: 'Female' as const, genderConfidence: 95 })],
      instanceColors: [shares],
    };
    const labels = buildLabels(evidence, { instanceColors: true });
    const byName = new Map(labels.map((l) => [l.Name, l]));
    const person = byName.get('Person')!.Instances!;
    expect(person).toHaveLength(1);
    expect(person[0].DominantColors).toHaveLength(1);
    for (const name of ['Adult', 'Female', 'Woman']) {
      // The same box and confidence as Person's, no colours.
      expect(byName.get(name)!.Instances).toEqual([{ BoundingBox: person[0].BoundingBox, Confidence: person[0].Confidence, DominantColors: [] }]);
    }
    // Without IMAGE_PROPERTIES no instance has the member at all.
    for (const l of buildLabels(evidence)) for (const i of l.Instances!) expect(i).not.toHaveProperty('DominantColors');
  });

  it('adds classifier plugin labels with their parents', () => {
    const labels = buildLabels({ objects: [], faces: [], classified: [{ name: 'Puppy', confidence: 88 }] });
    expect(names(labels)).toEqual(['Animal', 'Canine', 'Dog', 'Mammal', 'Pet', 'Puppy']);
  });
});
