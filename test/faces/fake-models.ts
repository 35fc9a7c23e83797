/**
 * A stand-in for the models client that answers the `faces.detect` task from a table: each test
 * image (keyed by the hash of the pixels the analysis sends) shows the synthetic faces a test gave
 * it. The faces are written as the task's raw measurements (mesh, scores, region statistics), so
 * the real analysis in src/analysis/faces.ts turns them into FaceDetail, quality and embeddings.
 */
import { createHash } from 'node:crypto';
import { ANALYSIS_MAX_SIDE, detectorScoreFor } from '../../src/analysis/faces';
import { fitRgb, loadImage } from '../../src/media/image';
import { defaultConfig } from '../../src/runtime/config';
import { SdkClients } from '../../src/runtime/sdk-clients';
import { MemoryBudget } from '../../src/runtime/memory-budget';
import { REGIONS } from '../../models/face-regions';
import type { ModelsClient, TaskPayload } from '../../models/client';
import type { FaceTaskResult, RawFace, RegionStats } from '../../models/tasks/faces';

export interface FaceQuality {
  /** Quality.Brightness and Quality.Sharpness, 0-100. */
  brightness: number;
  sharpness: number;
  /** FaceDetail.Confidence, 0-100. */
  confidence: number;
  /** Degrees. */
  pose: { roll: number; yaw: number; pitch: number };
}

/** A face a test puts in an image: where it is, how good it looks, and its identity embedding (none: not embeddable). */
export interface SyntheticFace {
  embedding?: number[];
  /** The ArcFace-style descriptor; without it the face's identity descriptor is face-api's alone. */
  arcface?: number[];
  box: { Width: number; Height: number; Left: number; Top: number };
  quality: FaceQuality;
}

export const goodQuality: FaceQuality = { brightness: 80, sharpness: 60, confidence: 99.9, pose: { roll: 0, yaw: 2, pitch: 1 } };

export function syntheticFace(embedding: number[] | undefined, box: SyntheticFace['box'], quality = goodQuality): SyntheticFace {
  return { embedding, box, quality };
}

const radians = (degrees: number) => (degrees * Math.PI) / 180;

const stats = (mean: number, laplacian: number): RegionStats => ({
  pixels: 400,
  mean,
  std: 12,
  p10: mean - 20,
  p90: mean + 20,
  rgb: [mean, mean, mean],
  gradX: 4,
  gradY: 4,
  laplacian,
  hLine: 0,
  outside: 0,
});

/** The face task's raw output for a synthetic face in a width x height image. */
export function rawFace(face: SyntheticFace, width: number, height: number, embeddings: boolean): RawFace {
  const { box, quality } = face;
  const [left, top] = [box.Left * width, box.Top * height];
  const [right, bottom] = [(box.Left + box.Width) * width, (box.Top + box.Height) * height];
  const centre = [(left + right) / 2, (top + bottom) / 2];
  // Every point at the centre, two corners spanning the box, the eyes on a line at the face's roll.
  const points = Array.from({ length: 478 }, () => [centre[0], centre[1], 0]);
  points[10] = [left, top, 0];
  points[152] = [right, bottom, 0];
  const half = (right - left) / 4;
  const [dx, dy] = [half * Math.cos(radians(quality.pose.roll)), half * Math.sin(radians(quality.pose.roll))];
  for (const i of [33, 133, 468]) points[i] = [centre[0] - dx, centre[1] - dy, 0];
  for (const i of [362, 263, 473]) points[i] = [centre[0] + dx, centre[1] + dy, 0];
  // FaceDetail.Confidence comes from the detector score alone (faceConfidence); the mesh only gates.
  const faceScore = 1;
  const boxScore = detectorScoreFor(quality.confidence);
  const skin = 150;
  const regions = Object.fromEntries(Object.keys(REGIONS).map((name) => [name, stats(skin, 5)]));
  // Brightness is the face's mean luma on 0-100; sharpness 100 * (1 - exp(-laplacian / 8)).
  regions.face = stats((quality.brightness / 100) * 255, -8 * Math.log(1 - quality.sharpness / 100));
  return {
    mesh: points.flat(),
    boxScore,
    faceScore,
    angles: { roll: radians(quality.pose.roll), yaw: radians(quality.pose.yaw), pitch: radians(quality.pose.pitch) },
    embedding: embeddings ? face.embedding : undefined,
    arcface: embeddings ? face.arcface : undefined,
    regions,
  };
}

const hash = (pixels: Uint8Array) => createHash('sha256').update(pixels).digest('hex');

export class FakeFaceModels {
  private readonly faces = new Map<string, SyntheticFace[]>();
  /** Tasks run, for tests that count model work. */
  runs = 0;

  /** Makes the image show `faces` (largest first, as a detector lists them). */
  async show(bytes: Buffer, faces: SyntheticFace[]): Promise<void> {
    const image = await loadImage({ Bytes: bytes }, { config: defaultConfig, clients: new SdkClients(), decodes: new MemoryBudget(1 << 30), region: 'us-east-1' });
    const { data } = await fitRgb(await image.rgb(), ANALYSIS_MAX_SIDE);
    this.faces.set(hash(data), faces);
  }

  /** The fake as the emulator's models client. */
  get pool(): ModelsClient {
    return this as unknown as ModelsClient;
  }

  async run<T>(task: string, payload: unknown): Promise<T> {
    if (task !== 'faces.detect') throw new Error(`the fake models client has no ${task} task`);
    this.runs++;
    const { image, embeddings } = payload as TaskPayload<'faces.detect'>;
    const { width, height } = image;
    const faces = this.faces.get(hash(image.data)) ?? [];
    const result: FaceTaskResult = { faces: faces.map((f) => rawFace(f, width, height, Boolean(embeddings))), padded: false };
    return result as T;
  }

  background(): ModelsClient {
    return this.pool;
  }

  states(): [] {
    return [];
  }

  async warmup(): Promise<void> {}

  async close(): Promise<void> {}
}
