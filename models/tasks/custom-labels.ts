/**
 * Custom Labels in a pool worker: image embeddings (MobileNetV2 backbone, models/runtime/
 * mobilenet-features.ts) and the fit of the linear classifier (models/custom-labels-fit.ts),
 * so neither runs on the server's event loop.
 */
import { DEFAULT_TRAIN_OPTIONS, trainLinear, type LinearModel, type TrainOptions } from '../custom-labels-fit';
import { CUSTOM_LABELS_MODEL, type ModelState } from '../catalog';
import type { Task, TaskContext } from './index';

/**
 * The runtime (tfjs, the nsfwjs weights) loads inside the worker on first use, so the server process
 * that imports these names for its requests never loads a model.
 */
const runtime = () => import('../runtime/mobilenet-features');


export interface EmbedPayload {
  /** `count` images of 224x224 8-bit RGB, back to back (transferred). */
  pixels: ArrayBuffer;
  count: number;
}

export interface EmbedResult {
  /** count x dim floats. */
  features: Float32Array;
  dim: number;
  featureVersion: string;
}

export interface FitPayload {
  X: Float32Array;
  n: number;
  dim: number;
  targets: number[][];
  labels: string[];
  options?: Partial<TrainOptions>;
  featureVersion: string;
}

export type FitResult = Omit<LinearModel, 'thresholds'>;

let loaded = false;

async function ready(ctx: TaskContext): Promise<void> {
  if (loaded) return;
  ctx.reportModelState(CUSTOM_LABELS_MODEL, 'loading' satisfies ModelState);
  try {
    await (await runtime()).warmFeatures();
    loaded = true;
    ctx.reportModelState(CUSTOM_LABELS_MODEL, 'ready');
  } catch (err) {
    ctx.reportModelState(CUSTOM_LABELS_MODEL, 'failed', (err as Error).message);
    throw err;
  }
}

export const customLabelsTasks = {
  'customLabels.embed': async (payload: EmbedPayload, ctx): Promise<EmbedResult> => {
    await ready(ctx);
    const { embedImages, FEATURE_DIM, FEATURE_VERSION } = await runtime();
    const features = await embedImages(new Uint8Array(payload.pixels), payload.count);
    return { features, dim: FEATURE_DIM, featureVersion: FEATURE_VERSION };
  },
  'customLabels.fit': async (payload: FitPayload): Promise<FitResult> =>
    trainLinear(
      { X: payload.X, n: payload.n, dim: payload.dim, targets: payload.targets, labels: payload.labels },
      { ...DEFAULT_TRAIN_OPTIONS, ...payload.options },
      payload.featureVersion,
    ),
  'customLabels.warmup': async (_payload: unknown, ctx) => {
    await ready(ctx);
    return true;
  },
} satisfies Record<string, Task>;
