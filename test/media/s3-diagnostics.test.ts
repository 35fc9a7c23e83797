/** Failed S3 reads say in the log where they looked and why, while the caller gets AWS's error. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readS3Object, type MediaContext } from '../../src/media/s3';
import { Logger } from '../../src/runtime/logger';
import { SdkClients } from '../../src/runtime/sdk-clients';
import { expectError } from './helpers';

const limit = { maxBytes: 1024, tooLarge: () => new Error('too large') as never };

function logged(config: MediaContext['config']): { ctx: MediaContext; lines: string[] } {
  const lines: string[] = [];
  const log = new Logger('debug', (line) => lines.push(line));
  return { ctx: { config, clients: new SdkClients(log), region: 'us-east-1' }, lines };
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('S3 read diagnostics', () => {
  const dir = mkdtempSync(join(tmpdir(), 's3-diag-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the folder path and the error of a missing object', async () => {
    const { ctx, lines } = logged({ s3Dir: dir });
    await expectError(readS3Object({ Bucket: 'photos', Name: 'missing.jpg' }, ctx, limit), 'InvalidS3ObjectException');
    expect(lines.join('')).toMatch(/DEBUG S3 object not read from the --s3-dir folder .*photos\/missing\.jpg.*ENOENT/);
  });

  it('warns that an endpoint is unreachable, naming it, and still answers AWS\'s error', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const { ctx, lines } = logged({ s3Endpoint: endpoint });
    await expectError(readS3Object({ Bucket: 'photos', Name: 'cat.jpg' }, ctx, limit), 'InvalidS3ObjectException');
    const warning = lines.find((l) => l.includes('WARN S3 endpoint unreachable'));
    expect(warning).toContain(endpoint);
    expect(warning).toContain('ECONNREFUSED');
  });
});
