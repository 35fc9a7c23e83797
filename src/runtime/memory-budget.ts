/**
 * A budget of bytes shared by concurrent work (image decodes): each piece of work declares what it
 * will hold at its peak and runs once that fits, first come first served; what does not fit waits,
 * and past `maxWaitMs` is refused (MemoryBudgetTimeout) rather than queued without end. A piece
 * larger than the whole budget runs alone, so nothing waits forever.
 *
 * Inside `request(fn)` (one API request), bytes are given back when the request ends rather than
 * when the decode does: the decoded pixels live that long, so that is what the budget must count.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class MemoryBudgetTimeout extends Error {
  override name = 'MemoryBudgetTimeout';
}

interface Waiter {
  bytes: number;
  start: () => void;
}

export class MemoryBudget {
  private used = 0;
  private readonly waiting: Waiter[] = [];
  /** Bytes to give back when the current request ends. */
  private readonly requests = new AsyncLocalStorage<number[]>();

  constructor(
    readonly limitBytes: number,
    readonly maxWaitMs = 30_000,
  ) {}

  /** Bytes held by work running now. */
  get inUse(): number {
    return this.used;
  }

  /** Runs `work` once `bytes` fit in the budget; gives them back when it ends, or when the request around it does. */
  async use<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    await this.acquire(bytes);
    const held = this.requests.getStore();
    if (held) held.push(bytes);
    try {
      return await work();
    } finally {
      if (!held) this.release(bytes);
    }
  }

  /** Runs one request: what its work took from the budget is given back when it ends. */
  async request<T>(fn: () => Promise<T>): Promise<T> {
    const held: number[] = [];
    try {
      return await this.requests.run(held, fn);
    } finally {
      for (const bytes of held.splice(0)) this.release(bytes);
    }
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.limitBytes;
  }

  private acquire(bytes: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.used += bytes;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        start: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(new MemoryBudgetTimeout(`waited ${this.maxWaitMs} ms for ${bytes} bytes of a ${this.limitBytes}-byte budget`));
        this.wake();
      }, this.maxWaitMs);
      this.waiting.push(waiter);
    });
  }

  private release(bytes: number): void {
    this.used -= bytes;
    this.wake();
  }

  /** Starts waiters in order while the first one fits. */
  private wake(): void {
    while (this.waiting.length && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.start();
    }
  }
}
