/** Calling handlers the way the protocol does (validation, handler, wire JSON), on a private database. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { DetectedFace } from '../../src/analysis/faces';
import { operations, type OperationName } from '../../src/api/generated/model';
import type { FaceDetail } from '../../src/api/generated/types';
import { serializeOutput } from '../../src/api/serialize';
import { validateInput } from '../../src/api/validate';
import { defaultConfig } from '../../src/runtime/config';
import type { RequestContext } from '../../src/operations/context';
import { handlerFor } from '../../src/operations/registry';
import { storesFor } from '../support/stores';
import { IdGenerator } from '../../src/runtime/ids';
import { systemClock } from '../../src/runtime/clock';
import { Logger } from '../../src/runtime/logger';
import { SdkClients } from '../../src/runtime/sdk-clients';
import type { ModelsClient } from '../../models/client';

export function makeContext(options: { dataDir?: string; celebritiesDir?: string; account?: string } = {}): RequestContext {
  return {
    config: { ...defaultConfig, dataDir: options.dataDir, celebritiesDir: options.celebritiesDir },
    ...storesFor(options.dataDir),
    ids: new IdGenerator(), clock: systemClock, log: new Logger('warn'), clients: new SdkClients(),
    startedAt: new Date(),
    // These tests replace the face analysis, so no inference runs.
    inference: undefined as unknown as ModelsClient,
    account: options.account ?? '123456789012',
    region: 'us-east-1',
    requestId: 'test',
    operation: '',
  };
}

export const tempDir = () => mkdtempSync(join(tmpdir(), 'faces-'));

/** Runs one operation: validated input, handler, wire JSON parsed back (so key order is the wire's). */
// The tests probe arbitrary paths of the wire JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call(ctx: RequestContext, operation: OperationName, input: Record<string, unknown>): Promise<Record<string, any>> {
  const model = operations[operation];
  const validated = validateInput(JSON.parse(JSON.stringify(input)), model.input!);
  const info = handlerFor(operation);
  if (!info) throw new Error(`no handler for ${operation}`);
  const output = await info.handler(validated as never, { ...ctx, operation });
  return JSON.parse(serializeOutput(output, model.output));
}

/** A distinct small PNG per seed: the tests key synthetic detections by its SHA-256. */
export async function pngBytes(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 120, height: 100, channels: 3, background: { r: seed % 256, g: (seed * 7) % 256, b: (seed * 13) % 256 } } })
    .png()
    .toBuffer();
}

export const goodQuality = { brightness: 80, sharpness: 60, confidence: 99.9, pose: { roll: 0, yaw: 2, pitch: 1 }, sizeRatio: 0.3 };

export function syntheticFace(embedding: number[] | undefined, box: { Width: number; Height: number; Left: number; Top: number }, quality = goodQuality): DetectedFace {
  const detail: FaceDetail = {
    BoundingBox: box,
    Landmarks: [{ Type: 'eyeLeft', X: box.Left + box.Width * 0.3, Y: box.Top + box.Height * 0.4 }],
    Pose: { Roll: quality.pose.roll, Yaw: quality.pose.yaw, Pitch: quality.pose.pitch },
    Quality: { Brightness: quality.brightness, Sharpness: quality.sharpness },
    Confidence: quality.confidence,
  };
  return { detail, embedding, quality };
}
