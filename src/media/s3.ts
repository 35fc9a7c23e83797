/**
 * Reads `S3Object {Bucket, Name, Version}` inputs, from a local folder (`--s3-dir DIR`, objects at
 * DIR/<Bucket>/<Name>, versions at DIR/<Bucket>/<Name>.versions/<Version>) or from an S3-compatible
 * endpoint (`--s3-endpoint URL`, Version sent as VersionId). When both are configured the folder
 * wins: it is the explicit choice, while the endpoint may come from AWS_ENDPOINT_URL_S3 in the
 * environment.
 *
 * Every failure to find or reach an object is InvalidS3ObjectException, as on AWS, where a missing
 * key, a missing bucket and a denied access all give the same message.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, createWriteStream, type Stats } from 'node:fs';
import { mkdir, mkdtemp, open, readlink, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { errors, RekognitionError } from '../api/errors';
import type { S3Object } from '../api/generated/types';
import type { Config } from '../runtime/config';
import type { SdkClients } from '../runtime/sdk-clients';

/** What reading media needs from a request: where S3 objects live and the caller's region. */
export interface MediaContext {
  config: Pick<Config, 's3Dir' | 's3Endpoint'>;
  region: string;
  clients: SdkClients;
}

/** The largest object a caller accepts, and the error it gives for a larger one. */
export interface SizeLimit {
  maxBytes: number;
  tooLarge: (size: number) => RekognitionError;
}

/** An S3 object available as a local file; call `cleanup` once done with it. */
export interface LocalObject {
  path: string;
  size: number;
  cleanup: () => Promise<void>;
}

interface Location {
  bucket: string;
  key: string;
  version?: string;
}

const noSource = () =>
  errors.invalidS3Object(
    'rekognition-local has no S3 source configured: start it with --s3-dir DIR (objects are read from DIR/<Bucket>/<Name>) or --s3-endpoint URL.',
  );

function locate(object: S3Object | undefined): Location {
  // Which error AWS gives for an S3Object without Bucket or Name is not known; this is our choice.
  if (!object?.Bucket || !object.Name) throw errors.invalidS3Object();
  return { bucket: object.Bucket, key: object.Name, version: object.Version || undefined };
}

/** The whole object in memory, refused with `limit.tooLarge` before reading when it is too big. */
export async function readS3Object(object: S3Object | undefined, ctx: MediaContext, limit: SizeLimit): Promise<Buffer> {
  const where = locate(object);
  if (ctx.config.s3Dir) {
    const file = await openInDir(ctx, ctx.config.s3Dir, where);
    try {
      if (file.size > limit.maxBytes) throw limit.tooLarge(file.size);
      return await collect(file.handle.createReadStream({ autoClose: false }), limit);
    } catch (err) {
      throw asS3Error(err);
    } finally {
      await file.handle.close();
    }
  }
  if (ctx.config.s3Endpoint) {
    const body = await getFromEndpoint(ctx, ctx.config.s3Endpoint, where, limit);
    try {
      return await collect(body, limit);
    } catch (err) {
      throw asS3Error(err);
    }
  }
  throw noSource();
}

/**
 * The object as a private local copy under os.tmpdir(), for tools that open files by name
 * (ffprobe, ffmpeg). The folder source is copied too, from the verified descriptor: a job that runs
 * later analyses exactly what was accepted now, whatever happens to the folder meanwhile.
 */
export async function s3ObjectToFile(object: S3Object | undefined, ctx: MediaContext, limit: SizeLimit): Promise<LocalObject> {
  const where = locate(object);
  if (ctx.config.s3Dir) {
    const file = await openInDir(ctx, ctx.config.s3Dir, where);
    try {
      if (file.size > limit.maxBytes) throw limit.tooLarge(file.size);
      return await copyToTemp(file.handle.createReadStream({ autoClose: false, start: 0 }), where, limit);
    } finally {
      await file.handle.close();
    }
  }
  if (ctx.config.s3Endpoint) {
    return copyToTemp(await getFromEndpoint(ctx, ctx.config.s3Endpoint, where, limit), where, limit);
  }
  throw noSource();
}

