/**
 * The one job runner: stored-video analyses, media analysis jobs and Custom Labels trainings are
 * kinds of job it runs. A kind keeps its jobs in its own store; the runner owns the semantics they
 * share:
 * - each kind has a lane with its own concurrency (two cores are shared with requests, so one by
 *   default), and a lane takes jobs from accounts in turn, so one account's queue cannot starve
 *   another's;
 * - time slicing: a job that calls its `checkpoint` between pieces of work (video frames) gives its
 *   turn away there once it has had it for `sliceMs` and another job is waiting, and continues
 *   later, accounts again in turn; so a short job never waits behind a long one for more than a
 *   slice per job ahead of it. At most `maxStarted` jobs are started at once (paused ones included);
 * - a kind's `timeBudgetMs` bounds the time a job holds its turn: past it, the run is aborted with a
 *   JobTimeout reason, and the kind ends the job as failed;
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
  /** How long a job keeps its turn before giving it to a waiting job, at its next checkpoint (ms). */
  sliceMs?: number;
  /** Jobs started and not ended (running or paused at a checkpoint) at once. */
  maxStarted?: number;
  /** Longest a job may hold its turn, in all (ms); past it the run is aborted with a JobTimeout reason. */
  timeBudgetMs?: number;
  /** Jobs a previous process left unfinished, to run again at start. */
  unfinished(): J[];
  /** Counts one more run of the job in the kind's store; returns the count (1 on the first run). */
  countAttempt(job: J): number;
  /** Runs of the job counted so far; lets resume() abandon exhausted jobs without waiting for their turn. */
  attempts?(job: J): number;
  /**
   * Runs the job to its end, recording success or failure in the kind's store. `signal` aborts it
   * on reset or stop (an aborted run records nothing) or when its time budget is spent (the reason
   * is a JobTimeout: the run records the failure). `checkpoint`, awaited between pieces of work,
   * is where the job may give its turn to another.
   */
  run(job: J, signal: AbortSignal, checkpoint: () => Promise<void>): Promise<void>;
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
/** Defaults: a slice of 10 s keeps a waiting job's delay well under a minute; 8 started jobs bound the paused ones' memory. */
export const SLICE_MS = 10_000;
export const MAX_STARTED = 8;

/** The abort reason of a run whose time budget is spent. */
export class JobTimeout extends Error {
  override name = 'JobTimeout';
  constructor(readonly budgetMs: number) {
    super(`the job ran longer than its time budget of ${budgetMs / 1000} s`);
  }
}

/** A job queued in a lane: fresh, or paused at a checkpoint (then `resume` gives it its turn back). */
interface Entry<J> {
  job: J;
  resume?: () => void;
}

/** One started run: its abort controller and the time it has held its turn. */
interface Run {
  controller: AbortController;
  holding: boolean;
  usedMs: number;
  since: number;
  timer?: NodeJS.Timeout;
}

const keyOf = (job: JobKey) => `${job.account}\u0000${job.region}\u0000${job.id}`;

class Lane<J extends JobKey> implements JobLane<J> {
  /** Waiting jobs per account (fresh and paused), accounts in the order they take turns. */
  private readonly waiting = new Map<string, Entry<J>[]>();
  /** Started runs, paused ones included. */
  readonly running = new Map<string, Run>();
  /** Runs holding a turn now. */
  private active = 0;

  constructor(
    readonly kind: JobKind<J>,
    private readonly runner: JobRunner,
  ) {}

  get size(): number {
    let n = this.running.size;
    for (const queue of this.waiting.values()) n += queue.filter((e) => !e.resume).length;
    return n;
  }

  busy(job: JobKey): boolean {
    const key = keyOf(job);
    return this.running.has(key) || (this.waiting.get(job.account)?.some((e) => keyOf(e.job) === key) ?? false);
  }

