/** The readiness signal's states: waiting up to a timeout, ready with its time, failed with its reason. */
import { describe, expect, it } from 'vitest';
import { PoolClosedError } from '../models/client';
import { trackLoading } from '../src/model-loading';
import { Logger } from '../src/runtime/logger';

const quiet = new Logger('error', () => undefined);

function controlled() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('trackLoading', () => {
  it('waits up to the timeout while loading, then is ready with its time', async () => {
    const warmup = controlled();
    const models = trackLoading('pending', () => 12_340);
    models.load(warmup.promise, quiet);
    const t0 = Date.now();
    await models.settled(50);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(models.state()).toBe('loading');
    expect(models.ready()).toBe(false);

    const waiting = models.settled(10_000);
    warmup.resolve();
    await waiting;
    expect(models.state()).toBe('ready');
    expect(models.seconds()).toBe(12.3);
  });

  it('keeps the reason a load failed', async () => {
    const warmup = controlled();
    const models = trackLoading('pending', () => 0);
    models.load(warmup.promise, quiet);
    warmup.reject(new Error('text models failed to load: no such file'));
    await models.settled(10_000);
    expect(models.state()).toBe('failed');
    expect(models.error()).toContain('no such file');
  });

  it('does not call a shutdown during loading a failure', async () => {
    const warmup = controlled();
    const models = trackLoading('pending', () => 0);
    models.load(warmup.promise, quiet);
    warmup.reject(new PoolClosedError());
    await models.settled(20);
    expect(models.state()).toBe('loading');
  });

  it('is ready at once when models load lazily', async () => {
    const models = trackLoading('lazy', () => 0);
    await models.settled(10_000);
    expect(models.ready()).toBe(true);
  });
});
