/**
 * Ranking stored faces and users against a query vector. Pure logic over a VectorIndex and a
 * similarity function, so it can be tested with synthetic vectors.
 *
 * Similarity is calibrated from euclidean distance and decreases as distance grows, so the index's
 * nearest neighbours are also the most similar: the search widens k until the farthest candidate
 * falls below the threshold (or enough results are found, or the index is exhausted).
 */
import type { VectorIndex } from '../store/vector-index';

export type SimilarityFn = (a: number[], b: number[]) => number;

export interface ScoredFace {
  label: number;
  similarity: number;
}

export interface UserScore {
  userId: string;
  similarity: number;
}

/** First k asked of the index; grown fourfold while the candidates all still pass the threshold. */
const INITIAL_K = 32;

const toArray = (v: ArrayLike<number>) => Array.from(v);

/**
 * Walks the index outward from `query`, calling `visit` with each new candidate in order of
 * similarity (ties by label), until `visit` returns true (enough) or a candidate is below `threshold`.
 */
function walk(index: VectorIndex, query: ArrayLike<number>, threshold: number, similarity: SimilarityFn, visit: (face: ScoredFace) => boolean): void {
  const q = toArray(query);
  const seen = new Set<number>();
  let k = Math.min(INITIAL_K, index.size);
  while (k > 0) {
    const scored = index
      .search(query, k)
      .map((n) => ({ label: n.label, similarity: similarity(q, toArray(index.vector(n.label)!)) }))
      .sort((a, b) => b.similarity - a.similarity || a.label - b.label);
    for (const face of scored) {
      if (seen.has(face.label)) continue;
      seen.add(face.label);
      if (face.similarity < threshold) return;
      if (visit(face)) return;
    }
    if (scored.length < k || k >= index.size) return;
    k = Math.min(index.size, k * 4);
  }
}

/** Faces at or above `threshold`, most similar first, at most `limit`, skipping `exclude`d labels. */
export function searchFaces(
  index: VectorIndex,
  query: ArrayLike<number>,
  options: { threshold: number; limit: number; similarity: SimilarityFn; exclude?: ReadonlySet<number> },
): ScoredFace[] {
  const out: ScoredFace[] = [];
  if (options.limit <= 0) return out;
  walk(index, query, options.threshold, options.similarity, (face) => {
    if (options.exclude?.has(face.label)) return false;
    out.push(face);
    return out.length >= options.limit;
  });
  // A wider approximate search can surface a closer face late; keep the output ordered.
  return out.sort((a, b) => b.similarity - a.similarity || a.label - b.label);
}

/**
 * Users whose faces match any of `queries`: a user's similarity is that of its most similar face
 * (our choice; AWS does not say how it scores a user). Faces of `excludeUser` are skipped.
 * `usersOf` maps candidate labels to the user each is associated with, if any.
 */
export function searchUsers(
  index: VectorIndex,
  queries: ArrayLike<number>[],
  options: {
    threshold: number;
    limit: number;
    similarity: SimilarityFn;
    usersOf: (labels: number[]) => Map<number, string>;
    excludeUser?: string;
  },
): UserScore[] {
  const best = new Map<string, number>();
  if (options.limit <= 0) return [];
  for (const query of queries) {
    const found = new Set<string>();
    const pending: ScoredFace[] = [];
    // Users are looked up in batches: one query for each widening of the search.
    const flush = () => {
      const owners = options.usersOf(pending.map((f) => f.label));
      for (const face of pending) {
        const userId = owners.get(face.label);
        if (userId === undefined || userId === options.excludeUser) continue;
        found.add(userId);
        if ((best.get(userId) ?? -Infinity) < face.similarity) best.set(userId, face.similarity);
      }
      pending.length = 0;
    };
    walk(index, query, options.threshold, options.similarity, (face) => {
      pending.push(face);
      if (pending.length < INITIAL_K) return false;
      flush();
      return found.size >= options.limit;
    });
    flush();
  }
  return [...best.entries()]
    .map(([userId, similarity]) => ({ userId, similarity }))
    .sort((a, b) => b.similarity - a.similarity || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
    .slice(0, options.limit);
}

/** How well a face matches a user's existing faces: its best similarity to any of them, or undefined when the user has none. */
export function userMatchConfidence(face: ArrayLike<number>, userFaces: ArrayLike<number>[], similarity: SimilarityFn): number | undefined {
  if (userFaces.length === 0) return undefined;
  const q = toArray(face);
  return Math.max(...userFaces.map((v) => similarity(q, toArray(v))));
}
