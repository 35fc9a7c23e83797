/** IndexFaces, ListFaces, DeleteFaces, SearchFaces, SearchFacesByImage: faces stored in collections. */
import * as faceAnalysis from '../analysis/faces';
import type { DetectedFace } from '../analysis/faces';
import { errors } from '../api/errors';
import type { FaceMatch, FaceRecord, Reason, UnindexedFace, UnsuccessfulFaceDeletion } from '../api/generated/types';
import { loadImage } from '../media/image';
import {
  collectionIndex,
  countFaces,
  countUsers,
  deleteCollectionFaces,
  deleteFaceRows,
  faceFromRow,
  facesByLabel,
  facesOfImage,
  getFace,
  getFaceVector,
  insertFace,
  listFaces,
  quantiseBoundingBox,
  quantiseConfidence,
  type FaceRow,
} from '../store/face-store';
import type { VectorIndex } from '../store/vector-index';
import { collectionCounts, onCollectionDeleted, requireCollection } from './collections';
import type { RequestContext } from './context';
import { qualityReasons, selectFaces } from './face-quality';
import { searchFaces, type ScoredFace } from './face-search';
import { decodePageToken, encodePageToken } from '../api/pagination';
import { registerHandler } from './registry';

/** FaceMatchThreshold when absent (AWS-BEHAVIOUR §5). */
export const DEFAULT_FACE_MATCH_THRESHOLD = 80;
/** MaxFaces when absent: AWS documents none; 4096 is the most it returns (AWS-BEHAVIOUR §3.7). */
export const DEFAULT_MAX_FACE_MATCHES = 4096;
/** ListFaces page size when MaxResults is absent (undocumented; AWS-BEHAVIOUR §5 recommends 1000). */
export const DEFAULT_LIST_FACES_PAGE = 1000;
export const NO_FACE_MESSAGE = 'There are no faces in the image. Should be at least 1.';

collectionCounts.faces = (ctx, id) => countFaces(ctx.db, ctx, id);
collectionCounts.users = (ctx, id) => countUsers(ctx.db, ctx, id);
onCollectionDeleted((ctx, id) => {
  deleteCollectionFaces(ctx.db, ctx, id, ctx.config.dataDir);
  ctx.stores.idempotency.in(ctx).forgetCollection(id);
});

export function indexFor(ctx: RequestContext, collection: string): VectorIndex {
  return collectionIndex(ctx.db, ctx, collection, ctx.config.dataDir);
}

/** A stored face's vector: from the index, else from SQLite. */
export function vectorOf(ctx: RequestContext, index: VectorIndex, row: FaceRow): Float32Array {
  const v = index.vector(row.label) ?? getFaceVector(ctx.db, row.label);
  if (!v) throw errors.internal();
  return v;
}

export const area = (face: DetectedFace) => (face.detail.BoundingBox?.Width ?? 0) * (face.detail.BoundingBox?.Height ?? 0);

/** Detected faces, largest first (the analysis promises it; sorting keeps this module honest). */
export function largestFirst(faces: DetectedFace[]): DetectedFace[] {
  return faces.map((f, i) => ({ f, i })).sort((a, b) => area(b.f) - area(a.f) || a.i - b.i).map(({ f }) => f);
}

/** Scored matches resolved to stored faces; anything SQLite no longer has is dropped. */
function toFaceMatches(ctx: RequestContext, collection: string, matches: ScoredFace[]): FaceMatch[] {
  const rows = facesByLabel(ctx.db, ctx, collection, matches.map((m) => m.label));
  return matches.filter((m) => rows.has(m.label)).map((m) => ({ Similarity: m.similarity, Face: faceFromRow(rows.get(m.label)!) }));
}

const sameBox = (row: FaceRow, box: ReturnType<typeof quantiseBoundingBox>) =>
  row.bb_width === box.Width && row.bb_height === box.Height && row.bb_left === box.Left && row.bb_top === box.Top;

