/**
 * S3 objects from an S3-compatible endpoint (--s3-endpoint), against a real S3 implementation
 * (s3rver) started here. A small recording proxy in front of it shows which requests were made.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import s3rverAccounts from 's3rver/lib/models/account.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadImage } from '../../src/media/image';
import { loadVideoObject } from '../../src/media/video';
import { expectError, fixture, mediaCtx, S3_MISSING } from './helpers';

const BUCKET = 'media-bucket';
// s3rver checks signatures against the key pairs it knows; S3RVER/S3RVER is its built-in one.
const KEY = 'S3RVER';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'media-s3endpoint-'));
let server: S3rver;
let proxy: http.Server;
let endpoint: string;
/** Method, path and query of each request that reached S3 through the proxy. */
const seen: string[] = [];

/** Forwards requests untouched (the Host header too, so signatures still match) and records them. */
function startProxy(target: AddressInfo): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    url.searchParams.delete('x-id'); // the SDK's operation marker, noise here
    seen.push(`${req.method} ${url.pathname}${url.search}`);
    const upstream = http.request({ host: target.address, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const savedEnv = { ...process.env };
const useCredentials = (id?: string, secret?: string) => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.AWS_SESSION_TOKEN;
  if (id) process.env.AWS_ACCESS_KEY_ID = id;
  if (secret) process.env.AWS_SECRET_ACCESS_KEY = secret;
};

async function put(key: string, body: Buffer): Promise<void> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: KEY, secretAccessKey: KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  client.destroy();
}

beforeAll(async () => {
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(tmp, 'store'), configureBuckets: [{ name: BUCKET }] });
  const address = await server.run();
  proxy = await startProxy(address);
  endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  await put('coffee.png', fixture('coffee.png'));
  await put('albums/2024/chelsea.png', fixture('chelsea.png'));
  await put('clips/movie.mp4', fixture('astronaut.png')); // any bytes: only the S3 part is tested
});

afterAll(async () => {
  process.env = savedEnv;
  await new Promise((resolve) => proxy.close(resolve));
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  useCredentials(KEY, KEY);
  seen.length = 0;
});

const ctx = (region = 'us-east-1') => mediaCtx({ s3Endpoint: endpoint }, region);

describe('images from --s3-endpoint', () => {
  it('reads an object with HeadObject then GetObject', async () => {
    const image = await loadImage({ S3Object: { Bucket: BUCKET, Name: 'coffee.png' } }, ctx('eu-west-1'));
    expect(image).toMatchObject({ format: 'png', width: 600, height: 400 });
    expect(image.sha256).toBe(createHash('sha256').update(fixture('coffee.png')).digest('hex'));
    expect(seen).toEqual([`HEAD /${BUCKET}/coffee.png`, `GET /${BUCKET}/coffee.png`]);
  });

  it('reads keys with sub-folders', async () => {
    const image = await loadImage({ S3Object: { Bucket: BUCKET, Name: 'albums/2024/chelsea.png' } }, ctx());
    expect(image).toMatchObject({ width: 451, height: 300 });
  });

  it('passes Version as VersionId', async () => {
    // s3rver does not version objects and ignores the parameter; the request shows it was sent.
    await loadImage({ S3Object: { Bucket: BUCKET, Name: 'coffee.png', Version: 'v-123' } }, ctx());
    expect(seen).toEqual([`HEAD /${BUCKET}/coffee.png?versionId=v-123`, `GET /${BUCKET}/coffee.png?versionId=v-123`]);
  });

  it('refuses an object over the limit without downloading it', async () => {
    await expectError(
      loadImage({ S3Object: { Bucket: BUCKET, Name: 'coffee.png' } }, ctx(), { maxS3Bytes: 1000 }),
      'ImageTooLargeException',
      'Image size is too large.',
    );
    expect(seen).toEqual([`HEAD /${BUCKET}/coffee.png`]);
  });

  it.each([
    ['a missing key', { Bucket: BUCKET, Name: 'missing.png' }],
    ['a missing bucket', { Bucket: 'no-such-bucket', Name: 'coffee.png' }],
  ])('refuses %s with InvalidS3ObjectException', async (_name, object) => {
    await expectError(loadImage({ S3Object: object }, ctx()), 'InvalidS3ObjectException', S3_MISSING);
  });

  it('refuses an access error (unknown credentials) with InvalidS3ObjectException', async () => {
    useCredentials('NOT-A-KEY', 'nope');
    await expectError(loadImage({ S3Object: { Bucket: BUCKET, Name: 'coffee.png' } }, ctx()), 'InvalidS3ObjectException', S3_MISSING);
  });

  it('signs with dummy credentials test/test when the environment has none', async () => {
    useCredentials();
    await expectError(loadImage({ S3Object: { Bucket: BUCKET, Name: 'coffee.png' } }, ctx()), 'InvalidS3ObjectException');
    s3rverAccounts.DUMMY_ACCOUNT.createKeyPair('test', 'test');
    try {
      const image = await loadImage({ S3Object: { Bucket: BUCKET, Name: 'coffee.png' } }, ctx());
      expect(image.width).toBe(600);
    } finally {
      s3rverAccounts.DUMMY_ACCOUNT.revokeAccessKey('test');
    }
  });

  it('refuses with InvalidS3ObjectException when the endpoint is down', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    await expectError(loadImage({ S3Object: { Bucket: BUCKET, Name: 'coffee.png' } }, mediaCtx({ s3Endpoint: url })), 'InvalidS3ObjectException');
  });
});

describe('videos from --s3-endpoint', () => {
  const videoTmp = path.join(tmp, 'video-tmp');
  let savedTmpdir: string | undefined;
  beforeEach(() => {
    // os.tmpdir() follows TMPDIR, so downloads land where the test can watch them.
    rmSync(videoTmp, { recursive: true, force: true });
    savedTmpdir = process.env.TMPDIR;
    process.env.TMPDIR = videoTmp;
    mkdirSync(videoTmp);
  });
  afterEach(() => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
  });
  const tmpEntries = () => readdirSync(videoTmp);

  it('downloads into a temporary file that cleanup removes', async () => {
    const local = await loadVideoObject({ S3Object: { Bucket: BUCKET, Name: 'clips/movie.mp4' } }, ctx());
    expect(local.path.startsWith(videoTmp)).toBe(true);
    expect(path.basename(local.path)).toBe('object.mp4');
    expect(local.size).toBe(fixture('astronaut.png').length);
    expect(readFileSync(local.path).equals(fixture('astronaut.png'))).toBe(true);
    await local.cleanup();
    expect(tmpEntries()).toEqual([]);
  });

  it('refuses a video over the limit with VideoTooLargeException, downloading nothing', async () => {
    const size = fixture('astronaut.png').length;
    await expectError(
      loadVideoObject({ S3Object: { Bucket: BUCKET, Name: 'clips/movie.mp4' } }, ctx(), 1000),
      'VideoTooLargeException',
      `Video size in bytes: ${size} is more than the maximum limit of: 1000 bytes.`,
    );
    expect(seen).toEqual([`HEAD /${BUCKET}/clips/movie.mp4`]);
    expect(tmpEntries()).toEqual([]);
  });

  it('refuses a missing video with InvalidS3ObjectException', async () => {
    await expectError(loadVideoObject({ S3Object: { Bucket: BUCKET, Name: 'clips/none.mp4' } }, ctx()), 'InvalidS3ObjectException', S3_MISSING);
    expect(tmpEntries()).toEqual([]);
  });
});
