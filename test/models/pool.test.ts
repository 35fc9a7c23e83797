/** The inference pool: one task per worker at a time, requests' tasks ahead of background work. */
import { afterAll, describe, expect, it } from 'vitest';
import type { ClassifierPlugin } from '../../models/plugins';
import { ModelsClient, PoolClosedError } from '../../models/client';

const pool = new ModelsClient({ size: 1 });
afterAll(() => pool.close());

describe('ModelsClient scheduling', () => {
  it('runs a request queued behind background work as soon as the running task ends', async () => {
    const order: string[] = [];
    const background = pool.background();
    const done = [1, 2, 3, 4, 5].map((i) => background.run('echo', i).then(() => order.push(`background ${i}`)));
    done.push(pool.run('echo', 'request').then(() => order.push('request')));
    await Promise.all(done);
    expect(order).toEqual(['background 1', 'request', 'background 2', 'background 3', 'background 4', 'background 5']);
  });

  it('reports a task error as a rejection and keeps serving', async () => {
    await expect(pool.run('no-such-task' as 'echo', {})).rejects.toThrow('unknown inference task no-such-task');
    expect(await pool.run('echo', { ok: true })).toEqual({ ok: true });
  });
});

describe('ModelsClient state', () => {
  it('lists the catalogue per client: two clients share no state, and plugins are per client', () => {
    const plugin = { capability: 'labels', name: 'my-plugin', path: '/models/m.onnx' } as ClassifierPlugin;
    const a = new ModelsClient({ size: 1 });
    const b = new ModelsClient({ size: 1, plugins: [plugin] });
    expect(a.states().map((m) => m.name)).toContain('pp-ocrv4');
    expect(a.states().every((m) => m.state === 'not-loaded')).toBe(true);
    expect(a.states().some((m) => m.name === 'my-plugin')).toBe(false);
    expect(b.states().at(-1)).toEqual({ name: 'my-plugin', package: '/models/m.onnx', capability: 'user model plugin (labels)', state: 'not-loaded' });
    return Promise.all([a.close(), b.close()]);
  });

  it('rejects with PoolClosedError once closed', async () => {
    const closed = new ModelsClient({ size: 1 });
    await closed.close();
    await expect(closed.run('echo', 1)).rejects.toBeInstanceOf(PoolClosedError);
    await expect(closed.background().warmup()).rejects.toBeInstanceOf(PoolClosedError);
  });
});