registerHandler('IndexFaces', async (input, ctx) => {
  const id = input.CollectionId;
  requireCollection(ctx, id);
  const image = await loadImage(input.Image, ctx);
  const detected = largestFirst(await faceAnalysis.detectFaces(image, ctx, { attributes: input.DetectionAttributes, embeddings: true }));

  // A face without an embedding cannot be searched later, so it is not indexed.
  const withEmbedding = detected.filter((f) => f.embedding?.length);
  const selection = selectFaces(
    withEmbedding.map((f) => ({ quality: f.quality, area: area(f) })),
    input.QualityFilter ?? 'AUTO',
    input.MaxFaces,
  );
  const unindexed: UnindexedFace[] = [];
  for (const face of detected) {
    const i = withEmbedding.indexOf(face);
    const reasons: Reason[] | undefined = i < 0 ? ['LOW_FACE_QUALITY'] : selection.dropped.find((d) => d.index === i)?.reasons;
    if (reasons) unindexed.push({ Reasons: reasons, FaceDetail: face.detail });
  }

  const index = indexFor(ctx, id);
  const added: { label: number; vector: number[] }[] = [];
  let faceModelVersion = '';
  const records = ctx.db.transaction((): FaceRecord[] => {
    // The collection may have been deleted while the image was analysed.
    const collection = requireCollection(ctx, id);
    faceModelVersion = collection.face_model_version;
    // Same image, same collection, same ExternalImageId: AWS keeps no duplicate face metadata (API_IndexFaces).
    const previous = facesOfImage(ctx.db, ctx, id, image.sha256, input.ExternalImageId);
    const imageId = previous[0]?.image_id ?? ctx.ids.nameBased(`${ctx.account}/${id}/${image.sha256}/${input.ExternalImageId ?? ''}`);
    const reused = new Set<number>();
    return selection.kept.map((i) => {
      const face = withEmbedding[i];
      const raw = face.detail.BoundingBox ?? {};
      const box = quantiseBoundingBox(raw);
      const same = previous.find((row) => !reused.has(row.label) && sameBox(row, box));
      let faceId: string;
      let userId: string | undefined;
      if (same) {
        reused.add(same.label);
        faceId = same.face_id;
        userId = same.user_id ?? undefined;
      } else {
        faceId = ctx.ids.uuid();
        const label = insertFace(ctx.db, ctx, id, {
          faceId,
          imageId,
          externalImageId: input.ExternalImageId,
          boundingBox: box,
          confidence: quantiseConfidence(face.detail.Confidence ?? 0),
          indexFacesModelVersion: collection.face_model_version,
          imageSha256: image.sha256,
          vector: face.embedding!,
        });
        added.push({ label, vector: face.embedding! });
      }
      // IndexFaces answers with the unquantised values (AWS-BEHAVIOUR §3.7).
      return {
        Face: {
          FaceId: faceId,
          BoundingBox: raw,
          ImageId: imageId,
          ExternalImageId: input.ExternalImageId,
          Confidence: face.detail.Confidence,
          IndexFacesModelVersion: collection.face_model_version,
          UserId: userId,
        },
        FaceDetail: face.detail,
      };
    });
  })();
  // Only after the commit: the index mirrors SQLite, never runs ahead of it.
  for (const { label, vector } of added) index.add(label, vector);
  return { FaceRecords: records, FaceModelVersion: faceModelVersion, UnindexedFaces: unindexed };
});

