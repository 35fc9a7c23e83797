/**
 * Bulk image analysis: StartMediaAnalysisJob, GetMediaAnalysisJob, ListMediaAnalysisJobs.
 *
 * A job reads a JSON Lines manifest from S3 (`{"source-ref": "s3://bucket/key", ...}` per line),
 * runs DetectModerationLabels on each image (moderateImage in src/analysis/moderate-image.ts, the
 * analysis that operation runs, so each result is what it answers for the image) and writes two objects
 * under OutputConfig, in the layout AWS documents (DG "Bulk analysis output manifests"):
 *
 *   <S3KeyPrefix>/<JobId>/results/output.jsonl   each analysed line plus "detect-moderation-labels"
 *   <S3KeyPrefix>/<JobId>/manifest-summary.json  statistics and one entry per line that failed
 *
 * Lines that cannot be used (not JSON, no s3:// source-ref, missing object, not JPEG/PNG, too
 * small or large) are left out of the output and listed in the summary's errors with the
 * Rekognition error code and message DetectModerationLabels gives. The job itself FAILS (with
 * FailureDetails) when the manifest cannot be read or holds no usable line, when the
 * ProjectVersion is refused, or when the output cannot be written.
 *
 * Jobs and per-line results live in SQLite: after a restart an interrupted job runs again and
 * skips the lines it had already done (when the manifest is unchanged); after three interrupted
 * runs it FAILS. Jobs run one at a time, one image at a time (two cores are shared with requests).
 */
import { createHash } from 'node:crypto';
import { errors, RekognitionError } from '../api/errors';
import { operations } from '../api/generated/model';
import type {
  DetectModerationLabelsRequest,
  GetMediaAnalysisJobResponse,
  MediaAnalysisJobDescription,
  MediaAnalysisJobFailureCode,
  MediaAnalysisJobStatus,
  MediaAnalysisOperationsConfig,
  MediaAnalysisOutputConfig,
  S3Object,
} from '../api/generated/types';
import { serializeOutput } from '../api/serialize';
import { validateInput } from '../api/validate';
import { MODERATION_MODEL_VERSION } from '../analysis/moderation';
import { moderateImage } from '../analysis/moderate-image';
import { readS3Object, S3WriteError, writeS3Object } from '../media/s3';
import { defineTable, onReset, type Db } from '../store/database';
import { log } from '../log';
import type { Services } from './context';
import { decodePageToken, encodePageToken } from '../api/pagination';
import { registerHandler } from './registry';
import { PoolClosedError } from '../../models/client';

defineTable(
  'media_analysis_jobs',
  `CREATE TABLE IF NOT EXISTS media_analysis_jobs (
     account TEXT NOT NULL, region TEXT NOT NULL, job_id TEXT NOT NULL, job_name TEXT,
     status TEXT NOT NULL, operations_config TEXT NOT NULL, input TEXT NOT NULL, output_config TEXT NOT NULL,
     kms_key_id TEXT, created_ms INTEGER NOT NULL, completed_ms INTEGER,
     failure_code TEXT, failure_message TEXT, results_key TEXT, summary_key TEXT, model_version TEXT,
     manifest_sha256 TEXT, attempts INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (account, region, job_id));
   CREATE INDEX IF NOT EXISTS media_analysis_jobs_status ON media_analysis_jobs (status, created_ms);
   CREATE INDEX IF NOT EXISTS media_analysis_jobs_created ON media_analysis_jobs (account, region, created_ms)`,
);

defineTable(
  'media_analysis_lines',
  `CREATE TABLE IF NOT EXISTS media_analysis_lines (
     account TEXT NOT NULL, region TEXT NOT NULL, job_id TEXT NOT NULL, line INTEGER NOT NULL,
     output TEXT, error TEXT,
     PRIMARY KEY (account, region, job_id, line))`,
);

