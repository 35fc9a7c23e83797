/**
 * Media analysis jobs and the per-line results of their runs, in SQLite: after a restart an
 * interrupted job runs again and skips the lines it had already done (when the manifest is unchanged).
 */
import type { MediaAnalysisJobFailureCode, MediaAnalysisJobStatus } from '../api/generated/types';
import type { Scope } from '../runtime/scope';
import type { Db } from './database';

export const mediaAnalysisJobsSchema = `CREATE TABLE IF NOT EXISTS media_analysis_jobs (
     account TEXT NOT NULL, region TEXT NOT NULL, job_id TEXT NOT NULL, job_name TEXT,
     status TEXT NOT NULL, operations_config TEXT NOT NULL, input TEXT NOT NULL, output_config TEXT NOT NULL,
     kms_key_id TEXT, created_ms INTEGER NOT NULL, completed_ms INTEGER,
     failure_code TEXT, failure_message TEXT, results_key TEXT, summary_key TEXT, model_version TEXT,
     manifest_sha256 TEXT, attempts INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (account, region, job_id));
   CREATE INDEX IF NOT EXISTS media_analysis_jobs_status ON media_analysis_jobs (status, created_ms);
   CREATE INDEX IF NOT EXISTS media_analysis_jobs_created ON media_analysis_jobs (account, region, created_ms);
   CREATE TABLE IF NOT EXISTS media_analysis_lines (
     account TEXT NOT NULL, region TEXT NOT NULL, job_id TEXT NOT NULL, line INTEGER NOT NULL,
     output TEXT, error TEXT,
     PRIMARY KEY (account, region, job_id, line))`;

export interface MediaAnalysisJobRow {
  account: string;
  region: string;
  job_id: string;
  job_name: string | null;
  status: MediaAnalysisJobStatus;
  operations_config: string;
  input: string;
  output_config: string;
  kms_key_id: string | null;
  created_ms: number;
  completed_ms: number | null;
  failure_code: MediaAnalysisJobFailureCode | null;
  failure_message: string | null;
  results_key: string | null;
  summary_key: string | null;
  model_version: string | null;
  manifest_sha256: string | null;
  attempts: number;
}

/** A job as the runner knows it. */
export interface MediaAnalysisJobKey extends Scope {
  id: string;
}

export interface NewMediaAnalysisJob {
  jobId: string;
  jobName?: string;
  operationsConfig: unknown;
  input: unknown;
  outputConfig: unknown;
  kmsKeyId?: string;
  createdMs: number;
}

/** One analysed manifest line: its output line, or its summary error (JSON). */
export interface LineResult {
  line: number;
  output: string | null;
  error: string | null;
}

/** Statuses of a job not yet ended. */
const UNFINISHED = "('CREATED', 'QUEUED', 'IN_PROGRESS')";

export class MediaAnalysisJobStore {
  constructor(private readonly db: Db) {}

  in(scope: Scope): ScopedMediaAnalysisJobs {
    return new ScopedMediaAnalysisJobs(this.db, scope);
  }

  /** Jobs not yet ended, of every account and region, oldest first. */
  unfinished(): MediaAnalysisJobKey[] {
    const rows = this.db.prepare(`SELECT account, region, job_id FROM media_analysis_jobs WHERE status IN ${UNFINISHED} ORDER BY created_ms, job_id`).all() as MediaAnalysisJobRow[];
    return rows.map((r) => ({ account: r.account, region: r.region, id: r.job_id }));
  }

  /** At start: jobs a previous process was running (or had just created) wait in the queue again. */
  requeueInterrupted(): void {
    this.db.prepare("UPDATE media_analysis_jobs SET status = 'QUEUED' WHERE status IN ('IN_PROGRESS', 'CREATED')").run();
  }
}

/** One account's jobs in one region. */
export class ScopedMediaAnalysisJobs {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  private get key(): [string, string] {
    return [this.scope.account, this.scope.region];
  }

