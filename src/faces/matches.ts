/**
 * Searching a collection for a face: the collection's index walked from the query (src/faces/search.ts),
 * the hits resolved to stored faces as FaceMatch. SearchFaces, SearchFacesByImage, GetFaceSearch
 * and stream processors all answer with these.
 */
import { descriptorFor, similarity } from '../analysis/faces';
import type { FaceMatch } from '../api/generated/types';
import { faceFromRow, type ScopedFaces } from '../store/faces';
import { searchFaces, type ScoredFace } from './search';

/** FaceMatchThreshold when absent (AWS-BEHAVIOUR §5). */
export const DEFAULT_FACE_MATCH_THRESHOLD = 80;

/** Scored hits resolved to stored faces; anything SQLite no longer has is dropped. */
export function toFaceMatches(faces: ScopedFaces, collection: string, hits: ScoredFace[]): FaceMatch[] {
  const rows = faces.byLabel(collection, hits.map((m) => m.label));
  return hits.filter((m) => rows.has(m.label)).map((m) => ({ Similarity: m.similarity, Face: faceFromRow(rows.get(m.label)!) }));
}

/** The collection's faces at or above `threshold` for a query vector, most similar first, at most `limit`, skipping `exclude`d labels. */
export function searchCollection(
  faces: ScopedFaces,
  collection: string,
  query: ArrayLike<number>,
  options: { threshold: number; limit: number; exclude?: ReadonlySet<number> },
): FaceMatch[] {
  const index = faces.index(collection);
  const hits = searchFaces(index, descriptorFor(Array.from(query), index.dimensions), { ...options, similarity });
  return toFaceMatches(faces, collection, hits);
}
