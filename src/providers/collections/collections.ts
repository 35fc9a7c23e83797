/** CreateCollection, DescribeCollection, ListCollections, DeleteCollection. */
import { errors } from '../../api/errors';
import type { Handler } from '../../api/handlers';
import { decodePageToken, encodePageToken } from '../../api/pagination';
import { arn, type Scope } from '../../runtime/scope';
import type { ProviderDeps } from '../deps';

/** The face model version new collections get today. */
export const FACE_MODEL_VERSION = '7.0';
/** ListCollections page size when MaxResults is absent (AWS documents none; see AWS-BEHAVIOUR §5). */
const DEFAULT_PAGE_SIZE = 1000;

const collectionArn = (scope: Scope, id: string) => arn(scope, `collection/${id}`);

export function collectionHandlers({ runtime, stores }: ProviderDeps) {

  const createCollection: Handler<'CreateCollection'> = (input, ctx) => {
    const id = input.CollectionId;
    const collections = stores.collections.in(ctx);
    stores.transaction(() => {
      if (collections.find(id)) throw errors.resourceAlreadyExists(`The collection id: ${id} already exists.`);
      collections.insert(id, runtime.clock.now(), FACE_MODEL_VERSION);
      if (input.Tags) stores.tags.in(ctx).add(collectionArn(ctx, id), input.Tags);
    });
    // CreateCollection's ARN has no `arn:` prefix on the real service (AWS-BEHAVIOUR §3.5).
    return { StatusCode: 200, CollectionArn: collectionArn(ctx, id).replace(/^arn:/, ''), FaceModelVersion: FACE_MODEL_VERSION };
  };

  const describeCollection: Handler<'DescribeCollection'> = (input, ctx) => {
    const row = stores.collections.in(ctx).find(input.CollectionId);
    // DescribeCollection words it unlike the other collection operations (a 2019 capture, AWS-BEHAVIOUR §9).
    if (!row) throw errors.resourceNotFound(`Collection:${input.CollectionId} not found!`);
    return {
      FaceCount: stores.faces.in(ctx).count(row.id),
      FaceModelVersion: row.face_model_version,
      CollectionARN: collectionArn(ctx, row.id),
      CreationTimestamp: new Date(row.created_ms),
      UserCount: stores.users.in(ctx).count(row.id),
    };
  };

  const listCollections: Handler<'ListCollections'> = (input, ctx) => {
    const collections = stores.collections.in(ctx);
    const after = input.NextToken
      ? decodePageToken(input.NextToken, 'ListCollections', { sharingPrefix: (prefix) => collections.idsStartingWith(prefix) })
      : '';
    const limit = input.MaxResults ?? DEFAULT_PAGE_SIZE;
    const rows = collections.list(after, limit);
    const page = rows.slice(0, limit);
    return {
      CollectionIds: page.map((r) => r.id),
      NextToken: rows.length > limit && page.length > 0 ? encodePageToken(page[page.length - 1].id, 'ListCollections') : undefined,
      FaceModelVersions: page.map((r) => r.face_model_version),
    };
  };

  /** Deletes the collection with its faces, users, index, ClientRequestTokens and tags. */
  const deleteCollection: Handler<'DeleteCollection'> = (input, ctx) => {
    const id = input.CollectionId;
    const collections = stores.collections.in(ctx);
    stores.transaction(() => {
      collections.require(id);
      stores.faces.in(ctx).deleteCollection(id);
      stores.users.in(ctx).deleteCollection(id);
      stores.idempotency.in(ctx).forgetCollection(id);
      stores.tags.in(ctx).removeAll(collectionArn(ctx, id));
      collections.delete(id);
    });
    return { StatusCode: 200 };
  };

  return { createCollection, describeCollection, listCollections, deleteCollection };
}
