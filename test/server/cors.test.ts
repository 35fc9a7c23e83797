/**
 * CORS over HTTP, as Rekognition answers browsers: preflights on any path, the allowed origin and
 * the exposed headers on every answer (errors included), and `--cors-origins`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/cli';
import { serve, type RunningServer } from '../../server/http';
import type { Config } from '../../src/emulator';
import { Logger } from '../../src/runtime/logger';
import { testEmulator } from '../support/emulator';
import { call } from '../support/spawn-server';

/** The headers @aws-sdk/client-rekognition sends from a browser, as Chromium lists them in a preflight. */
const SDK_HEADERS = 'amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-security-token,x-amz-target,x-amz-user-agent';
const PAGE = 'http://localhost:3000';

async function startServer(config: Partial<Config>, log = new Logger('error')): Promise<RunningServer> {
  const { emulator } = testEmulator({ lazyModels: true, ...config }, { runtime: { log } });
  return serve(emulator, { port: 0 });
}

const preflight = (endpoint: string, origin: string, path = '/') =>
  fetch(new URL(path, endpoint), {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': SDK_HEADERS },
  });

const exposed = (res: Response) => (res.headers.get('access-control-expose-headers') ?? '').split(',');

describe('CORS with the default (any origin)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({});
  });
  afterAll(() => server?.close());

  it('answers a preflight on / with 200, the SDK headers allowed and a max age', async () => {
    const res = await preflight(server.endpoint, PAGE);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')?.split(',')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase().split(',').sort()).toEqual(SDK_HEADERS.split(','));
    expect(Number(res.headers.get('access-control-max-age'))).toBe(172_800);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a preflight on any path, as the SDK may use an endpoint with a path', async () => {
    const res = await preflight(server.endpoint, 'https://app.example.com', '/some/prefix/');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('lets a page read the request id and date of a success', async () => {
    const res = await fetch(server.endpoint, {
      method: 'POST',
      headers: { Origin: PAGE, 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'RekognitionService.ListCollections' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(exposed(res)).toEqual(expect.arrayContaining(['x-amzn-RequestId', 'x-amzn-ErrorType', 'Date']));
    expect(res.headers.get('x-amzn-requestid')).toBeTruthy();
  });

  it('lets a page read the error type of an error, unknown operations and validation errors alike', async () => {
    for (const [operation, type] of [
      ['DescribeEverything', 'UnknownOperationException'],
      ['DetectFaces', 'ValidationException'],
    ]) {
      const res = await fetch(server.endpoint, {
        method: 'POST',
        headers: { Origin: PAGE, 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `RekognitionService.${operation}` },
        body: '{}',
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toBe(type);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(exposed(res)).toEqual(expect.arrayContaining(['x-amzn-RequestId', 'x-amzn-ErrorType']));
    }
  });

  it('puts the headers on a malformed body and on the control plane too', async () => {
    const broken = await fetch(server.endpoint, {
      method: 'POST',
      headers: { Origin: PAGE, 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'RekognitionService.ListCollections' },
      body: '{not json',
    });
    expect(broken.status).toBe(400);
    expect(broken.headers.get('access-control-allow-origin')).toBe('*');
    const health = await fetch(new URL('/_rekognition/health', server.endpoint), { headers: { Origin: PAGE } });
    expect(health.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('CORS with --cors-origins', () => {
  let server: RunningServer;
  const logged: string[] = [];
  beforeAll(async () => {
    server = await startServer({ corsOrigins: [PAGE, 'https://app.example.com'] }, new Logger('warn', (line) => logged.push(line)));
  });
  afterAll(() => server?.close());

  it('echoes a listed origin, varying by origin', async () => {
    const res = await preflight(server.endpoint, 'https://app.example.com');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(res.headers.get('vary')).toMatch(/Origin/);
    const answer = await call(server.endpoint, 'ListCollections', {}, { Origin: PAGE });
    expect(answer.status).toBe(200);
  });

  it('gives another origin no Access-Control-Allow-Origin, and says why in the log once', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await preflight(server.endpoint, 'http://evil.example');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    const warnings = logged.filter((line) => line.includes('http://evil.example'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not in --cors-origins/);
  });
});

describe('--cors-origins parsing', () => {
  const parse = (args: string[]) => {
    const config = parseConfig(args);
    if (typeof config === 'string') throw new Error(`unexpected ${config}`);
    return config.corsOrigins;
  };

  it('defaults to any origin', () => {
    expect(parse([])).toBe('*');
    expect(parse(['--cors-origins', '*'])).toBe('*');
  });

  it('takes a comma list, as the browser spells origins', () => {
    expect(parse(['--cors-origins', 'http://localhost:3000, https://App.Example.com/'])).toEqual(['http://localhost:3000', 'https://app.example.com']);
  });

  it('reads the environment twin, the flag winning', () => {
    process.env.REKOGNITION_LOCAL_CORS_ORIGINS = 'http://localhost:5173';
    try {
      expect(parse([])).toEqual(['http://localhost:5173']);
      expect(parse(['--cors-origins', '*'])).toBe('*');
    } finally {
      delete process.env.REKOGNITION_LOCAL_CORS_ORIGINS;
    }
  });

  it('refuses what a browser never sends as an origin', () => {
    expect(() => parse(['--cors-origins', 'localhost:3000'])).toThrow(/not an origin such as http:\/\/localhost:3000/);
    expect(() => parse(['--cors-origins', 'http://localhost:3000/app'])).toThrow(/'http:\/\/localhost:3000\/app' is not an origin/);
    expect(() => parse(['--cors-origins', ' , '])).toThrow(/needs \* or at least one origin/);
  });
});
