/** --strict-auth: signatures are verified against the configured keys, from the JS SDK and the AWS CLI. */
import { ListCollectionsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/cli';
import { serve, type RunningServer } from '../../server/http';
import { createEmulator } from '../../src/emulator';
import { call } from '../support/spawn-server';

const run = promisify(execFile);
let server: RunningServer;

beforeAll(async () => {
  // The command line as a user gives it, served in this process.
  const config = parseConfig(['--strict-auth', '--credentials', 'AKIDLOCAL:secret-one,123456789012:secret-two', '--lazy-models', '--log-level', 'error']);
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
