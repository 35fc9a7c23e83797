/** IndexFaces, ListFaces, DeleteFaces, SearchFaces, SearchFacesByImage: faces stored in collections. */
import { descriptorFor, type FaceAnalysis } from '../../analysis/faces';
import { errors } from '../../api/errors';
import type { FaceRecord, Reason, UnindexedFace, UnsuccessfulFaceDeletion } from '../../api/generated/types';
import type { Handler } from '../../api/handlers';
import { decodePageToken, encodePageToken } from '../../api/pagination';
import { DEFAULT_FACE_MATCH_THRESHOLD, searchCollection } from '../../faces/matches';
import { faceArea, largestFirst, qualityReasons, selectFaces } from '../../faces/quality';
import { faceThumbnail } from '../../faces/thumbnail';
import { loadImage } from '../../media/image';
import { faceFromRow, quantiseBoundingBox, quantiseConfidence, type FaceRow } from '../../store/faces';
import type { ProviderDeps } from '../deps';

/** MaxFaces when absent: AWS documents none; 4096 is the most it returns (AWS-BEHAVIOUR §3.7). */
export const DEFAULT_MAX_FACE_MATCHES = 4096;
/** ListFaces page size when MaxResults is absent (undocumented; AWS-BEHAVIOUR §5 recommends 1000). */
export const DEFAULT_LIST_FACES_PAGE = 1000;
export const NO_FACE_MESSAGE = 'There are no faces in the image. Should be at least 1.';

const sameBox = (row: FaceRow, box: ReturnType<typeof quantiseBoundingBox>) =>
  row.bb_width === box.Width && row.bb_height === box.Height && row.bb_left === box.Left && row.bb_top === box.Top;

