/** The distance -> Similarity curve of src/analysis/faces.ts. */
import { describe, expect, it } from 'vitest';
import {
  ARCFACE_WEIGHT,
  COMBINED_DISTANCE_AT_80,
  descriptorFor,
  DISTANCE_AT_80,
  distanceAt80,
  faceDistance,
  FACEAPI_DIMENSIONS,
  IDENTITY_DIMENSIONS,
  identityDescriptor,
  similarity,
} from '../../src/analysis/faces';

/** A vector at euclidean distance `d` from `base` (moves along the first axis). */
const at = (base: number[], d: number) => base.map((x, i) => (i === 0 ? x + d : x));
const base = Array.from({ length: 128 }, (_, i) => Math.sin(i) / 10);

describe('similarity', () => {
  it('is exactly 100 for identical embeddings', () => {
    expect(similarity(base, [...base])).toBe(100);
  });

  it('is 80, the default threshold, at the calibrated distance', () => {
    expect(similarity(base, at(base, DISTANCE_AT_80))).toBeCloseTo(80, 6);
    expect(faceDistance(base, at(base, DISTANCE_AT_80))).toBeCloseTo(DISTANCE_AT_80, 12);
  });

  it('falls monotonically with distance, within 0-100', () => {
    const values = [0, 0.2, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.9, 1.2, 2].map((d) => similarity(base, at(base, d)));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1]);
    for (const v of values) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of values) expect(v).toBeLessThanOrEqual(100);
  });

  it('puts typical same-person distances high and different-person distances low', () => {
    expect(similarity(base, at(base, 0.4))).toBeGreaterThan(97);
    expect(similarity(base, at(base, 0.75))).toBeLessThan(25);
  });

  it('is symmetric and refuses embeddings of different lengths', () => {
    const other = at(base, 0.5);
    expect(similarity(base, other)).toBe(similarity(other, base));
    expect(() => similarity(base, base.slice(1))).toThrow(/differ in length/);
  });
});

describe('the combined identity descriptor', () => {
  const faceapi = base;
  const arcface = Array.from({ length: IDENTITY_DIMENSIONS - FACEAPI_DIMENSIONS }, (_, i) => Math.cos(i) / 16);
  const combined = identityDescriptor(faceapi, arcface);

  it("is face-api's descriptor followed by the weighted ArcFace-style one", () => {
    expect(combined).toHaveLength(IDENTITY_DIMENSIONS);
    expect(combined.slice(0, FACEAPI_DIMENSIONS)).toEqual(faceapi);
    expect(combined[FACEAPI_DIMENSIONS + 3]).toBeCloseTo(arcface[3] * ARCFACE_WEIGHT, 12);
    expect(identityDescriptor(faceapi)).toEqual(faceapi);
  });

  it('has its own calibration: 80 at its own distance, 100 when identical', () => {
    expect(distanceAt80(IDENTITY_DIMENSIONS)).toBe(COMBINED_DISTANCE_AT_80);
    expect(distanceAt80(FACEAPI_DIMENSIONS)).toBe(DISTANCE_AT_80);
    expect(similarity(combined, [...combined])).toBe(100);
    expect(similarity(combined, at(combined, COMBINED_DISTANCE_AT_80))).toBeCloseTo(80, 6);
    // the same distance scores higher on the combined scale than on face-api's
    expect(similarity(combined, at(combined, 0.7))).toBeGreaterThan(90);
    expect(similarity(faceapi, at(faceapi, 0.7))).toBeLessThan(25);
  });

  it("cuts a query to face-api's part for collections that hold only that, and refuses what cannot be compared", () => {
    expect(descriptorFor(combined, FACEAPI_DIMENSIONS)).toEqual(faceapi);
    expect(descriptorFor(combined, IDENTITY_DIMENSIONS)).toEqual(combined);
    expect(() => descriptorFor(faceapi, IDENTITY_DIMENSIONS)).toThrow(/cannot be compared/);
  });
});
