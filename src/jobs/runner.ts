/**
 * The one job runner: stored-video analyses, media analysis jobs and Custom Labels trainings are
 * kinds of job it runs. A kind keeps its jobs in its own store; the runner owns the semantics they
 * share:
 * - each kind has a lane with its own concurrency (two cores are shared with requests, so one by
 *   default), and a lane takes jobs from accounts in turn, so one account's queue cannot starve
 *   another's;
 * - every run is counted in the kind's store before it starts; a job interrupted by restarts more
 *   than `maxAttempts` times is abandoned (failed) instead of run again;
 * - at start, the jobs a previous process left unfinished run again; those it had already run
 *   `maxAttempts` times are abandoned at once, so the first request after a restart sees them ended;
 * - reset aborts queued and running work (the rows are gone); stop aborts runs and leaves their
 *   jobs unfinished in the store for the next start;
 * - idle() resolves once nothing is queued or running (tests, shutdown).
 */
import type { Logger } from '../runtime/logger';
import { describeError } from '../runtime/logger';
import type { Scope } from '../runtime/scope';

export interface JobKey extends Scope {
  id: string;
}

export interface JobKind<J extends JobKey = JobKey> {
  /** For logs: `video`, `media-analysis`, `custom-labels-training`. */
  name: string;
  /** Jobs of this kind run at once. */
  concurrency?: number;
  /** Jobs a previous process left unfinished, to run again at start. */
  unfinished(): J[];
  /** Counts one more run of the job in the kind's store; returns the count (1 on the first run). */
  countAttempt(job: J): number;
  /** Runs of the job counted so far; lets resume() abandon exhausted jobs without waiting for their turn. */
  attempts?(job: J): number;
  /**
   * Runs the job to its end, recording success or failure in the kind's store. `signal` aborts it
   * on reset or stop; an aborted run records nothing.
   */
  run(job: J, signal: AbortSignal): Promise<void>;
  /** Ends a job that was interrupted by restarts too many times. */
  abandon(job: J): void | Promise<void>;
}

/** How a kind's jobs enter the runner. */
export interface JobLane<J extends JobKey = JobKey> {
  /** Queues the job (once: a job already queued or running is not queued again). */
  submit(job: J): void;
  /** Whether the job is queued or running. */
  busy(job: JobKey): boolean;
}

/** Runs of one job (the first plus resumes after restarts) before it is abandoned. */
export const MAX_ATTEMPTS = 3;

const keyOf = (job: JobKey) => `${job.account}\u0000${job.region}\u0000${job.id}`;

class Lane<J extends JobKey> implements JobLane<J> {
  /** Waiting jobs per account, accounts in the order they take turns. */
  private readonly waiting = new Map<string, J[]>();
  readonly running = new Map<string, AbortController>();

  constructor(
    readonly kind: JobKind<J>,
    private readonly runner: JobRunner,
  ) {}

  get size(): number {
    let n = this.running.size;
    for (const queue of this.waiting.values()) n += queue.length;
    return n;
  }

  busy(job: JobKey): boolean {
    const key = keyOf(job);
    return this.running.has(key) || (this.waiting.get(job.account)?.some((j) => keyOf(j) === key) ?? false);
  }

  submit(job: J): void {
    if (this.runner.closed || this.busy(job)) return;
    const queue = this.waiting.get(job.account) ?? [];
    queue.push(job);
    this.waiting.set(job.account, queue);
    this.pump();
  }

  /** The next job, taking accounts in turn: the account served goes to the back. */
  private next(): J | undefined {
    for (const [account, queue] of this.waiting) {
      this.waiting.delete(account);
      const job = queue.shift();
      if (queue.length) this.waiting.set(account, queue);
      if (job) return job;
    }
    return undefined;
  }

  pump(): void {
    const limit = this.kind.concurrency ?? 1;
    while (!this.runner.closed && this.running.size < limit) {
      const job = this.next();
      if (!job) return;
      const controller = new AbortController();
      const key = keyOf(job);
      this.running.set(key, controller);
      // Started on a later turn, so the request that submitted it answers before any work begins.
      setImmediate(() => {
        this.runOnce(job, controller.signal)
          .catch((err: unknown) => this.runner.log.error(`${this.kind.name} job failed unexpectedly`, { jobId: job.id, error: describeError(err) }))
          .finally(() => {
            this.running.delete(key);
            this.pump();
            this.runner.settled();
          });
      });
    }
  }

  private async runOnce(job: J, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    if (this.kind.countAttempt(job) > this.runner.maxAttempts) return this.kind.abandon(job);
    await this.kind.run(job, signal);
  }

  abort(reason: string): void {
    this.waiting.clear();
    for (const controller of this.running.values()) controller.abort(new Error(reason));
  }
}

export class JobRunner {
  private readonly lanes: Lane<JobKey>[] = [];
  /** Abandons started by resume() and not yet done (their notifications count as work for idle()). */
  private readonly abandoning = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  closed = false;

  constructor(
    readonly log: Logger,
    readonly maxAttempts = MAX_ATTEMPTS,
  ) {}

  /** Adds a kind of job; its lane is how the kind's jobs are submitted. */
  lane<J extends JobKey>(kind: JobKind<J>): JobLane<J> {
    const lane = new Lane(kind, this);
    this.lanes.push(lane as unknown as Lane<JobKey>);
    return lane;
  }

  /** At start: every job a previous process left unfinished runs again (or is abandoned). */
  resume(): void {
    for (const lane of this.lanes) {
      const { kind } = lane;
      for (const job of kind.unfinished()) {
        if (kind.attempts && kind.attempts(job) >= this.maxAttempts) this.abandon(kind, job);
        else lane.submit(job);
      }
    }
  }

  private abandon<J extends JobKey>(kind: JobKind<J>, job: J): void {
    // Called at once: the job's store records the end before resume() returns.
    const done = (async () => kind.abandon(job))()
      .catch((err: unknown) => this.log.error(`${kind.name} job could not be abandoned`, { jobId: job.id, error: describeError(err) }))
      .finally(() => {
        this.abandoning.delete(done);
        this.settled();
      });
    this.abandoning.add(done);
  }

  /** Control-plane reset: queued work is dropped and runs are aborted. */
  abortAll(): void {
    for (const lane of this.lanes) lane.abort('reset');
    this.settled();
  }

  /** Shutdown: runs are aborted and their jobs stay unfinished for the next start. */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes) lane.abort('shutting down');
    this.settled();
  }

  private get busy(): boolean {
    return this.abandoning.size > 0 || this.lanes.some((lane) => lane.size > 0);
  }

  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Called when a run ends: wakes idle() waiters once everything is done. */
  settled(): void {
    if (this.busy) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
