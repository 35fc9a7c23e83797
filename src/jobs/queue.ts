/**
 * The stored-video job queue: Start* creates an IN_PROGRESS job (after idempotency, S3 and limit
 * checks), a runner works through open jobs one or two at a time, and each ends SUCCEEDED with its
 * results or FAILED with a StatusMessage, then its completion is published.
 *
 * Jobs live in SQLite, so under --data-dir a restart finds jobs it left IN_PROGRESS and runs them
 * again from the start; one interrupted too often is FAILED, so none stays IN_PROGRESS forever.
 */
import { errors, RekognitionError } from '../api/errors';
import type { Video } from '../api/generated/types';
import { log } from '../log';
import type { LocalObject } from '../media/s3';
import { probeVideo, UnsupportedVideoError } from '../media/probe';
import { loadVideoObject } from '../media/video';
import type { RequestContext, Services } from '../operations/context';
import { onReset, type Db } from '../store/database';
import type { JobContext, StartInput, StartOperation, VideoAnalyzer } from './analyzer';
import { deliverCompletion, completionMessage } from './notify';
import { JobStore, requestHash, requestParts, RETENTION_MS, type JobKey, type JobRecord } from './store';

/** AWS's default quota of concurrent stored-video jobs (AWS-BEHAVIOUR §2, DG-limits). */
export const MAX_OPEN_JOBS = 20;
/** Runs of one job (first run plus resumes after restarts) before it is FAILED instead. */
const MAX_ATTEMPTS = 3;
/** Expired jobs are dropped at most this often (on Start). */
const PURGE_EVERY_MS = 3600 * 1000;

export interface QueueOptions {
  /** Jobs analysed at once. Two cores are shared with synchronous requests, so one by default. */
  concurrency: number;
  maxOpenJobs: number;
}

const defaultOptions = (): QueueOptions => ({
  concurrency: Math.max(1, Math.min(4, Number(process.env.REKOGNITION_LOCAL_VIDEO_CONCURRENCY) || 1)),
  maxOpenJobs: MAX_OPEN_JOBS,
});

const keyString = (k: JobKey) => `${k.account}\u0000${k.region}\u0000${k.jobId}`;

export class VideoJobQueue {
  readonly store: JobStore;
  private readonly options: QueueOptions;
  private readonly waiting: JobKey[] = [];
  private readonly running = new Map<string, AbortController>();
  /** Local files resolved at Start, so the run does not fetch the object a second time. */
  private readonly handover = new Map<string, LocalObject>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private lastPurge = 0;

  constructor(
    private readonly services: Services,
    private readonly analyzers: ReadonlyMap<string, VideoAnalyzer>,
    options: Partial<QueueOptions> = {},
  ) {
    this.store = new JobStore(services.db);
    this.options = { ...defaultOptions(), ...options };
  }

  /** Start*: returns the JobId, a known one for a repeated ClientRequestToken. */
  async start<S extends StartOperation>(analyzer: VideoAnalyzer<S>, input: StartInput<S>, ctx: RequestContext): Promise<string> {
    const api = analyzer.start;
    if (Date.now() - this.lastPurge > PURGE_EVERY_MS) this.purge();
    const token = (input as { ClientRequestToken?: string }).ClientRequestToken;
    const hash = requestHash(api, input);
    const replay = () => {
      if (!token) return undefined;
      const known = this.store.byToken(ctx.account, ctx.region, api, token);
      if (!known || known.createdMs < Date.now() - RETENTION_MS) return undefined;
      if (known.requestHash !== hash) throw errors.idempotentParameterMismatch(token);
      return known.jobId;
    };
    const known = replay();
    if (known) return known;

    const local = await loadVideoObject((input as { Video?: Video }).Video, { config: ctx.config, clients: ctx.clients, region: ctx.region });
    try {
      analyzer.check?.(input, ctx);
      // Checked again after the await: a concurrent Start may have taken the token or a slot.
      const { jobId, created } = this.services.db.transaction(() => {
        const again = replay();
        if (again) return { jobId: again, created: false };
        const open = this.store.countOpen(ctx.account, ctx.region);
        if (open >= this.options.maxOpenJobs) {
          // Two spaces after the count, as AWS sends it (AWS-BEHAVIOUR §2).
          throw errors.limitExceeded(`${open}  open Jobs for User arn:aws:iam::${ctx.account}:root Maximum limit: ${this.options.maxOpenJobs}`);
        }
        const id = ctx.ids.hex(64);
        this.store.insert({ account: ctx.account, region: ctx.region, jobId: id, api, status: 'IN_PROGRESS', request: input as unknown as Record<string, unknown>, requestHash: hash, clientToken: token, attempts: 0, createdMs: Date.now() });
        return { jobId: id, created: true };
      })();
      if (created) {
        const key = { account: ctx.account, region: ctx.region, jobId };
        this.handover.set(keyString(key), local);
        this.enqueue(key);
      } else {
        await local.cleanup();
      }
      return jobId;
    } catch (err) {
      await local.cleanup();
      throw err;
    }
  }

  find(ctx: { account: string; region: string }, jobId: string): JobRecord | undefined {
    return this.store.get({ account: ctx.account, region: ctx.region, jobId });
  }

  /** At server start: every job left IN_PROGRESS is run again (or FAILED if it cannot be). */
  resume(): void {
    this.purge();
    for (const job of this.store.inProgress()) this.enqueue(job);
  }

