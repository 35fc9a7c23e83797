/**
 * The console's read-only view of the state, per account and region: collections with users,
 * Custom Labels projects and stream processors as the API describes them, and the scopes that
 * hold any state. No models (nothing here analyses an image).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CALLER, testEmulator, type TestEmulator } from '../support/emulator';
import { faceSearchInput } from '../streams/helpers';

const OTHER = { account: '999988887777', region: 'eu-west-1' };

let t: TestEmulator;
beforeEach(() => {
  t = testEmulator();
});
afterEach(() => t.close());

describe('the console state view', () => {
  it('lists collections with their counts and users, only in their own account and region', async () => {
    await t.call('CreateCollection', { CollectionId: 'crew' });
    await t.call('CreateUser', { CollectionId: 'crew', UserId: 'ada' });
    await t.call('CreateCollection', { CollectionId: 'elsewhere' }, OTHER);
    const state = t.emulator.console.state;

    expect(state.scopes()).toEqual([{ account: TEST_CALLER.account, region: TEST_CALLER.region }, OTHER]);
    expect(state.collections(TEST_CALLER)).toEqual([expect.objectContaining({ CollectionId: 'crew', FaceCount: 0, UserCount: 1 })]);
    expect(state.collection(TEST_CALLER, 'crew')).toMatchObject({ Faces: [], Users: [{ UserId: 'ada', UserStatus: 'CREATED' }] });
    expect(state.collection(TEST_CALLER, 'elsewhere')).toBeUndefined();
    expect(state.collections(OTHER).map((c) => c.CollectionId)).toEqual(['elsewhere']);
    expect(state.videoJobs(TEST_CALLER)).toEqual([]);
    expect(state.videoJob(TEST_CALLER, 'nope')).toBeUndefined();
  });

  it('describes Custom Labels projects and stream processors as the API does, without logging or taking faults', async () => {
    await t.call('CreateProject', { ProjectName: 'widgets' });
    const caller = { account: '111122223333', region: 'us-east-1' };
    await t.call('CreateCollection', { CollectionId: 'crew' }, caller);
    await t.call('CreateStreamProcessor', faceSearchInput('lobby', 'crew'), caller);
    t.emulator.control.faults.add({ operation: '*', error: 'ThrottlingException', count: 5 });
    const logged = t.emulator.console.requests.list().length;

    const [project] = await t.emulator.console.state.customLabels(TEST_CALLER);
    expect(project).toMatchObject({ ProjectArn: expect.stringContaining(':project/widgets/'), Status: 'CREATED', Datasets: [], Versions: [] });
    const [processor] = await t.emulator.console.state.streamProcessors(caller);
    expect(processor).toMatchObject({ Name: 'lobby', Status: 'STOPPED', Settings: { FaceSearch: { CollectionId: 'crew' } } });
    expect(processor.LastSession).toBeUndefined();
    expect(await t.emulator.console.state.mediaAnalysisJobs(TEST_CALLER)).toEqual([]);

    expect(t.emulator.console.requests.list()).toHaveLength(logged);
    expect(t.emulator.control.faults.list()[0].hits).toBe(0);
  });

  it('keeps one requests log per emulator', async () => {
    const other = testEmulator();
    try {
      await t.call('ListCollections', {});
      expect(t.emulator.console.requests.list()).toHaveLength(1);
      expect(other.emulator.console.requests.list()).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
