/**
 * Stored-video jobs, a kind of the job runner (src/jobs/runner.ts): Start* creates an IN_PROGRESS
 * job (after idempotency, S3 and limit checks) and submits it; a run probes the video, runs the
 * analysis and ends the job SUCCEEDED with its results or FAILED with a StatusMessage, then its
 * completion is published.
 *
 * Jobs live in SQLite, so under --data-dir a restart finds jobs it left IN_PROGRESS and runs them
 * again from the start; one interrupted too often is FAILED, so none stays IN_PROGRESS forever.
 */
import { errors, RekognitionError } from '../../api/errors';
import type { Video } from '../../api/generated/types';
import { deliverCompletion, completionMessage } from '../../jobs/notify';
import { progressRecorder } from '../../jobs/progress';
import { JobTimeout, type JobKind, type JobLane } from '../../jobs/runner';
import { probeVideo, UnsupportedVideoError } from '../../media/probe';
import type { LocalObject } from '../../media/s3';
import { loadVideoObject } from '../../media/video';
import type { RequestContext } from '../../runtime/context';
import { describeError } from '../../runtime/logger';
import { requestParts, type VideoJobKey, type VideoJobRecord } from '../../store/video-jobs';
import type { ModelsClient } from '../../../models/client';
import type { ProviderDeps } from '../deps';
import type { StartInput, StartOperation, VideoAnalyzer, VideoAnalyzers } from './analyzer';

/** AWS's default quota of concurrent stored-video jobs (AWS-BEHAVIOUR §2, DG-limits). */
export const MAX_OPEN_JOBS = 20;
/** Expired jobs are dropped at most this often (on Start). */
const PURGE_EVERY_MS = 3600 * 1000;
/** Jobs analysed at once. Two cores are shared with synchronous requests, so one by default. */
const concurrency = () => Math.max(1, Math.min(4, Number(process.env.REKOGNITION_LOCAL_VIDEO_CONCURRENCY) || 1));

const keyString = (k: VideoJobKey) => `${k.account}\u0000${k.region}\u0000${k.id}`;

export class VideoJobs {
  private readonly lane: JobLane<VideoJobKey>;
  /** Local files resolved at Start, so the run does not fetch the object a second time. */
  private readonly handover = new Map<string, LocalObject>();
  /** Jobs' inference waits behind synchronous requests' (models/pool.ts). */
  private readonly models: ModelsClient;
  private lastPurge = 0;

  constructor(
    private readonly deps: ProviderDeps,
    private readonly analyzers: VideoAnalyzers,
  ) {
    this.models = deps.models.background();
    this.lane = deps.jobs.lane(this.kind());
  }

  private get store() {
    return this.deps.stores.videoJobs;
  }

  private now(): number {
    return this.deps.runtime.clock.now();
  }

  /** Start*: returns the JobId, the first one for a repeated ClientRequestToken. */
  async start<S extends StartOperation>(analyzer: VideoAnalyzer<S>, input: StartInput<S>, ctx: RequestContext): Promise<{ JobId: string }> {
    const api = analyzer.start;
    if (this.now() - this.lastPurge > PURGE_EVERY_MS) this.purge();
    const tokens = this.deps.stores.idempotency.in(ctx);
    const known = tokens.replay<{ JobId: string }>(api, input);
    if (known) return known;

    const { config, clients } = this.deps.runtime;
    const local = await loadVideoObject((input as { Video?: Video }).Video, { config, clients, region: ctx.region });
    try {
      analyzer.check?.(input, ctx);
      const jobs = this.store.in(ctx);
      let created: string | undefined;
      // The token is checked again in the transaction: a concurrent Start may have taken it, or a slot.
      const started = tokens.once(api, input, () => {
        const open = jobs.countOpen();
        if (open >= MAX_OPEN_JOBS) {
          // Two spaces after the count, as AWS sends it (AWS-BEHAVIOUR §2).
          throw errors.limitExceeded(`${open}  open Jobs for User arn:aws:iam::${ctx.account}:root Maximum limit: ${MAX_OPEN_JOBS}`);
        }
        created = this.deps.runtime.ids.hex(64);
        jobs.insert(created, api, input as unknown as Record<string, unknown>, this.now());
        return { JobId: created };
      });
      if (created) {
        const job = { account: ctx.account, region: ctx.region, id: created };
        this.handover.set(keyString(job), local);
        this.lane.submit(job);
      } else {
        await local.cleanup();
      }
      return started;
    } catch (err) {
      await local.cleanup();
      throw err;
    }
  }