  create(job: NewMediaAnalysisJob): void {
    this.db
      .prepare(
        'INSERT INTO media_analysis_jobs (account, region, job_id, job_name, status, operations_config, input, output_config, kms_key_id, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(...this.key, job.jobId, job.jobName ?? null, 'CREATED', JSON.stringify(job.operationsConfig), JSON.stringify(job.input), JSON.stringify(job.outputConfig), job.kmsKeyId ?? null, job.createdMs);
  }

  /** CREATED → QUEUED once the job is handed to the runner. */
  queue(jobId: string): void {
    this.db.prepare("UPDATE media_analysis_jobs SET status = 'QUEUED' WHERE account = ? AND region = ? AND job_id = ? AND status = 'CREATED'").run(...this.key, jobId);
  }

  get(jobId: string): MediaAnalysisJobRow | undefined {
    return this.db.prepare('SELECT * FROM media_analysis_jobs WHERE account = ? AND region = ? AND job_id = ?').get(...this.key, jobId) as MediaAnalysisJobRow | undefined;
  }

  /** Newest first, `limit + 1` rows (so the caller knows whether another page follows), after the position of a previous page. */
  page(limit: number, after?: { created: number; jobId: string }): MediaAnalysisJobRow[] {
    if (!after) return this.db.prepare('SELECT * FROM media_analysis_jobs WHERE account = ? AND region = ? ORDER BY created_ms DESC, job_id DESC LIMIT ?').all(...this.key, limit + 1) as MediaAnalysisJobRow[];
    return this.db
      .prepare('SELECT * FROM media_analysis_jobs WHERE account = ? AND region = ? AND (created_ms < ? OR (created_ms = ? AND job_id < ?)) ORDER BY created_ms DESC, job_id DESC LIMIT ?')
      .all(...this.key, after.created, after.created, after.jobId, limit + 1) as MediaAnalysisJobRow[];
  }

  attempts(jobId: string): number {
    return this.get(jobId)?.attempts ?? 0;
  }

  /** Counts a run of a job not yet ended and marks it IN_PROGRESS; returns the count. */
  countAttempt(jobId: string): number {
    this.db
      .prepare(`UPDATE media_analysis_jobs SET status = 'IN_PROGRESS', attempts = attempts + 1 WHERE account = ? AND region = ? AND job_id = ? AND status IN ${UNFINISHED}`)
      .run(...this.key, jobId);
    return this.attempts(jobId);
  }

  succeed(jobId: string, outcome: { resultsKey: string; summaryKey: string; modelVersion: string }, now: number): void {
    this.db
      .prepare(
        "UPDATE media_analysis_jobs SET status = 'SUCCEEDED', completed_ms = ?, results_key = ?, summary_key = ?, model_version = ? WHERE account = ? AND region = ? AND job_id = ? AND status = 'IN_PROGRESS'",
      )
      .run(now, outcome.resultsKey, outcome.summaryKey, outcome.modelVersion, ...this.key, jobId);
  }

  /** Ends a job not yet ended with FailureDetails. */
  fail(jobId: string, code: MediaAnalysisJobFailureCode, message: string, now: number): void {
    this.db
      .prepare(`UPDATE media_analysis_jobs SET status = 'FAILED', completed_ms = ?, failure_code = ?, failure_message = ? WHERE account = ? AND region = ? AND job_id = ? AND status IN ${UNFINISHED}`)
      .run(now, code, message, ...this.key, jobId);
  }

  /** Records the manifest a run reads; lines done by an earlier run count only if they came from the same manifest. */
  useManifest(jobId: string, sha256: string): void {
    this.db.transaction(() => {
      if (this.get(jobId)?.manifest_sha256 !== sha256) this.db.prepare('DELETE FROM media_analysis_lines WHERE account = ? AND region = ? AND job_id = ?').run(...this.key, jobId);
      this.db.prepare('UPDATE media_analysis_jobs SET manifest_sha256 = ? WHERE account = ? AND region = ? AND job_id = ?').run(sha256, ...this.key, jobId);
    })();
  }

  /** Line numbers already analysed. */
  doneLines(jobId: string): Set<number> {
    const rows = this.db.prepare('SELECT line FROM media_analysis_lines WHERE account = ? AND region = ? AND job_id = ?').all(...this.key, jobId) as { line: number }[];
    return new Set(rows.map((r) => r.line));
  }

  /** Records a line's result, unless the job is gone (reset). */
  saveLine(jobId: string, result: LineResult): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO media_analysis_lines (account, region, job_id, line, output, error)
         SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM media_analysis_jobs WHERE account = ? AND region = ? AND job_id = ?)`,
      )
      .run(...this.key, jobId, result.line, result.output, result.error, ...this.key, jobId);
  }

  lines(jobId: string): LineResult[] {
    return this.db.prepare('SELECT line, output, error FROM media_analysis_lines WHERE account = ? AND region = ? AND job_id = ? ORDER BY line').all(...this.key, jobId) as LineResult[];
  }
}
