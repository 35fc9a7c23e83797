/** CreateCollection, DescribeCollection, ListCollections, DeleteCollection. */
import { errors } from '../api/errors';
import { defineTable } from '../store/database';
import { arn, type RequestContext } from './context';
import { decodePageToken, encodePageToken } from '../api/pagination';
import { registerHandler } from './registry';
import { deleteAllTags, registerTaggable, writeTags } from './tags';

/** The face model version new collections get today. */
export const FACE_MODEL_VERSION = '7.0';
/** ListCollections page size when MaxResults is absent (AWS documents none; see AWS-BEHAVIOUR §5). */
const DEFAULT_PAGE_SIZE = 1000;

defineTable(
  'collections',
  `CREATE TABLE IF NOT EXISTS collections (
     account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
     created_ms INTEGER NOT NULL, face_model_version TEXT NOT NULL,
     PRIMARY KEY (account, region, id))`,
);

interface CollectionRow {
  id: string;
  created_ms: number;
  face_model_version: string;
}

export function findCollection(ctx: RequestContext, id: string): CollectionRow | undefined {
  return ctx.db.prepare('SELECT id, created_ms, face_model_version FROM collections WHERE account = ? AND region = ? AND id = ?').get(ctx.account, ctx.region, id) as
    | CollectionRow
    | undefined;
}

/** The collection, or the ResourceNotFoundException AWS gives for an unknown one. */
export function requireCollection(ctx: RequestContext, id: string): CollectionRow {
  const row = findCollection(ctx, id);
  if (!row) throw errors.resourceNotFound(`The collection id: ${id} does not exist`);
  return row;
}

const collectionArn = (ctx: RequestContext, id: string) => arn(ctx, `collection/${id}`);

/** Counts faces and users of a collection; the faces module supplies these once it exists. */
export const collectionCounts: { faces: (ctx: RequestContext, id: string) => number; users: (ctx: RequestContext, id: string) => number } = {
  faces: () => 0,
  users: () => 0,
};

/** Modules holding per-collection state register here to drop it when a collection is deleted. */
const deleteHooks: ((ctx: RequestContext, id: string) => void)[] = [];
export function onCollectionDeleted(hook: (ctx: RequestContext, id: string) => void): void {
  deleteHooks.push(hook);
}

registerTaggable('collection', (ctx, id) => findCollection(ctx, id) !== undefined);

registerHandler('CreateCollection', (input, ctx) => {
  const id = input.CollectionId;
  ctx.db.transaction(() => {
    if (findCollection(ctx, id)) throw errors.resourceAlreadyExists(`The collection id: ${id} already exists.`);
    ctx.db
      .prepare('INSERT INTO collections (account, region, id, created_ms, face_model_version) VALUES (?, ?, ?, ?, ?)')
      .run(ctx.account, ctx.region, id, Date.now(), FACE_MODEL_VERSION);
    if (input.Tags) writeTags(ctx.db, ctx, collectionArn(ctx, id), input.Tags);
  })();
  // CreateCollection's ARN has no `arn:` prefix on the real service (AWS-BEHAVIOUR §3.5).
  return { StatusCode: 200, CollectionArn: collectionArn(ctx, id).replace(/^arn:/, ''), FaceModelVersion: FACE_MODEL_VERSION };
});

registerHandler('DescribeCollection', (input, ctx) => {
  const row = requireCollection(ctx, input.CollectionId);
  return {
    FaceCount: collectionCounts.faces(ctx, row.id),
    FaceModelVersion: row.face_model_version,
    CollectionARN: collectionArn(ctx, row.id),
    CreationTimestamp: new Date(row.created_ms),
    UserCount: collectionCounts.users(ctx, row.id),
  };
});

registerHandler('ListCollections', (input, ctx) => {
  const after = input.NextToken ? decodePageToken(input.NextToken, 'ListCollections') : '';
  const limit = input.MaxResults ?? DEFAULT_PAGE_SIZE;
  const rows = ctx.db
    .prepare('SELECT id, face_model_version FROM collections WHERE account = ? AND region = ? AND id > ? ORDER BY id LIMIT ?')
    .all(ctx.account, ctx.region, after, limit + 1) as CollectionRow[];
  const page = rows.slice(0, limit);
  return {
    CollectionIds: page.map((r) => r.id),
    NextToken: rows.length > limit && page.length > 0 ? encodePageToken(page[page.length - 1].id, 'ListCollections') : undefined,
    FaceModelVersions: page.map((r) => r.face_model_version),
  };
});

registerHandler('DeleteCollection', (input, ctx) => {
  const id = input.CollectionId;
  ctx.db.transaction(() => {
    requireCollection(ctx, id);
    for (const hook of deleteHooks) hook(ctx, id);
    deleteAllTags(ctx.db, ctx, collectionArn(ctx, id));
    ctx.db.prepare('DELETE FROM collections WHERE account = ? AND region = ? AND id = ?').run(ctx.account, ctx.region, id);
  })();
  return { StatusCode: 200 };
});