  /** At start (and hourly on Start): drops finished jobs older than AWS keeps them. */
  purge(): void {
    this.lastPurge = this.now();
    this.store.purgeExpired(this.lastPurge);
  }

  /** Reset and stop: local files of jobs that will not run now are let go. */
  releaseHandover(): void {
    for (const local of this.handover.values()) void local.cleanup().catch(() => undefined);
    this.handover.clear();
  }

  private kind(): JobKind<VideoJobKey> {
    return {
      name: 'video',
      concurrency: concurrency(),
      timeBudgetMs: this.deps.runtime.config.videoJobTimeoutSeconds * 1000,
      unfinished: () => this.store.inProgress(),
      countAttempt: (job) => this.store.in(job).countAttempt(job.id),
      attempts: (job) => this.store.in(job).attempts(job.id),
      run: (job, signal, checkpoint) => this.run(job, signal, checkpoint),
      abandon: async (job) => {
        const record = this.store.in(job).get(job.id);
        if (record) await this.finish(record, 'The job was interrupted by restarts of rekognition-local too many times.');
      },
    };
  }

  private async run(key: VideoJobKey, signal: AbortSignal, checkpoint: () => Promise<void>): Promise<void> {
    const { log, config, clients } = this.deps.runtime;
    let local = this.handover.get(keyString(key));
    this.handover.delete(keyString(key));
    try {
      const jobs = this.store.in(key);
      const job = jobs.get(key.id);
      if (!job || job.status !== 'IN_PROGRESS' || signal.aborted) return;
      const analyzer = (this.analyzers as Partial<Record<string, VideoAnalyzer>>)[job.api];
      if (!analyzer) return await this.finish(job, `${job.api} is not available in this version of rekognition-local.`);
      log.info('video job started', { jobId: job.jobId, api: job.api });
      const started = performance.now();
      // Frames analysed of those expected, for the web console (never part of an API answer).
      const progress = progressRecorder((p) => jobs.setProgress(key.id, p), () => this.now());
      try {
        local ??= await loadVideoObject(requestParts(job).video, { config, clients, region: job.region });
        const info = await probeVideo(local.path);
        jobs.setMetadata(key.id, info.metadata, info.audio);
        const video = { account: job.account, region: job.region, jobId: job.jobId, file: local.path, info };
        const output = await analyzer.run(job.request as never, { ...video, signal, checkpoint, progress: progress.report, models: this.models });
        if (signal.aborted) throw signal.reason;
        progress.flush();
        if (jobs.succeed(key.id, output.items, output.segments, output.extra, this.now())) {
          log.info('video job succeeded', { jobId: job.jobId, api: job.api, items: output.items.length, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) });
          await this.notify(job, 'SUCCEEDED');
        }
      } catch (err) {
        // A failed job keeps how far it got.
        progress.flush();
        if (signal.reason instanceof JobTimeout) {
          // Our own limit, not AWS's (whose jobs end within hours): the message says which flag sets it.
          return await this.finish(job, `The job exceeded the ${signal.reason.budgetMs / 1000}-second time budget of rekognition-local (--video-job-timeout).`);
        }
        if (signal.aborted) return;
        await this.finish(job, this.statusMessage(err, job));
      }
    } finally {
      await local?.cleanup().catch(() => undefined);
    }
  }

  private async finish(job: VideoJobRecord, message: string): Promise<void> {
    if (!this.store.in(job).fail(job.jobId, message, this.now())) return;
    this.deps.runtime.log.info('video job failed', { jobId: job.jobId, api: job.api, statusMessage: message });
    await this.notify(job, 'FAILED');
  }

  private async notify(job: VideoJobRecord, status: 'SUCCEEDED' | 'FAILED'): Promise<void> {
    const { video, jobTag, channel } = requestParts(job);
    const message = completionMessage({ jobId: job.jobId, status, api: job.api, jobTag, timestamp: this.now(), video });
    await deliverCompletion(this.deps.runtime, channel, message, job.region);
  }

  private statusMessage(err: unknown, job: VideoJobRecord): string {
    const { log } = this.deps.runtime;
    if (err instanceof UnsupportedVideoError) {
      log.debug('video not supported', { jobId: job.jobId, reason: err.reason });
      return UnsupportedVideoError.STATUS_MESSAGE;
    }
    // e.g. the S3 object vanished before a resumed job could read it
    if (err instanceof RekognitionError) return err.message;
    log.error('video job error', { jobId: job.jobId, api: job.api, error: describeError(err) });
    return 'Internal server error';
  }
}
