/**
 * The trained face-attribute heads (src/analysis/face-heads.ts, weights in face-heads.json):
 * loading, applying, the Confidence scale, and the recorded astronaut face
 * (test/faces/astronaut-face.json, hand labels in bench/labels/face-attributes.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildFace, FaceAnalysis, resolveAttributes } from '../../src/analysis/faces';
import { FACE_HEADS, FEATURE_GROUPS, HEAD_ATTRIBUTES, HEAD_TARGETS, headDecision, headFeatures, headProbability, type FaceHead, type HeadAttribute } from '../../src/analysis/face-heads';
import type { LoadedImage } from '../../src/media/image';
import type { RawFace } from '../../models/tasks/faces';

const recorded = JSON.parse(readFileSync(new URL('./astronaut-face.json', import.meta.url), 'utf8')) as { width: number; height: number; face: RawFace };
const copy = (): RawFace => structuredClone(recorded.face);
const ALL = resolveAttributes(['ALL']);

describe('face-heads.json', () => {
  it('holds heads whose vectors match their feature groups on a real face', () => {
    for (const [name, head] of Object.entries(FACE_HEADS)) {
      expect(head.groups.every((g) => (FEATURE_GROUPS as readonly string[]).includes(g)), name).toBe(true);
      const features = headFeatures(copy(), head.groups)!;
      expect(features, name).toHaveLength(head.weights.length);
      expect([head.mean.length, head.std.length]).toEqual([head.weights.length, head.weights.length]);
      expect(head.std.every((s) => s > 0)).toBe(true);
      const p = headProbability(head, features);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
  });
});

describe('headProbability', () => {
  const head: FaceHead = { groups: ['rules'], mean: [1, 0], std: [2, 1], weights: [2, -1], bias: 0.5 };

  it('standardises the features, then applies the logistic regression', () => {
    // z = 0.5 + 2·(3 − 1)/2 − 1·(1 − 0)/1 = 1.5
    expect(headProbability(head, [3, 1])).toBeCloseTo(1 / (1 + Math.exp(-1.5)), 12);
    expect(headProbability(head, [1, 0.5])).toBeCloseTo(0.5, 12);
  });

  it('refuses a feature vector of the wrong length', () => {
    expect(() => headProbability(head, [1])).toThrow(/takes 2 features/);
  });

  it('has no features when the face lacks the models a group needs', () => {
    const face = copy();
    delete face.emotion;
    delete face.embedding;
    delete face.faceres;
    expect(headFeatures(face, ['rules', 'emotion'])).toBeUndefined();
    expect(headFeatures(face, ['identity'])).toBeUndefined();
    expect(headFeatures(face, ['rules', 'faceres'])).toBeUndefined();
    expect(headFeatures(face, ['rules'])).toHaveLength(8);
  });
});

describe('headDecision', () => {
  it('puts Value at p ≥ 0.5 and Confidence on the rules’ scale: 50 undecided, 99.9 sure', () => {
    expect(headDecision(0.5)).toEqual({ Value: true, Confidence: 50 });
    expect(headDecision(1).Confidence).toBeCloseTo(99.9, 9);
    expect(headDecision(0).Value).toBe(false);
    expect(headDecision(0.1)).toEqual({ Value: false, Confidence: 50 + 49.9 * 0.8 });
  });
});

describe('the heads in DetectFaces', () => {
  it('answer on the recorded astronaut face as its hand label does (smiling, lips parted, no beard or moustache)', () => {
    const face = copy();
    const detail = buildFace(face, recorded.width, recorded.height, ALL).detail;
    for (const [attribute, head] of Object.entries(FACE_HEADS)) {
      const member = HEAD_TARGETS[attribute as HeadAttribute].member;
      expect(detail[member], attribute).toEqual(headDecision(headProbability(head, headFeatures(face, head.groups)!)));
    }
    expect([detail.Smile!.Value, detail.MouthOpen!.Value]).toEqual([true, true]);
    // her hand label: no beard, no moustache
    expect([detail.Beard!.Value, detail.Mustache!.Value]).toEqual([false, false]);
    expect(detail.Smile!.Confidence!).toBeGreaterThan(90);
  });

  it('run the models behind a head’s features when only its attribute is asked for', async () => {
    const payloads: Record<string, unknown>[] = [];
    const models = {
      run: async (_task: string, payload: Record<string, unknown>) => {
        payloads.push(payload);
        return { faces: [copy()], padded: false };
      },
    } as unknown as ConstructorParameters<typeof FaceAnalysis>[0];
    const image = { sha256: 'x', rgb: async () => ({ data: Buffer.alloc(4 * 4 * 3), width: 4, height: 4, channels: 3 }) } as unknown as LoadedImage;
    const analysis = new FaceAnalysis(models);
    await analysis.detect(image, { attributes: ['MOUTH_OPEN'] });
    expect(payloads[0].emotion).toBe(Boolean(FACE_HEADS.mouthOpen?.groups.includes('emotion')));
    expect(payloads[0].embeddings).toBe(false);
    // FaceRes's features come with its age and gender answers
    analysis.clear();
    await analysis.detect(image, { attributes: ['BEARD'] });
    expect(payloads[1].ageGender).toBe(Boolean(FACE_HEADS.beard?.groups.includes('faceres')));
    expect(payloads[1].embeddings).toBe(false);
  });

  it('answer any boolean attribute they are given a head for, and leave the others to their rules', () => {
    // a head that is sure of `true` whatever the face: zero weights, a large bias
    const sure: FaceHead = { groups: ['rules'], mean: new Array(8).fill(0), std: new Array(8).fill(1), weights: new Array(8).fill(0), bias: 20 };
    const rules = buildFace(copy(), recorded.width, recorded.height, ALL, {}).detail;
    for (const attribute of HEAD_ATTRIBUTES) {
      const detail = buildFace(copy(), recorded.width, recorded.height, ALL, { [attribute]: sure }).detail;
      expect(detail[HEAD_TARGETS[attribute].member], attribute).toEqual(headDecision(headProbability(sure, new Array(8).fill(0))));
      // a sunglasses answer also moves EyesOpen's confidence (lids behind lenses are a guess), Eyeglasses and FaceOccluded
      const readers: HeadAttribute[] = ['eyesOpen', 'eyeglasses', 'occluded'];
      const others = HEAD_ATTRIBUTES.filter((a) => a !== attribute && !(attribute === 'sunglasses' && readers.includes(a)));
      for (const other of others) expect(detail[HEAD_TARGETS[other].member], `${attribute} head leaves ${other}`).toEqual(rules[HEAD_TARGETS[other].member]);
    }
  });

  it('count sunglasses as eyeglasses and as covering the face, as AWS does', () => {
    const sure: FaceHead = { groups: ['rules'], mean: new Array(8).fill(0), std: new Array(8).fill(1), weights: new Array(8).fill(0), bias: 20 };
    const never: FaceHead = { ...sure, bias: -20 };
    const bare = buildFace(copy(), recorded.width, recorded.height, ALL, { sunglasses: never, eyeglasses: never }).detail;
    expect([bare.Sunglasses!.Value, bare.Eyeglasses!.Value, bare.FaceOccluded!.Value]).toEqual([false, false, false]);
    const lenses = buildFace(copy(), recorded.width, recorded.height, ALL, { sunglasses: sure, eyeglasses: never }).detail;
    expect([lenses.Sunglasses!.Value, lenses.Eyeglasses!.Value, lenses.FaceOccluded!.Value]).toEqual([true, true, true]);
    expect(lenses.Eyeglasses).toEqual(lenses.Sunglasses);
  });

  it('run the eye band for every attribute that reads the Sunglasses answer, and not for the others', async () => {
    const width = recorded.face.eyeBand!.length;
    const eyeBandHead: FaceHead = { groups: ['eyeBand'], mean: new Array(width).fill(0), std: new Array(width).fill(1), weights: new Array(width).fill(0), bias: 0 };
    const asked = async (attributes: string[]) => {
      let payload: Record<string, unknown> = {};
      const models = {
        run: async (_task: string, p: Record<string, unknown>) => ((payload = p), { faces: [copy()], padded: false }),
      } as unknown as ConstructorParameters<typeof FaceAnalysis>[0];
      const image = { sha256: attributes.join(), rgb: async () => ({ data: Buffer.alloc(4 * 4 * 3), width: 4, height: 4, channels: 3 }) } as unknown as LoadedImage;
      await new FaceAnalysis(models, { sunglasses: eyeBandHead }).detect(image, { attributes });
      return payload.eyeBand;
    };
    for (const attribute of ['SUNGLASSES', 'EYEGLASSES', 'EYES_OPEN', 'FACE_OCCLUDED', 'ALL']) expect(await asked([attribute]), attribute).toBe(true);
    for (const attribute of ['DEFAULT', 'SMILE', 'GENDER']) expect(await asked([attribute]), attribute).toBe(false);
  });

  it('fall back to the rule when a face lacks a head’s features', () => {
    const face = copy();
    delete face.emotion;
    expect(FACE_HEADS.smile?.groups).toContain('emotion');
    const withHeads = buildFace(face, recorded.width, recorded.height, ALL).detail.Smile;
    expect(withHeads).toEqual(buildFace(face, recorded.width, recorded.height, ALL, {}).detail.Smile);
  });
});
