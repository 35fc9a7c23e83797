/**
 * Media analysis jobs, a kind of the job runner (src/jobs/runner.ts). A job reads a JSON Lines
 * manifest from S3 (`{"source-ref": "s3://bucket/key", ...}` per line), runs DetectModerationLabels
 * on each image (the very analysis the operation runs, `moderateImage` in src/analysis/moderate-image.ts,
 * so each result is what that operation answers for the image) and writes two objects under
 * OutputConfig, in the layout AWS documents (DG "Bulk analysis output manifests"):
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
 * After a restart an interrupted job runs again and skips the lines it had already done (when
 * the manifest is unchanged); after three interrupted runs it FAILS. Jobs run one at a time, one
 * image at a time (two cores are shared with requests).
 */
import { createHash } from 'node:crypto';
import { errors, RekognitionError } from '../../api/errors';
import { operations } from '../../api/generated/model';
import type { DetectModerationLabelsRequest, MediaAnalysisJobFailureCode, MediaAnalysisOperationsConfig, MediaAnalysisOutputConfig, S3Object } from '../../api/generated/types';
import { serializeOutput } from '../../api/serialize';
import { validateInput } from '../../api/validate';
import { MODERATION_MODEL_VERSION } from '../../analysis/moderation';
import { moderateImage } from '../../analysis/moderate-image';
import type { JobKind, JobLane } from '../../jobs/runner';
import { readS3Object, S3WriteError, writeS3Object, type MediaContext } from '../../media/s3';
import { describeError } from '../../runtime/logger';
import type { MediaAnalysisJobKey, MediaAnalysisJobRow } from '../../store/media-analysis-jobs';
import type { ModelsClient } from '../../../models/client';
import type { ProviderDeps } from '../deps';

/** The largest manifest read (our choice; AWS documents no limit). */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
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

/** Reads the manifest, refusing one larger than MAX_MANIFEST_BYTES. */
export function readManifest(object: S3Object | undefined, media: MediaContext): Promise<Buffer> {
  return readS3Object(object, media, {
    maxBytes: MAX_MANIFEST_BYTES,
    tooLarge: (size) => errors.invalidManifest(`The manifest file is ${size} bytes; rekognition-local reads manifests up to ${MAX_MANIFEST_BYTES} bytes.`),
  });
}

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

export class MediaAnalysisJobs {
  readonly lane: JobLane<MediaAnalysisJobKey>;
  /** Jobs' inference waits behind synchronous requests' (models/pool.ts). */
  private readonly models: ModelsClient;

  constructor(private readonly deps: ProviderDeps) {
    this.models = deps.models.background();
    this.lane = deps.jobs.lane(this.kind());
  }

  private get store() {
    return this.deps.stores.mediaAnalysisJobs;
  }

  private now(): number {
    return this.deps.runtime.clock.now();
  }

  private kind(): JobKind<MediaAnalysisJobKey> {
    return {
      name: 'media-analysis',
      unfinished: () => this.store.unfinished(),
      countAttempt: (job) => this.store.in(job).countAttempt(job.id),
      attempts: (job) => this.store.in(job).attempts(job.id),
      run: (job, signal) => this.run(job, signal),
      abandon: (job) => this.store.in(job).fail(job.id, 'INTERNAL_ERROR', 'The job was interrupted too often.', this.now()),
    };
  }

  private async run(key: MediaAnalysisJobKey, signal: AbortSignal): Promise<void> {
    const jobs = this.store.in(key);
    try {
      const job = jobs.get(key.id);
      if (!job || job.status !== 'IN_PROGRESS' || signal.aborted) return;
      const outcome = await this.analyse(job, signal);
      if (!outcome) return; // stopped
      jobs.succeed(key.id, { ...outcome, modelVersion: MODERATION_MODEL_VERSION }, this.now());
    } catch (err) {
      // Reset or shutdown: the rows are gone, or the job stays unfinished for the next start.
      if (signal.aborted) return;
      if (err instanceof JobFailure) return jobs.fail(key.id, err.code, err.message, this.now());
      this.deps.runtime.log.error('media analysis job failed', { jobId: key.id, error: describeError(err) });
      jobs.fail(key.id, 'INTERNAL_ERROR', 'Internal server error', this.now());
    }
  }

  /** Analyses every line and writes the output; undefined when stopped midway. */
  private async analyse(job: MediaAnalysisJobRow, signal: AbortSignal): Promise<{ resultsKey: string; summaryKey: string } | undefined> {
    const { config, clients } = this.deps.runtime;
    const scope = { account: job.account, region: job.region };
    const media = { config, clients, decodes: this.deps.runtime.decodes, region: job.region };
    const jobs = this.store.in(scope);
    const input = JSON.parse(job.input) as { S3Object: S3Object };
    const operationsConfig = JSON.parse(job.operations_config) as MediaAnalysisOperationsConfig;
    const outputConfig = JSON.parse(job.output_config) as MediaAnalysisOutputConfig;

    let manifest: Buffer;
    try {
      manifest = await readManifest(input.S3Object, media);
    } catch (err) {
      if (err instanceof RekognitionError && err.type === 'InvalidManifestException') throw new JobFailure('INVALID_MANIFEST', err.message);
      throw new JobFailure('INVALID_S3_OBJECT', err instanceof RekognitionError ? err.message : 'Unable to get object metadata from S3. Check object key, region and/or access permissions.');
    }
    jobs.useManifest(job.job_id, createHash('sha256').update(manifest).digest('hex'));
    const done = jobs.doneLines(job.job_id);

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
          const result = await moderateImage(this.models, media, request);
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
      jobs.saveLine(job.job_id, { line, output, error: error ? JSON.stringify(error) : null });
    }

    const rows = jobs.lines(job.job_id);
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
