import { describe, expect, it } from 'vitest';
import { JobRunner, MAX_ATTEMPTS, type JobKey, type JobKind } from '../../src/jobs/runner';
import { Logger } from '../../src/runtime/logger';

const quiet = new Logger('error', () => undefined);
const job = (account: string, id: string): JobKey => ({ account, region: 'us-east-1', id });

/** A kind whose store is a map of attempts, recording the order jobs ran in. */
function recordingKind(options: { concurrency?: number; unfinished?: JobKey[]; attempts?: Record<string, number>; run?: (j: JobKey, signal: AbortSignal) => Promise<void> } = {}) {
  const ran: string[] = [];
  const abandoned: string[] = [];
  const attempts = new Map(Object.entries(options.attempts ?? {}));
  const kind: JobKind = {
    name: 'test',
    concurrency: options.concurrency,
    unfinished: () => options.unfinished ?? [],
    countAttempt: (j) => {
      const n = (attempts.get(j.id) ?? 0) + 1;
      attempts.set(j.id, n);
      return n;
    },
    run: async (j, signal) => {
      ran.push(j.id);
      await options.run?.(j, signal);
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
