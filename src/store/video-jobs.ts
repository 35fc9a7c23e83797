/**
 * Stored-video jobs and their results in SQLite, so both survive a restart under --data-dir.
 * A job's results are rows (one per result item) carrying the keys Get* sorts by, so a page is one
 * indexed query however long the video was.
 */
import type { AudioMetadata, NotificationChannel, Video, VideoJobStatus, VideoMetadata } from '../api/generated/types';
import type { Scope } from '../runtime/scope';
import { requestHash } from './idempotency';
import type { Db } from './database';

// request_hash and client_token describe the request; ClientRequestToken replays are the
// idempotency store's (src/store/idempotency.ts). The columns stay so that databases written by
// earlier versions keep working.
export const videoJobsSchema = `CREATE TABLE IF NOT EXISTS video_jobs (
     account TEXT NOT NULL, region TEXT NOT NULL, job_id TEXT NOT NULL,
     api TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
     request TEXT NOT NULL, request_hash TEXT NOT NULL, client_token TEXT,
     video_metadata TEXT, audio_metadata TEXT, extra TEXT,
     attempts INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, completed_ms INTEGER,
     frames_done INTEGER, frames_total INTEGER,
     PRIMARY KEY (account, region, job_id));
   CREATE INDEX IF NOT EXISTS video_jobs_status ON video_jobs (status, account, region);
   CREATE TABLE IF NOT EXISTS video_job_items (
     account TEXT NOT NULL, region TEXT NOT NULL, job_id TEXT NOT NULL,
     view TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
     name TEXT, idx INTEGER, confidence REAL, item TEXT NOT NULL,
     PRIMARY KEY (account, region, job_id, view, seq))`;

/** How long AWS keeps results (AWS-BEHAVIOUR §5). */
export const RETENTION_MS = 7 * 24 * 3600 * 1000;

/** A job as the runner knows it. */
export interface VideoJobKey extends Scope {
  id: string;
}

export interface VideoJobRecord extends Scope {
  jobId: string;
  api: string;
  status: VideoJobStatus;
  statusMessage?: string;
  request: Record<string, unknown>;
  videoMetadata?: VideoMetadata;
  audioMetadata?: AudioMetadata[];
  extra?: Record<string, unknown>;
  attempts: number;
  createdMs: number;
  completedMs?: number;
  /** Frames the current (or last) run has analysed of those it expects; absent until a run knows its count. */
  progress?: FramesProgress;
}

export interface FramesProgress {
  done: number;
  total: number;
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
  video_metadata: string | null;
  audio_metadata: string | null;
  extra: string | null;
  attempts: number;
  created_ms: number;
  completed_ms: number | null;
  frames_done: number | null;
  frames_total: number | null;
}

const parse = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));

function fromRow(r: JobRow): VideoJobRecord {
  return {
    account: r.account,
    region: r.region,
    jobId: r.job_id,
    api: r.api,
    status: r.status as VideoJobStatus,
    statusMessage: r.status_message ?? undefined,
    request: JSON.parse(r.request) as Record<string, unknown>,
    videoMetadata: parse(r.video_metadata),
    audioMetadata: parse(r.audio_metadata),
    extra: parse(r.extra),
    attempts: r.attempts,
    createdMs: r.created_ms,
    completedMs: r.completed_ms ?? undefined,
    progress: r.frames_done !== null && r.frames_total !== null ? { done: r.frames_done, total: r.frames_total } : undefined,
  };
}

/** The Video and the parts of the request the Get* envelope and the notification echo. */
export function requestParts(job: VideoJobRecord): { video?: Video; jobTag?: string; channel?: NotificationChannel } {
  const r = job.request as { Video?: Video; JobTag?: string; NotificationChannel?: NotificationChannel };
  return { video: r.Video, jobTag: r.JobTag, channel: r.NotificationChannel };
}

export class VideoJobStore {
  constructor(private readonly db: Db) {
    // Data folders written before jobs recorded their progress lack the columns.
    const columns = (db.prepare('PRAGMA table_info(video_jobs)').all() as { name: string }[]).map((c) => c.name);
    if (!columns.includes('frames_done')) db.exec('ALTER TABLE video_jobs ADD COLUMN frames_done INTEGER');
    if (!columns.includes('frames_total')) db.exec('ALTER TABLE video_jobs ADD COLUMN frames_total INTEGER');
  }

  in(scope: Scope): ScopedVideoJobs {
    return new ScopedVideoJobs(this.db, scope);
  }

