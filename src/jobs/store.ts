/**
 * Stored-video jobs and their results in SQLite, so both survive a restart under --data-dir.
 * A job's results are rows (one per result item) carrying the keys Get* sorts by, so a page is one
 * indexed query however long the video was.
 */
import { createHash } from 'node:crypto';
import type { AudioMetadata, NotificationChannel, Video, VideoJobStatus, VideoMetadata } from '../api/generated/types';
import { defineTable, type Db } from '../store/database';

defineTable(
  'video_jobs',
  `CREATE TABLE IF NOT EXISTS video_jobs (
     account TEXT NOT NULL, region TEXT NOT NULL, job_id TEXT NOT NULL,
     api TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
     request TEXT NOT NULL, request_hash TEXT NOT NULL, client_token TEXT,
     video_metadata TEXT, audio_metadata TEXT, extra TEXT,
     attempts INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, completed_ms INTEGER,
     PRIMARY KEY (account, region, job_id));
   CREATE INDEX IF NOT EXISTS video_jobs_status ON video_jobs (status, account, region);
   CREATE INDEX IF NOT EXISTS video_jobs_token ON video_jobs (account, region, api, client_token)`,
);

defineTable(
  'video_job_items',
  `CREATE TABLE IF NOT EXISTS video_job_items (
     account TEXT NOT NULL, region TEXT NOT NULL, job_id TEXT NOT NULL,
     view TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
     name TEXT, idx INTEGER, confidence REAL, item TEXT NOT NULL,
     PRIMARY KEY (account, region, job_id, view, seq))`,
);

/** How long AWS keeps results and honours a ClientRequestToken (AWS-BEHAVIOUR §5). */
export const RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface JobKey {
  account: string;
  region: string;
  jobId: string;
}

export interface JobRecord extends JobKey {
  api: string;
  status: VideoJobStatus;
  statusMessage?: string;
  request: Record<string, unknown>;
  requestHash: string;
  clientToken?: string;
  videoMetadata?: VideoMetadata;
  audioMetadata?: AudioMetadata[];
  extra?: Record<string, unknown>;
  attempts: number;
  createdMs: number;
  completedMs?: number;
}

/** One result item and the keys it sorts by. */
export interface StoredItem {
  item: Record<string, unknown>;
  /** Timestamp in ms (TIMESTAMP order). */
  ts: number;
  /** Label or celebrity name/id (NAME, ID orders; ties within a timestamp). */
  name?: string;
  /** Person index (INDEX order). */
  idx?: number;
  confidence?: number;
}

/** `T`: the items as detected (AggregateBy TIMESTAMPS); `S`: aggregated runs (AggregateBy SEGMENTS). */
export type ResultView = 'T' | 'S';

/** Orders of the Get* SortBy values; `SEQ` keeps the order the analyzer wrote. */
export type ItemOrder = 'SEQ' | 'TIMESTAMP' | 'NAME' | 'INDEX' | 'ID';

const ORDER_SQL: Record<ItemOrder, string> = {
  SEQ: 'seq',
  TIMESTAMP: 'ts, name, idx, seq',
  // AWS: grouped by name, by confidence within a group (API reference of GetLabelDetection).
  NAME: 'name, confidence DESC, ts, seq',
  INDEX: 'idx, ts, seq',
  ID: 'name, ts, seq',
};

interface JobRow {
  account: string;
  region: string;
  job_id: string;
  api: string;
  status: string;
  status_message: string | null;
  request: string;
  request_hash: string;
  client_token: string | null;
  video_metadata: string | null;
  audio_metadata: string | null;
  extra: string | null;
  attempts: number;
  created_ms: number;
  completed_ms: number | null;
}

const parse = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));

function fromRow(r: JobRow): JobRecord {
  return {
    account: r.account,
    region: r.region,
    jobId: r.job_id,
    api: r.api,
    status: r.status as VideoJobStatus,
    statusMessage: r.status_message ?? undefined,
    request: JSON.parse(r.request) as Record<string, unknown>,
    requestHash: r.request_hash,
    clientToken: r.client_token ?? undefined,
    videoMetadata: parse(r.video_metadata),
    audioMetadata: parse(r.audio_metadata),
    extra: parse(r.extra),
    attempts: r.attempts,
    createdMs: r.created_ms,
    completedMs: r.completed_ms ?? undefined,
  };
}

