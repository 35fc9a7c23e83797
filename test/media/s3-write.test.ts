/**
 * writeS3Object: objects written to the folder source (--s3-dir) under the same containment rules
 * as reads, and to an S3-compatible endpoint (--s3-endpoint, s3rver here) with PutObject. Each
 * written object is read back through readS3Object, as the operations that wrote it would.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readS3Object, S3WriteError, writeS3Object } from '../../src/media/s3';
import { errors } from '../../src/api/errors';
import { mediaCtx } from './helpers';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'media-s3write-'));
const s3Dir = path.join(tmp, 's3');
const outside = path.join(tmp, 'outside');
const dirCtx = mediaCtx({ s3Dir });
const limit = { maxBytes: 1 << 20, tooLarge: () => errors.imageTooLarge('too large') };
const body = (text: string) => Buffer.from(text, 'utf8');

async function writeError(promise: Promise<unknown>): Promise<S3WriteError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the write to fail').toBeInstanceOf(S3WriteError);
  return err as S3WriteError;
}

beforeAll(() => {
  mkdirSync(path.join(s3Dir, 'results'), { recursive: true });
  mkdirSync(path.join(outside, 'dir'), { recursive: true });
  writeFileSync(path.join(outside, 'secret.txt'), 'untouched');
  symlinkSync(path.join(outside, 'dir'), path.join(s3Dir, 'results', 'linkdir'));
  symlinkSync(outside, path.join(s3Dir, 'escape'));
  symlinkSync(path.join(outside, 'secret.txt'), path.join(s3Dir, 'results', 'link-file.txt'));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('writing to --s3-dir', () => {
  it('writes DIR/<Bucket>/<Key>, creating the folders of the key, and reads back the same bytes', async () => {
    await writeS3Object('results', 'jobs/42/results/output.jsonl', body('{"a":1}\n'), dirCtx);
    expect(readFileSync(path.join(s3Dir, 'results', 'jobs', '42', 'results', 'output.jsonl'), 'utf8')).toBe('{"a":1}\n');
    expect((await readS3Object({ Bucket: 'results', Name: 'jobs/42/results/output.jsonl' }, dirCtx, limit)).toString()).toBe('{"a":1}\n');
  });

  it('replaces an existing object whole and leaves no temporary file behind', async () => {
    await writeS3Object('results', 'summary.json', body('first version, longer'), dirCtx);
    await writeS3Object('results', 'summary.json', body('second'), dirCtx);
    expect(readFileSync(path.join(s3Dir, 'results', 'summary.json'), 'utf8')).toBe('second');
    expect(readdirSync(path.join(s3Dir, 'results')).filter((f) => f.includes('rekognition-local-tmp'))).toEqual([]);
  });

  it('replaces a symlink at the key instead of writing through it', async () => {
    await writeS3Object('results', 'link-file.txt', body('replaced'), dirCtx);
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('untouched');
    expect(lstatSync(path.join(s3Dir, 'results', 'link-file.txt')).isSymbolicLink()).toBe(false);
  });

  it('refuses a bucket that has no folder, as S3 refuses a missing bucket', async () => {
    const err = await writeError(writeS3Object('no-such-bucket', 'a.txt', body('x'), dirCtx));
    expect(err.message).toBe(`s3://no-such-bucket/a.txt: the bucket no-such-bucket does not exist (no folder ${path.join(s3Dir, 'no-such-bucket')})`);
    expect(existsSync(path.join(s3Dir, 'no-such-bucket'))).toBe(false);
  });

  it.each([
    ['a .. segment', 'results', '../escaped.txt'],
    ['a deeper .. segment', 'results', 'a/../../escaped.txt'],
    ['an absolute key', 'results', '/etc/escaped.txt'],
    ['a backslash-absolute key', 'results', '\\escaped.txt'],
    ['a bucket with a separator', 'results/..', 'escaped.txt'],
    ['a bucket named ..', '..', 'escaped.txt'],
    ['a NUL byte', 'results', 'a\0b.txt'],
    ['a key ending in /', 'results', 'folder/'],
  ])('refuses %s before touching the disk', async (_name, bucket, key) => {
    await writeError(writeS3Object(bucket, key, body('x'), dirCtx));
    expect(existsSync(path.join(tmp, 'escaped.txt'))).toBe(false);
    expect(existsSync(path.join(s3Dir, 'escaped.txt'))).toBe(false);
  });

  it('refuses folders that resolve outside DIR, through a symlinked folder or bucket', async () => {
    expect((await writeError(writeS3Object('results', 'linkdir/out.txt', body('x'), dirCtx))).message).toMatch(/resolves outside --s3-dir/);
    expect((await writeError(writeS3Object('escape', 'out.txt', body('x'), dirCtx))).message).toMatch(/resolves outside --s3-dir/);
    expect(readdirSync(path.join(outside, 'dir'))).toEqual([]);
    expect(readdirSync(outside).sort()).toEqual(['dir', 'secret.txt']);
  });

  it('refuses a key whose name is an existing folder', async () => {
    await writeError(writeS3Object('results', 'jobs', body('x'), dirCtx));
  });

  it('needs an S3 source', async () => {
    expect((await writeError(writeS3Object('results', 'a.txt', body('x'), mediaCtx({})))).message).toMatch(/no S3 destination configured/);
  });
});

describe('writing to --s3-endpoint', () => {
  const BUCKET = 'write-bucket';
  let server: S3rver;
  let endpoint: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    // s3rver's built-in key pair
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(tmp, 'store'), configureBuckets: [{ name: BUCKET }] });
    const address = await server.run();
    endpoint = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    process.env = saved;
    await server.close();
  });

  it('puts the object with PutObject; reading it back gives the same bytes', async () => {
    const ctx = mediaCtx({ s3Endpoint: endpoint });
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    await writeS3Object(BUCKET, 'prefix/session/reference.jpg', bytes, ctx, 'image/jpeg');
    expect(await readS3Object({ Bucket: BUCKET, Name: 'prefix/session/reference.jpg' }, ctx, limit)).toEqual(bytes);
  });

  it('reports a missing bucket as an S3WriteError naming the object', async () => {
    const err = await writeError(writeS3Object('no-such-bucket', 'a.txt', body('x'), mediaCtx({ s3Endpoint: endpoint })));
    expect(err.message).toMatch(/^PutObject s3:\/\/no-such-bucket\/a\.txt failed: NoSuchBucket/);
  });
});