/** The largest manifest read (our choice; AWS documents no limit). */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
/** Runs of one job (the first plus resumes after restarts) before it FAILS instead. */
const MAX_ATTEMPTS = 3;
/** ListMediaAnalysisJobs page size when MaxResults is absent (API reference: 100). */
const DEFAULT_PAGE = 100;
/** The key AWS's documented summary uses for the line number, spelling included ("line-numer", DG bulk-analysis-output-manifests). */
export const SUMMARY_LINE_KEY = 'line-numer';
/** The member each output line gets for the moderation result (DG bulk-analysis-output-manifests). */
const RESULT_KEY = 'detect-moderation-labels';
/** Per-line code for a line that is not a usable manifest entry (our choice: Rekognition's manifest error name). */
const BAD_LINE_CODE = 'InvalidManifestException';

/** Errors of the moderation call that stop the whole job rather than one line, and their FailureDetails code. */
const JOB_LEVEL: Record<string, MediaAnalysisJobFailureCode> = {
  ResourceNotFoundException: 'RESOURCE_NOT_FOUND',
  ResourceNotReadyException: 'RESOURCE_NOT_READY',
  AccessDeniedException: 'ACCESS_DENIED',
  ThrottlingException: 'THROTTLED',
  ProvisionedThroughputExceededException: 'THROTTLED',
  InternalServerError: 'INTERNAL_ERROR',
};

interface JobRow {
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

/** Message not captured from AWS (AWS-BEHAVIOUR §6); the same as the video jobs' (src/jobs/handlers.ts). */
const jobNotFound = (jobId: string) => errors.resourceNotFound(`The job id: ${jobId} does not exist`);

/** `<prefix>/<JobId>/<name>`: a trailing `/` on the prefix is not doubled; no prefix, no leading `/`. */
export function outputKey(prefix: string | undefined, jobId: string, name: string): string {
  const base = (prefix ?? '').replace(/\/+$/, '');
  return `${base ? `${base}/` : ''}${jobId}/${name}`;
}

/** `s3://bucket/key` as an S3Object, or undefined when it is not one. */
export function parseS3Uri(uri: unknown): S3Object | undefined {
  if (typeof uri !== 'string') return undefined;
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri.trim());
  return m ? { Bucket: m[1], Name: m[2] } : undefined;
}

class JobFailure extends Error {
  constructor(
    readonly code: MediaAnalysisJobFailureCode,
    message: string,
  ) {
    super(message);
  }
}

/** One summary error entry, keys in the documented order. */
function lineError(line: number, sourceRef: string | undefined, code: string, message: string): Record<string, unknown> {
  return { [SUMMARY_LINE_KEY]: line, ...(sourceRef !== undefined ? { 'source-ref': sourceRef } : {}), code, message };
}

// ---------------------------------------------------------------------------------------------
// The runner

class MediaAnalysisRunner {
  private loop: Promise<void> | undefined;
  private abort = new AbortController();
  private closed = false;

  constructor(private readonly services: Services) {
    // Jobs this database left IN_PROGRESS were interrupted: run them again, or fail them.
    const db = services.db;
    db.transaction(() => {
      db.prepare(
        "UPDATE media_analysis_jobs SET status = 'FAILED', completed_ms = ?, failure_code = 'INTERNAL_ERROR', failure_message = 'The job was interrupted too often.' WHERE status = 'IN_PROGRESS' AND attempts >= ?",
      ).run(Date.now(), MAX_ATTEMPTS);
      db.prepare("UPDATE media_analysis_jobs SET status = 'QUEUED' WHERE status IN ('IN_PROGRESS', 'CREATED')").run();
    })();
    this.kick();
  }

