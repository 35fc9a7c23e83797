/**
 * Stream processors in SQLite: a row per account, region and name. Status changes that AWS makes
 * asynchronously (STARTING -> RUNNING, STOPPING -> STOPPED, UPDATING -> STOPPED) are stored as a
 * pending transition (`next_status` at `next_at_ms`), applied when the processor is next read (the
 * provider's `settle`), so they survive restarts and need no timers. The running session (what a
 * StartStreamProcessor began) is kept as JSON beside it; the stream processors provider holds its
 * live state (results, timers) in memory.
 */
import type {
  RegionsOfInterest,
  StreamProcessorDataSharingPreference,
  StreamProcessorInput,
  StreamProcessorNotificationChannel,
  StreamProcessorOutput,
  StreamProcessorSettings,
  StreamProcessorStatus,
} from '../api/generated/types';
import type { Scope } from '../runtime/scope';
import type { Db } from './database';

export type ProcessorKind = 'FACE_SEARCH' | 'CONNECTED_HOME';

export const streamProcessorsSchema = `CREATE TABLE IF NOT EXISTS stream_processors (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
     kind TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
     next_status TEXT, next_at_ms INTEGER,
     created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
     input TEXT NOT NULL, output TEXT NOT NULL, role_arn TEXT NOT NULL, settings TEXT NOT NULL,
     notification_channel TEXT, kms_key_id TEXT, regions_of_interest TEXT, data_sharing TEXT NOT NULL,
     kvs_arn TEXT NOT NULL, kds_arn TEXT, session TEXT,
     PRIMARY KEY (account, region, name))`;

/** The session a StartStreamProcessor began, as persisted. */
export interface SessionState {
  sessionId: string;
  startedMs: number;
  /** The request's selectors, echoed in connected-home notifications. */
  startSelector?: { ProducerTimestamp?: number; FragmentNumber?: string };
  maxDurationSeconds?: number;
  /** Connected home: producer time (ms) where processing starts; null until the first media fixes it. */
  windowStartMs?: number | null;
  /** Connected home: wall-clock end of the session (start + MaxDurationInSeconds). */
  deadlineMs?: number;
}

export interface ProcessorRow {
  account: string;
  region: string;
  name: string;
  kind: ProcessorKind;
  status: StreamProcessorStatus;
  status_message: string | null;
  next_status: StreamProcessorStatus | null;
  next_at_ms: number | null;
  created_ms: number;
  updated_ms: number;
  input: string;
  output: string;
  role_arn: string;
  settings: string;
  notification_channel: string | null;
  kms_key_id: string | null;
  regions_of_interest: string | null;
  data_sharing: string;
  kvs_arn: string;
  kds_arn: string | null;
  session: string | null;
}

/** A processor's stored definition, parsed. */
export interface Processor {
  account: string;
  region: string;
  name: string;
  kind: ProcessorKind;
  status: StreamProcessorStatus;
  statusMessage?: string;
  createdMs: number;
  updatedMs: number;
  input: StreamProcessorInput;
  output: StreamProcessorOutput;
  roleArn: string;
  settings: StreamProcessorSettings;
  notificationChannel?: StreamProcessorNotificationChannel;
  kmsKeyId?: string;
  regionsOfInterest?: RegionsOfInterest;
  dataSharing: StreamProcessorDataSharingPreference;
  kvsArn: string;
  kdsArn?: string;
  session?: SessionState;
  /** When a pending transition applies, if one does. */
  pending?: { status: StreamProcessorStatus; atMs: number };
}

const parse = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));

export function toProcessor(row: ProcessorRow): Processor {
  return {
    account: row.account,
    region: row.region,
    name: row.name,
    kind: row.kind,
    status: row.status,
    statusMessage: row.status_message ?? undefined,
    createdMs: row.created_ms,
    updatedMs: row.updated_ms,
    input: JSON.parse(row.input) as StreamProcessorInput,
    output: JSON.parse(row.output) as StreamProcessorOutput,
    roleArn: row.role_arn,
    settings: JSON.parse(row.settings) as StreamProcessorSettings,
    notificationChannel: parse(row.notification_channel),
    kmsKeyId: row.kms_key_id ?? undefined,
    regionsOfInterest: parse(row.regions_of_interest),
    dataSharing: JSON.parse(row.data_sharing) as StreamProcessorDataSharingPreference,
    kvsArn: row.kvs_arn,
    kdsArn: row.kds_arn ?? undefined,
    session: parse(row.session),
    pending: row.next_status && row.next_at_ms !== null ? { status: row.next_status, atMs: row.next_at_ms } : undefined,
  };
}

export type NewProcessor = Omit<ProcessorRow, 'account' | 'region' | 'status' | 'status_message' | 'next_status' | 'next_at_ms' | 'updated_ms' | 'session'>;

