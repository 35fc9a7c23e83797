/**
 * ClientRequestToken for the user operations (CreateUser, DeleteUser, AssociateFaces,
 * DisassociateFaces): the same token with the same parameters returns the first response without
 * doing the work again; with other parameters it is IdempotentParameterMismatchException. Only
 * successful responses are remembered, so a retry after an error runs again.
 */
import { createHash } from 'node:crypto';
import { errors } from '../api/errors';
import { defineTable, type Db, type Scope } from '../store/database';

/** How long a token is remembered: AWS documents 7 days for ClientRequestToken (DG api-video.md). */
export const TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;

defineTable(
  'client_request_tokens',
  `CREATE TABLE IF NOT EXISTS client_request_tokens (
     account TEXT NOT NULL, region TEXT NOT NULL, operation TEXT NOT NULL, token TEXT NOT NULL,
     collection TEXT NOT NULL, request_hash TEXT NOT NULL, response TEXT NOT NULL, created_ms INTEGER NOT NULL,
     PRIMARY KEY (account, region, operation, token))`,
);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** SHA-256 of the request without its token, keys sorted. */
export function requestHash(input: Record<string, unknown>): string {
  const { ClientRequestToken: _token, ...rest } = input;
  return createHash('sha256').update(JSON.stringify(canonical(rest))).digest('hex');
}

export function idempotent<T>(
  db: Db,
  scope: Scope & { operation: string },
  collection: string,
  input: Record<string, unknown> & { ClientRequestToken?: string },
  run: () => T,
): T {
  const token = input.ClientRequestToken;
  if (token === undefined) return run();
  const hash = requestHash(input);
  return db.transaction(() => {
    const row = db
      .prepare('SELECT request_hash, response, created_ms FROM client_request_tokens WHERE account = ? AND region = ? AND operation = ? AND token = ?')
      .get(scope.account, scope.region, scope.operation, token) as { request_hash: string; response: string; created_ms: number } | undefined;
    if (row && Date.now() - row.created_ms < TOKEN_TTL_MS) {
      if (row.request_hash !== hash) throw errors.idempotentParameterMismatch(token);
      return JSON.parse(row.response) as T;
    }
    const result = run();
    db.prepare(
      'INSERT OR REPLACE INTO client_request_tokens (account, region, operation, token, collection, request_hash, response, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(scope.account, scope.region, scope.operation, token, collection, hash, JSON.stringify(result ?? {}), Date.now());
    return result;
  })();
}

export function deleteCollectionTokens(db: Db, scope: Scope, collection: string): void {
  db.prepare('DELETE FROM client_request_tokens WHERE account = ? AND region = ? AND collection = ?').run(scope.account, scope.region, collection);
}