  /** Starts working through queued jobs unless already doing so. */
  kick(): void {
    if (this.loop || this.closed) return;
    const loop = this.drain()
      .catch((err: unknown) => {
        // Only a database that went away (shutdown, a test closing it) gets here; jobs stay as they are.
        if (this.services.db.open) log.error('media analysis runner stopped', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      })
      .finally(() => {
        if (this.loop !== loop) return;
        this.loop = undefined;
        // A job queued while the loop was finishing would otherwise wait for the next kick.
        if (!this.closed && this.services.db.open && this.next()) this.kick();
      });
    this.loop = loop;
  }

  private next(): JobRow | undefined {
    return this.services.db.prepare("SELECT * FROM media_analysis_jobs WHERE status IN ('CREATED', 'QUEUED') ORDER BY created_ms, job_id LIMIT 1").get() as JobRow | undefined;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const job = this.next();
      if (!job) return;
      await this.run(job, this.abort.signal);
    }
  }

  /** Resolves once no job is queued or running (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Stops the running job where it is (its rows were deleted by a reset, or the database is closing). */
  stop(): void {
    this.abort.abort();
    this.abort = new AbortController();
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }

  private async run(job: JobRow, signal: AbortSignal): Promise<void> {
    const { db } = this.services;
    const key = [job.account, job.region, job.job_id] as const;
    db.prepare("UPDATE media_analysis_jobs SET status = 'IN_PROGRESS', attempts = attempts + 1 WHERE account = ? AND region = ? AND job_id = ?").run(...key);
    const fail = (code: MediaAnalysisJobFailureCode, message: string) =>
      db
        .prepare("UPDATE media_analysis_jobs SET status = 'FAILED', completed_ms = ?, failure_code = ?, failure_message = ? WHERE account = ? AND region = ? AND job_id = ? AND status = 'IN_PROGRESS'")
        .run(Date.now(), code, message, ...key);
    try {
      const outcome = await this.analyse(job, signal);
      if (!outcome) return; // stopped
      db.prepare(
        "UPDATE media_analysis_jobs SET status = 'SUCCEEDED', completed_ms = ?, results_key = ?, summary_key = ?, model_version = ? WHERE account = ? AND region = ? AND job_id = ? AND status = 'IN_PROGRESS'",
      ).run(Date.now(), outcome.resultsKey, outcome.summaryKey, MODERATION_MODEL_VERSION, ...key);
    } catch (err) {
      if (signal.aborted) return;
      // Shutting down (the worker pool or the database closed under the job): it stays IN_PROGRESS and resumes at the next start.
      if (!db.open || err instanceof PoolClosedError) return;
      if (err instanceof JobFailure) return void fail(err.code, err.message);
      log.error('media analysis job failed', { jobId: job.job_id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      fail('INTERNAL_ERROR', 'Internal server error');
    }
  }

  /** Analyses every line and writes the output; undefined when stopped midway. */
  private async analyse(job: JobRow, signal: AbortSignal): Promise<{ resultsKey: string; summaryKey: string } | undefined> {
    const { db, config, clients } = this.services;
    const media = { config, clients, region: job.region };
    const key = [job.account, job.region, job.job_id] as const;
    const input = JSON.parse(job.input) as { S3Object: S3Object };
    const operationsConfig = JSON.parse(job.operations_config) as MediaAnalysisOperationsConfig;
    const outputConfig = JSON.parse(job.output_config) as MediaAnalysisOutputConfig;

    let manifest: Buffer;
    try {
      manifest = await readS3Object(input.S3Object, media, {
        maxBytes: MAX_MANIFEST_BYTES,
        tooLarge: (size) => errors.invalidManifest(`The manifest file is ${size} bytes; rekognition-local reads manifests up to ${MAX_MANIFEST_BYTES} bytes.`),
      });
    } catch (err) {
      if (err instanceof RekognitionError && err.type === 'InvalidManifestException') throw new JobFailure('INVALID_MANIFEST', err.message);
      throw new JobFailure('INVALID_S3_OBJECT', err instanceof RekognitionError ? err.message : 'Unable to get object metadata from S3. Check object key, region and/or access permissions.');
    }
    const sha = createHash('sha256').update(manifest).digest('hex');
    // Lines done by an earlier run count only if they came from the same manifest.
    db.transaction(() => {
      if (job.manifest_sha256 !== sha) db.prepare('DELETE FROM media_analysis_lines WHERE account = ? AND region = ? AND job_id = ?').run(...key);
      db.prepare('UPDATE media_analysis_jobs SET manifest_sha256 = ? WHERE account = ? AND region = ? AND job_id = ?').run(sha, ...key);
    })();
    const done = new Set(
      (db.prepare('SELECT line FROM media_analysis_lines WHERE account = ? AND region = ? AND job_id = ?').all(...key) as { line: number }[]).map((r) => r.line),
    );
    const save = db.prepare(
      `INSERT OR REPLACE INTO media_analysis_lines (account, region, job_id, line, output, error)
       SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM media_analysis_jobs WHERE account = ? AND region = ? AND job_id = ?)`,
    );

    const lines = manifest.toString('utf8').split(/\r?\n/);
    const settings = operationsConfig.DetectModerationLabels ?? {};

    for (const [i, text] of lines.entries()) {
      if (signal.aborted) return undefined;
      const line = i + 1;
      if (text.trim() === '' || done.has(line)) continue;
      let output: string | null = null;
      let error: Record<string, unknown> | null = null;
      let entry: unknown;
      try {
        entry = JSON.parse(text);
      } catch {
        entry = undefined;
      }
      const isObject = typeof entry === 'object' && entry !== null && !Array.isArray(entry);
      const sourceRef = isObject ? (entry as Record<string, unknown>)['source-ref'] : undefined;
      const object = parseS3Uri(sourceRef);
      if (!isObject) error = lineError(line, undefined, BAD_LINE_CODE, 'The line is not a JSON object.');
      else if (!object) error = lineError(line, typeof sourceRef === 'string' ? sourceRef : undefined, BAD_LINE_CODE, 'The line has no source-ref of the form s3://bucket/key.');
      else {
        const request: DetectModerationLabelsRequest = { Image: { S3Object: object } };
        if (settings.MinConfidence !== undefined) request.MinConfidence = settings.MinConfidence;
        if (settings.ProjectVersion !== undefined) request.ProjectVersion = settings.ProjectVersion;
        try {
          // Checked as the operation's own request would be (bucket and key lengths, patterns).
          validateInput(request, operations.DetectModerationLabels.input!);
          const result = await moderateImage(this.services.inference, { ...this.services, region: job.region }, request);
          const wire = serializeOutput(result, operations.DetectModerationLabels.output);
          const { [RESULT_KEY]: _previous, ...rest } = entry as Record<string, unknown>;
          const head = JSON.stringify(rest);
          output = `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}${JSON.stringify(RESULT_KEY)}:${wire}}`;
        } catch (err) {
          if (signal.aborted) return undefined;
          if (!(err instanceof RekognitionError)) throw err;
          const jobLevel = JOB_LEVEL[err.type];
          if (jobLevel) throw new JobFailure(jobLevel, err.message);
          error = lineError(line, sourceRef as string, err.type, err.message);
        }
      }
      save.run(...key, line, output, error ? JSON.stringify(error) : null, ...key);
    }

    const rows = db.prepare('SELECT line, output, error FROM media_analysis_lines WHERE account = ? AND region = ? AND job_id = ? ORDER BY line').all(...key) as {
      line: number;
      output: string | null;
      error: string | null;
    }[];
    const valid = rows.filter((r) => r.output !== null);
    const usableShape = rows.some((r) => r.output !== null || (r.error !== null && (JSON.parse(r.error) as { code: string }).code !== BAD_LINE_CODE));
    if (rows.length === 0) throw new JobFailure('INVALID_MANIFEST', 'The manifest file has no JSON lines.');
    // Our choice: a manifest in which no line is a JSON object with an s3:// source-ref is not a manifest.
    if (!usableShape) throw new JobFailure('INVALID_MANIFEST', 'No line of the manifest file is a JSON object with a source-ref of the form s3://bucket/key.');

    const summary = {
      version: '1.0',
      statistics: { 'total-json-lines': rows.length, 'valid-json-lines': valid.length, 'invalid-json-lines': rows.length - valid.length },
      errors: rows.filter((r) => r.error !== null).map((r) => JSON.parse(r.error!) as Record<string, unknown>),
    };
    const resultsKey = outputKey(outputConfig.S3KeyPrefix, job.job_id, 'results/output.jsonl');
    const summaryKey = outputKey(outputConfig.S3KeyPrefix, job.job_id, 'manifest-summary.json');
    if (signal.aborted) return undefined;
    try {
      await writeS3Object(outputConfig.S3Bucket, resultsKey, Buffer.from(valid.map((r) => `${r.output}\n`).join(''), 'utf8'), media, 'application/jsonl');
      await writeS3Object(outputConfig.S3Bucket, summaryKey, Buffer.from(JSON.stringify(summary), 'utf8'), media, 'application/json');
    } catch (err) {
      if (err instanceof S3WriteError) throw new JobFailure('INVALID_OUTPUT_CONFIG', `Unable to write the job output to s3://${outputConfig.S3Bucket}: ${err.message}`);
      throw err;
    }
    return { resultsKey, summaryKey };
  }
}

const runners = new Map<Db, MediaAnalysisRunner>();

/** The job runner of a server (one per database), created on first use; creating it resumes interrupted jobs. */
export function mediaAnalysisRunner(services: Services): MediaAnalysisRunner {
  let runner = runners.get(services.db);
  if (!runner) {
    const { inference } = services;
    runner = new MediaAnalysisRunner({ ...services, inference: inference.background() });
    runners.set(services.db, runner);
  }
  return runner;
}

/** At server start (optional: the first media-analysis request does the same): resumes interrupted jobs. */
export function startMediaAnalysisJobs(services: Services): void {
  mediaAnalysisRunner(services);
}

/** Stops a database's runner and forgets it (tests that close a database, shutdown). */
export function forgetMediaAnalysisRunner(db: Db): void {
  runners.get(db)?.close();
  runners.delete(db);
}

onReset(() => {
  for (const runner of runners.values()) runner.stop();
});

// ---------------------------------------------------------------------------------------------
// Handlers

/** A job as Get and List describe it, members in the model's order (AWS's wire order is not known). */
function describe(row: JobRow): MediaAnalysisJobDescription {
  const outputConfig = JSON.parse(row.output_config) as MediaAnalysisOutputConfig;
  const succeeded = row.status === 'SUCCEEDED' && row.results_key !== null && row.summary_key !== null;
  return {
    JobId: row.job_id,
    ...(row.job_name !== null ? { JobName: row.job_name } : {}),
    OperationsConfig: JSON.parse(row.operations_config) as MediaAnalysisOperationsConfig,
    Status: row.status,
    ...(row.status === 'FAILED' ? { FailureDetails: { Code: row.failure_code ?? 'INTERNAL_ERROR', Message: row.failure_message ?? 'Internal server error' } } : {}),
    CreationTimestamp: new Date(row.created_ms),
    ...(row.completed_ms !== null ? { CompletionTimestamp: new Date(row.completed_ms) } : {}),
    Input: JSON.parse(row.input) as MediaAnalysisJobDescription['Input'],
    OutputConfig: outputConfig,
    ...(row.kms_key_id !== null ? { KmsKeyId: row.kms_key_id } : {}),
    ...(succeeded
      ? {
          Results: { S3Object: { Bucket: outputConfig.S3Bucket, Name: row.results_key! }, ModelVersions: { Moderation: row.model_version ?? MODERATION_MODEL_VERSION } },
          ManifestSummary: { S3Object: { Bucket: outputConfig.S3Bucket, Name: row.summary_key! } },
        }
      : {}),
  };
}

registerHandler(
  'StartMediaAnalysisJob',
  async (input, ctx) => {
    const runner = mediaAnalysisRunner(ctx);
    // Our choice: a job needs an operation to run (DetectModerationLabels is the only one).
    if (!input.OperationsConfig.DetectModerationLabels) throw errors.invalidParameter('OperationsConfig must include DetectModerationLabels.');
    // The manifest must be there when the job is created (its lines are checked while the job runs).
    await readS3Object(input.Input.S3Object, ctx, {
      maxBytes: MAX_MANIFEST_BYTES,
      tooLarge: (size) => errors.invalidManifest(`The manifest file is ${size} bytes; rekognition-local reads manifests up to ${MAX_MANIFEST_BYTES} bytes.`),
    });
    const started = ctx.stores.idempotency.in(ctx).once(ctx.operation, input, () => {
      const jobId = ctx.ids.uuid();
      ctx.db
        .prepare(
          'INSERT INTO media_analysis_jobs (account, region, job_id, job_name, status, operations_config, input, output_config, kms_key_id, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(ctx.account, ctx.region, jobId, input.JobName ?? null, 'CREATED', JSON.stringify(input.OperationsConfig), JSON.stringify(input.Input), JSON.stringify(input.OutputConfig), input.KmsKeyId ?? null, Date.now());
      return { JobId: jobId };
    });
    ctx.db.prepare("UPDATE media_analysis_jobs SET status = 'QUEUED' WHERE account = ? AND region = ? AND job_id = ? AND status = 'CREATED'").run(ctx.account, ctx.region, started.JobId);
    runner.kick();
    return started;
  },
  'Runs DetectModerationLabels (the same handler, so the same nsfwjs-based labels) on every source-ref of a JSON Lines manifest and writes <prefix>/<JobId>/results/output.jsonl and <prefix>/<JobId>/manifest-summary.json to OutputConfig (--s3-dir or --s3-endpoint). Unusable lines are listed in the summary. Jobs run one at a time and survive restarts. KmsKeyId is accepted and not used; a ProjectVersion (moderation adapter) fails the job with RESOURCE_NOT_FOUND, as DetectModerationLabels refuses it.',
);

registerHandler(
  'GetMediaAnalysisJob',
  (input, ctx): GetMediaAnalysisJobResponse => {
    mediaAnalysisRunner(ctx);
    const row = ctx.db.prepare('SELECT * FROM media_analysis_jobs WHERE account = ? AND region = ? AND job_id = ?').get(ctx.account, ctx.region, input.JobId) as JobRow | undefined;
    if (!row) throw jobNotFound(input.JobId);
    return describe(row);
  },
  'Status CREATED, QUEUED, IN_PROGRESS, SUCCEEDED or FAILED with FailureDetails; Results and ManifestSummary point at the objects the job wrote.',
);

registerHandler(
  'ListMediaAnalysisJobs',
  (input, ctx) => {
    mediaAnalysisRunner(ctx);
    const limit = input.MaxResults ?? DEFAULT_PAGE;
    let after: { created: number; jobId: string } | undefined;
    if (input.NextToken !== undefined) {
      const position = decodePageToken(input.NextToken, ctx.operation);
      const m = /^(\d+):(.+)$/.exec(position);
      if (!m) throw errors.invalidPaginationToken();
      after = { created: Number(m[1]), jobId: m[2] };
    }
    const rows = (
      after
        ? ctx.db
            .prepare(
              'SELECT * FROM media_analysis_jobs WHERE account = ? AND region = ? AND (created_ms < ? OR (created_ms = ? AND job_id < ?)) ORDER BY created_ms DESC, job_id DESC LIMIT ?',
            )
            .all(ctx.account, ctx.region, after.created, after.created, after.jobId, limit + 1)
        : ctx.db.prepare('SELECT * FROM media_analysis_jobs WHERE account = ? AND region = ? ORDER BY created_ms DESC, job_id DESC LIMIT ?').all(ctx.account, ctx.region, limit + 1)
    ) as JobRow[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      ...(rows.length > limit && last ? { NextToken: encodePageToken(`${last.created_ms}:${last.job_id}`, ctx.operation) } : {}),
      MediaAnalysisJobs: page.map(describe),
    };
  },
  'Newest first (CreationTimestamp descending), MaxResults 1-100 (default 100), opaque NextToken.',
);
