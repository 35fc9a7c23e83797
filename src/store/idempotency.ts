/**
 * ClientRequestToken, for every operation that takes one (users, stored-video Start*, media
 * analysis, liveness sessions): the same token with the same parameters returns the first response
 * without doing the work again; with other parameters it is IdempotentParameterMismatchException.
 * Only successful responses are remembered, so a retry after an error runs again.
 */
import { createHash } from 'node:crypto';
import { errors } from '../api/errors';
import type { Scope } from '../runtime/scope';
import type { Db } from './database';

/** How long a token is remembered: AWS documents 7 days for ClientRequestToken (DG api-video.md). */
export const TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;

export const idempotencySchema = `CREATE TABLE IF NOT EXISTS client_request_tokens (
     account TEXT NOT NULL, region TEXT NOT NULL, operation TEXT NOT NULL, token TEXT NOT NULL,
     collection TEXT NOT NULL, request_hash TEXT NOT NULL, response TEXT NOT NULL, created_ms INTEGER NOT NULL,
     PRIMARY KEY (account, region, operation, token))`;

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
export function requestHash(input: object): string {
  const { ClientRequestToken: _token, ...rest } = input as Record<string, unknown>;
  return createHash('sha256').update(JSON.stringify(canonical(rest))).digest('hex');
}

/** A request that may carry a token. */
type Tokened = object & { ClientRequestToken?: string };

export class IdempotencyStore {
  constructor(private readonly db: Db) {}

  in(scope: Scope): ScopedIdempotency {
    return new ScopedIdempotency(this.db, scope);
  }
}

export class ScopedIdempotency {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  /**
   * Runs `run` (synchronously, in one transaction with the token's record) unless the token was
   * seen: then the first response comes back. `collection` ties the token to a collection, whose
   * deletion forgets it.
   */
  once<T>(operation: string, input: Tokened, run: () => T, collection = ''): T {
    if (input.ClientRequestToken === undefined) return run();
    return this.db.transaction(() => {
      const known = this.replay<T>(operation, input);
      if (known !== undefined) return known;
      const result = run();
      this.remember(operation, input, result, collection);
      return result;
    })();
  }

  /** The response first given for this request's token, if any; a token reused with other parameters throws. */
  replay<T>(operation: string, input: Tokened): T | undefined {
    const token = input.ClientRequestToken;
    if (token === undefined) return undefined;
    const row = this.db
      .prepare('SELECT request_hash, response, created_ms FROM client_request_tokens WHERE account = ? AND region = ? AND operation = ? AND token = ?')
      .get(this.scope.account, this.scope.region, operation, token) as { request_hash: string; response: string; created_ms: number } | undefined;
    if (!row || Date.now() - row.created_ms >= TOKEN_TTL_MS) return undefined;
    if (row.request_hash !== requestHash(input)) throw errors.idempotentParameterMismatch(token);
    return JSON.parse(row.response) as T;
  }

  /** Records the response given for this request's token (nothing without a token). */
  remember(operation: string, input: Tokened, response: unknown, collection = ''): void {
    const token = input.ClientRequestToken;
    if (token === undefined) return;
    this.db
      .prepare(
        'INSERT OR REPLACE INTO client_request_tokens (account, region, operation, token, collection, request_hash, response, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(this.scope.account, this.scope.region, operation, token, collection, requestHash(input), JSON.stringify(response ?? {}), Date.now());
  }

  forgetCollection(collection: string): void {
    this.db.prepare('DELETE FROM client_request_tokens WHERE account = ? AND region = ? AND collection = ?').run(this.scope.account, this.scope.region, collection);
  }
}
