/** Shared helpers for the media tests. */
import { SdkClients } from '../../src/runtime/sdk-clients';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { RekognitionError } from '../../src/api/errors';
import type { ImageContext } from '../../src/media/image';
import { MemoryBudget } from '../../src/runtime/memory-budget';

export const fixturePath = (name: string) => fileURLToPath(new URL(`../../fixtures/images/${name}`, import.meta.url));
export const fixture = (name: string) => readFileSync(fixturePath(name));

export const mediaCtx = (config: ImageContext['config'], region = 'us-east-1'): ImageContext => ({ config, clients: new SdkClients(), decodes: new MemoryBudget(1 << 30), region });

/** Awaits a promise that must fail with a RekognitionError of `type` (and `message`, when given). */
export async function expectError(promise: Promise<unknown>, type: string, message?: string | RegExp): Promise<RekognitionError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(RekognitionError);
  const rekognitionError = err as RekognitionError;
  expect(rekognitionError.type).toBe(type);
  if (typeof message === 'string') expect(rekognitionError.message).toBe(message);
  else if (message) expect(rekognitionError.message).toMatch(message);
  return rekognitionError;
}

export const S3_MISSING = 'Unable to get object metadata from S3. Check object key, region and/or access permissions.';
