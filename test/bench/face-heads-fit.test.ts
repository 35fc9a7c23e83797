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

describe('fitLogistic with sample weights', () => {
  // ten 0s at x = 0 and ten 1s at x = 1, plus two 1s at x = 0: weighting those two down moves the answer at x = 0 toward 0
  const x = [...Array.from({ length: 12 }, () => [0]), ...Array.from({ length: 10 }, () => [1])];
  const y = [...Array.from({ length: 10 }, () => 0), 1, 1, ...Array.from({ length: 10 }, () => 1)];

  it('weights each sample in the loss', () => {
    const even = { ...fitLogistic(x, y, 0.1), groups: [] };
    const light = { ...fitLogistic(x, y, 0.1, y.map((_, i) => (i === 10 || i === 11 ? 0.1 : 1))), groups: [] };
    expect(headProbability(even, [0])).toBeCloseTo(2 / 12, 1);
    expect(headProbability(light, [0])).toBeLessThan(headProbability(even, [0]) / 2);
  });
});
