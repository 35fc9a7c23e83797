import { describe, expect, it } from 'vitest';
import { AUTO_QUALITY_BAR, QUALITY_BARS, qualityReasons, qualityTier, selectFaces, type FaceQualityInput } from '../../src/faces/quality';
import { searchFaces, searchUsers, userMatchConfidence } from '../../src/faces/search';
import { VectorIndex } from '../../src/store/vector-index';
import { photoOf, rng, testSimilarity, unitVector } from './synthetic';

describe('searchFaces', () => {
  const random = rng(11);
  const person = unitVector(random);
  const index = new VectorIndex();
  // 60 photos of one person (more than the first batch of 32), 200 strangers.
  for (let i = 0; i < 60; i++) index.add(i, photoOf(person, random));
  for (let i = 0; i < 200; i++) index.add(1000 + i, unitVector(random));
  const query = photoOf(person, random);

  it('finds every match above the threshold, most similar first, widening past the first batch', () => {
    const found = searchFaces(index, query, { threshold: 20, limit: 4096, similarity: testSimilarity });
    expect(found.map((f) => f.label).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (let i = 1; i < found.length; i++) expect(found[i].similarity).toBeLessThanOrEqual(found[i - 1].similarity);
  });

  it('honours limit, threshold and exclusions', () => {
    expect(searchFaces(index, query, { threshold: 50, limit: 5, similarity: testSimilarity })).toHaveLength(5);
    expect(searchFaces(index, query, { threshold: 100, limit: 10, similarity: testSimilarity })).toEqual([]);
    const top = searchFaces(index, query, { threshold: 0, limit: 1, similarity: testSimilarity })[0];
    const without = searchFaces(index, query, { threshold: 0, limit: 1, similarity: testSimilarity, exclude: new Set([top.label]) })[0];
    expect(without.label).not.toBe(top.label);
    expect(searchFaces(index, query, { threshold: 0, limit: 0, similarity: testSimilarity })).toEqual([]);
    expect(searchFaces(new VectorIndex(), query, { threshold: 0, limit: 5, similarity: testSimilarity })).toEqual([]);
  });
});

describe('searchUsers', () => {
  const random = rng(12);
  const alice = unitVector(random);
  const bob = unitVector(random);
  const index = new VectorIndex();
  const owner = new Map<number, string>();
  const add = (label: number, v: number[], user?: string) => {
    index.add(label, v);
    if (user) owner.set(label, user);
  };
  for (let i = 0; i < 3; i++) add(i, photoOf(alice, random), 'alice');
  for (let i = 0; i < 3; i++) add(10 + i, photoOf(bob, random), 'bob');
  add(20, photoOf(alice, random)); // an unassociated photo of alice
  for (let i = 0; i < 50; i++) add(100 + i, unitVector(random));
  const usersOf = (labels: number[]) => new Map(labels.filter((l) => owner.has(l)).map((l) => [l, owner.get(l)!]));

  it('scores a user by its best face and skips unassociated faces', () => {
    const q = photoOf(alice, random);
    const found = searchUsers(index, [q], { threshold: 30, limit: 10, similarity: testSimilarity, usersOf });
    expect(found.map((u) => u.userId)).toEqual(['alice']);
    const best = Math.max(...[0, 1, 2].map((l) => testSimilarity(q, Array.from(index.vector(l)!))));
    expect(found[0].similarity).toBeCloseTo(best, 6);
  });

  it('merges several query faces, excludes the searched user and applies the limit', () => {
    const queries = [photoOf(alice, random), photoOf(bob, random)];
    const both = searchUsers(index, queries, { threshold: 30, limit: 10, similarity: testSimilarity, usersOf });
    expect(both.map((u) => u.userId).sort()).toEqual(['alice', 'bob']);
    expect(searchUsers(index, queries, { threshold: 30, limit: 1, similarity: testSimilarity, usersOf })).toHaveLength(1);
    expect(searchUsers(index, queries, { threshold: 30, limit: 10, similarity: testSimilarity, usersOf, excludeUser: 'alice' }).map((u) => u.userId)).toEqual([
      'bob',
    ]);
  });

  it('userMatchConfidence is the best similarity to the user faces, undefined for none', () => {
    const q = photoOf(alice, random);
    expect(userMatchConfidence(q, [], testSimilarity)).toBeUndefined();
    const faces = [photoOf(alice, random), unitVector(random)];
    expect(userMatchConfidence(q, faces, testSimilarity)).toBeCloseTo(testSimilarity(q, faces[0]), 6);
  });
});

const good: FaceQualityInput = { brightness: 80, sharpness: 60, confidence: 99.9, pose: { roll: 30, yaw: 5, pitch: 3 }, sizeRatio: 0.3 };

describe('QualityFilter', () => {
  it('NONE keeps everything; the bars tighten from LOW to HIGH; AUTO is the chosen bar', () => {
    const dim = { ...good, brightness: 12 };
    expect(qualityReasons(dim, 'NONE')).toEqual([]);
    expect(qualityReasons(dim, 'LOW')).toEqual([]);
    expect(qualityReasons(dim, 'MEDIUM')).toEqual(['LOW_BRIGHTNESS']);
    expect(qualityReasons(dim, 'AUTO')).toEqual(qualityReasons(dim, AUTO_QUALITY_BAR));
    for (const level of ['LOW', 'MEDIUM', 'HIGH'] as const) expect(qualityReasons(good, level)).toEqual([]);
    expect(QUALITY_BARS.HIGH.minConfidence).toBeGreaterThan(QUALITY_BARS.LOW.minConfidence);
  });

  it('names every failing measure, in the order of the Reason enum', () => {
    const bad: FaceQualityInput = { brightness: 1, sharpness: 0, confidence: 10, pose: { roll: 0, yaw: 85, pitch: 0 }, sizeRatio: 0.001 };
    expect(qualityReasons(bad, 'LOW')).toEqual(['EXTREME_POSE', 'LOW_BRIGHTNESS', 'LOW_SHARPNESS', 'LOW_CONFIDENCE', 'SMALL_BOUNDING_BOX']);
    // Roll is in-plane and does not count against a face.
    expect(qualityReasons({ ...good, pose: { roll: 90, yaw: 0, pitch: 0 } }, 'HIGH')).toEqual([]);
    expect(qualityTier(good)).toBe(3);
    expect(qualityTier(bad)).toBe(0);
  });
});

describe('selectFaces (IndexFaces MaxFaces)', () => {
  const mediumOnly: FaceQualityInput = { ...good, confidence: 90 };
  const lowOnly: FaceQualityInput = { ...good, confidence: 60 };

  it('drops the lowest quality first, then the smallest, and keeps the rest largest first', () => {
    const faces = [
      { quality: lowOnly, area: 0.5 }, // biggest but lowest quality
      { quality: good, area: 0.1 },
      { quality: mediumOnly, area: 0.3 },
      { quality: good, area: 0.2 },
    ];
    const two = selectFaces(faces, 'NONE', 2);
    expect(two.kept).toEqual([3, 1]);
    expect(two.dropped).toEqual([
      { index: 0, reasons: ['EXCEEDS_MAX_FACES'] },
      { index: 2, reasons: ['EXCEEDS_MAX_FACES'] },
    ]);
    expect(selectFaces(faces, 'NONE').kept).toEqual([0, 2, 3, 1]);
  });

  it('reports quality reasons before MaxFaces applies, and never keeps more than 100', () => {
    const faces = [
      { quality: { ...good, sizeRatio: 0.01 }, area: 0.0001 },
      { quality: good, area: 0.2 },
    ];
    const s = selectFaces(faces, 'MEDIUM', 1);
    expect(s.kept).toEqual([1]);
    expect(s.dropped).toEqual([{ index: 0, reasons: ['SMALL_BOUNDING_BOX'] }]);
    const many = Array.from({ length: 130 }, (_, i) => ({ quality: good, area: (i + 1) / 1000 }));
    const capped = selectFaces(many, 'AUTO', 500);
    expect(capped.kept).toHaveLength(100);
    expect(capped.dropped).toHaveLength(30);
    expect(capped.dropped.every((d) => d.index < 30 && d.reasons[0] === 'EXCEEDS_MAX_FACES')).toBe(true);
  });
});
