/**
 * Opaque NextTokens, at most 255 characters (the API model's constraint) whatever the length of
 * the ids they resume after (AWS-BEHAVIOUR §9). A token is base64 of: a format byte, 6 bytes of
 * hash binding it to its operation (and, where given, to the resource it lists), then the sort key
 * to resume after. A key too long to fit is written as its first bytes and a hash of the whole
 * key; the caller resolves it against the keys that share the prefix. Nothing is kept in memory,
 * so tokens survive a restart. A token of another operation or resource, or one that does not
 * decode, is InvalidPaginationTokenException.
 */
import { createHash } from 'node:crypto';
import { errors } from './errors';

const FULL = 1;
const COMPACT = 2;
const BINDING_BYTES = 6;
const KEY_HASH_BYTES = 8;
// 1 + 6 + 180 bytes = 187 bytes = 252 base64 characters.
const INLINE_KEY_BYTES = 180;
const PREFIX_BYTES = 160;

const hash = (text: string, bytes: number) => createHash('sha256').update(text).digest().subarray(0, bytes);
const binding = (operation: string, boundTo: string) => hash(`${operation}\0${boundTo}`, BINDING_BYTES);

export function encodePageToken(position: string, operation: string, boundTo = ''): string {
  const key = Buffer.from(position, 'utf8');
  if (key.length <= INLINE_KEY_BYTES) return Buffer.concat([Buffer.from([FULL]), binding(operation, boundTo), key]).toString('base64');
  let prefix = position.slice(0, PREFIX_BYTES);
  while (Buffer.byteLength(prefix) > PREFIX_BYTES) prefix = prefix.slice(0, -1);
  return Buffer.concat([Buffer.from([COMPACT]), binding(operation, boundTo), Buffer.from(prefix), hash(position, KEY_HASH_BYTES)]).toString('base64');
}

export interface TokenOptions {
  /** The resource the listing is bound to (a collection id, a project ARN). */
  boundTo?: string;
  /** For a long key: the current keys that start with its prefix, to find the key among them. */
  sharingPrefix?: (prefix: string) => string[];
  /** The listing runs in descending key order. */
  descending?: boolean;
}

/** The key to resume after; if a long key is gone, paging resumes at the first key sharing its prefix. */
export function decodePageToken(token: string, operation: string, { boundTo = '', sharingPrefix = () => [], descending = false }: TokenOptions = {}): string {
  const bytes = Buffer.from(token, 'base64');
  const head = BINDING_BYTES + 1;
  if (bytes.length < head || bytes.toString('base64') !== token || !bytes.subarray(1, head).equals(binding(operation, boundTo))) {
    throw errors.invalidPaginationToken();
  }
  if (bytes[0] === FULL) return bytes.subarray(head).toString('utf8');
  if (bytes[0] !== COMPACT || bytes.length <= head + KEY_HASH_BYTES) throw errors.invalidPaginationToken();
  const prefix = bytes.subarray(head, bytes.length - KEY_HASH_BYTES).toString('utf8');
  const keyHash = bytes.subarray(bytes.length - KEY_HASH_BYTES);
  const key = sharingPrefix(prefix).find((k) => k.startsWith(prefix) && hash(k, KEY_HASH_BYTES).equals(keyHash));
  // Every key longer than its prefix sorts after it, so a vanished key restarts its prefix group.
  return key ?? (descending ? `${prefix}\u{10ffff}` : prefix);
}
