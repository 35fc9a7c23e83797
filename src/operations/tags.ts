/**
 * TagResource, UntagResource, ListTagsForResource for every taggable resource type. Resource
 * modules register how to tell whether an ARN's resource exists; tags live in one table.
 */
import { errors } from '../api/errors';
import { defineTable, type Db } from '../store/database';
import type { RequestContext } from './context';
import { registerHandler } from './registry';

/** AWS's per-resource tag limit (Tagging quotas, Amazon Rekognition developer guide). */
export const MAX_TAGS_PER_RESOURCE = 50;

defineTable(
  'tags',
  `CREATE TABLE IF NOT EXISTS tags (
     account TEXT NOT NULL, region TEXT NOT NULL, arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
     PRIMARY KEY (account, region, arn, key))`,
);

type ExistsFn = (ctx: RequestContext, resourceId: string) => boolean;
const resourceTypes = new Map<string, ExistsFn>();

/** Declares a taggable resource type by its ARN resource prefix (`collection`, `streamprocessor`, `project`). */
export function registerTaggable(prefix: string, exists: ExistsFn): void {
  resourceTypes.set(prefix, exists);
}

const ARN = /^arn:aws:rekognition:([a-z0-9-]+):(\d{12}):([a-z]+)\/(.+)$/;

function resolve(ctx: RequestContext, resourceArn: string): string {
  const m = ARN.exec(resourceArn);
  const exists = m && resourceTypes.get(m[3]);
  if (!m || !exists || m[1] !== ctx.region || m[2] !== ctx.account || !exists(ctx, m[4])) {
    throw errors.resourceNotFound(`The resource ${resourceArn} does not exist.`);
  }
  return resourceArn;
}

export function writeTags(db: Db, ctx: { account: string; region: string }, resourceArn: string, tags: Record<string, string>): void {
  const existing = listTags(db, ctx, resourceArn);
  const merged = { ...existing, ...tags };
  if (Object.keys(merged).length > MAX_TAGS_PER_RESOURCE) {
    throw errors.serviceQuotaExceeded(`The number of tags on the resource exceeds the limit of ${MAX_TAGS_PER_RESOURCE}.`);
  }
  const upsert = db.prepare('INSERT OR REPLACE INTO tags (account, region, arn, key, value) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const [key, value] of Object.entries(tags)) upsert.run(ctx.account, ctx.region, resourceArn, key, value);
  })();
}

export function listTags(db: Db, ctx: { account: string; region: string }, resourceArn: string): Record<string, string> {
  const rows = db.prepare('SELECT key, value FROM tags WHERE account = ? AND region = ? AND arn = ? ORDER BY key').all(ctx.account, ctx.region, resourceArn) as {
    key: string;
    value: string;
  }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export function deleteAllTags(db: Db, ctx: { account: string; region: string }, resourceArn: string): void {
  db.prepare('DELETE FROM tags WHERE account = ? AND region = ? AND arn = ?').run(ctx.account, ctx.region, resourceArn);
}

registerHandler('TagResource', (input, ctx) => {
  writeTags(ctx.db, ctx, resolve(ctx, input.ResourceArn), input.Tags);
  return {};
});

registerHandler('UntagResource', (input, ctx) => {
  const resourceArn = resolve(ctx, input.ResourceArn);
  const remove = ctx.db.prepare('DELETE FROM tags WHERE account = ? AND region = ? AND arn = ? AND key = ?');
  ctx.db.transaction(() => {
    for (const key of input.TagKeys) remove.run(ctx.account, ctx.region, resourceArn, key);
  })();
  return {};
});

registerHandler('ListTagsForResource', (input, ctx) => ({ Tags: listTags(ctx.db, ctx, resolve(ctx, input.ResourceArn)) }));
