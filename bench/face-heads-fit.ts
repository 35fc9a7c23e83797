/**
 * The fitting behind bench/face-heads.ts: L2-regularised logistic regression on standardised
 * features, in the shape src/analysis/face-heads.ts applies. Pure, so tests can check it.
 */
import type { FaceHead } from '../src/analysis/face-heads';

/**
 * Gradient of (sum of logistic losses + λ/2 · |weights|²) / n at w (the last entry is the bias,
 * which is not penalised).
 */
function gradient(w: number[], z: number[][], y: number[], lambda: number): number[] {
  const n = z.length, d = w.length - 1;
  const grad = new Array<number>(d + 1).fill(0);
  for (let i = 0; i < n; i++) {
    let s = w[d];
    for (let j = 0; j < d; j++) s += w[j] * z[i][j];
    const e = 1 / (1 + Math.exp(-s)) - y[i];
    for (let j = 0; j < d; j++) grad[j] += (e * z[i][j]) / n;
    grad[d] += e / n;
  }
  for (let j = 0; j < d; j++) grad[j] += (lambda / n) * w[j];
  return grad;
}

/**
 * Logistic regression of y (0 or 1) on x, each feature standardised over x, penalty λ/2 · |w|² on
 * the summed loss; accelerated gradient descent (the loss is convex) until every gradient entry is
 * under 1e-5, or 3000 steps.
 */
export function fitLogistic(x: number[][], y: number[], lambda: number): Omit<FaceHead, 'groups'> {
  const n = x.length, d = x[0].length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j], 0) / n);
  const std = mean.map((m, j) => Math.sqrt(x.reduce((s, r) => s + (r[j] - m) ** 2, 0) / n) || 1);
  const z = x.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));
  let w = new Array<number>(d + 1).fill(0);
  let v = [...w];
  // 1 / Lipschitz constant of the gradient: the logistic loss curves at most 1/4
  const rowNorm = Math.max(...z.map((r) => r.reduce((s, a) => s + a * a, 1)));
  const step = 1 / (rowNorm / 4 + lambda / n);
  for (let it = 0, t = 1; it < 3000; it++) {
    if (it % 50 === 0 && it > 0 && gradient(w, z, y, lambda).every((g) => Math.abs(g) < 1e-5)) break;
    const grad = gradient(v, z, y, lambda);
    const next = v.map((vj, j) => vj - step * grad[j]);
    const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    v = next.map((nj, j) => nj + ((t - 1) / tNext) * (nj - w[j]));
    w = next;
    t = tNext;
  }
  return { mean, std, weights: w.slice(0, d), bias: w[d] };
}
