import { describe, expect, it } from 'vitest';
import { MemoryBudget, MemoryBudgetTimeout } from '../../src/runtime/memory-budget';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('memory budget', () => {
  it('never holds more than its limit, and serves waiters in order', async () => {
    const budget = new MemoryBudget(100);
    let most = 0;
    const order: number[] = [];
    const work = (i: number, bytes: number) =>
      budget.use(bytes, async () => {
        most = Math.max(most, budget.inUse);
        order.push(i);
        await sleep(5);
      });
    await Promise.all([work(0, 60), work(1, 60), work(2, 30), work(3, 40)]);
    expect(most).toBeLessThanOrEqual(100);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(budget.inUse).toBe(0);
  });

  it('runs work larger than the whole budget alone rather than never', async () => {
    const budget = new MemoryBudget(10);
    await expect(budget.use(50, async () => budget.inUse)).resolves.toBe(50);
  });

  it('refuses work that waited too long, and frees its place', async () => {
    const budget = new MemoryBudget(10, 20);
    const hold = budget.use(10, () => sleep(80));
    await expect(budget.use(5, async () => 'ran')).rejects.toBeInstanceOf(MemoryBudgetTimeout);
    await hold;
    await expect(budget.use(5, async () => 'ran')).resolves.toBe('ran');
  });

  it('inside a request, keeps the bytes until the request ends', async () => {
    const budget = new MemoryBudget(100);
    let during = -1;
    await budget.request(async () => {
      await budget.use(60, async () => undefined);
      during = budget.inUse;
    });
    expect(during).toBe(60);
    expect(budget.inUse).toBe(0);
  });
});
