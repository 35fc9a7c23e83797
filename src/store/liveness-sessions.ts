/**
 * Face Liveness sessions, namespaced by account and region. The control plane receives media for a
 * session by its id alone (AWS's streaming endpoint knows the session from its id), so the claim
 * and the outcome of an analysis are written by id; every API read goes through a scoped view.
 */
import type { LivenessSessionStatus } from '../api/generated/types';
import type { Scope } from '../runtime/scope';
import type { Db } from './database';

export const livenessSessionsSchema = `CREATE TABLE IF NOT EXISTS liveness_sessions (
     account TEXT NOT NULL, region TEXT NOT NULL, session_id TEXT NOT NULL,
     status TEXT NOT NULL, settings TEXT NOT NULL, kms_key_id TEXT, challenge TEXT NOT NULL,
     created_ms INTEGER NOT NULL, started_ms INTEGER, completed_ms INTEGER,
     confidence REAL, reference TEXT, audits TEXT, problem TEXT,
     PRIMARY KEY (account, region, session_id));
   CREATE INDEX IF NOT EXISTS liveness_sessions_id ON liveness_sessions (session_id)`;

export interface LivenessSessionRow {
  account: string;
  region: string;
  session_id: string;
  status: LivenessSessionStatus;
  settings: string;
  kms_key_id: string | null;
  challenge: string;
  created_ms: number;
  started_ms: number | null;
  completed_ms: number | null;
  confidence: number | null;
  reference: string | null;
  audits: string | null;
  problem: string | null;
}

/** How an analysis ended, as stored (images as JSON text). */
export interface LivenessOutcome {
  status: LivenessSessionStatus;
  confidence?: number;
  reference?: string;
  audits: string;
  problem?: string;
}

export class LivenessSessionStore {
  constructor(private readonly db: Db) {}

  in(scope: Scope): ScopedLivenessSessions {
    return new ScopedLivenessSessions(this.db, scope);
  }

  /** The session with this id, in whichever account and region it was created. */
  byId(sessionId: string): LivenessSessionRow | undefined {
    return this.db.prepare('SELECT * FROM liveness_sessions WHERE session_id = ?').get(sessionId) as LivenessSessionRow | undefined;
  }

  /**
   * Writes a status the session reached by time alone (EXPIRED, or FAILED for an interrupted
   * analysis), unless another writer changed it first.
   */
  lapse(row: LivenessSessionRow, status: LivenessSessionStatus, problem: string | null, now: number): void {
    this.db
      .prepare('UPDATE liveness_sessions SET status = ?, completed_ms = ?, problem = COALESCE(problem, ?) WHERE account = ? AND region = ? AND session_id = ? AND status = ?')
      .run(status, now, problem, row.account, row.region, row.session_id, row.status);
  }

  /** Moves a CREATED session to IN_PROGRESS; false when another submission won it. */
  claim(sessionId: string, now: number): boolean {
    return this.db.prepare("UPDATE liveness_sessions SET status = 'IN_PROGRESS', started_ms = ? WHERE session_id = ? AND status = 'CREATED'").run(now, sessionId).changes > 0;
  }

  /** Records the outcome of the analysis of an IN_PROGRESS session. */
  finish(sessionId: string, outcome: LivenessOutcome, now: number): void {
    this.db
      .prepare('UPDATE liveness_sessions SET status = ?, completed_ms = ?, confidence = ?, reference = ?, audits = ?, problem = ? WHERE session_id = ? AND status = ?')
      .run(outcome.status, now, outcome.confidence ?? null, outcome.reference ?? null, outcome.audits, outcome.problem ?? null, sessionId, 'IN_PROGRESS');
  }
}

export class ScopedLivenessSessions {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  create(session: { sessionId: string; settings: string; kmsKeyId?: string; challenge: string; createdMs: number }): void {
    this.db
      .prepare('INSERT INTO liveness_sessions (account, region, session_id, status, settings, kms_key_id, challenge, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(this.scope.account, this.scope.region, session.sessionId, 'CREATED', session.settings, session.kmsKeyId ?? null, session.challenge, session.createdMs);
  }

  find(sessionId: string): LivenessSessionRow | undefined {
    return this.db.prepare('SELECT * FROM liveness_sessions WHERE account = ? AND region = ? AND session_id = ?').get(this.scope.account, this.scope.region, sessionId) as
      | LivenessSessionRow
      | undefined;
  }
}
