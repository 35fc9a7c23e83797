/** The inference pool: one task per worker at a time, requests' tasks ahead of background work. */
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../models/pool';

const pool = new WorkerPool(1);
afterAll(() => pool.close());

describe('WorkerPool', () => {
  it('runs a request queued behind background work as soon as the running task ends', async () => {
    const order: string[] = [];
    const background = pool.background();
    const done = [1, 2, 3, 4, 5].map((i) => background.run<number>('echo', i).then(() => order.push(`background ${i}`)));
    done.push(pool.run<string>('echo', 'request').then(() => order.push('request')));
    await Promise.all(done);
    expect(order).toEqual(['background 1', 'request', 'background 2', 'background 3', 'background 4', 'background 5']);
  });

  it('reports a task error as a rejection and keeps serving', async () => {
    await expect(pool.run('no-such-task', {})).rejects.toThrow('unknown inference task no-such-task');
    expect(await pool.run('echo', { ok: true })).toEqual({ ok: true });
  });
});