export function faceHandlers({ runtime, stores }: ProviderDeps, analysis: FaceAnalysis) {
  const { ids } = runtime;

  const indexFaces: Handler<'IndexFaces'> = async (input, ctx) => {
    const id = input.CollectionId;
    const collections = stores.collections.in(ctx);
    const faces = stores.faces.in(ctx);
    collections.require(id);
    const image = await loadImage(input.Image, { ...runtime, region: ctx.region });
    const detected = largestFirst(await analysis.detect(image, { attributes: input.DetectionAttributes, embeddings: true }));

    // A face without an embedding cannot be searched later, so it is not indexed.
    const withEmbedding = detected.filter((f) => f.embedding?.length);
    const selection = selectFaces(
      withEmbedding.map((f) => ({ quality: f.quality, area: faceArea(f) })),
      input.QualityFilter ?? 'AUTO',
      input.MaxFaces,
    );
    const unindexed: UnindexedFace[] = [];
    for (const face of detected) {
      const i = withEmbedding.indexOf(face);
      const reasons: Reason[] | undefined = i < 0 ? ['LOW_FACE_QUALITY'] : selection.dropped.find((d) => d.index === i)?.reasons;
      if (reasons) unindexed.push({ Reasons: reasons, FaceDetail: face.detail });
    }

    // The console's thumbnails, made before the transaction (which cannot wait) from the pixels the
    // analysis decoded (decoded now if it answered from its cache); one that fails is left out.
    const rgb = selection.kept.length ? await image.rgb().catch(() => undefined) : undefined;
    const thumbnails = await Promise.all(
      selection.kept.map((i) => (rgb ? faceThumbnail(rgb, withEmbedding[i].detail.BoundingBox ?? {}).catch(() => undefined) : undefined)),
    );
    const thumbnailStore = stores.faceThumbnails.in(ctx);

    const index = faces.index(id, withEmbedding[0]?.embedding?.length);
    const added: { label: number; vector: readonly number[] }[] = [];
    let faceModelVersion = '';
    const records = stores.transaction((): FaceRecord[] => {
      // The collection may have been deleted while the image was analysed.
      const collection = collections.require(id);
      faceModelVersion = collection.face_model_version;
      // Same image, same collection, same ExternalImageId: AWS keeps no duplicate face metadata (API_IndexFaces).
      const previous = faces.ofImage(id, image.sha256, input.ExternalImageId);
      const imageId = previous[0]?.image_id ?? ids.nameBased(`${ctx.account}/${id}/${image.sha256}/${input.ExternalImageId ?? ''}`);
      const reused = new Set<number>();
      return selection.kept.map((i, k) => {
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
          faceId = ids.uuid();
          const vector = descriptorFor(face.embedding!, index.dimensions);
          const label = faces.insert(id, {
            faceId,
            imageId,
            externalImageId: input.ExternalImageId,
            boundingBox: box,
            confidence: quantiseConfidence(face.detail.Confidence ?? 0),
            indexFacesModelVersion: collection.face_model_version,
            imageSha256: image.sha256,
            vector,
          });
          added.push({ label, vector });
          const thumbnail = thumbnails[k];
          if (thumbnail) thumbnailStore.put(label, thumbnail);
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
    });
    // Only after the commit: the index mirrors SQLite, never runs ahead of it.
    for (const { label, vector } of added) index.add(label, vector);
    return { FaceRecords: records, FaceModelVersion: faceModelVersion, UnindexedFaces: unindexed };
  };

  const listFaces: Handler<'ListFaces'> = (input, ctx) => {
    const collection = stores.collections.in(ctx).require(input.CollectionId);
    // Tokens hold the last FaceId and are bound to their collection.
    const after = input.NextToken ? decodePageToken(input.NextToken, 'ListFaces', { boundTo: collection.id }) : '';
    const limit = input.MaxResults ?? DEFAULT_LIST_FACES_PAGE;
    const rows = stores.faces.in(ctx).list(collection.id, { after, limit, userId: input.UserId, faceIds: input.FaceIds });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      Faces: page.map(faceFromRow),
      NextToken: rows.length > limit && last ? encodePageToken(last.face_id, 'ListFaces', collection.id) : undefined,
      FaceModelVersion: collection.face_model_version,
    };
  };

  const deleteFaces: Handler<'DeleteFaces'> = (input, ctx) => {
    const id = input.CollectionId;
    stores.collections.in(ctx).require(id);
    const faces = stores.faces.in(ctx);
    const index = faces.index(id);
    const deleted: string[] = [];
    const labels: number[] = [];
    const unsuccessful: UnsuccessfulFaceDeletion[] = [];
    stores.transaction(() => {
      for (const faceId of new Set(input.FaceIds)) {
        const row = faces.get(id, faceId);
        if (!row) unsuccessful.push({ FaceId: faceId, Reasons: ['FACE_NOT_FOUND'] });
        else if (row.user_id) unsuccessful.push({ FaceId: faceId, UserId: row.user_id, Reasons: ['ASSOCIATED_TO_AN_EXISTING_USER'] });
        else {
          deleted.push(faceId);
          labels.push(row.label);
        }
      }
      faces.delete(labels);
    });
    for (const label of labels) index.remove(label);
    return { DeletedFaces: deleted, UnsuccessfulFaceDeletions: unsuccessful };
  };

  const searchFaces: Handler<'SearchFaces'> = (input, ctx) => {
    const collection = stores.collections.in(ctx).require(input.CollectionId);
    const faces = stores.faces.in(ctx);
    const row = faces.get(collection.id, input.FaceId);
    if (!row) throw errors.invalidParameter('faceId was not found in the collection.');
    const matches = searchCollection(faces, collection.id, faces.vectorOf(collection.id, row), {
      threshold: input.FaceMatchThreshold ?? DEFAULT_FACE_MATCH_THRESHOLD,
      limit: input.MaxFaces ?? DEFAULT_MAX_FACE_MATCHES,
      // The searched face is not among its own matches; other copies of it are (AWS-BEHAVIOUR §3.7).
      exclude: new Set([row.label]),
    });
    return { SearchedFaceId: row.face_id, FaceMatches: matches, FaceModelVersion: collection.face_model_version };
  };

  const searchFacesByImage: Handler<'SearchFacesByImage'> = async (input, ctx) => {
    const id = input.CollectionId;
    const collections = stores.collections.in(ctx);
    collections.require(id);
    const image = await loadImage(input.Image, { ...runtime, region: ctx.region });
    const filter = input.QualityFilter ?? 'NONE';
    // Only the largest face is searched; with a filter, the largest that passes it.
    const detected = largestFirst(await analysis.detect(image, { embeddings: true, maxFaces: filter === 'NONE' ? 1 : undefined }));
    const face = detected.find((f) => f.embedding?.length && qualityReasons(f.quality, filter).length === 0);
    if (!face) throw errors.invalidParameter(NO_FACE_MESSAGE);
    const collection = collections.require(id);
    const matches = searchCollection(stores.faces.in(ctx), id, face.embedding!, {
      threshold: input.FaceMatchThreshold ?? DEFAULT_FACE_MATCH_THRESHOLD,
      limit: input.MaxFaces ?? DEFAULT_MAX_FACE_MATCHES,
    });
    return {
      SearchedFaceBoundingBox: face.detail.BoundingBox,
      SearchedFaceConfidence: face.detail.Confidence,
      FaceMatches: matches,
      FaceModelVersion: collection.face_model_version,
    };
  };

  return { indexFaces, listFaces, deleteFaces, searchFaces, searchFacesByImage };
}