async function copyToTemp(body: AsyncIterable<Uint8Array>, where: Location, limit: SizeLimit): Promise<LocalObject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rekognition-local-s3-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  // Keep the extension (a hint for ffprobe) but never use the key itself as a file name.
  const file = path.join(dir, `object${path.extname(where.key).replace(/[^A-Za-z0-9.]/g, '')}`);
  let size = 0;
  try {
    await pipeline(
      body,
      async function* (source: AsyncIterable<Uint8Array>) {
        try {
          for await (const chunk of source) {
            size += chunk.length;
            if (size > limit.maxBytes) throw limit.tooLarge(size);
            yield chunk;
          }
        } catch (err) {
          throw asS3Error(err);
        }
      },
      createWriteStream(file, { flags: 'wx', mode: 0o600 }),
    );
  } catch (err) {
    // Read failures are S3 errors (mapped above); a local write failure stays an internal error.
    await cleanup();
    throw err;
  }
  return { path: file, size, cleanup };
}

/**
 * Writes an object (reference images, job results) to the same S3 source reads come from: the
 * folder DIR/<Bucket>/<Key> or the endpoint (PutObject). As on S3, the bucket must already exist
 * (for the folder source: the folder DIR/<Bucket>); folders inside the key are created. A failure
 * is an S3WriteError whose message says what went wrong; callers turn it into their own error.
 */
