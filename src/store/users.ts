/**
 * Users of collections: named groups of stored faces (CreateUser, ListUsers, AssociateFaces...).
 * `user_status` is the status a user settles in; while `updating_until_ms` lies ahead, the user is
 * UPDATING (its status is computed when read, so nothing has to run when the time comes).
 */
import type { Scope } from '../runtime/scope';
import type { Db } from './database';

export const usersSchema = `CREATE TABLE IF NOT EXISTS users (
     account TEXT NOT NULL, region TEXT NOT NULL, collection TEXT NOT NULL, user_id TEXT NOT NULL,
     internal_id TEXT NOT NULL, user_status TEXT NOT NULL, created_ms INTEGER NOT NULL,
     updating_until_ms INTEGER,
     PRIMARY KEY (account, region, collection, user_id))`;

export interface UserRow {
  user_id: string;
  internal_id: string;
  /** The settled status: CREATED until faces were first associated, then ACTIVE. */
  user_status: string;
  /** Until when (epoch ms) the last change of its faces keeps the user UPDATING; null if never changed. */
  updating_until_ms: number | null;
}

const COLUMNS = 'user_id, internal_id, user_status, updating_until_ms';

export class UserStore {
  constructor(private readonly db: Db) {
    // Data folders written before users had an update time lack the column.
    const columns = db.prepare('PRAGMA table_info(users)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'updating_until_ms')) db.exec('ALTER TABLE users ADD COLUMN updating_until_ms INTEGER');
  }

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
      .prepare(`SELECT ${COLUMNS} FROM users WHERE account = ? AND region = ? AND collection = ? AND user_id = ?`)
      .get(this.scope.account, this.scope.region, collection, userId) as UserRow | undefined;
  }

  insert(collection: string, userId: string, internalId: string, status: string, createdMs: number): void {
    this.db
      .prepare('INSERT INTO users (account, region, collection, user_id, internal_id, user_status, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(this.scope.account, this.scope.region, collection, userId, internalId, status, createdMs);
  }

  /** Records a change of the user's faces: UPDATING until `untilMs`, `status` after. */
  setUpdating(collection: string, userId: string, status: string, untilMs: number): void {
    this.db
      .prepare('UPDATE users SET user_status = ?, updating_until_ms = ? WHERE account = ? AND region = ? AND collection = ? AND user_id = ?')
      .run(status, untilMs, this.scope.account, this.scope.region, collection, userId);
  }

  delete(collection: string, userId: string): void {
    this.db.prepare('DELETE FROM users WHERE account = ? AND region = ? AND collection = ? AND user_id = ?').run(this.scope.account, this.scope.region, collection, userId);
  }

  /** Users ordered by their system-generated id (as AWS orders ListUsers), after `after`; `limit + 1` rows. */
  list(collection: string, after: string, limit: number): UserRow[] {
    return this.db
      .prepare(
        `SELECT ${COLUMNS} FROM users WHERE account = ? AND region = ? AND collection = ? AND internal_id > ? ORDER BY internal_id LIMIT ?`,
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