/** JSON with sorted keys: the same request always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(api: string, request: unknown): string {
  return createHash('sha256').update(api).update('\n').update(canonical(request)).digest('hex');
}

export class JobStore {
  constructor(private readonly db: Db) {}

  get(key: JobKey): JobRecord | undefined {
    const row = this.db.prepare('SELECT * FROM video_jobs WHERE account = ? AND region = ? AND job_id = ?').get(key.account, key.region, key.jobId) as JobRow | undefined;
    return row && fromRow(row);
  }

  byToken(account: string, region: string, api: string, token: string): JobRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM video_jobs WHERE account = ? AND region = ? AND api = ? AND client_token = ? ORDER BY created_ms DESC LIMIT 1')
      .get(account, region, api, token) as JobRow | undefined;
    return row && fromRow(row);
  }

  countOpen(account: string, region: string): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM video_jobs WHERE account = ? AND region = ? AND status = 'IN_PROGRESS'").get(account, region) as { n: number }).n;
  }

  inProgress(): JobRecord[] {
    return (this.db.prepare("SELECT * FROM video_jobs WHERE status = 'IN_PROGRESS' ORDER BY created_ms, job_id").all() as JobRow[]).map(fromRow);
  }

  insert(job: JobRecord): void {
    this.db
      .prepare(
        `INSERT INTO video_jobs (account, region, job_id, api, status, request, request_hash, client_token, attempts, created_ms)
         VALUES (?, ?, ?, ?, 'IN_PROGRESS', ?, ?, ?, 0, ?)`,
      )
      .run(job.account, job.region, job.jobId, job.api, JSON.stringify(job.request), job.requestHash, job.clientToken ?? null, job.createdMs);
  }

  /** Counts a run of the job (a restart that keeps interrupting a job must not loop forever). */
  attempt(key: JobKey): number {
    this.db.prepare('UPDATE video_jobs SET attempts = attempts + 1 WHERE account = ? AND region = ? AND job_id = ?').run(key.account, key.region, key.jobId);
    return this.get(key)?.attempts ?? 0;
  }

  setMetadata(key: JobKey, video: VideoMetadata, audio: AudioMetadata[]): void {
    this.db
      .prepare('UPDATE video_jobs SET video_metadata = ?, audio_metadata = ? WHERE account = ? AND region = ? AND job_id = ?')
      .run(JSON.stringify(video), JSON.stringify(audio), key.account, key.region, key.jobId);
  }

  /** Stores the results and marks the job SUCCEEDED in one transaction; false when the job is gone (reset). */
  succeed(key: JobKey, items: StoredItem[], segments: StoredItem[] | undefined, extra: Record<string, unknown> | undefined, now: number): boolean {
    const insert = this.db.prepare(
      'INSERT INTO video_job_items (account, region, job_id, view, seq, ts, name, idx, confidence, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return this.db.transaction(() => {
      const updated = this.db
        .prepare(
          "UPDATE video_jobs SET status = 'SUCCEEDED', status_message = NULL, extra = ?, completed_ms = ? WHERE account = ? AND region = ? AND job_id = ? AND status = 'IN_PROGRESS'",
        )
        .run(extra ? JSON.stringify(extra) : null, now, key.account, key.region, key.jobId);
      if (updated.changes === 0) return false;
      this.deleteItems(key);
      const write = (view: ResultView, list: StoredItem[]) =>
        list.forEach((s, seq) =>
          insert.run(key.account, key.region, key.jobId, view, seq, Math.round(s.ts), s.name ?? null, s.idx ?? null, s.confidence ?? null, JSON.stringify(s.item)),
        );
      write('T', items);
      if (segments) write('S', segments);
      return true;
    })();
  }

  fail(key: JobKey, message: string, now: number): boolean {
    const updated = this.db
      .prepare("UPDATE video_jobs SET status = 'FAILED', status_message = ?, completed_ms = ? WHERE account = ? AND region = ? AND job_id = ? AND status = 'IN_PROGRESS'")
      .run(message, now, key.account, key.region, key.jobId);
    if (updated.changes) this.deleteItems(key);
    return updated.changes > 0;
  }

  /** One page of results, `limit + 1` rows so the caller knows whether another page follows. */
  page(key: JobKey, view: ResultView, order: ItemOrder, offset: number, limit: number): Record<string, unknown>[] {
    const rows = this.db
      .prepare(`SELECT item FROM video_job_items WHERE account = ? AND region = ? AND job_id = ? AND view = ? ORDER BY ${ORDER_SQL[order]} LIMIT ? OFFSET ?`)
      .all(key.account, key.region, key.jobId, view, limit + 1, offset) as { item: string }[];
    return rows.map((r) => JSON.parse(r.item) as Record<string, unknown>);
  }

  private deleteItems(key: JobKey): void {
    this.db.prepare('DELETE FROM video_job_items WHERE account = ? AND region = ? AND job_id = ?').run(key.account, key.region, key.jobId);
  }

  /** Drops finished jobs older than AWS's retention, results included. */
  purgeExpired(now: number): void {
    const cutoff = now - RETENTION_MS;
    this.db.transaction(() => {
      this.db
        .prepare(
          `DELETE FROM video_job_items WHERE EXISTS (SELECT 1 FROM video_jobs j WHERE j.account = video_job_items.account AND j.region = video_job_items.region
             AND j.job_id = video_job_items.job_id AND j.status != 'IN_PROGRESS' AND j.completed_ms < ?)`,
        )
        .run(cutoff);
      this.db.prepare("DELETE FROM video_jobs WHERE status != 'IN_PROGRESS' AND completed_ms < ?").run(cutoff);
    })();
  }
}

/** The Video and the parts of the request the Get* envelope echoes. */
export function requestParts(job: JobRecord): { video?: Video; jobTag?: string; channel?: NotificationChannel } {
  const r = job.request as { Video?: Video; JobTag?: string; NotificationChannel?: NotificationChannel };
  return { video: r.Video, jobTag: r.JobTag, channel: r.NotificationChannel };
}
