/**
 * One SQLite database holds all state: in memory by default, a file under --data-dir when
 * persistence is wanted. WAL with synchronous=FULL: a write is on disk before the response that
 * acknowledges it, so a killed process loses nothing it answered for.
 *
 * The repositories of src/store/ declare the tables (src/store/index.ts lists them); each table's
 * first columns are `account` and `region`, so all state is namespaced and the control plane can
 * reset it.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Db = Database.Database;

/** Opens (creating if needed) the database with `tables`, CREATE TABLE IF NOT EXISTS statements. */
export function openDatabase(dataDir: string | undefined, tables: readonly string[]): Db {
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
  return db;
}

/** Deletes every row of every table, for every account and region. */
export function deleteAllRows(db: Db): void {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  db.transaction(() => {
    for (const table of tables) db.prepare(`DELETE FROM "${table}"`).run();
  })();
}

/** Every account and region that holds a row in any table, in order (the web console's scope picker). */
export function scopesWithState(db: Db): { account: string; region: string }[] {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const withScope = tables.filter((table) => {
    const columns = (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);
    return columns.includes('account') && columns.includes('region');
  });
  if (withScope.length === 0) return [];
  const union = withScope.map((table) => `SELECT account, region FROM "${table}"`).join(' UNION ');
  return db.prepare(`${union} ORDER BY account, region`).all() as { account: string; region: string }[];
}