export interface StatusChange {
  status: StreamProcessorStatus;
  /** Replaces the status message; absent clears it. */
  message?: string;
  /** A transition to apply later (settle). */
  next?: { status: StreamProcessorStatus; atMs: number };
  /** Replaces the session; `null` clears it, absent keeps it. */
  session?: SessionState | null;
  /** When the change happened (LastUpdateTimestamp). */
  atMs: number;
}

export class StreamProcessorStore {
  constructor(private readonly db: Db) {}

  in(scope: Scope): ScopedStreamProcessors {
    return new ScopedStreamProcessors(this.db, scope);
  }

  /** Every scope holding a processor of this name (the control plane finds processors by name alone). */
  scopesWithName(name: string): Scope[] {
    return this.db.prepare('SELECT account, region FROM stream_processors WHERE name = ? ORDER BY account, region').all(name) as Scope[];
  }
}

export class ScopedStreamProcessors {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  read(name: string): ProcessorRow | undefined {
    return this.db.prepare('SELECT * FROM stream_processors WHERE account = ? AND region = ? AND name = ?').get(this.scope.account, this.scope.region, name) as ProcessorRow | undefined;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM stream_processors WHERE account = ? AND region = ?').get(this.scope.account, this.scope.region) as { n: number }).n;
  }

  /** The processor that already reads this video stream or writes this data stream, if any. */
  usingStream(kvsArn: string, kdsArn: string | undefined): string | undefined {
    const row = this.db
      .prepare('SELECT name FROM stream_processors WHERE account = ? AND region = ? AND (kvs_arn = ? OR (kds_arn IS NOT NULL AND kds_arn = ?)) LIMIT 1')
      .get(this.scope.account, this.scope.region, kvsArn, kdsArn ?? null) as { name: string } | undefined;
    return row?.name;
  }

  /** Names (with status rows) after `after`, in name order. */
  list(after: string, limit: number): ProcessorRow[] {
    return this.db
      .prepare('SELECT * FROM stream_processors WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?')
      .all(this.scope.account, this.scope.region, after, limit) as ProcessorRow[];
  }

  insert(row: NewProcessor): void {
    this.db
      .prepare(
        `INSERT INTO stream_processors (account, region, name, kind, status, status_message, next_status, next_at_ms, created_ms, updated_ms,
           input, output, role_arn, settings, notification_channel, kms_key_id, regions_of_interest, data_sharing, kvs_arn, kds_arn, session)
         VALUES (?, ?, ?, ?, 'STOPPED', NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      )
      .run(
        this.scope.account,
        this.scope.region,
        row.name,
        row.kind,
        row.created_ms,
        row.created_ms,
        row.input,
        row.output,
        row.role_arn,
        row.settings,
        row.notification_channel,
        row.kms_key_id,
        row.regions_of_interest,
        row.data_sharing,
        row.kvs_arn,
        row.kds_arn,
      );
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM stream_processors WHERE account = ? AND region = ? AND name = ?').run(this.scope.account, this.scope.region, name);
  }

  setStatus(name: string, change: StatusChange): void {
    const sets = ['status = ?', 'status_message = ?', 'next_status = ?', 'next_at_ms = ?', 'updated_ms = ?'];
    const values: unknown[] = [change.status, change.message ?? null, change.next?.status ?? null, change.next?.atMs ?? null, change.atMs];
    if (change.session !== undefined) {
      sets.push('session = ?');
      values.push(change.session === null ? null : JSON.stringify(change.session));
    }
    this.db.prepare(`UPDATE stream_processors SET ${sets.join(', ')} WHERE account = ? AND region = ? AND name = ?`).run(...values, this.scope.account, this.scope.region, name);
  }

  saveSession(name: string, session: SessionState): void {
    this.db.prepare('UPDATE stream_processors SET session = ? WHERE account = ? AND region = ? AND name = ?').run(JSON.stringify(session), this.scope.account, this.scope.region, name);
  }

  /** Replaces the parts UpdateStreamProcessor may change. */
  updateDefinition(name: string, values: { settings: StreamProcessorSettings; regionsOfInterest?: RegionsOfInterest; dataSharing: StreamProcessorDataSharingPreference }): void {
    this.db
      .prepare('UPDATE stream_processors SET settings = ?, regions_of_interest = ?, data_sharing = ? WHERE account = ? AND region = ? AND name = ?')
      .run(
        JSON.stringify(values.settings),
        values.regionsOfInterest ? JSON.stringify(values.regionsOfInterest) : null,
        JSON.stringify(values.dataSharing),
        this.scope.account,
        this.scope.region,
        name,
      );
  }
}
