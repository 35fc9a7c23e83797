/** Users of collections: named groups of stored faces (CreateUser, ListUsers, AssociateFaces...). */
import type { Scope } from '../runtime/scope';
import type { Db } from './database';

export const usersSchema = `CREATE TABLE IF NOT EXISTS users (
     account TEXT NOT NULL, region TEXT NOT NULL, collection TEXT NOT NULL, user_id TEXT NOT NULL,
     internal_id TEXT NOT NULL, user_status TEXT NOT NULL, created_ms INTEGER NOT NULL,
     PRIMARY KEY (account, region, collection, user_id))`;

export interface UserRow {
  user_id: string;
  internal_id: string;
  user_status: string;
}

export class UserStore {
  constructor(private readonly db: Db) {}

  in(scope: Scope): ScopedUsers {
    return new ScopedUsers(this.db, scope);
  }
}

export class ScopedUsers {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  get(collection: string, userId: string): UserRow | undefined {
    return this.db
      .prepare('SELECT user_id, internal_id, user_status FROM users WHERE account = ? AND region = ? AND collection = ? AND user_id = ?')
      .get(this.scope.account, this.scope.region, collection, userId) as UserRow | undefined;
  }

  insert(collection: string, userId: string, internalId: string, status: string): void {
    this.db
      .prepare('INSERT INTO users (account, region, collection, user_id, internal_id, user_status, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(this.scope.account, this.scope.region, collection, userId, internalId, status, Date.now());
  }

  setStatus(collection: string, userId: string, status: string): void {
    this.db
      .prepare('UPDATE users SET user_status = ? WHERE account = ? AND region = ? AND collection = ? AND user_id = ?')
      .run(status, this.scope.account, this.scope.region, collection, userId);
  }

  delete(collection: string, userId: string): void {
    this.db.prepare('DELETE FROM users WHERE account = ? AND region = ? AND collection = ? AND user_id = ?').run(this.scope.account, this.scope.region, collection, userId);
  }

  /** Users ordered by their system-generated id (as AWS orders ListUsers), after `after`; `limit + 1` rows. */
  list(collection: string, after: string, limit: number): UserRow[] {
    return this.db
      .prepare(
        'SELECT user_id, internal_id, user_status FROM users WHERE account = ? AND region = ? AND collection = ? AND internal_id > ? ORDER BY internal_id LIMIT ?',
      )
      .all(this.scope.account, this.scope.region, collection, after, limit + 1) as UserRow[];
  }

  count(collection: string): number {
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM users WHERE account = ? AND region = ? AND collection = ?').get(this.scope.account, this.scope.region, collection) as {
        n: number;
      }
    ).n;
  }

  /** Drops every user of a collection (DeleteCollection). */
  deleteCollection(collection: string): void {
    this.db.prepare('DELETE FROM users WHERE account = ? AND region = ? AND collection = ?').run(this.scope.account, this.scope.region, collection);
  }
}
