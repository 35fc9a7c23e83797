/** Tags of every taggable resource, by its ARN, in one table. */
import { errors } from '../api/errors';
import type { Scope } from '../runtime/scope';
import type { Db } from './database';

/** AWS's per-resource tag limit (Tagging quotas, Amazon Rekognition developer guide). */
export const MAX_TAGS_PER_RESOURCE = 50;

export const tagsSchema = `CREATE TABLE IF NOT EXISTS tags (
     account TEXT NOT NULL, region TEXT NOT NULL, arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
     PRIMARY KEY (account, region, arn, key))`;

export class TagStore {
  constructor(private readonly db: Db) {}

  in(scope: Scope): ScopedTags {
    return new ScopedTags(this.db, scope);
  }
}

export class ScopedTags {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  /** Adds or replaces tags; more than AWS's limit on the resource is ServiceQuotaExceededException. */
  add(resourceArn: string, tags: Record<string, string>): void {
    const merged = { ...this.list(resourceArn), ...tags };
    if (Object.keys(merged).length > MAX_TAGS_PER_RESOURCE) {
      throw errors.serviceQuotaExceeded(`The number of tags on the resource exceeds the limit of ${MAX_TAGS_PER_RESOURCE}.`);
    }
    const upsert = this.db.prepare('INSERT OR REPLACE INTO tags (account, region, arn, key, value) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(tags)) upsert.run(this.scope.account, this.scope.region, resourceArn, key, value);
    })();
  }

  list(resourceArn: string): Record<string, string> {
    const rows = this.db
      .prepare('SELECT key, value FROM tags WHERE account = ? AND region = ? AND arn = ? ORDER BY key')
      .all(this.scope.account, this.scope.region, resourceArn) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  remove(resourceArn: string, keys: string[]): void {
    const remove = this.db.prepare('DELETE FROM tags WHERE account = ? AND region = ? AND arn = ? AND key = ?');
    this.db.transaction(() => {
      for (const key of keys) remove.run(this.scope.account, this.scope.region, resourceArn, key);
    })();
  }

  /** The resource is gone: so are its tags. */
  removeAll(resourceArn: string): void {
    this.db.prepare('DELETE FROM tags WHERE account = ? AND region = ? AND arn = ?').run(this.scope.account, this.scope.region, resourceArn);
  }
}
