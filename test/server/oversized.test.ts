/** Oversized headers and bodies get an AWS-style JSON error, never a bare status line. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../server/http';
import { createEmulator } from '../../src/emulator';
import { Logger } from '../../src/runtime/logger';

let server: RunningServer;

beforeAll(async () => {
  const emulator = createEmulator({ lazyModels: true, maxBodyBytes: 4096 }, { runtime: { log: new Logger('error') } });
  server = await serve(emulator, { port: 0 });
});
afterAll(() => server?.close());

const post = (headers: Record<string, string>, body: string) =>
  fetch(server.endpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'RekognitionService.ListCollections', ...headers }, body });

describe('oversized requests', () => {
  it('answers headers over 16 KB with 431 and a JSON error body', async () => {
    const res = await post({ 'X-Padding': 'x'.repeat(20_000) }, '{}');
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(res.headers.get('x-amzn-errortype')).toBe('RequestHeaderFieldsTooLargeException');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ __type: 'RequestHeaderFieldsTooLargeException', Message: 'Request headers are larger than the 16 KB this endpoint accepts.' });
  });

  it('answers a body over the limit with 413 and a JSON error body', async () => {
    const res = await post({}, JSON.stringify({ pad: 'x'.repeat(5000) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ __type: 'RequestEntityTooLargeException', Message: 'Request body is larger than the 4096 bytes this endpoint accepts.' });
  });

  it('still serves ordinary requests afterwards', async () => {
    const res = await post({}, '{}');
    expect(res.status).toBe(200);
  });
});
