/** Face collections of one account and region: CreateCollection, DescribeCollection, ListCollections, DeleteCollection. */
import { errors } from '../api/errors';
import type { Scope } from '../runtime/scope';
import type { Db } from './database';

export const collectionsSchema = `CREATE TABLE IF NOT EXISTS collections (
     account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
     created_ms INTEGER NOT NULL, face_model_version TEXT NOT NULL,
     PRIMARY KEY (account, region, id))`;

export interface CollectionRow {
  id: string;
  created_ms: number;
  face_model_version: string;
}

export class CollectionStore {
  constructor(private readonly db: Db) {}

  in(scope: Scope): ScopedCollections {
    return new ScopedCollections(this.db, scope);
  }
}

export class ScopedCollections {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  find(id: string): CollectionRow | undefined {
    return this.db
      .prepare('SELECT id, created_ms, face_model_version FROM collections WHERE account = ? AND region = ? AND id = ?')
      .get(this.scope.account, this.scope.region, id) as CollectionRow | undefined;
  }

  /** The collection, or the ResourceNotFoundException AWS gives for an unknown one. */
  require(id: string): CollectionRow {
    const row = this.find(id);
    if (!row) throw errors.resourceNotFound(`The collection id: ${id} does not exist`);
    return row;
  }

  insert(id: string, createdMs: number, faceModelVersion: string): void {
    this.db
      .prepare('INSERT INTO collections (account, region, id, created_ms, face_model_version) VALUES (?, ?, ?, ?, ?)')
      .run(this.scope.account, this.scope.region, id, createdMs, faceModelVersion);
  }

  /** Collections by id after `after`; `limit + 1` rows are read so the caller can tell whether more follow. */
  list(after: string, limit: number): CollectionRow[] {
    return this.db
      .prepare('SELECT id, created_ms, face_model_version FROM collections WHERE account = ? AND region = ? AND id > ? ORDER BY id LIMIT ?')
      .all(this.scope.account, this.scope.region, after, limit + 1) as CollectionRow[];
  }

  /** The ids that start with `prefix`, to resolve a NextToken holding a long id in short. */
  idsStartingWith(prefix: string): string[] {
    const rows = this.db
      .prepare('SELECT id FROM collections WHERE account = ? AND region = ? AND substr(id, 1, ?) = ?')
      .all(this.scope.account, this.scope.region, prefix.length, prefix) as { id: string }[];
    return rows.map((r) => r.id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM collections WHERE account = ? AND region = ? AND id = ?').run(this.scope.account, this.scope.region, id);
  }
}
