/** The linear classifier: optimiser, scoring, thresholds and metrics, storage. */
import { describe, expect, it } from 'vitest';
import { bestThreshold, deserializeModel, evaluate, kindOf, scoreOne, serializeModel, trainLinear, type TrainingSet } from '../../src/analysis/custom-labels-train';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

/** K Gaussian blobs in `dim` dimensions whose centres lie `spread` apart on random axes. */
function blobs(K: number, perClass: number, dim: number, spread: number, seed: number) {
  const r = rng(seed);
  const centres = Array.from({ length: K }, () => Array.from({ length: dim }, () => gauss(r) * spread));
  const rows: { x: number[]; y: number }[] = [];
  for (let k = 0; k < K; k++) for (let i = 0; i < perClass; i++) rows.push({ x: centres[k].map((c) => c + gauss(r)), y: k });
  return rows;
}

function toSet(rows: { x: number[]; y: number[] }[], labels: string[]): TrainingSet {
  const dim = rows[0].x.length;
  const X = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => X.set(row.x, i * dim));
  return { X, n: rows.length, dim, targets: rows.map((r) => r.y), labels };
}

describe('trainLinear (softmax)', () => {
  it('learns separable classes and generalises to new samples', () => {
    const labels = ['a', 'b', 'c', 'd'];
    const train = blobs(4, 15, 64, 0.6, 1);
    const model = trainLinear(toSet(train.map((t) => ({ x: t.x, y: [t.y] })), labels));
    expect(model.kind).toBe('softmax');
    const accuracy = (rows: typeof train) => rows.filter((row) => { const s = scoreOne(model, row.x); return s.indexOf(Math.max(...s)) === row.y; }).length / rows.length;
    expect(accuracy(train)).toBe(1);
    // New samples around the same centres.
    const r2 = rng(7);
    const centresFrom = (rows: typeof train, k: number) => {
      const members = rows.filter((row) => row.y === k);
      return members[0].x.map((_, d) => members.reduce((s, m) => s + m.x[d], 0) / members.length);
    };
    const newRows = [0, 1, 2, 3].flatMap((k) => Array.from({ length: 25 }, () => ({ x: centresFrom(train, k).map((c) => c + gauss(r2)), y: k })));
    expect(accuracy(newRows)).toBeGreaterThanOrEqual(0.95);
    const probabilities = scoreOne(model, newRows[0].x);
    expect(probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 6);
  });

  it('is deterministic', () => {
    const rows = blobs(3, 10, 16, 1, 3).map((t) => ({ x: t.x, y: [t.y] }));
    const a = trainLinear(toSet(rows, ['x', 'y', 'z']));
    const b = trainLinear(toSet(rows, ['x', 'y', 'z']));
    expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
  });

  it('does no better than chance on labels that carry no signal', () => {
    const r = rng(5);
    const rows = Array.from({ length: 60 }, (_, i) => ({ x: Array.from({ length: 32 }, () => gauss(r)), y: [i % 2] }));
    const model = trainLinear(toSet(rows, ['p', 'q']));
    const fresh = Array.from({ length: 400 }, (_, i) => ({ x: Array.from({ length: 32 }, () => gauss(r)), y: i % 2 }));
    const hits = fresh.filter((row) => { const s = scoreOne(model, row.x); return s.indexOf(Math.max(...s)) === row.y; }).length;
    expect(hits / fresh.length).toBeGreaterThan(0.38);
    expect(hits / fresh.length).toBeLessThan(0.62);
  });
});

describe('trainLinear (one sigmoid per label)', () => {
  it('is chosen for multi-label targets and scores labels independently', () => {
    const r = rng(11);
    // Label 0 when x0 > 0, label 1 when x1 > 0: images may have both or neither.
    const rows = Array.from({ length: 120 }, () => {
      const x = Array.from({ length: 8 }, () => gauss(r));
      return { x, y: [...(x[0] > 0 ? [0] : []), ...(x[1] > 0 ? [1] : [])] };
    });
    expect(kindOf(rows.map((row) => row.y))).toBe('sigmoid');
    const model = trainLinear(toSet(rows, ['left', 'up']), { steps: 400, learningRate: 2, l2: 1e-4 });
    const both = scoreOne(model, [2, 2, 0, 0, 0, 0, 0, 0]);
    const neither = scoreOne(model, [-2, -2, 0, 0, 0, 0, 0, 0]);
    expect(both[0]).toBeGreaterThan(0.8);
    expect(both[1]).toBeGreaterThan(0.8);
    expect(neither[0]).toBeLessThan(0.2);
    expect(neither[1]).toBeLessThan(0.2);
  });
});

