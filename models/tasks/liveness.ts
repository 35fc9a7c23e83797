/**
 * Face Liveness task: on one frame, human's face pipeline (blazeface + mesh) with its two
 * anti-spoofing nets enabled for this call only: `antispoof` (128x128 crop, "real face" score) and
 * `liveness` (32x32 crop, "live face" score), both run by human on its own upright face crop. Each
 * face also gets the pixel statistics DetectFaces uses (measureRegions), so src/analysis/faces.ts
 * can build the same BoundingBox, Pose and Quality for it. This file measures; src/analysis/liveness.ts
 * decides what the measurements mean.
 */
import { detectWithHuman, exclusive, getHuman } from '../runtime/human';
import { FACE_MODELS, LIVENESS_MODELS } from '../catalog';
import { REGIONS } from '../face-regions';
import { headAngles, measureRegions, type RawFace } from './faces';
import type { Task, TaskContext } from './index';
import type { RgbPixels } from '../evidence';


export interface LivenessTaskPayload {
  /** 8-bit RGB pixels, row-major (transferred). */
  pixels: ArrayBuffer;
  width: number;
  height: number;
}

export interface LivenessRawFace extends RawFace {
  /** human's antispoof score, 0-1 (1 = a real face rather than a reproduction); rounded by human to 0.01. */
  real: number;
  /** human's liveness score, 0-1 (1 = live); rounded by human to 0.01. */
  live: number;
}

export interface LivenessTaskResult {
  faces: LivenessRawFace[];
}

let loading: Promise<void> | undefined;

/** Loads the detector and both anti-spoofing nets once per worker, reporting their state. */
function loadModels(ctx: TaskContext): Promise<void> {
  loading ??= (async () => {
    for (const name of [FACE_MODELS.detector, LIVENESS_MODELS.antispoof, LIVENESS_MODELS.liveness]) ctx.reportModelState(name, 'loading');
    try {
      const human = await getHuman();
      await exclusive(() =>
        human.load({ face: { enabled: true, detector: { enabled: true }, mesh: { enabled: true }, iris: { enabled: true }, antispoof: { enabled: true }, liveness: { enabled: true } } }),
      );
      const models = human.models.models as Record<string, unknown>;
      if (!models.antispoof || !models.liveness) throw new Error('human did not load its antispoof and liveness models');
      for (const name of [FACE_MODELS.detector, LIVENESS_MODELS.antispoof, LIVENESS_MODELS.liveness]) ctx.reportModelState(name, 'ready');
    } catch (err) {
      for (const name of [LIVENESS_MODELS.antispoof, LIVENESS_MODELS.liveness]) ctx.reportModelState(name, 'failed', (err as Error).message);
      loading = undefined;
      throw err;
    }
  })();
  return loading;
}

interface HumanLivenessFace {
  mesh: number[][];
  boxScore: number;
  faceScore: number;
  rotation?: { matrix: number[] };
  /** Absent when human's score was exactly 0 (it only sets truthy scores). */
  real?: number;
  live?: number;
}

type Rgb = RgbPixels;

/** Tight crops (a face filling the frame) defeat the detector; as DetectFaces does, a second try pads the frame by this share of its longer side. */
const CROP_PAD = 0.3;

/** The frame with `pad` pixels added on every side, repeating its edge pixels. */
function padFrame(rgb: Rgb, pad: number): Rgb {
  const width = rgb.width + 2 * pad, height = rgb.height + 2 * pad;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(rgb.height - 1, Math.max(0, y - pad));
    for (let x = 0; x < width; x++) {
      const s = (sy * rgb.width + Math.min(rgb.width - 1, Math.max(0, x - pad))) * 3, d = (y * width + x) * 3;
      data[d] = rgb.data[s];
      data[d + 1] = rgb.data[s + 1];
      data[d + 2] = rgb.data[s + 2];
    }
  }
  return { data, width, height };
}

async function detect(rgb: Rgb): Promise<HumanLivenessFace[]> {
  const result = await detectWithHuman(rgb, { face: true }, {
    emotion: { enabled: false },
    description: { enabled: false },
    antispoof: { enabled: true },
    liveness: { enabled: true },
    detector: { enabled: true, rotation: true, maxDetected: 10, minConfidence: 0.2, iouThreshold: 0.1, return: false },
  });
  return (result.face as HumanLivenessFace[]).filter((f) => f.mesh.length >= 478);
}

export async function livenessTask(payload: LivenessTaskPayload, ctx: TaskContext): Promise<LivenessTaskResult> {
  await loadModels(ctx);
  const rgb: Rgb = { data: new Uint8Array(payload.pixels), width: payload.width, height: payload.height };
  let offset = 0;
  let found = await detect(rgb);
  if (!found.length) {
    offset = Math.round(Math.max(rgb.width, rgb.height) * CROP_PAD);
    found = await detect(padFrame(rgb, offset));
  }
  const faces = found.map((f): LivenessRawFace => {
    const mesh = f.mesh.flat();
    // Back to the frame's coordinates; the regions are measured on the frame itself, so a face the
    // padding completed shows how much of it lies outside the frame.
    for (let i = 0; offset && i < mesh.length; i += 3) {
      mesh[i] -= offset;
      mesh[i + 1] -= offset;
    }
    return {
      mesh,
      boxScore: f.boxScore,
      faceScore: f.faceScore,
      angles: f.rotation ? headAngles(f.rotation.matrix) : { roll: 0, yaw: 0, pitch: 0 },
      regions: measureRegions(rgb, mesh, REGIONS),
      real: f.real ?? 0,
      live: f.live ?? 0,
    };
  });
  return { faces };
}

export const livenessTasks = {
  'liveness.analyze': livenessTask,
  'liveness.warmup': async (_payload: unknown, ctx) => {
    await loadModels(ctx);
    return true;
  },
} satisfies Record<string, Task>;
