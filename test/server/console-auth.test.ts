/**
 * The web console's routes and who may use them: open like the control plane when no token is
 * set, closed under --strict-auth without a token, and with a token only for its holder (header,
 * or ?token= for the page). Its API calls go through dispatch: validated, logged, scoped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../server/http';
import type { Config } from '../../src/emulator';
import { testEmulator, type TestEmulator } from '../support/emulator';

const TOKEN = 'console-secret';
const strict: Partial<Config> = { strictAuth: true, credentials: [{ accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret' }] };

async function served(config: Partial<Config>): Promise<{ t: TestEmulator; server: RunningServer; url: (path: string) => string }> {
  const t = testEmulator(config);
  const server = await serve(t.emulator, { port: 0 });
  return { t, server, url: (path) => `${server.endpoint}/_rekognition/console/${path}` };
}

const callInit = (operation: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `RekognitionService.${operation}`, ...headers },
  body: JSON.stringify(body),
});

const ROUTES = ['', 'api/info', 'api/scopes', 'api/requests', 'api/requests/1', 'api/state/collections', 'api/state/collections/c/faces/f/thumbnail', 'api/state/video-jobs', 'api/state/custom-labels', 'api/state/stream-processors'];

describe('the console under --strict-auth without a control token', () => {
  let s: Awaited<ReturnType<typeof served>>;
  beforeAll(async () => (s = await served(strict)));
  afterAll(() => s.server.close());

  it('is closed, every route and the call route included, and nothing is dispatched', async () => {
    for (const path of ROUTES) expect((await fetch(s.url(path))).status, path).toBe(403);
    const res = await fetch(s.url('api/call'), callInit('CreateCollection', { CollectionId: 'sneaky' }));
    expect(res.status).toBe(403);
    expect(s.t.emulator.console.requests.list()).toEqual([]);
  });
});

describe('the console under --strict-auth with a control token', () => {
  let s: Awaited<ReturnType<typeof served>>;
  const bearer = { Authorization: `Bearer ${TOKEN}` };
  beforeAll(async () => (s = await served({ ...strict, controlToken: TOKEN })));
  afterAll(() => s.server.close());

  it('refuses a missing or wrong token on every route', async () => {
    for (const path of ROUTES) {
      expect((await fetch(s.url(path))).status, path).toBe(401);
      expect((await fetch(s.url(path), { headers: { Authorization: 'Bearer nope' } })).status, path).toBe(401);
      expect((await fetch(`${s.url(path)}?token=nope`)).status, path).toBe(401);
    }
    expect((await fetch(s.url('api/call'), callInit('CreateCollection', { CollectionId: 'sneaky' }))).status).toBe(401);
    expect(s.t.emulator.console.requests.list()).toEqual([]);
  });

  it('serves the page to the token in its address, with a policy that keeps it on this origin', async () => {
    const res = await fetch(s.url(`?token=${TOKEN}`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(await res.text()).toContain('<script>');
  });

  it('hands API calls to dispatch in the chosen account and region: validated, logged, errors as AWS gives them', async () => {
    const created = await fetch(`${s.url('api/call')}?account=111122223333&region=eu-west-1`, callInit('CreateCollection', { CollectionId: 'from-console' }, bearer));
    expect(created.status).toBe(200);
    expect(created.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await created.json()) as { CollectionArn: string }).CollectionArn).toContain('eu-west-1:111122223333:collection/from-console');

    const invalid = await fetch(s.url('api/call'), callInit('CreateCollection', { CollectionId: 'bad id!' }, bearer));
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-amzn-errortype')).toMatch(/^ValidationException/);

    const unknown = await fetch(s.url('api/call'), callInit('NoSuchOperation', {}, bearer));
    expect(unknown.status).toBe(400);

    const [last, , first] = s.t.emulator.console.requests.list();
    expect(first).toMatchObject({ operation: 'CreateCollection', account: '111122223333', region: 'eu-west-1', status: 200 });
    expect(last).toMatchObject({ operation: 'NoSuchOperation', status: 400 });

    const state = (await (await fetch(`${s.url("api/state/collections")}?account=111122223333&region=eu-west-1`, { headers: bearer })).json()) as { collections: { CollectionId: string }[] };
    expect(state.collections.map((c: { CollectionId: string }) => c.CollectionId)).toEqual(['from-console']);
    expect((await fetch(`${s.url('api/state/collections')}?account=12`, { headers: bearer })).status).toBe(400);
  });

  it('answers unknown console paths and things no longer there with 404', async () => {
    expect((await fetch(s.url('api/nothing'), { headers: bearer })).status).toBe(404);
    expect((await fetch(s.url('api/requests/999'), { headers: bearer })).status).toBe(404);
    expect((await fetch(s.url('api/state/video-jobs/nope'), { headers: bearer })).status).toBe(404);
  });
});

describe('the console without strict auth or a token', () => {
  let s: Awaited<ReturnType<typeof served>>;
  beforeAll(async () => (s = await served({})));
  afterAll(() => s.server.close());

  it('is open, as the control plane is', async () => {
    expect((await fetch(s.url('api/info'))).status).toBe(200);
    const page = await fetch(s.url(''));
    expect(page.status).toBe(200);
    // /_rekognition/console (no slash) redirects to the page, so its relative links resolve.
    const bare = await fetch(s.url('').replace(/\/$/, ''), { redirect: 'manual' });
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe('/_rekognition/console/');
  });
});
