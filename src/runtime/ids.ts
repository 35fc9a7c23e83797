/**
 * Identifier generation in AWS's formats. Random by default; the control plane can seed it so a
 * test run gets the same ids every time.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** RFC 4122's URL namespace, the one name-based ids are made in. */
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** 16 bytes as a UUID string, with its version and the RFC 4122 variant set. */
function formatUuid(b: Buffer, version: number): string {
  b[6] = (b[6] & 0x0f) | (version << 4);
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class IdGenerator {
  private seed: string | undefined;
  private counter = 0;

  /** Seeded ids come from SHA-256(seed, counter): stable across runs, distinct within one. */
  setSeed(seed: string | undefined): void {
    this.seed = seed;
    this.counter = 0;
  }

  get seeded(): string | undefined {
    return this.seed;
  }

  bytes(n: number): Buffer {
    if (this.seed === undefined) return randomBytes(n);
    const out = Buffer.alloc(n);
    let filled = 0;
    while (filled < n) {
      const block = createHash('sha256').update(`${this.seed}:${this.counter++}`).digest();
      filled += block.copy(out, filled);
    }
    return out;
  }

  /** A version 4 UUID (FaceId, request ids). */
  uuid(): string {
    if (this.seed === undefined) return randomUUID();
    return formatUuid(this.bytes(16), 4);
  }

  /** A name-based version 3 UUID, as AWS uses for ImageId; salted so re-indexing gives a new id. */
  nameBased(name: string): string {
    const salted = `${name}:${this.bytes(8).toString('hex')}`;
    return formatUuid(createHash('md5').update(URL_NAMESPACE).update(salted, 'utf8').digest().subarray(0, 16), 3);
  }

  /** Lowercase hex, e.g. 64 characters for a video JobId. */
  hex(length: number): string {
    return this.bytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
  }

  /** Alphanumeric, e.g. 8 characters for a celebrity Id. */
  alnum(length: number): string {
    return [...this.bytes(length)].map((b) => ALNUM[b % ALNUM.length]).join('');
  }
}
