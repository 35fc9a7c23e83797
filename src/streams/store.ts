/**
 * Stream processors in SQLite, and their status machine.
 *
 * A processor is a row per account, region and name. Status changes that AWS makes asynchronously
 * (STARTING -> RUNNING, STOPPING -> STOPPED, UPDATING -> STOPPED) are stored as a pending transition
 * (`next_status` at `next_at_ms`) and applied when the processor is next read (`settle`), so they
 * survive restarts and need no timers. The running session (what a StartStreamProcessor began) is
 * kept as JSON beside it; src/streams/sessions.ts holds its live state (results, timers) in memory.
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
import { defineTable, type Db, type Scope } from '../store/database';

export type ProcessorKind = 'FACE_SEARCH' | 'CONNECTED_HOME';

/**
 * How long AWS's asynchronous transitions take here. AWS takes seconds (a 2019 capture shows a
 * face search processor RUNNING 2.25 s after creation); the emulator keeps them short so that
 * tests poll briefly, but not zero, so that clients see the intermediate status as they would.
 */
export const TRANSITION_MS = { start: 500, stop: 500, update: 500 } as const;

defineTable(
  'stream_processors',
  `CREATE TABLE IF NOT EXISTS stream_processors (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
     kind TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
     next_status TEXT, next_at_ms INTEGER,
     created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
     input TEXT NOT NULL, output TEXT NOT NULL, role_arn TEXT NOT NULL, settings TEXT NOT NULL,
     notification_channel TEXT, kms_key_id TEXT, regions_of_interest TEXT, data_sharing TEXT NOT NULL,
     kvs_arn TEXT NOT NULL, kds_arn TEXT, session TEXT,
     PRIMARY KEY (account, region, name))`,
);

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

export function readRow(db: Db, scope: Scope, name: string): ProcessorRow | undefined {
  return db.prepare('SELECT * FROM stream_processors WHERE account = ? AND region = ? AND name = ?').get(scope.account, scope.region, name) as ProcessorRow | undefined;
}

export function countProcessors(db: Db, scope: Scope): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM stream_processors WHERE account = ? AND region = ?').get(scope.account, scope.region) as { n: number }).n;
}

/** The processor (other than `except`) that already reads this video stream or writes this data stream, if any. */
export function processorUsingStream(db: Db, scope: Scope, kvsArn: string, kdsArn: string | undefined): string | undefined {
  const row = db
    .prepare('SELECT name FROM stream_processors WHERE account = ? AND region = ? AND (kvs_arn = ? OR (kds_arn IS NOT NULL AND kds_arn = ?)) LIMIT 1')
    .get(scope.account, scope.region, kvsArn, kdsArn ?? null) as { name: string } | undefined;
  return row?.name;
}

/** Names (with status rows) after `after`, in name order. */
export function listRows(db: Db, scope: Scope, after: string, limit: number): ProcessorRow[] {
  return db
    .prepare('SELECT * FROM stream_processors WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?')
    .all(scope.account, scope.region, after, limit) as ProcessorRow[];
}

/** Every scope holding a processor of this name (the control plane finds processors by name alone). */
export function scopesWithName(db: Db, name: string): Scope[] {
  return db.prepare('SELECT account, region FROM stream_processors WHERE name = ? ORDER BY account, region').all(name) as Scope[];
}

export type NewProcessor = Omit<ProcessorRow, 'status' | 'status_message' | 'next_status' | 'next_at_ms' | 'updated_ms' | 'session'>;

export function insertRow(db: Db, row: NewProcessor): void {
  db.prepare(
    `INSERT INTO stream_processors (account, region, name, kind, status, status_message, next_status, next_at_ms, created_ms, updated_ms,
       input, output, role_arn, settings, notification_channel, kms_key_id, regions_of_interest, data_sharing, kvs_arn, kds_arn, session)
     VALUES (?, ?, ?, ?, 'STOPPED', NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
  ).run(
    row.account,
    row.region,
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

export function deleteRow(db: Db, scope: Scope, name: string): void {
  db.prepare('DELETE FROM stream_processors WHERE account = ? AND region = ? AND name = ?').run(scope.account, scope.region, name);
}

export interface StatusChange {
  status: StreamProcessorStatus;
  /** Replaces the status message; absent clears it. */
  message?: string;
  /** A transition to apply later (settle). */
  next?: { status: StreamProcessorStatus; atMs: number };
  /** Replaces the session; `null` clears it, absent keeps it. */
  session?: SessionState | null;
  /** When the change happened (LastUpdateTimestamp); now by default. */
  atMs?: number;
}

export function setStatus(db: Db, scope: Scope, name: string, change: StatusChange): void {
  const sets = ['status = ?', 'status_message = ?', 'next_status = ?', 'next_at_ms = ?', 'updated_ms = ?'];
  const values: unknown[] = [change.status, change.message ?? null, change.next?.status ?? null, change.next?.atMs ?? null, change.atMs ?? Date.now()];
  if (change.session !== undefined) {
    sets.push('session = ?');
    values.push(change.session === null ? null : JSON.stringify(change.session));
  }
  db.prepare(`UPDATE stream_processors SET ${sets.join(', ')} WHERE account = ? AND region = ? AND name = ?`).run(...values, scope.account, scope.region, name);
}

export function saveSession(db: Db, scope: Scope, name: string, session: SessionState): void {
  db.prepare('UPDATE stream_processors SET session = ? WHERE account = ? AND region = ? AND name = ?').run(JSON.stringify(session), scope.account, scope.region, name);
}

/** Replaces the parts UpdateStreamProcessor may change. */
export function updateDefinition(
  db: Db,
  scope: Scope,
  name: string,
  values: { settings: StreamProcessorSettings; regionsOfInterest?: RegionsOfInterest; dataSharing: StreamProcessorDataSharingPreference },
): void {
  db.prepare('UPDATE stream_processors SET settings = ?, regions_of_interest = ?, data_sharing = ? WHERE account = ? AND region = ? AND name = ?').run(
    JSON.stringify(values.settings),
    values.regionsOfInterest ? JSON.stringify(values.regionsOfInterest) : null,
    JSON.stringify(values.dataSharing),
    scope.account,
    scope.region,
    name,
  );
}

/**
 * What a due transition turns into. Modules with a say register here: the face search module
 * fails a processor whose collection is gone when it would start RUNNING, and the sessions module
 * ends connected-home sessions whose time ran out while nothing was watching (after a restart).
 * A hook gets the processor as stored and the transition about to be applied, if any, and returns
 * the change to make instead (or undefined to leave it).
 */
export type TransitionHook = (processor: Processor, transition: StatusChange | undefined, db: Db, now: number) => StatusChange | undefined;
const transitionHooks: TransitionHook[] = [];

export function onSettle(hook: TransitionHook): void {
  transitionHooks.push(hook);
}

/** The processor with every due transition applied (and stored), or undefined when there is none. */
export function settle(db: Db, scope: Scope, name: string, now = Date.now()): Processor | undefined {
  let row = readRow(db, scope, name);
  // Each round applies one change; a chain (STARTING -> RUNNING -> FAILED) takes two.
  for (let round = 0; row && round < 4; round++) {
    const processor = toProcessor(row);
    let change: StatusChange | undefined = processor.pending && processor.pending.atMs <= now ? { status: processor.pending.status, atMs: processor.pending.atMs } : undefined;
    for (const hook of transitionHooks) change = hook(processor, change, db, now) ?? change;
    if (!change) return processor;
    setStatus(db, scope, name, change);
    row = readRow(db, scope, name);
  }
  return row && toProcessor(row);
}
