/**
 * The fitting behind bench/face-heads.ts: L2-regularised logistic regression on standardised
 * features, in the shape src/analysis/face-heads.ts applies. Pure, so tests can check it.
 */
import type { FaceHead } from '../src/analysis/face-heads';

/**
 * Gradient of (weighted sum of logistic losses + λ/2 · |weights|²) / n at w (the last entry is the
 * bias, which is not penalised), into `grad`. z holds the n standardised rows of d features back to back.
 */
function gradient(w: Float64Array, z: Float64Array, y: readonly number[], sampleWeights: readonly number[], lambda: number, grad: Float64Array): Float64Array {
  const n = y.length, d = w.length - 1;
  grad.fill(0);
  for (let i = 0, row = 0; i < n; i++, row += d) {
    let s = w[d];
    for (let j = 0; j < d; j++) s += w[j] * z[row + j];
    const e = (sampleWeights[i] * (1 / (1 + Math.exp(-s)) - y[i])) / n;
    for (let j = 0; j < d; j++) grad[j] += e * z[row + j];
    grad[d] += e;
  }
  for (let j = 0; j < d; j++) grad[j] += (lambda / n) * w[j];
  return grad;
}

/**
 * Largest eigenvalue of (1/n) · Σ wᵢ (zᵢ, 1)(zᵢ, 1)ᵀ, by power iteration: with 1/4 of it (the
 * logistic loss curves at most 1/4), the loss gradient's Lipschitz constant, which sets the step.
 * Bounded above by the largest row norm, the bound used before, which was many times too large for
 * hundreds of correlated features and slowed the fit as much.
 */
function largestEigenvalue(z: Float64Array, n: number, d: number, sampleWeights: readonly number[]): number {
  let v = new Float64Array(d + 1).fill(1 / Math.sqrt(d + 1));
  let value = 0;
  for (let it = 0; it < 100; it++) {
    const next = new Float64Array(d + 1);
    for (let i = 0, row = 0; i < n; i++, row += d) {
      let s = v[d];
      for (let j = 0; j < d; j++) s += v[j] * z[row + j];
      s *= sampleWeights[i] / n;
      for (let j = 0; j < d; j++) next[j] += s * z[row + j];
      next[d] += s;
    }
    const norm = Math.hypot(...next);
    if (!norm) return 0;
    const converged = Math.abs(norm - value) < 1e-4 * norm;
    value = norm;
    v = next.map((x) => x / norm);
    if (converged) break;
  }
  // a margin for the iteration's shortfall from the true top eigenvalue
  return 1.05 * value;
}

/**
 * Logistic regression of y (0 or 1) on x, each feature standardised over x, penalty λ/2 · |w|² on
 * the summed loss, each sample's loss weighted (1 each when not given); accelerated gradient
 * descent (the loss is convex) until every gradient entry is under 1e-5, or 3000 steps.
 */
export function fitLogistic(x: number[][], y: number[], lambda: number, sampleWeights: readonly number[] = y.map(() => 1)): Omit<FaceHead, 'groups'> {
  const n = x.length, d = x[0].length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j], 0) / n);
  const std = mean.map((m, j) => Math.sqrt(x.reduce((s, r) => s + (r[j] - m) ** 2, 0) / n) || 1);
  const z = new Float64Array(n * d);
  x.forEach((r, i) => r.forEach((v, j) => (z[i * d + j] = (v - mean[j]) / std[j])));
  let w = new Float64Array(d + 1);
  const v = new Float64Array(d + 1);
  const grad = new Float64Array(d + 1);
  let next = new Float64Array(d + 1);
  const step = 1 / (largestEigenvalue(z, n, d, sampleWeights) / 4 + lambda / n);
  for (let it = 0, t = 1; it < 3000; it++) {
    if (it % 50 === 0 && it > 0 && gradient(w, z, y, sampleWeights, lambda, grad).every((g) => Math.abs(g) < 1e-5)) break;
    gradient(v, z, y, sampleWeights, lambda, grad);
    for (let j = 0; j <= d; j++) next[j] = v[j] - step * grad[j];
    const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    for (let j = 0; j <= d; j++) v[j] = next[j] + ((t - 1) / tNext) * (next[j] - w[j]);
    [w, next] = [next, w];
    t = tNext;
  }
  return { mean, std, weights: [...w.subarray(0, d)], bias: w[d] };
}
