/** --strict-auth: signatures are verified against the configured keys, from the JS SDK and the AWS CLI. */
import { ListCollectionsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/cli';
import { serve, type RunningServer } from '../../server/http';
import { createEmulator } from '../../src/emulator';
import { call } from '../support/spawn-server';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

const run = promisify(execFile);
let server: RunningServer;

beforeAll(async () => {
  // The command line as a user gives it, served in this process.
  const config = parseConfig(['--strict-auth', '--credentials', 'AKIDLOCAL:secret-one,123456789012:secret-two', '--control-token', 'tok-123', '--lazy-models', '--log-level', 'error']);
  if (typeof config === 'string') throw new Error(`unexpected --${config}`);
  server = await serve(createEmulator(config), { port: 0 });
});
afterAll(() => server?.close());

const client = (accessKeyId: string, secretAccessKey: string, region = 'us-east-1') =>
  new RekognitionClient({ endpoint: server.endpoint, region, credentials: { accessKeyId, secretAccessKey } });

describe('strict auth', () => {
  it('accepts a correctly signed request', async () => {
    const out = await client('AKIDLOCAL', 'secret-one').send(new ListCollectionsCommand({}));
    expect(out.CollectionIds).toEqual([]);
  });

  it('rejects a wrong secret with InvalidSignatureException', async () => {
    await expect(client('AKIDLOCAL', 'wrong').send(new ListCollectionsCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('rejects an unknown key with UnrecognizedClientException', async () => {
    await expect(client('AKIDOTHER', 'secret-one').send(new ListCollectionsCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });

  it('rejects an unsigned request', async () => {
    const res = await call(server.endpoint, 'ListCollections', {});
    expect(res.status).toBe(400);
    expect(res.body.__type).toBe('MissingAuthenticationTokenException');
  });

  it('verifies the AWS CLI signature and takes the account from a 12-digit key', async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '123456789012', AWS_SECRET_ACCESS_KEY: 'secret-two', AWS_DEFAULT_REGION: 'eu-west-1' };
    const created = await run('aws', ['rekognition', 'create-collection', '--collection-id', 'cli', '--endpoint-url', server.endpoint], { env });
    expect(JSON.parse(created.stdout).CollectionArn).toBe('aws:rekognition:eu-west-1:123456789012:collection/cli');
    // Another region of the same account does not see it: state is namespaced by account and region.
    const elsewhere = await client('123456789012', 'secret-two', 'us-east-1').send(new ListCollectionsCommand({}));
    expect(elsewhere.CollectionIds).toEqual([]);
    const bad = run('aws', ['rekognition', 'list-collections', '--endpoint-url', server.endpoint], { env: { ...env, AWS_SECRET_ACCESS_KEY: 'nope' } });
    await expect(bad).rejects.toMatchObject({ stderr: expect.stringContaining('InvalidSignatureException') });
  });
});

/** Signs a ListCollections call as an SDK would, with the scope and date chosen by the test, and sends it. */
async function signedCall(options: { service?: string; region?: string; date?: Date; authorization?: (signed: string) => string }) {
  const url = new URL(server.endpoint);
  const body = '{}';
  const request = new HttpRequest({
    method: 'POST',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.ListCollections' },
    body,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret-one' },
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'rekognition',
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(request, { signingDate: options.date ?? new Date() });
  const headers = { ...signed.headers } as Record<string, string>;
  if (options.authorization) headers.authorization = options.authorization(headers.authorization);
  delete headers.host;
  const res = await fetch(server.endpoint, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('strict auth checks what AWS checks', () => {
  it('refuses a signature scoped to another service, with the right secret', async () => {
    const res = await signedCall({ service: 's3' });
    expect(res).toEqual({ status: 400, body: { __type: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'rekognition'. " } });
  });

  it('refuses a region Rekognition is not offered in, and serves the ones it is', async () => {
    const res = await signedCall({ region: 'mars-north-1' });
    expect(res).toEqual({ status: 400, body: { __type: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'mars-north-1'. " } });
    expect((await signedCall({ region: 'eu-west-1' })).status).toBe(200);
  });

  it('refuses a request dated an hour ago or 30 days ahead with AWS\'s expiry messages', async () => {
    const old = await signedCall({ date: new Date(Date.now() - 3600_000) });
    expect(old.status).toBe(400);
    expect(old.body.__type).toBe('InvalidSignatureException');
    expect(old.body.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    const future = await signedCall({ date: new Date(Date.now() + 30 * 86400_000) });
    expect(future.body.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/);
    // Within the allowed skew the request is served.
    expect((await signedCall({ date: new Date(Date.now() - 4 * 60_000) })).status).toBe(200);
  });

  it('answers IncompleteSignatureException to a malformed Authorization header', async () => {
    const v2 = await signedCall({ authorization: () => 'AWS AKIDLOCAL:abc' });
    expect(v2.body).toEqual({
      __type: 'IncompleteSignatureException',
      message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS AKIDLOCAL:abc",
    });
    const spaced = await signedCall({ authorization: (a) => a.replace('Credential=AKIDLOCAL/', 'Credential=AKIDLOCAL /') });
    expect(spaced.body.__type).toBe('IncompleteSignatureException');
    expect(spaced.body.message).toMatch(/^'\/\d{8}\/us-east-1\/rekognition\/aws4_request' not a valid key=value pair \(missing equal-sign\) in Authorization header: 'AWS4-HMAC-SHA256 /);
    const short = await signedCall({ authorization: (a) => a.replace('/us-east-1/', '/') });
    expect(short.body.__type).toBe('IncompleteSignatureException');
    expect(short.body.message).toMatch(/^Credential must have exactly 5 slash-delimited elements, e\.g\. keyid\/date\/region\/service\/term, got 'AKIDLOCAL\//);
  });

  it('lets the SDK correct a skewed clock from the Date header, as it does on AWS', async () => {
    const skewed = new RekognitionClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret-one' }, systemClockOffset: -3600_000 });
    const out = await skewed.send(new ListCollectionsCommand({}));
    expect(out.$metadata.attempts).toBe(2);
  });
});

describe('the control plane under strict auth', () => {
  const control = (path: string, init: RequestInit = {}) => fetch(`${server.endpoint}/_rekognition${path}`, init);

  it('keeps health and readiness open, for health checks', async () => {
    expect((await control('/health')).status).toBe(200);
    // Lazy models: ready at once.
    expect((await control('/ready')).status).toBe(200);
  });

  it('requires the control token for reset, pins and faults', async () => {
    expect((await control('/reset', { method: 'POST' })).status).toBe(401);
    expect((await control('/pins', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await control('/reset', { method: 'POST', headers: { authorization: 'Bearer tok-123' } });
    expect(ok.status).toBe(200);
  });

  it('is closed when strict auth has no token', async () => {
    const closed = await serve(createEmulator({ strictAuth: true, lazyModels: true, logLevel: 'error' }), { port: 0 });
    try {
      expect((await fetch(`${closed.endpoint}/_rekognition/reset`, { method: 'POST' })).status).toBe(403);
      expect((await fetch(`${closed.endpoint}/_rekognition/health`)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });
});
