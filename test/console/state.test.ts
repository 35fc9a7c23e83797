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

  it('tells how far each video job has got: nothing before it knows its frame count, frames while it runs, all of them once done', () => {
    const jobs = t.emulator.stores.videoJobs.in(TEST_CALLER);
    const start = (id: string, at: number) => jobs.insert(id, 'StartLabelDetection', { Video: { S3Object: { Bucket: 'b', Name: `${id}.mp4` } } }, at);
    start('probing', 1);
    start('running', 2);
    jobs.setProgress('running', { done: 120, total: 286 });
    start('done', 3);
    jobs.setProgress('done', { done: 286, total: 286 });
    jobs.succeed('done', [], undefined, undefined, 10);
    // Finished before jobs recorded progress (an older data folder): done all the same.
    start('older', 4);
    jobs.succeed('older', [], undefined, undefined, 10);
    start('failed', 5);
    jobs.setProgress('failed', { done: 40, total: 100 });
    jobs.fail('failed', 'Internal server error', 10);

    const progress = Object.fromEntries(t.emulator.console.state.videoJobs(TEST_CALLER).map((j) => [j.JobId, j.Progress]));
    expect(progress).toEqual({
      probing: null,
      running: { Fraction: 120 / 286, FramesDone: 120, FramesTotal: 286 },
      done: { Fraction: 1, FramesDone: 286, FramesTotal: 286 },
      older: { Fraction: 1 },
      failed: { Fraction: 0.4, FramesDone: 40, FramesTotal: 100 },
    });
    expect(t.emulator.console.state.videoJob(TEST_CALLER, 'running')?.Progress).toEqual(progress.running);
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
