import { describe, expect, it } from 'vitest';
import type { ProtectiveEquipmentBodyPart, ProtectiveEquipmentPerson } from '../../src/api/generated/types';
import type { FaceEvidence, RatioBox } from '../../models/evidence';
import * as measured from '../../models/ppe';
import { attachFaces, isHairLike, isSkin, type FaceFrame, type PersonEvidence, type RgbPixels } from '../../models/ppe';
import { KEYPOINT_CURVE } from '../../src/analysis/calibration';
import { summarize, toBodyPart } from '../../src/analysis/ppe';

// The worker's measurements (models/ppe.ts) as the API shows them (src/analysis/ppe.ts).
const measureFace = (img: RgbPixels, f: FaceFrame) => {
  const m = measured.measureFace(img, f);
  return { part: toBodyPart(m.part), skinVisible: m.skinVisible };
};
const measureHead = (img: RgbPixels, f: FaceFrame) => ({ part: toBodyPart(measured.measureHead(img, f).part) });
const measureHand = (img: RgbPixels, person: PersonEvidence, side: 'left' | 'right', skinVisible: boolean) => {
  const part = measured.measureHand(img, person, side, skinVisible, KEYPOINT_CURVE);
  return part && toBodyPart(part);
};
const bodyParts = (img: RgbPixels, person: PersonEvidence) => measured.bodyParts(img, person, KEYPOINT_CURVE).map(toBodyPart);

const SKIN: [number, number, number] = [224, 172, 140];
const HAIR: [number, number, number] = [60, 42, 30];
const WALL: [number, number, number] = [128, 128, 128];

/** A 240x240 picture of a head: grey wall, skin from the hairline down, hair above, painted extras on top. */
function head(extra: { rect: [number, number, number, number]; colour: [number, number, number] }[] = []): RgbPixels {
  const width = 240;
  const height = 240;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c = WALL;
      if (x >= 60 && x < 180 && y >= 30 && y < 70) c = HAIR;
      if (x >= 60 && x < 180 && y >= 70 && y < 190) c = SKIN;
      for (const e of extra) if (x >= e.rect[0] && x < e.rect[2] && y >= e.rect[1] && y < e.rect[3]) c = e.colour;
      data.set(c, (y * width + x) * 3);
    }
  }
  return { data, width, height };
}

// Eyes at y = 110, 40 px apart: forehead band 80-100, lower face 128-168, crown 48-76.
const frame: FaceFrame = { mx: 120, my: 110, d: 40, confidence: 99 };

describe('skin and hair', () => {
  it('accepts skin tones from light to dark and refuses common mask colours', () => {
    const skin: [number, number, number][] = [SKIN, [141, 85, 36], [198, 134, 66], [255, 219, 172]];
    const masks: [number, number, number][] = [[168, 200, 232], [242, 242, 242], [42, 42, 42], [245, 197, 24]];
    for (const c of skin) expect(isSkin(...c), String(c)).toBe(true);
    for (const c of masks) expect(isSkin(...c), String(c)).toBe(false);
  });

  it('takes dark and low-chroma warm colours for hair, not a yellow or white hard hat', () => {
    expect(isHairLike(...HAIR)).toBe(true);
    expect(isHairLike(200, 170, 120)).toBe(true);
    expect(isHairLike(245, 197, 24)).toBe(false);
    expect(isHairLike(250, 250, 250)).toBe(false);
  });
});

describe('face cover', () => {
  it('sees none on a bare face', () => {
    expect(measureFace(head(), frame).part.EquipmentDetections).toEqual([]);
  });

  it('finds a mask over nose and mouth, and says it covers the face', () => {
    const masked = head([{ rect: [70, 105, 170, 180], colour: [168, 200, 232] }]);
    const [cover] = measureFace(masked, frame).part.EquipmentDetections!;
    expect(cover.Type).toBe('FACE_COVER');
    expect(cover.Confidence).toBeGreaterThan(90);
    expect(cover.CoversBodyPart!.Value).toBe(true);
    // The box spans the lower face, in ratios of the image.
    expect(cover.BoundingBox!.Top!).toBeCloseTo(118 / 240, 1);
    expect(Object.keys(cover)).toEqual(['BoundingBox', 'Confidence', 'Type', 'CoversBodyPart']);
    expect(Object.keys(cover.CoversBodyPart!)).toEqual(['Confidence', 'Value']);
  });

  it('says a mask worn under the nose does not cover the face', () => {
    const chin = head([{ rect: [70, 131, 170, 180], colour: [242, 242, 242] }]);
    const [cover] = measureFace(chin, frame).part.EquipmentDetections!;
    expect(cover.Type).toBe('FACE_COVER');
    expect(cover.CoversBodyPart!.Value).toBe(false);
  });

  it('judges nothing when the forehead shows no skin (a grey image)', () => {
    const grey = head();
    for (let i = 0; i < grey.data.length; i += 3) grey.data.fill(Math.round(0.299 * grey.data[i] + 0.587 * grey.data[i + 1] + 0.114 * grey.data[i + 2]), i, i + 3);
    expect(measureFace(grey, frame)).toEqual({ part: { Name: 'FACE', Confidence: 99, EquipmentDetections: [] }, skinVisible: false });
  });
});

