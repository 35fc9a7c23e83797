/** The readiness endpoint and the health report's load state, on a server whose models load lazily (nothing to wait for). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../server/http';
import { createEmulator } from '../../src/emulator';

describe('readiness', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve(createEmulator({ lazyModels: true, logLevel: 'error' }), { port: 0 });
  });
  afterAll(() => server?.close());

  it('answers 200 at once when models load on first use', async () => {
    const res = await fetch(`${server.endpoint}/_rekognition/ready?wait=30`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, modelsLoad: 'lazy' });
  });

  it('health says where loading stands, overall and per model', async () => {
    const health = (await (await fetch(`${server.endpoint}/_rekognition/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', modelsReady: true, modelsLoad: 'lazy' });
    expect((health.models as { state: string }[]).every((m) => m.state === 'not-loaded')).toBe(true);
  });
});
