import { describe, expect, it } from 'vitest';
import { applyCurve, invertCurve, KEYPOINT_CURVE, OBJECT_CURVE, objectConfidence } from '../../src/analysis/calibration';
import { contentTypes, EXPLICIT_CURVE, moderationLabels, skinSupport, SUGGESTIVE_CURVE, type NsfwScores } from '../../src/analysis/moderation';

const scores = (s: Partial<NsfwScores>): NsfwScores => {
  const base = { Drawing: 0, Hentai: 0, Porn: 0, Sexy: 0, ...s };
  return { ...base, Neutral: Math.max(0, 1 - base.Drawing - base.Hentai - base.Porn - base.Sexy) };
};

describe('calibration curves', () => {
  it('are monotone and map the midpoint to 50', () => {
    for (const curve of [OBJECT_CURVE, KEYPOINT_CURVE, EXPLICIT_CURVE, SUGGESTIVE_CURVE]) {
      let last = -1;
      for (let x = 0.01; x < 1; x += 0.01) {
        const c = applyCurve(curve, x);
        expect(c).toBeGreaterThan(last);
        last = c;
      }
      expect(applyCurve(curve, curve.midpoint)).toBeCloseTo(50, 6);
      expect(invertCurve(curve, applyCurve(curve, 0.42))).toBeCloseTo(0.42, 6);
    }
  });

  it('puts centernet scores where the development photos need them', () => {
    // True main objects scored 0.45-0.68, false ones at most 0.30 (calibration.ts).
    expect(objectConfidence(0.45)).toBeGreaterThan(75);
    expect(objectConfidence(0.6)).toBeGreaterThan(94);
    expect(objectConfidence(0.32)).toBeLessThan(45);
    expect(objectConfidence(0.28)).toBeLessThan(35);
  });
});

describe('Swimwear or Underwear', () => {
  it('needs bare skin in the torso band once skin is measured', () => {
    const sexy = scores({ Sexy: 0.99 });
    expect(moderationLabels(sexy).map((l) => l.Name)).toEqual(['Swimwear or Underwear']);
    // A softball uniform: Sexy 0.97, 10% skin in the torso band (COCO train2017/000000294912).
    expect(moderationLabels(scores({ Sexy: 0.97 }), 50, { torsoSkin: 0.1 })).toEqual([]);
    expect(moderationLabels(sexy, 50, { torsoSkin: 0.6 })[0].Confidence).toBeCloseTo(applyCurve(SUGGESTIVE_CURVE, 0.99), 9);
    expect(skinSupport(0.25)).toBeCloseTo(0.5, 9);
  });
});

describe('nsfwjs classes to moderation v7', () => {
  it('maps Porn to Explicit Nudity under Explicit, child first, one confidence', () => {
    const labels = moderationLabels(scores({ Porn: 0.97 }));
    const confidence = applyCurve(EXPLICIT_CURVE, 0.97);
    expect(labels).toEqual([
      { Confidence: confidence, Name: 'Explicit Nudity', ParentName: 'Explicit', TaxonomyLevel: 2 },
      { Confidence: confidence, Name: 'Explicit', ParentName: '', TaxonomyLevel: 1 },
    ]);
    expect(Object.keys(labels[0])).toEqual(['Confidence', 'Name', 'ParentName', 'TaxonomyLevel']);
  });

  it('adds Hentai to Porn (exclusive classes) and marks it Animated and Illustrated', () => {
    const s = scores({ Porn: 0.5, Hentai: 0.48 });
    expect(moderationLabels(s)[0].Confidence).toBeCloseTo(applyCurve(EXPLICIT_CURVE, 0.98), 9);
    expect(moderationLabels(scores({ Hentai: 0.99 })).map((l) => l.Name)).toEqual(['Explicit Nudity', 'Explicit']);
    expect(contentTypes(scores({ Hentai: 0.99 })).map((c) => c.Name).sort()).toEqual(['Animated', 'Illustrated']);
  });

  it('maps Sexy to the top-level Swimwear or Underwear only', () => {
    expect(moderationLabels(scores({ Sexy: 0.95 }))).toEqual([
      { Confidence: applyCurve(SUGGESTIVE_CURVE, 0.95), Name: 'Swimwear or Underwear', ParentName: '', TaxonomyLevel: 1 },
    ]);
  });

  it('orders chains by confidence and applies MinConfidence', () => {
    const s = scores({ Porn: 0.9, Sexy: 0.09 });
    expect(moderationLabels(s, 0).map((l) => l.Name)).toEqual(['Explicit Nudity', 'Explicit', 'Swimwear or Underwear']);
    expect(moderationLabels(s, 99)).toEqual([]);
  });

  it('gives nothing for the scores measured on clothed party photos and ordinary photos', () => {
    // Highest values seen on face-api's demo group photos and on the fixtures (moderation.ts).
    for (const s of [scores({ Porn: 0.453, Hentai: 0.186, Sexy: 0.323 }), scores({ Porn: 0.2, Sexy: 0.527 }), scores({ Drawing: 0.791 }), scores({ Drawing: 0.429, Hentai: 0.05 })]) {
      expect(moderationLabels(s)).toEqual([]);
      expect(contentTypes(s)).toEqual([]);
    }
  });

  it('calls a drawing Illustrated without calling it unsafe', () => {
    expect(contentTypes(scores({ Drawing: 0.99 })).map((c) => c.Name)).toEqual(['Illustrated']);
    expect(moderationLabels(scores({ Drawing: 0.99 }))).toEqual([]);
  });
});