describe('bestThreshold', () => {
  it('cuts between the lowest accepted score and the next one below at the best F1', () => {
    const pairs = [
      { score: 0.95, positive: true },
      { score: 0.9, positive: true },
      { score: 0.7, positive: false },
      { score: 0.6, positive: true },
      { score: 0.2, positive: false },
      { score: 0.1, positive: false },
    ];
    // Cutting below 0.6 gives P 3/4, R 1, F1 0.857; below 0.9 gives P 1, R 2/3, F1 0.8.
    const best = bestThreshold(pairs);
    expect(best.f1).toBeCloseTo(6 / 7, 10);
    expect(best.precision).toBeCloseTo(0.75, 10);
    expect(best.recall).toBe(1);
    expect(best.threshold).toBeCloseTo(0.4, 10);
  });

  it('falls back to 0.5 for a label without positives', () => {
    expect(bestThreshold([{ score: 0.9, positive: false }]).threshold).toBe(0.5);
  });
});

describe('evaluate', () => {
  it('computes per-label metrics, macro averages and the confusion matrix', () => {
    const labels = ['cat', 'dog'];
    const scores = [
      [0.9, 0.1],
      [0.8, 0.2],
      [0.4, 0.6],
      [0.3, 0.7],
      [0.6, 0.4],
    ];
    const truth = [[0], [0], [0], [1], [1]];
    const e = evaluate(labels, scores, truth, 'softmax');
    const cat = e.labels.find((l) => l.label === 'cat')!;
    // cat: scores 0.9, 0.8 (pos), 0.6 (neg), 0.4 (pos), 0.3 (neg) -> best cut below 0.4: P 3/4, R 1.
    expect(cat.f1).toBeCloseTo(6 / 7, 10);
    expect(cat.testImages).toBe(3);
    const dog = e.labels.find((l) => l.label === 'dog')!;
    // dog: 0.7 (pos), 0.6 (neg), 0.4 (pos), 0.2, 0.1 -> below 0.7: P 1 R .5 F1 .667; below 0.4: P 2/3 R 1 F1 .8.
    expect(dog.f1).toBeCloseTo(0.8, 10);
    expect(e.precision).toBeCloseTo((0.75 + 2 / 3) / 2, 10);
    expect(e.recall).toBe(1);
    expect(e.f1).toBeCloseTo((2 * e.precision * e.recall) / (e.precision + e.recall), 10);
    expect(e.confusion).toEqual([
      { truth: 'cat', predicted: 'cat', value: 2 / 3 },
      { truth: 'cat', predicted: 'dog', value: 1 / 3 },
      { truth: 'dog', predicted: 'cat', value: 1 / 2 },
      { truth: 'dog', predicted: 'dog', value: 1 / 2 },
    ]);
  });
});

describe('serializeModel', () => {
  it('round-trips every value', () => {
    const rows = blobs(3, 5, 10, 1, 9).map((t) => ({ x: t.x, y: [t.y] }));
    const fitted = trainLinear(toSet(rows, ['é', 'b', 'c']), undefined, 'embedding-v1');
    const model = { ...fitted, thresholds: [0.25, 0.5, 0.75] };
    const back = deserializeModel(serializeModel(model));
    expect(back.labels).toEqual(['é', 'b', 'c']);
    expect(back.thresholds).toEqual([0.25, 0.5, 0.75]);
    expect(back.featureVersion).toBe('embedding-v1');
    expect(Array.from(back.weights)).toEqual(Array.from(model.weights));
    expect(Array.from(back.mean)).toEqual(Array.from(model.mean));
    expect(scoreOne(back, rows[0].x)).toEqual(scoreOne(model, rows[0].x));
  });

  it('refuses other data', () => {
    const junk = Buffer.alloc(16);
    junk.writeUInt32LE(2, 0);
    junk.write('{}', 4);
    expect(() => deserializeModel(junk)).toThrow(/not a rekognition-local/);
  });
});
