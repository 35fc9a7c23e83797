/** S3 objects from the folder source (--s3-dir): reads, sub-folders, errors, and path-escape attempts. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImage } from '../../src/media/image';
import { readS3Object } from '../../src/media/s3';
import { errors } from '../../src/api/errors';
import { expectError, fixture, fixturePath, mediaCtx, S3_MISSING } from './helpers';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'media-s3dir-'));
const s3Dir = path.join(tmp, 's3');
const outside = path.join(tmp, 'outside');
const secret = path.join(outside, 'secret.png');
const ctx = mediaCtx({ s3Dir });

function hasMkfifo(): boolean {
  try {
    execFileSync('mkfifo', [path.join(tmp, 'probe-fifo')]);
    return true;
  } catch {
    return false;
  }
}
let fifos = false;

/** An access time far in the past: any read of the file moves it (even under relatime). */
const OLD = new Date('2001-01-01T00:00:00Z');
/** Whether this file system records reads in atime at all (not under noatime). */
let atimeRecordsReads = false;

beforeAll(() => {
  mkdirSync(path.join(s3Dir, 'photos', '2024', 'trips'), { recursive: true });
  mkdirSync(path.join(s3Dir, 'photos', 'folder'));
  mkdirSync(path.join(outside, 'dir'), { recursive: true });
  copyFileSync(fixturePath('coffee.png'), path.join(s3Dir, 'photos', 'coffee.png'));
  copyFileSync(fixturePath('chelsea.png'), path.join(s3Dir, 'photos', '2024', 'trips', 'chelsea cat.png'));
  // Valid images outside the folder: if any guard failed, loading them would succeed.
  copyFileSync(fixturePath('astronaut.png'), secret);
  copyFileSync(fixturePath('astronaut.png'), path.join(outside, 'dir', 'secret.png'));
  symlinkSync(secret, path.join(s3Dir, 'photos', 'link-out.png'));
  symlinkSync(path.relative(path.join(s3Dir, 'photos'), secret), path.join(s3Dir, 'photos', 'relative-link-out.png'));
  symlinkSync(path.join(outside, 'dir'), path.join(s3Dir, 'photos', 'linkdir'));
  symlinkSync(outside, path.join(s3Dir, 'escape'));
  symlinkSync('coffee.png', path.join(s3Dir, 'photos', 'link-in.png'));
  // Versions: DIR/<Bucket>/<Name>.versions/<Version>.
  mkdirSync(path.join(s3Dir, 'photos', 'coffee.png.versions', '3'), { recursive: true });
  copyFileSync(fixturePath('chelsea.png'), path.join(s3Dir, 'photos', 'coffee.png.versions', 'v1'));
  copyFileSync(fixturePath('rocket.jpg'), path.join(s3Dir, 'photos', 'coffee.png.versions', '3', 'L4kqtJl+rmSp'));
  mkdirSync(path.join(s3Dir, 'photos', 'deleted.png.versions'));
  copyFileSync(fixturePath('chelsea.png'), path.join(s3Dir, 'photos', 'deleted.png.versions', 'old'));
  symlinkSync(secret, path.join(s3Dir, 'photos', 'coffee.png.versions', 'link-out'));
  symlinkSync(path.join(outside, 'dir'), path.join(s3Dir, 'photos', 'linked.png.versions'));
  fifos = hasMkfifo();
  if (fifos) {
    execFileSync('mkfifo', [path.join(s3Dir, 'photos', 'pipe')]);
    execFileSync('mkfifo', [path.join(outside, 'pipe')]);
    symlinkSync(path.join(outside, 'pipe'), path.join(s3Dir, 'photos', 'pipe-out'));
  }

  const canary = path.join(tmp, 'canary');
  writeFileSync(canary, 'x');
  utimesSync(canary, OLD, OLD);
  readFileSync(canary);
  atimeRecordsReads = statSync(canary).atimeMs !== OLD.getTime();
  utimesSync(secret, OLD, OLD);
  utimesSync(path.join(outside, 'dir', 'secret.png'), OLD, OLD);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('reading from --s3-dir', () => {
  it('reads DIR/<Bucket>/<Name>', async () => {
    const image = await loadImage({ S3Object: { Bucket: 'photos', Name: 'coffee.png' } }, ctx);
    expect(image).toMatchObject({ format: 'png', width: 600, height: 400 });
    expect(image.sha256).toBe(createHash('sha256').update(fixture('coffee.png')).digest('hex'));
  });

  it('reads keys with sub-folders (and spaces)', async () => {
    const image = await loadImage({ S3Object: { Bucket: 'photos', Name: '2024/trips/chelsea cat.png' } }, ctx);
    expect(image).toMatchObject({ width: 451, height: 300 });
  });

  it('reads a Version from DIR/<Bucket>/<Name>.versions/<Version>, and the plain file without one', async () => {
    const version = (Version?: string) => loadImage({ S3Object: { Bucket: 'photos', Name: 'coffee.png', Version } }, ctx);
    expect((await version('v1')).sha256).toBe(createHash('sha256').update(fixture('chelsea.png')).digest('hex'));
    expect((await version()).sha256).toBe(createHash('sha256').update(fixture('coffee.png')).digest('hex'));
    // A slash in a version id is a sub-folder, as in keys.
    expect((await version('3/L4kqtJl+rmSp')).format).toBe('jpeg');
    // A version outlives its object's deletion, as on S3.
    expect((await loadImage({ S3Object: { Bucket: 'photos', Name: 'deleted.png', Version: 'old' } }, ctx)).width).toBe(451);
    await expectError(loadImage({ S3Object: { Bucket: 'photos', Name: 'deleted.png' } }, ctx), 'InvalidS3ObjectException', S3_MISSING);
  });

  it.each([
    ['a version the object does not have', { Name: 'coffee.png', Version: 'v2' }],
    ['a version of an object without versions', { Name: '2024/trips/chelsea cat.png', Version: 'v1' }],
    ['a version that names the versions folder', { Name: 'coffee.png', Version: '.' }],
    ['a version that names a folder of versions', { Name: 'coffee.png', Version: '3' }],
  ])('refuses %s with InvalidS3ObjectException', async (_name, object) => {
    await expectError(loadImage({ S3Object: { Bucket: 'photos', ...object } }, ctx), 'InvalidS3ObjectException', S3_MISSING);
  });

  it('follows symlinks that stay inside the folder', async () => {
    const image = await loadImage({ S3Object: { Bucket: 'photos', Name: 'link-in.png' } }, ctx);
    expect(image.width).toBe(600);
  });

  it('works when --s3-dir is itself reached through a symlink', async () => {
    const alias = path.join(tmp, 's3-alias');
    symlinkSync(s3Dir, alias);
    const image = await loadImage({ S3Object: { Bucket: 'photos', Name: 'coffee.png' } }, mediaCtx({ s3Dir: alias }));
    expect(image.width).toBe(600);
  });

  it.each([
    ['a missing key', { Bucket: 'photos', Name: 'nope.png' }],
    ['a missing bucket', { Bucket: 'nobucket', Name: 'coffee.png' }],
    ['a key that is a folder', { Bucket: 'photos', Name: 'folder' }],
    ['a key with a trailing slash', { Bucket: 'photos', Name: 'coffee.png/' }],
    ['a key under a file', { Bucket: 'photos', Name: 'coffee.png/x' }],
    ['no Name', { Bucket: 'photos' }],
    ['no Bucket', { Name: 'coffee.png' }],
  ])('refuses %s with InvalidS3ObjectException', async (_name, object) => {
    await expectError(loadImage({ S3Object: object }, ctx), 'InvalidS3ObjectException', S3_MISSING);
  });

  it('refuses an S3 image over 15 MB before reading it', async () => {
    const big = path.join(s3Dir, 'photos', 'big.png');
    copyFileSync(fixturePath('coffee.png'), big);
    truncateSync(big, 15 * 1024 * 1024 + 1); // sparse: a valid PNG start, then zeros
    await expectError(loadImage({ S3Object: { Bucket: 'photos', Name: 'big.png' } }, ctx), 'ImageTooLargeException', 'Image size is too large.');
    truncateSync(big, 15 * 1024 * 1024);
    // At exactly 15 MB it is read (decoders ignore the zeros after the PNG's end).
    const image = await loadImage({ S3Object: { Bucket: 'photos', Name: 'big.png' } }, ctx);
    expect(image.bytes.length).toBe(15 * 1024 * 1024);
  });

  it('uses the caller limit', async () => {
    const object = { Bucket: 'photos', Name: 'coffee.png' };
    const size = statSync(path.join(s3Dir, 'photos', 'coffee.png')).size;
    await expectError(loadImage({ S3Object: object }, ctx, { maxS3Bytes: size - 1 }), 'ImageTooLargeException');
    const bytes = await readS3Object(object, ctx, { maxBytes: size, tooLarge: () => errors.imageTooLarge('x') });
    expect(bytes.equals(fixture('coffee.png'))).toBe(true);
  });

  it('says clearly when no S3 source is configured', async () => {
    const err = await expectError(loadImage({ S3Object: { Bucket: 'photos', Name: 'coffee.png' } }, mediaCtx({})), 'InvalidS3ObjectException');
    expect(err.message).toMatch(/no S3 source/);
    expect(err.message).toMatch(/--s3-dir/);
    expect(err.message).toMatch(/--s3-endpoint/);
  });

  it.skipIf(process.platform === 'win32')('refuses a FIFO inside the folder without hanging', async () => {
    if (!fifos) return;
    await expectError(loadImage({ S3Object: { Bucket: 'photos', Name: 'pipe' } }, ctx), 'InvalidS3ObjectException', S3_MISSING);
  });
});

describe('nothing outside --s3-dir is read', () => {
  it('the files outside are valid images (so a refusal below is the guard, not the content)', async () => {
    const image = await loadImage({ Bytes: readFileSync(secret) }, ctx);
    expect(image.width).toBe(512);
    utimesSync(secret, OLD, OLD);
  });

  it.each([
    ['a .. key', { Bucket: 'photos', Name: '../../outside/secret.png' }],
    ['.. in the middle of a key', { Bucket: 'photos', Name: '2024/../../../outside/secret.png' }],
    ['a .. bucket', { Bucket: '..', Name: 'outside/secret.png' }],
    ['a bucket with a slash', { Bucket: 'photos/../..', Name: 'outside/secret.png' }],
    ['a backslash .. key', { Bucket: 'photos', Name: '..\\..\\outside\\secret.png' }],
    ['an absolute key', { Bucket: 'photos', Name: secret }],
    ['a NUL byte in the key', { Bucket: 'photos', Name: 'coffee.png\0../../outside/secret.png' }],
    ['a NUL byte in the bucket', { Bucket: 'photos\0', Name: 'coffee.png' }],
    ['a symlinked file pointing outside', { Bucket: 'photos', Name: 'link-out.png' }],
    ['a relative symlink pointing outside', { Bucket: 'photos', Name: 'relative-link-out.png' }],
    ['a symlinked folder pointing outside', { Bucket: 'photos', Name: 'linkdir/secret.png' }],
    ['a symlinked bucket pointing outside', { Bucket: 'escape', Name: 'secret.png' }],
    ['a .. version', { Bucket: 'photos', Name: 'coffee.png', Version: '../../../outside/secret.png' }],
    ['a .. version in the middle', { Bucket: 'photos', Name: 'coffee.png', Version: 'x/../../../../outside/secret.png' }],
    ['a backslash .. version', { Bucket: 'photos', Name: 'coffee.png', Version: '..\\..\\..\\outside\\secret.png' }],
    ['a NUL byte in the version', { Bucket: 'photos', Name: 'coffee.png', Version: 'v1\0../../../outside/secret.png' }],
    ['a symlinked version pointing outside', { Bucket: 'photos', Name: 'coffee.png', Version: 'link-out' }],
    ['a symlinked versions folder pointing outside', { Bucket: 'photos', Name: 'linked.png', Version: 'secret.png' }],
  ])('refuses %s with InvalidS3ObjectException', async (_name, object) => {
    await expectError(loadImage({ S3Object: object }, ctx), 'InvalidS3ObjectException', S3_MISSING);
    await expectError(readS3Object(object, ctx, { maxBytes: 1e9, tooLarge: () => errors.imageTooLarge('x') }), 'InvalidS3ObjectException');
  });

  it.skipIf(process.platform === 'win32')('refuses a symlink to a FIFO outside', async () => {
    if (!fifos) return;
    await expectError(loadImage({ S3Object: { Bucket: 'photos', Name: 'pipe-out' } }, ctx), 'InvalidS3ObjectException', S3_MISSING);
  });

  it('left the outside files unread (their access times did not move)', () => {
    if (!atimeRecordsReads) return; // noatime mount: reads leave no trace to check
    expect(statSync(secret).atimeMs).toBe(OLD.getTime());
    expect(statSync(path.join(outside, 'dir', 'secret.png')).atimeMs).toBe(OLD.getTime());
  });
});
