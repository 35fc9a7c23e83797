/**
 * One SQLite database holds all state: in memory by default, a file under --data-dir when
 * persistence is wanted. WAL with synchronous=FULL: a write is on disk before the response that
 * acknowledges it, so a killed process loses nothing it answered for.
 *
 * Every operations module declares its tables here; each table's first columns are `account`
 * and `region`, so all state is namespaced and the control plane can reset it.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Db = Database.Database;

/** Where a stored resource lives: every table is keyed by the request's account and region first. */
export interface Scope {
  account: string;
  region: string;
}

const schemas: { table: string; sql: string }[] = [];

/** Registers a table (its CREATE statement must use IF NOT EXISTS); created when the database opens. */
export function defineTable(table: string, sql: string): void {
  if (!schemas.some((s) => s.table === table)) schemas.push({ table, sql });
}

export function openDatabase(dataDir?: string, tables: readonly string[] = []): Db {
  let db: Db;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(join(dataDir, 'rekognition-local.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  } else {
    db = new Database(':memory:');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  for (const sql of tables) db.exec(sql);
  for (const { sql } of schemas) db.exec(sql);
  return db;
}

/** Ensures tables defined after the database opened exist too (modules may load late). */
export function ensureTables(db: Db): void {
  for (const { sql } of schemas) db.exec(sql);
}

const resetHooks: (() => void)[] = [];

/** Registers state kept outside SQLite (indexes, caches) to clear on reset. */
export function onReset(hook: () => void): void {
  resetHooks.push(hook);
}

/** Deletes every row of every table, for every account and region, and clears derived state. */
export function resetDatabase(db: Db): void {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  db.transaction(() => {
    for (const table of tables) db.prepare(`DELETE FROM "${table}"`).run();
  })();
  for (const hook of resetHooks) hook();
}