  private purge(): void {
    this.lastPurge = Date.now();
    this.store.purgeExpired(this.lastPurge);
  }

  /** Resolves once no job is waiting or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.waiting.length === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops every run; their jobs stay IN_PROGRESS in the store for the next start to resume. */
  close(): void {
    this.closed = true;
    this.abortAll();
  }

  /** Control-plane reset: the rows are gone, so drop queued work and stop runs. */
  abortAll(): void {
    this.waiting.length = 0;
    for (const controller of this.running.values()) controller.abort(new Error('job queue stopped'));
    for (const local of this.handover.values()) void local.cleanup();
    this.handover.clear();
  }

  private enqueue(key: JobKey): void {
    if (this.closed) return;
    const k = keyString(key);
    if (this.running.has(k) || this.waiting.some((w) => keyString(w) === k)) return;
    this.waiting.push({ account: key.account, region: key.region, jobId: key.jobId });
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const key = this.waiting.shift()!;
      const controller = new AbortController();
      this.running.set(keyString(key), controller);
      // Started on a later turn, so Start* answers before any analysis work begins.
      setImmediate(() => {
        this.run(key, controller)
          .catch((err: unknown) => log.error('video job runner failed', { jobId: key.jobId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }))
          .finally(() => {
            this.running.delete(keyString(key));
            this.pump();
            if (this.waiting.length === 0 && this.running.size === 0) {
              const waiters = this.idleWaiters;
              this.idleWaiters = [];
              waiters.forEach((w) => w());
            }
          });
      });
    }
  }

  private async run(key: JobKey, controller: AbortController): Promise<void> {
    const handed = this.handover.get(keyString(key));
    this.handover.delete(keyString(key));
    let local = handed;
    try {
      const job = this.store.get(key);
      if (!job || job.status !== 'IN_PROGRESS' || controller.signal.aborted) return;
      const analyzer = this.analyzers.get(job.api);
      if (!analyzer) return await this.finish(job, 'FAILED', `${job.api} is not available in this version of rekognition-local.`);
      if (this.store.attempt(key) > MAX_ATTEMPTS) {
        return await this.finish(job, 'FAILED', 'The job was interrupted by restarts of rekognition-local too many times.');
      }
      log.info('video job started', { jobId: job.jobId, api: job.api });
      const started = performance.now();
      const ctx: RequestContext = { ...this.services, account: job.account, region: job.region, requestId: job.jobId, operation: job.api };
      try {
        local ??= await loadVideoObject(requestParts(job).video, { config: this.services.config, clients: this.services.clients, region: job.region });
        const info = await probeVideo(local.path);
        this.store.setMetadata(key, info.metadata, info.audio);
        const jobCtx: JobContext = { ...ctx, jobId: job.jobId, file: local.path, info, signal: controller.signal };
        const output = await analyzer.run(job.request as never, jobCtx);
        if (controller.signal.aborted) return;
        if (this.store.succeed(key, output.items, output.segments, output.extra, Date.now())) {
          log.info('video job succeeded', { jobId: job.jobId, api: job.api, items: output.items.length, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) });
          await this.notify(job, 'SUCCEEDED');
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        await this.finish(job, 'FAILED', statusMessage(err, job));
      }
    } finally {
      await local?.cleanup().catch(() => undefined);
    }
  }

  private async finish(job: JobRecord, status: 'FAILED', message: string): Promise<void> {
    if (!this.store.fail(job, message, Date.now())) return;
    log.info('video job failed', { jobId: job.jobId, api: job.api, statusMessage: message });
    await this.notify(job, status);
  }

  private async notify(job: JobRecord, status: 'SUCCEEDED' | 'FAILED'): Promise<void> {
    const { video, jobTag, channel } = requestParts(job);
    const message = completionMessage({ jobId: job.jobId, status, api: job.api, jobTag, timestamp: Date.now(), video });
    await deliverCompletion(this.services, channel, message, job.region);
  }
}

function statusMessage(err: unknown, job: JobRecord): string {
  if (err instanceof UnsupportedVideoError) {
    log.debug('video not supported', { jobId: job.jobId, reason: err.reason });
    return UnsupportedVideoError.STATUS_MESSAGE;
  }
  // e.g. the S3 object vanished before a resumed job could read it
  if (err instanceof RekognitionError) return err.message;
  log.error('video job error', { jobId: job.jobId, api: job.api, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  return 'Internal server error';
}

const queues = new Map<Db, VideoJobQueue>();

/** The queue of a server (one per database), created on first use. */
export function videoJobQueue(services: Services, analyzers: ReadonlyMap<string, VideoAnalyzer>): VideoJobQueue {
  let queue = queues.get(services.db);
  if (!queue) {
    const { inference } = services;
    // Jobs' inference waits behind synchronous requests' (models/pool.ts).
    queue = new VideoJobQueue({ ...services, inference: inference.background() }, analyzers);
    queues.set(services.db, queue);
  }
  return queue;
}

export function forgetVideoJobQueue(db: Db): void {
  queues.get(db)?.close();
  queues.delete(db);
}

onReset(() => {
  for (const queue of queues.values()) queue.abortAll();
});

// ffmpeg children die with the server, not after it.
process.once('exit', () => {
  for (const queue of queues.values()) queue.close();
});