describe('head cover', () => {
  it('takes hair for no cover', () => {
    expect(measureHead(head(), frame).part.EquipmentDetections).toEqual([]);
  });

  it('finds a hard hat of a colour neither skin, hair nor wall', () => {
    const hat = head([{ rect: [55, 20, 185, 80], colour: [245, 197, 24] }]);
    const [cover] = measureHead(hat, frame).part.EquipmentDetections!;
    expect(cover).toMatchObject({ Type: 'HEAD_COVER', CoversBodyPart: { Value: true } });
  });

  it('does not take the wall behind a bald head for a hat', () => {
    const bald = head([{ rect: [60, 30, 180, 70], colour: SKIN }]);
    expect(measureHead(bald, frame).part.EquipmentDetections).toEqual([]);
    const wallColoured = head([{ rect: [60, 20, 180, 70], colour: WALL }]);
    expect(measureHead(wallColoured, frame).part.EquipmentDetections).toEqual([]);
  });
});

describe('hands', () => {
  const arm = (wrist: [number, number], score = 0.8): PersonEvidence => ({
    box: { Left: 0, Top: 0, Width: 1, Height: 1 },
    confidence: 95,
    keypoints: [
      { part: 'leftElbow', x: wrist[0] / 240, y: (wrist[1] - 60) / 240, score },
      { part: 'leftWrist', x: wrist[0] / 240, y: wrist[1] / 240, score },
    ],
  });

  it('finds a glove where the hand shows no skin, and nothing on a bare hand', () => {
    const gloved = head([{ rect: [100, 190, 140, 240], colour: [30, 30, 120] }]);
    const part = measureHand(gloved, arm([120, 195]), 'left', true)!;
    expect(part.Name).toBe('LEFT_HAND');
    expect(part.EquipmentDetections!.map((e) => e.Type)).toEqual(['HAND_COVER']);
    const bare = head([{ rect: [100, 190, 140, 240], colour: SKIN }]);
    expect(measureHand(bare, arm([120, 195]), 'left', true)!.EquipmentDetections).toEqual([]);
  });

  it('judges no glove when skin could not be seen on the face, and drops unsure wrists', () => {
    const gloved = head([{ rect: [100, 190, 140, 240], colour: [30, 30, 120] }]);
    expect(measureHand(gloved, arm([120, 195]), 'left', false)!.EquipmentDetections).toEqual([]);
    expect(measureHand(gloved, arm([120, 195], 0.2), 'left', true)).toBeUndefined();
    expect(measureHand(gloved, arm([120, 195]), 'right', true)).toBeUndefined();
  });
});

describe('persons and body parts', () => {
  const face = (box: RatioBox): FaceEvidence => ({ box, confidence: 99, eyes: [{ x: 0.42, y: 0.46 }, { x: 0.58, y: 0.46 }] });

  it('lists body parts in the order FACE, LEFT_HAND, RIGHT_HAND, HEAD', () => {
    const person: PersonEvidence = {
      box: { Left: 0, Top: 0, Width: 1, Height: 1 },
      confidence: 95,
      face: face({ Left: 0.3, Top: 0.3, Width: 0.4, Height: 0.45 }),
      keypoints: [
        { part: 'rightWrist', x: 0.2, y: 0.9, score: 0.7 },
        { part: 'leftWrist', x: 0.8, y: 0.9, score: 0.7 },
      ],
    };
    expect(bodyParts(head(), person).map((p) => p.Name)).toEqual(['FACE', 'LEFT_HAND', 'RIGHT_HAND', 'HEAD']);
  });

  it('gives each face to the person around it, and a person to a face nobody holds', () => {
    const persons: PersonEvidence[] = [{ box: { Left: 0, Top: 0, Width: 0.5, Height: 1 }, confidence: 90, keypoints: [] }];
    const inside = face({ Left: 0.15, Top: 0.05, Width: 0.2, Height: 0.2 });
    const outside = face({ Left: 0.7, Top: 0.1, Width: 0.2, Height: 0.2 });
    const out = attachFaces(persons, [inside, outside]);
    expect(out).toHaveLength(2);
    expect(out[0].face).toBe(inside);
    expect(out[1].face).toBe(outside);
    expect(out[1].box.Left).toBeLessThan(0.7);
  });

  it('gives a face to the torso box just under it and stretches the box over the head', () => {
    const torso: PersonEvidence[] = [{ box: { Left: 0.29, Top: 0.34, Width: 0.35, Height: 0.49 }, confidence: 90, keypoints: [] }];
    const out = attachFaces(torso, [face({ Left: 0.38, Top: 0.08, Width: 0.22, Height: 0.24 })]);
    expect(out).toHaveLength(1);
    expect(out[0].box.Top).toBeCloseTo(0.08);
    expect(out[0].box.Top + out[0].box.Height).toBeCloseTo(0.83);
  });
});

