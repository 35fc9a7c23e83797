/** The users table of a data folder written before users had an update time still opens and works. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createStores } from '../../src/store';

const dir = mkdtempSync(join(tmpdir(), 'rekognition-local-users-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('adds the update time to an older users table, keeping its rows', () => {
  const old = new Database(join(dir, 'rekognition-local.sqlite'));
  old.exec(`CREATE TABLE users (
     account TEXT NOT NULL, region TEXT NOT NULL, collection TEXT NOT NULL, user_id TEXT NOT NULL,
     internal_id TEXT NOT NULL, user_status TEXT NOT NULL, created_ms INTEGER NOT NULL,
     PRIMARY KEY (account, region, collection, user_id))`);
  old.prepare('INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)').run('111122223333', 'us-east-1', 'c', 'ann', 'id-1', 'ACTIVE', 1);
  old.close();

  const scope = { account: '111122223333', region: 'us-east-1' };
  const stores = createStores({ dataDir: dir });
  try {
    const users = stores.users.in(scope);
    expect(users.get('c', 'ann')).toEqual({ user_id: 'ann', internal_id: 'id-1', user_status: 'ACTIVE', updating_until_ms: null });
    users.setUpdating('c', 'ann', 'ACTIVE', 5000);
    expect(users.list('c', '', 10)).toEqual([{ user_id: 'ann', internal_id: 'id-1', user_status: 'ACTIVE', updating_until_ms: 5000 }]);
  } finally {
    stores.close();
  }
});
