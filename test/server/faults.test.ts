/**
 * Fault injection through the control plane, seen by the AWS SDK's own retry logic: injected
 * throttles are retried and then succeed; a fault used up clears itself; latency delays answers.
 */
import { DescribeCollectionCommand, ListCollectionsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../server/http';
import { createEmulator } from '../../src/emulator';
import { FaultStore } from '../../src/control/faults';
import { Logger } from '../../src/runtime/logger';

let server: RunningServer;
beforeAll(async () => {
  server = await serve(createEmulator({ lazyModels: true }, { runtime: { log: new Logger('error') } }), { port: 0 });
});
afterAll(() => server?.close());
beforeEach(() => fetch(`${server.endpoint}/_rekognition/faults`, { method: 'DELETE' }));

const inject = async (fault: Record<string, unknown>) => {
  const res = await fetch(`${server.endpoint}/_rekognition/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const client = (maxAttempts: number) =>
  new RekognitionClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts });

describe('fault injection', () => {
  it('two injected ThrottlingExceptions: the SDK retries and succeeds on its third attempt', async () => {
    expect((await inject({ operation: 'ListCollections', error: 'ThrottlingException', count: 2 })).status).toBe(200);
    const out = await client(3).send(new ListCollectionsCommand({}));
    expect(out.$metadata.attempts).toBe(3);
    expect(out.CollectionIds).toEqual([]);
    // Used up: the fault cleared itself.
    const listed = (await (await fetch(`${server.endpoint}/_rekognition/faults`)).json()) as { faults: unknown[] };
    expect(listed.faults).toEqual([]);
  });

  it('sends each error with its AWS status and body, and the SDK gives up after maxAttempts', async () => {
    await inject({ operation: 'DescribeCollection', error: 'InternalServerError', count: 5 });
    const err = await client(2).send(new DescribeCollectionCommand({ CollectionId: 'x' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InternalServerError', message: 'Internal server error', $metadata: { httpStatusCode: 500, attempts: 2 } });

    await inject({ operation: '*', error: 'ProvisionedThroughputExceededException' });
    const raw = await fetch(server.endpoint, { method: 'POST', headers: { 'x-amz-target': 'RekognitionService.ListCollections', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ __type: 'ProvisionedThroughputExceededException', Code: 'ProvisionedThroughputExceededException', Message: 'Provisioned Rate exceeded.' });
  });

  it('adds latency, and refuses a malformed fault', async () => {
    await inject({ operation: 'ListCollections', latencyMs: 300 });
    const t0 = Date.now();
    await client(1).send(new ListCollectionsCommand({}));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect((await inject({ operation: 'NoSuchOperation', error: 'ThrottlingException' })).status).toBe(400);
    expect((await inject({ operation: 'ListCollections', error: 'MadeUpError' })).status).toBe(400);
    expect((await inject({ operation: 'ListCollections', error: 'ThrottlingException', probability: 2 })).status).toBe(400);
  });

  it('fires with the given probability', () => {
    const rolls = [0.1, 0.9, 0.4, 0.6];
    const store = new FaultStore(() => rolls.shift()!);
    store.add({ operation: 'DetectFaces', error: 'ThrottlingException', probability: 0.5 });
    const hits = [1, 2, 3, 4].map(() => store.take('DetectFaces')?.error?.type);
    expect(hits).toEqual(['ThrottlingException', undefined, 'ThrottlingException', undefined]);
    expect(store.take('ListCollections')).toBeUndefined();
  });
});
