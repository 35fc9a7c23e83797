/**
 * Load shedding: past its class's bound a request is refused at once with ThrottlingException
 * (HTTP 400, AWS's body), the other class keeps being served, health answers without waiting,
 * and places come back when answers go out. DetectFaces is replaced by a handler the test holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../server/http';
import { createEmulator } from '../../src/emulator';
import type { ApiProvider } from '../../src/api/handlers';
import { operationClass } from '../../src/api/admission';
import { Logger } from '../../src/runtime/logger';
import { call } from '../support/spawn-server';

let server: RunningServer;
const held: Array<() => void> = [];
const heldFaces: ApiProvider = {
  name: 'held-faces',
  handlers: { DetectFaces: { handle: () => new Promise((resolve) => held.push(() => resolve({ FaceDetails: [] }))) } },
};

beforeAll(async () => {
  const emulator = createEmulator({ lazyModels: true, queueLimits: { image: 3, other: 5 } }, { providers: [heldFaces], runtime: { log: new Logger('error') } });
  server = await serve(emulator, { port: 0 });
});
afterAll(() => server?.close());

const image = { Image: { Bytes: Buffer.alloc(16).toString('base64') } };

describe('load shedding', () => {
  it('classes operations by whether they take an image', () => {
    expect(['DetectFaces', 'CompareFaces', 'IndexFaces', 'SearchUsersByImage'].map(operationClass)).toEqual(['image', 'image', 'image', 'image']);
    expect(['ListCollections', 'SearchFaces', 'StartLabelDetection', 'Nope'].map(operationClass)).toEqual(['other', 'other', 'other', 'other']);
  });

  it('refuses image requests past the bound at once, keeps serving the rest, and frees places', async () => {
    const inFlight = [0, 1, 2].map(() => call(server.endpoint, 'DetectFaces', image));
    await expect.poll(() => held.length).toBe(3);

    const t0 = Date.now();
    const shed = await call(server.endpoint, 'DetectFaces', image);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(shed).toEqual({ status: 400, body: { __type: 'ThrottlingException', Code: 'ThrottlingException', Message: 'Slow down; sudden increase in rate of requests.' } });

    // Cheap operations have their own bound, and health never waits on the image queue.
    expect((await call(server.endpoint, 'ListCollections', {})).status).toBe(200);
    const health = (await (await fetch(`${server.endpoint}/_rekognition/health`)).json()) as { load: { inFlight: { image: number }; shed: { image: number } } };
    expect(health.load.inFlight.image).toBe(3);
    expect(health.load.shed.image).toBe(1);

    held.splice(0).forEach((answer) => answer());
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200, 200]);
    const again = call(server.endpoint, 'DetectFaces', image);
    await expect.poll(() => held.length).toBe(1);
    held.splice(0).forEach((answer) => answer());
    expect((await again).status).toBe(200);
  });
});