  /** Jobs left IN_PROGRESS, of every account and region, oldest first. */
  inProgress(): VideoJobKey[] {
    const rows = this.db.prepare("SELECT account, region, job_id FROM video_jobs WHERE status = 'IN_PROGRESS' ORDER BY created_ms, job_id").all() as JobRow[];
    return rows.map((r) => ({ account: r.account, region: r.region, id: r.job_id }));
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

/** One account's jobs in one region. */
export class ScopedVideoJobs {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  private get key(): [string, string] {
    return [this.scope.account, this.scope.region];
  }

  get(jobId: string): VideoJobRecord | undefined {
    const row = this.db.prepare('SELECT * FROM video_jobs WHERE account = ? AND region = ? AND job_id = ?').get(...this.key, jobId) as JobRow | undefined;
    return row && fromRow(row);
  }

  /** The newest jobs first, at most `limit` (the web console's list). */
  list(limit: number): VideoJobRecord[] {
    const rows = this.db.prepare('SELECT * FROM video_jobs WHERE account = ? AND region = ? ORDER BY created_ms DESC, job_id LIMIT ?').all(...this.key, limit) as JobRow[];
    return rows.map(fromRow);
  }

  countOpen(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM video_jobs WHERE account = ? AND region = ? AND status = 'IN_PROGRESS'").get(...this.key) as { n: number }).n;
  }

  /** A new IN_PROGRESS job for the Start* request `request` of `api`. */
  insert(jobId: string, api: string, request: Record<string, unknown>, now: number): void {
    const token = (request as { ClientRequestToken?: string }).ClientRequestToken;
    this.db
      .prepare(
        `INSERT INTO video_jobs (account, region, job_id, api, status, request, request_hash, client_token, attempts, created_ms)
         VALUES (?, ?, ?, ?, 'IN_PROGRESS', ?, ?, ?, 0, ?)`,
      )
      .run(...this.key, jobId, api, JSON.stringify(request), requestHash(request), token ?? null, now);
  }

  /**
   * Counts a run of the job (a restart that keeps interrupting a job must not loop forever); returns
   * the count. A run starts from the first frame, so the previous run's progress is dropped.
   */
  countAttempt(jobId: string): number {
    this.db.prepare('UPDATE video_jobs SET attempts = attempts + 1, frames_done = NULL, frames_total = NULL WHERE account = ? AND region = ? AND job_id = ?').run(...this.key, jobId);
    return this.attempts(jobId);
  }

  attempts(jobId: string): number {
    return this.get(jobId)?.attempts ?? 0;
  }

  setMetadata(jobId: string, video: VideoMetadata, audio: AudioMetadata[]): void {
    this.db
      .prepare('UPDATE video_jobs SET video_metadata = ?, audio_metadata = ? WHERE account = ? AND region = ? AND job_id = ?')
      .run(JSON.stringify(video), JSON.stringify(audio), ...this.key, jobId);
  }

  /** Records how far the running job has got (frames analysed of those expected); only while it is IN_PROGRESS. */
  setProgress(jobId: string, progress: FramesProgress): void {
    this.db
      .prepare("UPDATE video_jobs SET frames_done = ?, frames_total = ? WHERE account = ? AND region = ? AND job_id = ? AND status = 'IN_PROGRESS'")
      .run(progress.done, progress.total, ...this.key, jobId);
  }

  /** Stores the results and marks the job SUCCEEDED in one transaction; false when the job is gone (reset). */
  succeed(jobId: string, items: StoredItem[], segments: StoredItem[] | undefined, extra: Record<string, unknown> | undefined, now: number): boolean {
    const insert = this.db.prepare(
      'INSERT INTO video_job_items (account, region, job_id, view, seq, ts, name, idx, confidence, item) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return this.db.transaction(() => {
      const updated = this.db
        .prepare(
          "UPDATE video_jobs SET status = 'SUCCEEDED', status_message = NULL, extra = ?, completed_ms = ? WHERE account = ? AND region = ? AND job_id = ? AND status = 'IN_PROGRESS'",
        )
        .run(extra ? JSON.stringify(extra) : null, now, ...this.key, jobId);
      if (updated.changes === 0) return false;
      this.deleteItems(jobId);
      const write = (view: ResultView, list: StoredItem[]) =>
        list.forEach((s, seq) => insert.run(...this.key, jobId, view, seq, Math.round(s.ts), s.name ?? null, s.idx ?? null, s.confidence ?? null, JSON.stringify(s.item)));
      write('T', items);
      if (segments) write('S', segments);
      return true;
    })();
  }

  /** Marks an IN_PROGRESS job FAILED; false when it is not (any more) in progress. */
  fail(jobId: string, message: string, now: number): boolean {
    const updated = this.db
      .prepare("UPDATE video_jobs SET status = 'FAILED', status_message = ?, completed_ms = ? WHERE account = ? AND region = ? AND job_id = ? AND status = 'IN_PROGRESS'")
      .run(message, now, ...this.key, jobId);
    if (updated.changes) this.deleteItems(jobId);
    return updated.changes > 0;
  }

  /** One page of results, `limit + 1` rows so the caller knows whether another page follows. */
  page(jobId: string, view: ResultView, order: ItemOrder, offset: number, limit: number): Record<string, unknown>[] {
    const rows = this.db
      .prepare(`SELECT item FROM video_job_items WHERE account = ? AND region = ? AND job_id = ? AND view = ? ORDER BY ${ORDER_SQL[order]} LIMIT ? OFFSET ?`)
      .all(...this.key, jobId, view, limit + 1, offset) as { item: string }[];
    return rows.map((r) => JSON.parse(r.item) as Record<string, unknown>);
  }

  private deleteItems(jobId: string): void {
    this.db.prepare('DELETE FROM video_job_items WHERE account = ? AND region = ? AND job_id = ?').run(...this.key, jobId);
  }
}