registerHandler('ListFaces', (input, ctx) => {
  const collection = requireCollection(ctx, input.CollectionId);
  let after = '';
  if (input.NextToken) {
    // Tokens are bound to their collection: `<collection>/<last FaceId>`.
    const position = decodePageToken(input.NextToken, 'ListFaces');
    const slash = position.lastIndexOf('/');
    if (position.slice(0, slash) !== collection.id) throw errors.invalidPaginationToken();
    after = position.slice(slash + 1);
  }
  const limit = input.MaxResults ?? DEFAULT_LIST_FACES_PAGE;
  const rows = listFaces(ctx.db, ctx, collection.id, { after, limit, userId: input.UserId, faceIds: input.FaceIds });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    Faces: page.map(faceFromRow),
    NextToken: rows.length > limit && last ? encodePageToken(`${collection.id}/${last.face_id}`, 'ListFaces') : undefined,
    FaceModelVersion: collection.face_model_version,
  };
});

registerHandler('DeleteFaces', (input, ctx) => {
  const id = input.CollectionId;
  requireCollection(ctx, id);
  const index = indexFor(ctx, id);
  const deleted: string[] = [];
  const labels: number[] = [];
  const unsuccessful: UnsuccessfulFaceDeletion[] = [];
  ctx.db.transaction(() => {
    for (const faceId of new Set(input.FaceIds)) {
      const row = getFace(ctx.db, ctx, id, faceId);
      if (!row) unsuccessful.push({ FaceId: faceId, Reasons: ['FACE_NOT_FOUND'] });
      else if (row.user_id) unsuccessful.push({ FaceId: faceId, UserId: row.user_id, Reasons: ['ASSOCIATED_TO_AN_EXISTING_USER'] });
      else {
        deleted.push(faceId);
        labels.push(row.label);
      }
    }
    deleteFaceRows(ctx.db, labels);
  })();
  for (const label of labels) index.remove(label);
  return { DeletedFaces: deleted, UnsuccessfulFaceDeletions: unsuccessful };
});

registerHandler('SearchFaces', (input, ctx) => {
  const collection = requireCollection(ctx, input.CollectionId);
  const row = getFace(ctx.db, ctx, collection.id, input.FaceId);
  if (!row) throw errors.invalidParameter('faceId was not found in the collection.');
  const index = indexFor(ctx, collection.id);
  const matches = searchFaces(index, vectorOf(ctx, index, row), {
    threshold: input.FaceMatchThreshold ?? DEFAULT_FACE_MATCH_THRESHOLD,
    limit: input.MaxFaces ?? DEFAULT_MAX_FACE_MATCHES,
    similarity: faceAnalysis.similarity,
    // The searched face is not among its own matches; other copies of it are (AWS-BEHAVIOUR §3.7).
    exclude: new Set([row.label]),
  });
  return { SearchedFaceId: row.face_id, FaceMatches: toFaceMatches(ctx, collection.id, matches), FaceModelVersion: collection.face_model_version };
});

registerHandler('SearchFacesByImage', async (input, ctx) => {
  const id = input.CollectionId;
  requireCollection(ctx, id);
  const image = await loadImage(input.Image, ctx);
  const filter = input.QualityFilter ?? 'NONE';
  // Only the largest face is searched; with a filter, the largest that passes it.
  const detected = largestFirst(await faceAnalysis.detectFaces(image, ctx, { embeddings: true, maxFaces: filter === 'NONE' ? 1 : undefined }));
  const face = detected.find((f) => f.embedding?.length && qualityReasons(f.quality, filter).length === 0);
  if (!face) throw errors.invalidParameter(NO_FACE_MESSAGE);
  const collection = requireCollection(ctx, id);
  const matches = searchFaces(indexFor(ctx, id), face.embedding!, {
    threshold: input.FaceMatchThreshold ?? DEFAULT_FACE_MATCH_THRESHOLD,
    limit: input.MaxFaces ?? DEFAULT_MAX_FACE_MATCHES,
    similarity: faceAnalysis.similarity,
  });
  return {
    SearchedFaceBoundingBox: face.detail.BoundingBox,
    SearchedFaceConfidence: face.detail.Confidence,
    FaceMatches: toFaceMatches(ctx, id, matches),
    FaceModelVersion: collection.face_model_version,
  };
});
