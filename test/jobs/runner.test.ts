import { describe, expect, it } from 'vitest';
import { JobRunner, JobTimeout, MAX_ATTEMPTS, type JobKey, type JobKind } from '../../src/jobs/runner';
import { Logger } from '../../src/runtime/logger';

const quiet = new Logger('error', () => undefined);
const job = (account: string, id: string): JobKey => ({ account, region: 'us-east-1', id });

/** A kind whose store is a map of attempts, recording the order jobs ran in. */
function recordingKind(
  options: { concurrency?: number; sliceMs?: number; timeBudgetMs?: number; unfinished?: JobKey[]; attempts?: Record<string, number>; run?: (j: JobKey, signal: AbortSignal, checkpoint?: () => Promise<void>) => Promise<void> } = {},
) {
  const ran: string[] = [];
  const abandoned: string[] = [];
  const attempts = new Map(Object.entries(options.attempts ?? {}));
  const kind: JobKind = {
    name: 'test',
    concurrency: options.concurrency,
    sliceMs: options.sliceMs,
    timeBudgetMs: options.timeBudgetMs,
    unfinished: () => options.unfinished ?? [],
    countAttempt: (j) => {
      const n = (attempts.get(j.id) ?? 0) + 1;
      attempts.set(j.id, n);
      return n;
    },
    run: async (j, signal, checkpoint) => {
      ran.push(j.id);
      await options.run?.(j, signal, checkpoint);
    },
    abandon: (j) => void abandoned.push(j.id),
  };
  return { kind, ran, abandoned, attempts };
}

