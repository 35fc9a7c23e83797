/** The distance -> Similarity curve of src/analysis/faces.ts. */
import { describe, expect, it } from 'vitest';
import { DISTANCE_AT_80, faceDistance, similarity } from '../../src/analysis/faces';

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
