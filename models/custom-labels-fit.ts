/**
 * The Custom Labels fit, run in a pool worker (models/tasks/custom-labels.ts): a linear model on
 * top of image embeddings, trained by full-batch gradient descent in plain TypeScript.
 *
 * - Features are standardised with the training set's mean and deviation (scaled by 1/sqrt(D)).
 * - Single-label data (every labelled training image has one label) gets a softmax regression;
 *   multi-label data gets one sigmoid per label (one-vs-rest). Both with L2 regularisation.
 *
 * Scoring, evaluation and the storage format are domain work: src/analysis/custom-labels-train.ts.
 */

export type ModelKind = 'softmax' | 'sigmoid';

export interface LinearModel {
  kind: ModelKind;
  labels: string[];
  dim: number;
  mean: Float32Array;
  /** 1 / (deviation * sqrt(dim)) per feature. */
  scale: Float32Array;
  /** labels.length x dim, row-major. */
  weights: Float32Array;
  bias: Float32Array;
  /** Assumed threshold per label, 0-1. */
  thresholds: number[];
  /** Which embedding the model was trained on (models/runtime/mobilenet-features.ts). */
  featureVersion: string;
}

export interface TrainOptions {
  /** Gradient steps (full batch). */
  steps: number;
  learningRate: number;
  l2: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { steps: 300, learningRate: 2, l2: 1e-3 };

/** Per-feature mean and scale of the rows of X (n x dim). */
export function standardiser(X: Float32Array, n: number, dim: number): { mean: Float32Array; scale: Float32Array } {
  const mean = new Float32Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += X[i * dim + d] / n;
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++) {
      const v = X[i * dim + d] - mean[d];
      sq[d] += (v * v) / n;
    }
  const scale = new Float32Array(dim);
  const norm = 1 / Math.sqrt(dim);
  for (let d = 0; d < dim; d++) scale[d] = norm / (Math.sqrt(sq[d]) + 1e-6);
  return { mean, scale };
}

function standardise(X: Float32Array, n: number, dim: number, mean: Float32Array, scale: Float32Array): Float32Array {
  const Z = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) Z[i * dim + d] = (X[i * dim + d] - mean[d]) * scale[d];
  return Z;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function softmaxInPlace(z: Float64Array): void {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    z[k] = Math.exp(z[k] - max);
    sum += z[k];
  }
  for (let k = 0; k < z.length; k++) z[k] /= sum;
}

export interface TrainingSet {
  /** n x dim features, row-major. */
  X: Float32Array;
  n: number;
  dim: number;
  /** Per row, the indices (into `labels`) of its labels. */
  targets: number[][];
  labels: string[];
}

/** Single-label when every row has exactly one label. */
export const kindOf = (targets: number[][]): ModelKind => (targets.every((t) => t.length === 1) ? 'softmax' : 'sigmoid');

/**
 * Trains the linear model. Deterministic: weights start at zero and the gradient is full-batch.
 * `onStep` is called every `yieldEvery` steps so a caller can yield or stop (return false to stop).
 */
export function trainLinear(set: TrainingSet, options: TrainOptions = DEFAULT_TRAIN_OPTIONS, featureVersion = ''): Omit<LinearModel, 'thresholds'> {
  const { n, dim, targets, labels } = set;
  const K = labels.length;
  const kind = kindOf(targets);
  const { mean, scale } = standardiser(set.X, n, dim);
  const Z = standardise(set.X, n, dim, mean, scale);
  const W = new Float64Array(K * dim);
  const b = new Float64Array(K);
  const Y = new Float64Array(n * K);
  targets.forEach((t, i) => t.forEach((k) => (Y[i * K + k] = 1)));
  // Sigmoid heads on imbalanced one-vs-rest targets start from the label's prior.
  if (kind === 'sigmoid') for (let k = 0; k < K; k++) {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += Y[i * K + k];
    const p = Math.min(0.99, Math.max(0.01, pos / n));
    b[k] = Math.log(p / (1 - p));
  }
  const gW = new Float64Array(K * dim);
  const gb = new Float64Array(K);
  const z = new Float64Array(K);
  for (let step = 0; step < options.steps; step++) {
    gW.fill(0);
    gb.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * dim;
      for (let k = 0; k < K; k++) {
        let s = b[k];
        const wrow = k * dim;
        for (let d = 0; d < dim; d++) s += W[wrow + d] * Z[row + d];
        z[k] = s;
      }
      if (kind === 'softmax') softmaxInPlace(z);
      else for (let k = 0; k < K; k++) z[k] = sigmoid(z[k]);
      for (let k = 0; k < K; k++) {
        const g = z[k] - Y[i * K + k];
        if (g === 0) continue;
        gb[k] += g;
        const wrow = k * dim;
        for (let d = 0; d < dim; d++) gW[wrow + d] += g * Z[row + d];
      }
    }
    const lr = options.learningRate;
    for (let j = 0; j < W.length; j++) W[j] -= lr * (gW[j] / n + options.l2 * W[j]);
    for (let k = 0; k < K; k++) b[k] -= (lr * gb[k]) / n;
  }
  return { kind, labels, dim, mean, scale, weights: Float32Array.from(W), bias: Float32Array.from(b), featureVersion };
}

