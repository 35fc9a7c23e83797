/**
 * Opaque NextTokens: the position to resume after, bound to the operation that issued it, in
 * base64. A token from another operation or one that does not decode is InvalidPaginationTokenException.
 */
import { errors } from './errors';

export function encodePageToken(position: string, operation: string): string {
  return Buffer.from(JSON.stringify({ o: operation, p: position })).toString('base64');
}

export function decodePageToken(token: string, operation: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown; p?: unknown };
    if (parsed.o === operation && typeof parsed.p === 'string') return parsed.p;
  } catch {
    // fall through
  }
  throw errors.invalidPaginationToken();
}