export async function writeS3Object(bucket: string, key: string, body: Buffer, ctx: MediaContext, contentType?: string): Promise<void> {
  if (!bucket || !key) throw new S3WriteError('an S3 object needs a bucket and a key');
  if (ctx.config.s3Dir) return writeInDir(ctx.config.s3Dir, bucket, key, body);
  if (ctx.config.s3Endpoint) {
    try {
      await clientFor(ctx.clients, ctx.config.s3Endpoint, ctx.region).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (err) {
      throw new S3WriteError(`PutObject s3://${bucket}/${key} failed: ${(err as Error).name ?? 'error'}: ${(err as Error).message ?? String(err)}`);
    }
    return;
  }
  throw new S3WriteError('rekognition-local has no S3 destination configured: start it with --s3-dir DIR or --s3-endpoint URL.');
}

/** Why writeS3Object could not store an object. */
export class S3WriteError extends Error {
  override name = 'S3WriteError';
}

// ---- folder source ----

/**
 * Names that could leave DIR are refused before touching the disk: `..` segments, absolute keys,
 * NUL bytes, separators in a bucket name. Backslashes count as separators too, so the rule does
 * not depend on the platform.
 */
function escapes(bucket: string, key: string): boolean {
  if (bucket.includes('\0') || key.includes('\0')) return true;
  if (/[/\\]/.test(bucket) || bucket === '.' || bucket === '..') return true;
  if (path.isAbsolute(key) || key.startsWith('/') || key.startsWith('\\')) return true;
  return key.split(/[/\\]/).includes('..');
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * The file of an object inside its bucket folder: <Name> itself, or for a Version the sidecar
 * <Name>.versions/<Version> (a `/` in the version id is a sub-folder there, as in keys). A version
 * without its file fails as a missing object does, as AWS fails for a version the bucket does not hold.
 */
function fileKey(where: Location): string {
  return where.version === undefined ? where.key : `${where.key}.versions/${where.version}`;
}

/** Opens DIR/<Bucket>/<Name> or the requested version for reading (see openInside). */
async function openInDir(ctx: MediaContext, dir: string, where: Location): Promise<OpenedFile> {
  const key = fileKey(where);
  const file = path.join(dir, where.bucket, key);
  if (escapes(where.bucket, key)) {
    ctx.clients.log.debug('S3 object refused: its name leaves the --s3-dir folder', { bucket: where.bucket, key: where.key, version: where.version, dir });
    throw errors.invalidS3Object();
  }
  try {
    return await openInside(await realpath(dir), path.join(where.bucket, key));
  } catch (err) {
    ctx.clients.log.debug('S3 object not read from the --s3-dir folder', { path: file, version: where.version, error: describe(err) });
    throw asS3Error(err);
  }
}

/** A regular file opened for reading, proven to lie inside its folder; read it only through `handle`. */
export interface OpenedFile {
  handle: FileHandle;
  /** Where the opened file lies, for messages (never open it again by this path). */
  path: string;
  size: number;
}

/**
 * Opens ROOT/<relative> so that what is read lies inside ROOT, whatever symlinks sit on the path or
 * are swapped in meanwhile. Checking a path and then opening it races (a folder on the way can
 * become a symlink in between), so the order is reversed: open first (links are followed, so links
 * that stay inside ROOT keep working), then prove that the opened descriptor is a file inside ROOT,
 * and read only from that descriptor. The proof is the descriptor's own path (/proc/self/fd on
 * Linux) or, where there is no procfs, the real path of the name resolving to the same inode as the
 * descriptor. Opening does not read: an outside file opened through a link is closed unread.
 * `root` must be a real path. A file outside ROOT, or not a regular file, is InvalidS3ObjectException;
 * a failed open keeps its system error (ENOENT...) for the caller's log.
 */
export async function openInside(root: string, relative: string): Promise<OpenedFile> {
  let handle: FileHandle | undefined;
  try {
    // O_NONBLOCK: a FIFO must not hang the request (it is refused below as not a file).
    handle = await open(path.join(root, relative), fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const opened = await handle.stat();
    const real = await descriptorPath(handle, path.join(root, relative), opened);
    if (!real || !isInside(root, real) || !opened.isFile()) throw errors.invalidS3Object();
    return { handle, path: real, size: opened.size };
  } catch (err) {
    await handle?.close();
    throw err;
  }
}

/** The whole of ROOT/<relative>, read through openInside (refused past `maxBytes`). */
export async function readFileInside(root: string, relative: string, maxBytes: number): Promise<Buffer> {
  const file = await openInside(await realpath(root), relative).catch((err: unknown) => {
    throw asS3Error(err);
  });
  try {
    const limit = { maxBytes, tooLarge: () => errors.invalidS3Object() };
    if (file.size > maxBytes) throw limit.tooLarge();
    return await collect(file.handle.createReadStream({ autoClose: false, start: 0 }), limit);
  } finally {
    await file.handle.close();
  }
}

/** The real path of the file a descriptor has open, or undefined when it cannot be proven. */
async function descriptorPath(handle: FileHandle, name: string, opened: Stats): Promise<string | undefined> {
  try {
    const real = await readlink(`/proc/self/fd/${handle.fd}`);
    // A file deleted since it was opened reads `PATH (deleted)`: nothing to prove then.
    return path.isAbsolute(real) && !real.endsWith(' (deleted)') ? real : undefined;
  } catch {
    // No procfs (macOS, BSD): the name's real path must reach the very inode that was opened.
    const real = await realpath(name);
    const now = await stat(real);
    return now.dev === opened.dev && now.ino === opened.ino ? real : undefined;
  }
}

/**
 * Writes DIR/<Bucket>/<Key> with the same containment rules as reads: names that could leave DIR
 * are refused up front, and every folder on the way (existing or created) must resolve inside DIR,
 * so a symlinked folder pointing elsewhere is refused rather than written through. The bytes go to
 * a temporary file in the target folder (opened O_EXCL | O_NOFOLLOW), are flushed, and are renamed
 * over the key: a reader never sees half an object, and a symlink at the key is replaced, not followed.
 */
async function writeInDir(dir: string, bucket: string, key: string, body: Buffer): Promise<void> {
  const where = `s3://${bucket}/${key}`;
  if (escapes(bucket, key) || key.endsWith('/') || key.endsWith('\\')) throw new S3WriteError(`${where}: the key is not a valid object name here`);
  let root: string;
  try {
    root = await realpath(dir);
  } catch {
    throw new S3WriteError(`the --s3-dir folder ${dir} does not exist`);
  }
  let bucketDir: string;
  try {
    bucketDir = await realpath(path.join(root, bucket));
    if (!(await stat(bucketDir)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new S3WriteError(`${where}: the bucket ${bucket} does not exist (no folder ${path.join(dir, bucket)})`);
  }
  if (!isInside(root, bucketDir)) throw new S3WriteError(`${where}: the bucket folder resolves outside --s3-dir`);

  const parts = key.split(/[/\\]/).filter((p) => p !== '' && p !== '.');
  const name = parts.pop();
  if (!name) throw new S3WriteError(`${where}: the key is not a valid object name here`);
  let parent = bucketDir;
  for (const part of parts) {
    const next = path.join(parent, part);
    try {
      await mkdir(next);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new S3WriteError(`${where}: cannot create folder ${part}: ${(err as Error).message}`);
    }
    let real: string;
    try {
      real = await realpath(next);
    } catch (err) {
      throw new S3WriteError(`${where}: ${(err as Error).message}`);
    }
    if (!isInside(root, real)) throw new S3WriteError(`${where}: the folder ${part} resolves outside --s3-dir`);
    parent = real;
  }

  const target = path.join(parent, name);
  const temp = path.join(parent, `.${name}.${randomBytes(6).toString('hex')}.rekognition-local-tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o644);
    await handle.writeFile(body);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw new S3WriteError(`${where}: ${(err as Error).message}`);
  }
}

// ---- endpoint source ----

function clientFor(clients: SdkClients, endpoint: string, region: string): S3Client {
  return clients.get('s3', endpoint, region, (base) =>
    new S3Client({
      ...base,
      forcePathStyle: true,
      // Checksums only when required: many S3-compatible servers do not know the newer ones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  );
}

/** HeadObject for the size, then GetObject for the body: nothing is downloaded for an object that is too large. */
async function getFromEndpoint(ctx: MediaContext, endpoint: string, where: Location, limit: SizeLimit): Promise<AsyncIterable<Uint8Array>> {
  const client = clientFor(ctx.clients, endpoint, ctx.region);
  const params = { Bucket: where.bucket, Key: where.key, VersionId: where.version };
  let size: number | undefined;
  try {
    size = (await client.send(new HeadObjectCommand(params))).ContentLength;
  } catch (err) {
    reportEndpointFailure(ctx, endpoint, where, err);
    throw errors.invalidS3Object();
  }
  if (size !== undefined && size > limit.maxBytes) throw limit.tooLarge(size);
  let body: unknown;
  try {
    const got = await client.send(new GetObjectCommand(params));
    body = got.Body;
    // The object may have changed since HeadObject.
    if (got.ContentLength !== undefined && got.ContentLength > limit.maxBytes) {
      destroy(body);
      throw limit.tooLarge(got.ContentLength);
    }
  } catch (err) {
    if (!(err instanceof RekognitionError)) reportEndpointFailure(ctx, endpoint, where, err);
    throw asS3Error(err);
  }
  if (!isAsyncIterable(body)) throw errors.invalidS3Object();
  return body;
}

/** Network failures that mean nothing answered at the endpoint (as opposed to an S3 error answer). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError']);

/**
 * The caller gets AWS's InvalidS3ObjectException either way; the log says what happened: an
 * endpoint that does not answer at all is a warning, an S3 error answer a debug line.
 */
function reportEndpointFailure(ctx: MediaContext, endpoint: string, where: Location, err: unknown): void {
  const e = err as { code?: string; name?: string; cause?: { code?: string }; $metadata?: { httpStatusCode?: number } };
  const code = e.code ?? e.cause?.code ?? e.name ?? '';
  const fields = { endpoint, bucket: where.bucket, key: where.key, error: describe(err) };
  if (UNREACHABLE.has(code) && !e.$metadata?.httpStatusCode) ctx.clients.log.warn('S3 endpoint unreachable', fields);
  else ctx.clients.log.debug('S3 object not read from the endpoint', { ...fields, status: e.$metadata?.httpStatusCode });
}

// ---- shared ----

/** An error's name, code and message, for a log line. */
function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  return [e.name, e.code, e.message ?? String(err)].filter(Boolean).join(': ');
}

/** Reads a stream into memory, stopping as soon as it grows past the limit. */
async function collect(stream: AsyncIterable<Uint8Array>, limit: SizeLimit): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > limit.maxBytes) throw limit.tooLarge(total);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Our own errors pass through; anything else (I/O, S3 client) is an object we could not get. */
function asS3Error(err: unknown): RekognitionError {
  return err instanceof RekognitionError ? err : errors.invalidS3Object();
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function destroy(body: unknown): void {
  if (typeof body === 'object' && body !== null && 'destroy' in body && typeof body.destroy === 'function') body.destroy();
}
