/**
 * Bulk image analysis: StartMediaAnalysisJob, GetMediaAnalysisJob, ListMediaAnalysisJobs. Start
 * records a job and submits it to the runner as a `media-analysis` job (./jobs.ts).
 */
import { errors } from '../../api/errors';
import type { ApiProvider, Handler } from '../../api/handlers';
import type { MediaAnalysisJobDescription, MediaAnalysisOperationsConfig, MediaAnalysisOutputConfig } from '../../api/generated/types';
import { decodePageToken, encodePageToken } from '../../api/pagination';
import { MODERATION_MODEL_VERSION } from '../../analysis/moderation';
import type { MediaAnalysisJobRow } from '../../store/media-analysis-jobs';
import type { ProviderDeps } from '../deps';
import { MediaAnalysisJobs, readManifest } from './jobs';

/** ListMediaAnalysisJobs page size when MaxResults is absent (API reference: 100). */
const DEFAULT_PAGE = 100;

/** Message not captured from AWS (AWS-BEHAVIOUR §6); the same as the video jobs' (src/providers/video/results.ts). */
const jobNotFound = (jobId: string) => errors.resourceNotFound(`The job id: ${jobId} does not exist`);

/** A job as Get and List describe it, members in the model's order (AWS's wire order is not known). */
function describe(row: MediaAnalysisJobRow): MediaAnalysisJobDescription {
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

export function createMediaAnalysisProvider(deps: ProviderDeps): ApiProvider {
  const { stores, runtime } = deps;
  const jobs = new MediaAnalysisJobs(deps);

  const startMediaAnalysisJob: Handler<'StartMediaAnalysisJob'> = async (input, ctx) => {
    // Our choice: a job needs an operation to run (DetectModerationLabels is the only one).
    if (!input.OperationsConfig.DetectModerationLabels) throw errors.invalidParameter('OperationsConfig must include DetectModerationLabels.');
    // The manifest must be there when the job is created (its lines are checked while the job runs).
    await readManifest(input.Input.S3Object, { config: runtime.config, clients: runtime.clients, region: ctx.region });
    const store = stores.mediaAnalysisJobs.in(ctx);
    let created: string | undefined;
    const started = stores.idempotency.in(ctx).once(ctx.operation, input, () => {
      const jobId = runtime.ids.uuid();
      created = jobId;
      store.create({
        jobId,
        jobName: input.JobName,
        operationsConfig: input.OperationsConfig,
        input: input.Input,
        outputConfig: input.OutputConfig,
        kmsKeyId: input.KmsKeyId,
        createdMs: runtime.clock.now(),
      });
      return { JobId: jobId };
    });
    if (created) {
      store.queue(created);
      jobs.lane.submit({ account: ctx.account, region: ctx.region, id: created });
    }
    return started;
  };

  const getMediaAnalysisJob: Handler<'GetMediaAnalysisJob'> = (input, ctx) => {
    const row = stores.mediaAnalysisJobs.in(ctx).get(input.JobId);
    if (!row) throw jobNotFound(input.JobId);
    return describe(row);
  };

  const listMediaAnalysisJobs: Handler<'ListMediaAnalysisJobs'> = (input, ctx) => {
    const limit = input.MaxResults ?? DEFAULT_PAGE;
    let after: { created: number; jobId: string } | undefined;
    if (input.NextToken !== undefined) {
      const position = decodePageToken(input.NextToken, ctx.operation);
      const m = /^(\d+):(.+)$/.exec(position);
      if (!m) throw errors.invalidPaginationToken();
      after = { created: Number(m[1]), jobId: m[2] };
    }
    const rows = stores.mediaAnalysisJobs.in(ctx).page(limit, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      ...(rows.length > limit && last ? { NextToken: encodePageToken(`${last.created_ms}:${last.job_id}`, ctx.operation) } : {}),
      MediaAnalysisJobs: page.map(describe),
    };
  };

  return {
    name: 'media-analysis',
    handlers: {
      StartMediaAnalysisJob: {
        handle: startMediaAnalysisJob,
        notes:
          'Runs DetectModerationLabels (the same handler, so the same nsfwjs-based labels) on every source-ref of a JSON Lines manifest and writes <prefix>/<JobId>/results/output.jsonl and <prefix>/<JobId>/manifest-summary.json to OutputConfig (--s3-dir or --s3-endpoint). Unusable lines are listed in the summary. Jobs run one at a time and survive restarts. KmsKeyId is accepted and not used; a ProjectVersion (moderation adapter) fails the job with RESOURCE_NOT_FOUND, as DetectModerationLabels refuses it.',
      },
      GetMediaAnalysisJob: {
        handle: getMediaAnalysisJob,
        notes: 'Status CREATED, QUEUED, IN_PROGRESS, SUCCEEDED or FAILED with FailureDetails; Results and ManifestSummary point at the objects the job wrote.',
      },
      ListMediaAnalysisJobs: {
        handle: listMediaAnalysisJobs,
        notes: 'Newest first (CreationTimestamp descending), MaxResults 1-100 (default 100), opaque NextToken.',
      },
    },
    // Jobs a previous process was running wait in the queue again until the runner resumes them.
    start: () => stores.mediaAnalysisJobs.requeueInterrupted(),
  };
}