  submit(job: J): void {
    if (this.runner.closed || this.busy(job)) return;
    this.enqueue({ job });
    this.pump();
  }

  private enqueue(entry: Entry<J>): void {
    const queue = this.waiting.get(entry.job.account) ?? [];
    queue.push(entry);
    this.waiting.set(entry.job.account, queue);
  }

  private get canStart(): boolean {
    return this.running.size < (this.kind.maxStarted ?? MAX_STARTED);
  }

  private pickable(entry: Entry<J>): boolean {
    return entry.resume !== undefined || this.canStart;
  }

  /** The next entry, taking accounts in turn (the account served goes to the back); fresh jobs only while fewer than maxStarted run. */
  private next(): Entry<J> | undefined {
    for (const [account, queue] of this.waiting) {
      const i = queue.findIndex((e) => this.pickable(e));
      if (i < 0) continue;
      const [entry] = queue.splice(i, 1);
      this.waiting.delete(account);
      if (queue.length) this.waiting.set(account, queue);
      return entry;
    }
    return undefined;
  }

  private someoneWaits(): boolean {
    for (const queue of this.waiting.values()) if (queue.some((e) => this.pickable(e))) return true;
    return false;
  }

  pump(): void {
    const limit = this.kind.concurrency ?? 1;
    while (!this.runner.closed && this.active < limit) {
      const entry = this.next();
      if (!entry) return;
      const key = keyOf(entry.job);
      if (entry.resume) {
        this.grant(this.running.get(key)!);
        entry.resume();
        continue;
      }
      const run: Run = { controller: new AbortController(), holding: false, usedMs: 0, since: 0 };
      this.running.set(key, run);
      this.grant(run);
      const { job } = entry;
      // Started on a later turn, so the request that submitted it answers before any work begins.
      setImmediate(() => {
        this.runOnce(job, run)
          .catch((err: unknown) => this.runner.log.error(`${this.kind.name} job failed unexpectedly`, { jobId: job.id, error: describeError(err) }))
          .finally(() => {
            this.release(run);
            this.running.delete(key);
            this.pump();
            this.runner.settled();
          });
      });
    }
  }

  /** Gives the run a turn, and arms its time budget for the time it has left. */
  private grant(run: Run): void {
    this.active++;
    run.holding = true;
    run.since = performance.now();
    const budget = this.kind.timeBudgetMs;
    if (budget !== undefined) {
      run.timer = setTimeout(() => run.controller.abort(new JobTimeout(budget)), Math.max(0, budget - run.usedMs));
    }
  }

  private release(run: Run): void {
    if (!run.holding) return;
    this.active--;
    run.holding = false;
    run.usedMs += performance.now() - run.since;
    clearTimeout(run.timer);
  }

  /** A job's checkpoint: gives the turn away when its slice is spent and another job waits. */
  private async checkpoint(job: J, run: Run): Promise<void> {
    if (run.controller.signal.aborted || !run.holding) return;
    if (performance.now() - run.since < (this.kind.sliceMs ?? SLICE_MS) || !this.someoneWaits()) return;
    this.release(run);
    await new Promise<void>((resolve) => {
      this.enqueue({ job, resume: resolve });
      this.pump();
    });
  }

  private async runOnce(job: J, run: Run): Promise<void> {
    const { signal } = run.controller;
    if (signal.aborted) return;
    if (this.kind.countAttempt(job) > this.runner.maxAttempts) return this.kind.abandon(job);
    await this.kind.run(job, signal, () => this.checkpoint(job, run));
  }

  abort(reason: string): void {
    // Paused runs get their turn back at once, to see the abort and end.
    const paused = [...this.waiting.values()].flat().filter((e) => e.resume);
    this.waiting.clear();
    for (const run of this.running.values()) run.controller.abort(new Error(reason));
    for (const entry of paused) {
      const run = this.running.get(keyOf(entry.job));
      if (run) this.grant(run);
      entry.resume!();
    }
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
