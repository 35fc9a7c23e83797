/**
 * The control plane's side of stream processors (emulator-only; server/control-plane.ts routes to
 * the provider's `feed` and `results`):
 *
 * - POST /_rekognition/stream-processors/<name>/video feeds a started processor one video "as if
 *   it arrived on its Kinesis video stream". Body: `{"s3": {"Bucket", "Name", "Version"?}}` (read
 *   from --s3-dir or --s3-endpoint like any S3Object) or `{"path": "<Bucket>/<Key>"}` (a file under
 *   --s3-dir, with the same containment rules), optional `"producerTimestamp"` (ms since the epoch
 *   of the video's first frame; default: when the request arrives), optional `"account"` and
 *   `"region"` when the name alone is ambiguous. H.264 only, as Rekognition streaming requires.
 *   Answers when the video has been analysed, with a report of what it produced.
 * - GET /_rekognition/stream-processors/<name>/results: the current or latest session's output
 *   (face search records as put to Kinesis; label detection notifications and S3 objects).
 */
import { errors, RekognitionError } from '../../api/errors';
import type { S3Object } from '../../api/generated/types';
import { probeVideo, UnsupportedVideoError, type VideoInfo } from '../../media/probe';
import { s3ObjectToFile, type LocalObject, type MediaContext } from '../../media/s3';
import { MAX_VIDEO_BYTES } from '../../media/video';
import type { Scope } from '../../runtime/scope';
import type { ProviderDeps } from '../deps';
import { acceptsVideo, StreamFeedError, type FeedReport, type SessionResults, type StreamSessions } from './sessions';
import { settle } from './status';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The account and region of the processor called `name`: as given, else the only one there is. */
function scopeOf(deps: ProviderDeps, name: string, account: unknown, region: unknown): Scope {
  if (account !== undefined && typeof account !== 'string') throw new StreamFeedError(400, `'account' must be a string`);
  if (region !== undefined && typeof region !== 'string') throw new StreamFeedError(400, `'region' must be a string`);
  if (account || region) return { account: account || deps.runtime.config.defaultAccount, region: region || deps.runtime.config.defaultRegion };
  const scopes = deps.stores.streamProcessors.scopesWithName(name);
  if (scopes.length === 0) throw new StreamFeedError(404, `no stream processor is named ${name}`);
  if (scopes.length > 1) throw new StreamFeedError(400, `${scopes.length} stream processors are named ${name} (${scopes.map((s) => `${s.account}/${s.region}`).join(', ')}): give 'account' and 'region'`);
  return scopes[0];
}

/** The video's S3 location and how to read it. */
function sourceOf(deps: ProviderDeps, body: Record<string, unknown>, region: string): { object: S3Object; media: MediaContext } {
  const { s3, path } = body;
  if ((s3 === undefined) === (path === undefined)) throw new StreamFeedError(400, `give either 's3' {"Bucket","Name"} or 'path' ("<Bucket>/<Key>" under --s3-dir)`);
  if (s3 !== undefined) {
    if (!isObject(s3) || typeof s3.Bucket !== 'string' || typeof s3.Name !== 'string' || (s3.Version !== undefined && typeof s3.Version !== 'string')) {
      throw new StreamFeedError(400, `'s3' must be {"Bucket": string, "Name": string, "Version"?: string}`);
    }
    return { object: { Bucket: s3.Bucket, Name: s3.Name, Version: s3.Version as string | undefined }, media: { config: deps.runtime.config, clients: deps.runtime.clients, region } };
  }
  if (typeof path !== 'string') throw new StreamFeedError(400, `'path' must be a string: "<Bucket>/<Key>" under --s3-dir`);
  if (!deps.runtime.config.s3Dir) throw new StreamFeedError(400, `'path' reads from --s3-dir, and rekognition-local was started without one`);
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  if (slash <= 0 || slash === trimmed.length - 1) throw new StreamFeedError(400, `'path' must be "<Bucket>/<Key>" under --s3-dir`);
  // Only the folder source: a path is never fetched from an S3 endpoint.
  return { object: { Bucket: trimmed.slice(0, slash), Name: trimmed.slice(slash + 1) }, media: { config: { s3Dir: deps.runtime.config.s3Dir }, clients: deps.runtime.clients, region } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function feedStreamProcessor(deps: ProviderDeps, sessions: StreamSessions, name: string, body: unknown): Promise<FeedReport> {
  if (!isObject(body)) throw new StreamFeedError(400, 'send a JSON object: {"s3": {"Bucket","Name"}} or {"path": "<Bucket>/<Key>"}, optional "producerTimestamp"');
  const scope = scopeOf(deps, name, body.account, body.region);
  const { producerTimestamp } = body;
  if (producerTimestamp !== undefined && (typeof producerTimestamp !== 'number' || !Number.isInteger(producerTimestamp) || producerTimestamp < 0)) {
    throw new StreamFeedError(400, `'producerTimestamp' must be milliseconds since the epoch (a non-negative integer)`);
  }
  let processor = settle(deps, sessions, scope, name);
  if (!processor) throw new StreamFeedError(404, `no stream processor ${name} in account ${scope.account}, region ${scope.region}`);
  // A face search processor still STARTING takes the video once it is RUNNING (as a stream would wait).
  if (processor.kind === 'FACE_SEARCH' && processor.status === 'STARTING' && processor.pending?.status === 'RUNNING') {
    await sleep(Math.max(0, processor.pending.atMs - deps.runtime.clock.now()) + 5);
    processor = settle(deps, sessions, scope, name);
    if (!processor) throw new StreamFeedError(404, `the stream processor ${name} was deleted`);
  }
  const refusal = acceptsVideo(processor);
  if (refusal) throw new StreamFeedError(409, refusal);

  const { object, media } = sourceOf(deps, body, scope.region);
  let local: LocalObject;
  try {
    local = await s3ObjectToFile(object, media, {
      maxBytes: MAX_VIDEO_BYTES,
      tooLarge: (size) => errors.videoTooLarge(`Video size in bytes: ${size} is more than the maximum limit of: ${MAX_VIDEO_BYTES} bytes.`),
    });
  } catch (err) {
    if (err instanceof RekognitionError) throw new StreamFeedError(400, `${err.type}: ${err.message}`);
    throw err;
  }
  try {
    let info: VideoInfo;
    try {
      info = await probeVideo(local.path);
    } catch (err) {
      if (err instanceof UnsupportedVideoError) throw new StreamFeedError(400, `s3://${object.Bucket}/${object.Name} is not a video ffmpeg can read (${err.reason})`);
      throw err;
    }
    if (info.metadata.Codec !== 'h264') {
      throw new StreamFeedError(400, `Rekognition stream processors analyse H.264 video; s3://${object.Bucket}/${object.Name} is ${info.metadata.Codec ?? 'not video'}`);
    }
    return await sessions.feed(processor, local.path, info, producerTimestamp);
  } finally {
    await local.cleanup();
  }
}

export function streamProcessorResults(deps: ProviderDeps, sessions: StreamSessions, name: string, query: { account?: unknown; region?: unknown }): SessionResults & { status: string } {
  const scope = scopeOf(deps, name, query.account, query.region);
  const processor = settle(deps, sessions, scope, name);
  if (!processor) throw new StreamFeedError(404, `no stream processor ${name} in account ${scope.account}, region ${scope.region}`);
  const results = sessions.results(scope, name);
  if (!results) throw new StreamFeedError(404, `the stream processor ${name} has no session since this server started: start it and feed it video`);
  return { ...results, status: processor.status };
}
