/** Where loading the models at start stands, and a way to wait for it: the readiness signal. */
import { PoolClosedError } from '../models/client';
import type { Logger } from './runtime/logger';

/**
 * `lazy` (each model loads on first use: nothing to wait for), `pending` (not started yet),
 * `loading`, `ready` (every model loaded in every worker) or `failed`.
 */
export type ModelsLoad = 'lazy' | 'pending' | 'loading' | 'ready' | 'failed';

/** setTimeout's longest delay (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** The state of loading the models, and a way to wait for it to end; `elapsedMs` is the time since start. */
export function trackLoading(initial: ModelsLoad, elapsedMs: () => number) {
  let state = initial;
  let seconds: number | undefined;
  let error: string | undefined;
  let done: Promise<void> = new Promise<void>(() => {});
  return {
    state: () => state,
    ready: () => state === 'ready' || state === 'lazy',
    seconds: () => seconds,
    error: () => error,
    load(warmup: Promise<void>, log: Logger) {
      state = 'loading';
      done = warmup.then(
        () => {
          state = 'ready';
          seconds = Math.round(elapsedMs() / 100) / 10;
          log.debug('models loaded', { seconds });
        },
        (err: Error) => {
          // Shutting down before the models loaded is not a failure to report.
          if (err instanceof PoolClosedError) return;
          state = 'failed';
          error = err.message;
          log.warn('models failed to load', { error: err.message });
        },
      );
    },
    /** Resolves once loading ended, or after `timeoutMs`. */
    async settled(timeoutMs: number): Promise<void> {
      if (state === 'lazy' || state === 'ready' || state === 'failed') return;
      await Promise.race([done, delay(Math.min(timeoutMs, MAX_TIMER_MS))]);
    },
  };
}

