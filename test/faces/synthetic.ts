/** Synthetic 128-d "faces": random identities, photos as small perturbations of them (seeded, repeatable). */
export const DIM = 128;

/** Mulberry32: a small seeded PRNG so tests and the benchmark are repeatable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
}

/** A point on the unit sphere: the "isotropic" worst case for approximate search. */
export function unitVector(random: () => number, dim = DIM): number[] {
  const v = Array.from({ length: dim }, () => gaussian(random));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** Per-coordinate noise giving ~0.6 euclidean distance between two photos of one identity (face-api's same-person range). */
export const PHOTO_SIGMA = 0.6 / Math.sqrt(2 * DIM);

export function photoOf(identity: number[], random: () => number, sigma = PHOTO_SIGMA): number[] {
  return identity.map((x) => x + sigma * gaussian(random));
}

export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i] - b[i]) ** 2;
  return Math.sqrt(d);
}

/** A stand-in calibration for tests: 100 at distance 0, falling linearly to 0 at distance 1.2. */
export function testSimilarity(a: number[], b: number[]): number {
  return Math.max(0, Math.min(100, 100 * (1 - euclidean(a, b) / 1.2)));
}
