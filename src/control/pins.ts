/**
 * Result pinning: a user can fix the response an operation gives for one image, chosen by the
 * SHA-256 of its bytes or by its S3 bucket and key, to drive their application's branches in tests.
 * Pins are validated against the operation's output shape when they are set.
 */
import { createHash } from 'node:crypto';

export interface PinSelector {
  operation: string;
  sha256?: string;
  bucket?: string;
  key?: string;
}

export interface Pin extends PinSelector {
  response: Record<string, unknown>;
}

const keyOf = (s: PinSelector) => (s.sha256 ? `${s.operation}|sha256:${s.sha256.toLowerCase()}` : `${s.operation}|s3:${s.bucket}/${s.key}`);

export class PinStore {
  private pins = new Map<string, Pin>();

  set(pin: Pin): void {
    this.pins.set(keyOf(pin), pin);
  }

  delete(selector?: PinSelector): number {
    if (!selector) {
      const n = this.pins.size;
      this.pins.clear();
      return n;
    }
    return this.pins.delete(keyOf(selector)) ? 1 : 0;
  }

  list(): Pin[] {
    return [...this.pins.values()];
  }

  /** The pin matching the request's main image or video (Image, SourceImage, Video), if any. */
  find(operation: string, input: Record<string, unknown>): Pin | undefined {
    if (this.pins.size === 0) return undefined;
    const media = (input.Image ?? input.SourceImage ?? input.Video) as { Bytes?: Buffer; S3Object?: { Bucket?: string; Name?: string } } | undefined;
    if (!media) return undefined;
    if (media.Bytes) {
      const sha256 = createHash('sha256').update(media.Bytes).digest('hex');
      return this.pins.get(keyOf({ operation, sha256 }));
    }
    if (media.S3Object) return this.pins.get(keyOf({ operation, bucket: media.S3Object.Bucket, key: media.S3Object.Name }));
    return undefined;
  }
}