describe('job runner', () => {
  it('takes accounts in turn, so one account’s queue does not starve another', async () => {
    const runner = new JobRunner(quiet);
    const { kind, ran } = recordingKind();
    const lane = runner.lane(kind);
    for (const id of ['a1', 'a2', 'a3']) lane.submit(job('A', id));
    lane.submit(job('B', 'b1'));
    await runner.idle();
    expect(ran[0]).toBe('a1');
    expect(ran.indexOf('b1')).toBeLessThan(ran.indexOf('a3'));
    expect(ran).toHaveLength(4);
  });

  it('queues a job once, however often it is submitted', async () => {
    const runner = new JobRunner(quiet);
    const { kind, ran } = recordingKind();
    const lane = runner.lane(kind);
    lane.submit(job('A', 'x'));
    lane.submit(job('A', 'x'));
    expect(lane.busy(job('A', 'x'))).toBe(true);
    await runner.idle();
    expect(ran).toEqual(['x']);
    expect(lane.busy(job('A', 'x'))).toBe(false);
  });

  it('runs unfinished jobs again at resume, and abandons those interrupted too often', async () => {
    const runner = new JobRunner(quiet);
    const { kind, ran, abandoned } = recordingKind({ unfinished: [job('A', 'fresh'), job('A', 'tired')], attempts: { tired: MAX_ATTEMPTS } });
    runner.lane(kind);
    runner.resume();
    await runner.idle();
    expect(ran).toEqual(['fresh']);
    expect(abandoned).toEqual(['tired']);
  });

  it('abandons at once, at resume, the jobs whose counted runs are used up, and idle() waits for the abandon to finish', async () => {
    const runner = new JobRunner(quiet);
    const { kind, ran, abandoned, attempts } = recordingKind({ unfinished: [job('A', 'first'), job('A', 'tired')], attempts: { tired: MAX_ATTEMPTS } });
    let announced = false;
    runner.lane({
      ...kind,
      attempts: (j) => attempts.get(j.id) ?? 0,
      abandon: async (j) => {
        abandoned.push(j.id);
        await new Promise((r) => setTimeout(r, 5));
        announced = true;
      },
    });
    runner.resume();
    // Before any run took its turn.
    expect(abandoned).toEqual(['tired']);
    expect(ran).toEqual([]);
    await runner.idle();
    expect(announced).toBe(true);
    expect(ran).toEqual(['first']);
    expect(attempts.get('tired')).toBe(MAX_ATTEMPTS);
  });

  it('keeps each lane within its concurrency', async () => {
    const runner = new JobRunner(quiet);
    let active = 0;
    let peak = 0;
    const { kind } = recordingKind({
      concurrency: 2,
      run: async () => {
        peak = Math.max(peak, ++active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      },
    });
    const lane = runner.lane(kind);
    for (let i = 0; i < 6; i++) lane.submit(job('A', `j${i}`));
    await runner.idle();
    expect(peak).toBe(2);
  });

  it('aborts running work and drops queued work on reset', async () => {
    const runner = new JobRunner(quiet);
    const aborted: string[] = [];
    const { kind, ran } = recordingKind({
      run: (j, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted.push(j.id);
            resolve();
          });
        }),
    });
    const lane = runner.lane(kind);
    lane.submit(job('A', 'long'));
    lane.submit(job('A', 'queued'));
    await new Promise((r) => setImmediate(r));
    runner.abortAll();
    await runner.idle();
    expect(aborted).toEqual(['long']);
    expect(ran).toEqual(['long']);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('time slicing and time budgets', () => {
  /** A job of `steps` pieces of 5 ms, with a checkpoint between pieces (ends early when aborted). */
  const steps = (count: Record<string, number>, finished: string[]) => async (j: JobKey, signal: AbortSignal, checkpoint?: () => Promise<void>) => {
    for (let i = 0; i < count[j.id] && !signal.aborted; i++) {
      await sleep(5);
      await checkpoint?.();
    }
    finished.push(j.id);
  };

  it('lets a short job of another account run while a long one is under way', async () => {
    const runner = new JobRunner(quiet);
    const finished: string[] = [];
    const { kind } = recordingKind({ sliceMs: 20, run: steps({ long: 60, short: 2 }, finished) });
    const lane = runner.lane(kind);
    lane.submit(job('A', 'long'));
    await sleep(30); // the long job is running
    lane.submit(job('B', 'short'));
    await runner.idle();
    expect(finished).toEqual(['short', 'long']);
  });

  it('lets a job without checkpoints keep its turn to the end', async () => {
    const runner = new JobRunner(quiet);
    const finished: string[] = [];
    const { kind } = recordingKind({ sliceMs: 1, run: async (j) => void (await sleep(j.id === 'first' ? 40 : 1), finished.push(j.id)) });
    const lane = runner.lane(kind);
    lane.submit(job('A', 'first'));
    lane.submit(job('B', 'second'));
    await runner.idle();
    expect(finished).toEqual(['first', 'second']);
  });

  it('aborts a run past its time budget with a JobTimeout reason', async () => {
    const runner = new JobRunner(quiet);
    let reason: unknown;
    const { kind } = recordingKind({
      timeBudgetMs: 40,
      run: async (_j, signal) => {
        for (let i = 0; i < 100 && !signal.aborted; i++) await sleep(5);
        reason = signal.reason;
      },
    });
    runner.lane(kind).submit(job('A', 'slow'));
    await runner.idle();
    expect(reason).toBeInstanceOf(JobTimeout);
  });

  it('does not count the time a job waits paused against its budget', async () => {
    const runner = new JobRunner(quiet);
    const finished: string[] = [];
    const reasons: unknown[] = [];
    const work = steps({ a: 12, b: 12 }, finished);
    const { kind } = recordingKind({
      sliceMs: 10,
      timeBudgetMs: 150,
      run: async (j, signal, checkpoint) => {
        await work(j, signal, checkpoint);
        reasons.push(signal.reason);
      },
    });
    const lane = runner.lane(kind);
    lane.submit(job('A', 'a'));
    lane.submit(job('B', 'b'));
    await runner.idle();
    expect(finished.sort()).toEqual(['a', 'b']);
    expect(reasons).toEqual([undefined, undefined]);
  });

  it('ends paused runs at reset, so idle() resolves', async () => {
    const runner = new JobRunner(quiet);
    const { kind } = recordingKind({ sliceMs: 5, run: steps({ a: 1000, b: 1000 }, []) });
    const lane = runner.lane(kind);
    lane.submit(job('A', 'a'));
    lane.submit(job('B', 'b'));
    await sleep(40);
    runner.abortAll();
    await runner.idle();
    expect(lane.busy(job('A', 'a')) || lane.busy(job('B', 'b'))).toBe(false);
  });
});
