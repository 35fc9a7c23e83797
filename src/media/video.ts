/**
 * The `Video` input of stored-video operations: its S3 object as a local file for ffprobe/ffmpeg.
 */
import { errors } from '../api/errors';
import type { Video } from '../api/generated/types';
import { s3ObjectToFile, type LocalObject, type MediaContext } from './s3';

/** AWS's stored-video limit: 10 GB. */
export const MAX_VIDEO_BYTES = 10 * 1024 * 1024 * 1024;

/**
 * Resolves `Video.S3Object` to a local file: the real file for --s3-dir, a temporary download for
 * --s3-endpoint. Always call `cleanup()` when done (a no-op for the folder source).
 */
export async function loadVideoObject(video: Video | undefined, ctx: MediaContext, maxBytes = MAX_VIDEO_BYTES): Promise<LocalObject> {
  return s3ObjectToFile(video?.S3Object, ctx, {
    maxBytes,
    tooLarge: (size) => errors.videoTooLarge(`Video size in bytes: ${size} is more than the maximum limit of: ${maxBytes} bytes.`),
  });
}
