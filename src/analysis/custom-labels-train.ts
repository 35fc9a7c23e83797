/**
 * The Custom Labels classifier on top of image embeddings: scoring, its evaluation on the test set
 * (per-label precision, recall, F1 and the "assumed threshold"), and its storage format. The fit
 * itself runs in a pool worker: models/custom-labels-fit.ts.
 *
 * - The assumed threshold of a label is the score that gives the best F1 on the test set, as
 *   AWS documents ("calculated based on the best F1 score achieved on the test dataset"); within the
 *   best range we take the midpoint between the lowest accepted score and the next score below it.
 * - EvaluationResult.F1Score is 2PR/(P+R) of the macro-averaged precision and recall over the
 *   labels of the test set (the documented summary example is consistent with that arithmetic).
 */
import { sigmoid, softmaxInPlace, type LinearModel, type ModelKind } from '../../models/custom-labels-fit';

export {
  DEFAULT_TRAIN_OPTIONS,
  kindOf,
  standardiser,
  trainLinear,
  type LinearModel,
  type ModelKind,
  type TrainingSet,
  type TrainOptions,
} from '../../models/custom-labels-fit';

/** Scores in 0-1 per label for one feature vector. */
export function scoreOne(model: Omit<LinearModel, 'thresholds'>, x: ArrayLike<number>): number[] {
  const { dim, labels, mean, scale, weights, bias } = model;
  if (x.length !== dim) throw new Error(`feature vector has ${x.length} values, the model expects ${dim}`);
  const z = new Float64Array(labels.length);
  for (let k = 0; k < labels.length; k++) {
    let s = bias[k];
    const row = k * dim;
    for (let d = 0; d < dim; d++) s += weights[row + d] * (x[d] - mean[d]) * scale[d];
    z[k] = s;
  }
  if (model.kind === 'softmax') softmaxInPlace(z);
  else for (let k = 0; k < z.length; k++) z[k] = sigmoid(z[k]);
  return Array.from(z);
}

export interface LabelMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  threshold: number;
  /** Test images that carry the label. */
  testImages: number;
}

export interface Evaluation {
  labels: LabelMetrics[];
  precision: number;
  recall: number;
  f1: number;
  /** Single-label models: fraction of images of each true label predicted as each label (top-1). */
  confusion?: { truth: string; predicted: string; value: number }[];
}

/** Threshold when a label has no positive test image to tune it on. */
export const DEFAULT_THRESHOLD = 0.5;

/** The best-F1 threshold of one label from (score, is-positive) pairs. */
export function bestThreshold(pairs: { score: number; positive: boolean }[]): { threshold: number; precision: number; recall: number; f1: number } {
  const positives = pairs.filter((p) => p.positive).length;
  if (positives === 0) return { threshold: DEFAULT_THRESHOLD, precision: 0, recall: 0, f1: 0 };
  const sorted = [...pairs].sort((a, b) => b.score - a.score);
  let tp = 0;
  let fp = 0;
  let best = { index: 0, precision: 0, recall: 0, f1: -1 };
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].positive) tp++;
    else fp++;
    // Only cut between distinct scores.
    if (i + 1 < sorted.length && sorted[i + 1].score === sorted[i].score) continue;
    const precision = tp / (tp + fp);
    const recall = tp / positives;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    if (f1 > best.f1) best = { index: i, precision, recall, f1 };
  }
  const lowestAccepted = sorted[best.index].score;
  const nextBelow = best.index + 1 < sorted.length ? sorted[best.index + 1].score : 0;
  return { threshold: (lowestAccepted + nextBelow) / 2, precision: best.precision, recall: best.recall, f1: best.f1 };
}

/**
 * Evaluates scores (rows of per-label scores) against the true labels (indices per row). Labels
 * with no positive test image get the default threshold and stay out of the averages.
 */
export function evaluate(labels: string[], scores: number[][], truth: number[][], kind: ModelKind): Evaluation {
  const metrics: LabelMetrics[] = labels.map((label, k) => {
    const pairs = scores.map((s, i) => ({ score: s[k], positive: truth[i].includes(k) }));
    const best = bestThreshold(pairs);
    return { label, precision: best.precision, recall: best.recall, f1: Math.max(0, best.f1), threshold: best.threshold, testImages: pairs.filter((p) => p.positive).length };
  });
  const evaluated = metrics.filter((m) => m.testImages > 0);
  const precision = evaluated.length ? evaluated.reduce((s, m) => s + m.precision, 0) / evaluated.length : 0;
  const recall = evaluated.length ? evaluated.reduce((s, m) => s + m.recall, 0) / evaluated.length : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  let confusion: Evaluation['confusion'];
  if (kind === 'softmax') {
    confusion = [];
    for (let t = 0; t < labels.length; t++) {
      const rows = scores.filter((_, i) => truth[i][0] === t);
      if (!rows.length) continue;
      for (let p = 0; p < labels.length; p++) {
        const hits = rows.filter((s) => s.indexOf(Math.max(...s)) === p).length;
        confusion.push({ truth: labels[t], predicted: labels[p], value: hits / rows.length });
      }
    }
  }
  return { labels: metrics, precision, recall, f1, confusion };
}

// ---- storage: a JSON header, then the float arrays ----

const MAGIC = 'RLCL1';

export function serializeModel(model: LinearModel): Buffer {
  const header = Buffer.from(
    JSON.stringify({ magic: MAGIC, kind: model.kind, labels: model.labels, dim: model.dim, thresholds: model.thresholds, featureVersion: model.featureVersion }),
    'utf8',
  );
  const arrays = [model.mean, model.scale, model.weights, model.bias];
  const size = 4 + header.length + arrays.reduce((s, a) => s + a.byteLength, 0);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  let offset = 4 + header.length;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, offset);
    offset += a.byteLength;
  }
  return out;
}

export function deserializeModel(blob: Buffer): LinearModel {
  const headerLength = blob.readUInt32LE(0);
  const header = JSON.parse(blob.subarray(4, 4 + headerLength).toString('utf8')) as {
    magic: string;
    kind: ModelKind;
    labels: string[];
    dim: number;
    thresholds: number[];
    featureVersion: string;
  };
  if (header.magic !== MAGIC) throw new Error('not a rekognition-local custom labels model');
  const K = header.labels.length;
  const floats = (count: number, offset: number) => {
    const copy = new Float32Array(count);
    const bytes = blob.subarray(offset, offset + count * 4);
    copy.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
    return copy;
  };
  let offset = 4 + headerLength;
  const mean = floats(header.dim, offset);
  offset += header.dim * 4;
  const scale = floats(header.dim, offset);
  offset += header.dim * 4;
  const weights = floats(K * header.dim, offset);
  offset += K * header.dim * 4;
  const bias = floats(K, offset);
  return { kind: header.kind, labels: header.labels, dim: header.dim, thresholds: header.thresholds, featureVersion: header.featureVersion, mean, scale, weights, bias };
}