describe('summary', () => {
  const part = (Name: ProtectiveEquipmentBodyPart['Name'], Confidence: number, cover?: { type: string; confidence: number; covers: boolean }): ProtectiveEquipmentBodyPart => ({
    Name,
    Confidence,
    EquipmentDetections: cover
      ? [{ BoundingBox: {}, Confidence: cover.confidence, Type: cover.type as 'FACE_COVER', CoversBodyPart: { Confidence: cover.confidence, Value: cover.covers } }]
      : [],
  });
  const person = (Id: number, BodyParts: ProtectiveEquipmentBodyPart[], Confidence = 99): ProtectiveEquipmentPerson => ({ BodyParts, BoundingBox: {}, Confidence, Id });
  const mask = { type: 'FACE_COVER', confidence: 95, covers: true };
  const glove = { type: 'HAND_COVER', confidence: 95, covers: true };

  it('sorts persons by whether they wear every required type', () => {
    const persons = [
      person(0, [part('FACE', 99, mask)]),
      person(1, [part('FACE', 99)]),
      person(2, [part('HEAD', 99)]),
      person(3, [part('FACE', 99, { ...mask, covers: false })]),
      person(4, [part('FACE', 99, mask)], 70),
    ];
    expect(summarize(persons, { MinConfidence: 80, RequiredEquipmentTypes: ['FACE_COVER'] })).toEqual({
      PersonsWithRequiredEquipment: [0],
      PersonsWithoutRequiredEquipment: [1, 3],
      PersonsIndeterminate: [2, 4],
    });
  });

  it('needs a cover on every detected hand, and any missing type makes a person "without"', () => {
    const persons = [
      person(0, [part('LEFT_HAND', 90, glove), part('RIGHT_HAND', 90, glove)]),
      person(1, [part('LEFT_HAND', 90, glove), part('RIGHT_HAND', 90)]),
      person(2, [part('FACE', 90, mask), part('LEFT_HAND', 90, glove)]),
      person(3, [part('FACE', 90), part('HEAD', 90)]),
    ];
    expect(summarize(persons, { MinConfidence: 50, RequiredEquipmentTypes: ['HAND_COVER'] })).toEqual({
      PersonsWithRequiredEquipment: [0, 2],
      PersonsWithoutRequiredEquipment: [1],
      PersonsIndeterminate: [3],
    });
    expect(summarize(persons, { MinConfidence: 50, RequiredEquipmentTypes: ['HAND_COVER', 'FACE_COVER'] }).PersonsWithoutRequiredEquipment).toEqual([1, 3]);
  });

  it('treats MinConfidence under 50 as 50 and applies it to parts and equipment', () => {
    const persons = [person(0, [part('FACE', 60, { ...mask, confidence: 70 })])];
    expect(summarize(persons, { MinConfidence: 10, RequiredEquipmentTypes: ['FACE_COVER'] }).PersonsWithRequiredEquipment).toEqual([0]);
    expect(summarize(persons, { MinConfidence: 65, RequiredEquipmentTypes: ['FACE_COVER'] }).PersonsIndeterminate).toEqual([0]);
    expect(summarize(persons, { MinConfidence: 59, RequiredEquipmentTypes: ['FACE_COVER'] }).PersonsWithRequiredEquipment).toEqual([0]);
    expect(summarize(persons, { MinConfidence: 59, RequiredEquipmentTypes: ['FACE_COVER'] })).toMatchObject({ PersonsWithoutRequiredEquipment: [] });
  });
});
