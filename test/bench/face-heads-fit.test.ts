import { describe, expect, it } from 'vitest';
import { fitLogistic } from '../../bench/face-heads-fit';
import { headProbability } from '../../src/analysis/face-heads';

describe('fitLogistic', () => {
  // the label is 1 when the first feature exceeds 5; the second feature is noise
  const x = Array.from({ length: 40 }, (_, i) => [i / 4 + (i % 3) * 0.1, (i * 7) % 5]);
  const y = x.map(([a]) => +(a > 5));

  it('separates a separable set, in the shape headProbability applies', () => {
    const head = { ...fitLogistic(x, y, 0.1), groups: [] };
    expect(x.every((row, i) => (headProbability(head, row) >= 0.5) === (y[i] === 1))).toBe(true);
    expect(Math.abs(head.weights[0])).toBeGreaterThan(5 * Math.abs(head.weights[1]));
    expect(head.mean[0]).toBeCloseTo(x.reduce((s, r) => s + r[0], 0) / x.length, 9);
  });

  it('shrinks the weights as the penalty grows', () => {
    const loose = fitLogistic(x, y, 0.1), tight = fitLogistic(x, y, 100);
    expect(Math.abs(tight.weights[0])).toBeLessThan(Math.abs(loose.weights[0]));
    expect(tight.weights[0]).toBeGreaterThan(0);
  });
});
