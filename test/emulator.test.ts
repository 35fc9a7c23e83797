import { afterAll, describe, expect, it } from 'vitest';
import { testEmulator } from './support/emulator';

describe('createEmulator', () => {
  const first = testEmulator();
  const second = testEmulator();
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('runs two emulators in one process without shared state', async () => {
    await first.call('CreateCollection', { CollectionId: 'only-in-first' });
    expect((await first.call('ListCollections')).CollectionIds).toEqual(['only-in-first']);
    expect((await second.call('ListCollections')).CollectionIds).toEqual([]);
    first.emulator.control.seed('abc');
    expect(second.emulator.control.pins.list()).toEqual([]);
  });

  it('answers errors as the wire does', async () => {
    await expect(second.call('DescribeCollection', { CollectionId: 'missing' })).rejects.toMatchObject({ type: 'ResourceNotFoundException', status: 400 });
    const answer = await second.emulator.dispatch('NoSuchOperation', '{}', { account: '123456789012', region: 'us-east-1' });
    expect(answer.errorType).toBe('UnknownOperationException');
  });
});
