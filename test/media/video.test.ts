/** loadVideoObject with the folder source: a private copy, the 10 GB limit, missing objects, escapes. */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVideoObject, MAX_VIDEO_BYTES } from '../../src/media/video';
import { expectError, fixturePath, mediaCtx, S3_MISSING } from './helpers';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'media-video-'));
const s3Dir = path.join(tmp, 's3');
const ctx = mediaCtx({ s3Dir });

beforeAll(() => {
  mkdirSync(path.join(s3Dir, 'videos', 'clips'), { recursive: true });
  // Content does not matter here: probing and decoding are not this module's job.
  copyFileSync(fixturePath('coffee.png'), path.join(s3Dir, 'videos', 'clips', 'movie.mp4'));
  writeFileSync(path.join(tmp, 'outside.mp4'), 'outside');
  symlinkSync(path.join(tmp, 'outside.mp4'), path.join(s3Dir, 'videos', 'out.mp4'));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('loadVideoObject from --s3-dir', () => {
  it('gives a private copy of DIR/<Bucket>/<Name>, which cleanup removes', async () => {
    const local = await loadVideoObject({ S3Object: { Bucket: 'videos', Name: 'clips/movie.mp4' } }, ctx);
    const file = realpathSync(path.join(s3Dir, 'videos', 'clips', 'movie.mp4'));
    expect(local.path).not.toBe(file);
    expect(readFileSync(local.path).equals(readFileSync(file))).toBe(true);
    expect(local.size).toBe(readFileSync(file).length);
    await local.cleanup();
    expect(existsSync(local.path)).toBe(false);
    expect(realpathSync(file)).toBe(file); // the object itself stays
  });

  it('copies a Version from <Name>.versions/<Version>; a version that is not there is InvalidS3ObjectException', async () => {
    const versions = path.join(s3Dir, 'videos', 'clips', 'movie.mp4.versions');
    mkdirSync(versions, { recursive: true });
    writeFileSync(path.join(versions, 'v1'), 'first cut');
    const local = await loadVideoObject({ S3Object: { Bucket: 'videos', Name: 'clips/movie.mp4', Version: 'v1' } }, ctx);
    expect(readFileSync(local.path, 'utf8')).toBe('first cut');
    await local.cleanup();
    await expectError(loadVideoObject({ S3Object: { Bucket: 'videos', Name: 'clips/movie.mp4', Version: 'v2' } }, ctx), 'InvalidS3ObjectException', S3_MISSING);
  });

  it('refuses a video over 10 GB with AWS message, without reading it', async () => {
    const big = path.join(s3Dir, 'videos', 'big.mp4');
    writeFileSync(big, '');
    truncateSync(big, MAX_VIDEO_BYTES + 1); // sparse: no disk space used
    await expectError(
      loadVideoObject({ S3Object: { Bucket: 'videos', Name: 'big.mp4' } }, ctx),
      'VideoTooLargeException',
      `Video size in bytes: ${MAX_VIDEO_BYTES + 1} is more than the maximum limit of: 10737418240 bytes.`,
    );
    // The limit itself is accepted (shown with a small limit: an accepted video is copied).
    truncateSync(big, 1024);
    const local = await loadVideoObject({ S3Object: { Bucket: 'videos', Name: 'big.mp4' } }, ctx, 1024);
    expect(local.size).toBe(1024);
    await local.cleanup();
  });

  it.each([
    ['a missing key', { S3Object: { Bucket: 'videos', Name: 'none.mp4' } }],
    ['a missing bucket', { S3Object: { Bucket: 'nobucket', Name: 'clips/movie.mp4' } }],
    ['a Video without S3Object', {}],
    ['a .. key', { S3Object: { Bucket: 'videos', Name: '../../outside.mp4' } }],
    ['a symlink pointing outside', { S3Object: { Bucket: 'videos', Name: 'out.mp4' } }],
  ])('refuses %s with InvalidS3ObjectException', async (_name, video) => {
    await expectError(loadVideoObject(video, ctx), 'InvalidS3ObjectException', S3_MISSING);
  });

  it('says clearly when no S3 source is configured', async () => {
    const err = await expectError(loadVideoObject({ S3Object: { Bucket: 'videos', Name: 'clips/movie.mp4' } }, mediaCtx({})), 'InvalidS3ObjectException');
    expect(err.message).toMatch(/--s3-dir.*--s3-endpoint/);
  });
});
