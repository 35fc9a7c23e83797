/**
 * The main thread's one way to the models: a typed client over the worker pool (models/pool.ts).
 *
 * - Tasks are checked at the call site: the table below derives every task's name, payload and
 *   result from the workers' `tasks` object with a type-only import, so this file (and the main
 *   thread) never loads worker code.
 * - Callers pass their RGB pixels (`image`); the client copies them into a transferred buffer
 *   (the caller's pixels stay usable) and resizes to fixed model inputs (nsfwjs' 224x224).
 * - Model load states live in the client, not in a module: two clients in one process share
 *   nothing. Workers report states; `states()` lists them for the health endpoint.
 */
import type { Transferable } from 'node:worker_threads';
import sharp from 'sharp';
import { EMBED_INPUT_SIZE, MODEL_CATALOG, NSFW_INPUT_SIZE, type ModelInfo, type ModelState } from './catalog';
import type { RgbPixels } from './evidence';
import type { ModelPlugin } from './plugins';
import { defaultPoolSize, PoolClosedError, Scheduler, TaskError, type Priority } from './pool';
import type { Tasks } from './tasks/index';

export { PoolClosedError, TaskError };
export type { ModelInfo, ModelState };

export type TaskName = keyof Tasks;
/** The payload as the worker receives it. */
export type WorkerPayload<K extends TaskName> = Parameters<Tasks[K]>[0];
export type TaskResult<K extends TaskName> = Awaited<ReturnType<Tasks[K]>>;

/** A worker payload's `pixels`/`width`/`height` become the caller's `image`. */
type WithImage<P> = P extends { pixels: ArrayBuffer; width: number; height: number } ? Omit<P, 'pixels' | 'width' | 'height'> & { image: RgbPixels } : P;

/** The payload a caller passes for `task`. */
export type TaskPayload<K extends TaskName> = K extends 'customLabels.embed'
  ? { /** EMBED_INPUT_SIZE x EMBED_INPUT_SIZE RGB images, embedded as one batch. */ images: readonly Uint8Array[] }
  : WithImage<WorkerPayload<K>>;

/** Every task with what a caller passes and what it gets back: the table `run` checks calls against. */
export type TaskTable = { [K in TaskName]: { payload: TaskPayload<K>; result: TaskResult<K> } };

/** Tasks that load a group of models (and run each once): the ones worth running on every worker. */
export type WarmupTask = Extract<TaskName, `${string}.warmup`>;

export interface ModelsClientOptions {
  /** Worker threads (default: one per core, capped by REKOGNITION_LOCAL_WORKERS). */
  size?: number;
  /** Model plugins from `--model-config` (src/analysis/model-config.ts reads the file). */
  plugins?: readonly ModelPlugin[];
}

/** A private copy of the pixels, so transferring it leaves the caller's pixels usable. */
function copyOf(data: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return copy;
}

/** Fixed model inputs: the client resizes (stretching, as the models were trained) before sending. */
const FIXED_INPUT: Partial<Record<TaskName, number>> = { 'vision.nsfw': NSFW_INPUT_SIZE };

async function resized(image: RgbPixels, side: number): Promise<RgbPixels> {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).resize(side, side, { fit: 'fill' }).raw().toBuffer();
  return { data, width: side, height: side };
}

/** The caller's payload as the worker takes it, and what to transfer. */
async function wire(task: TaskName, payload: unknown): Promise<{ payload: unknown; transfer: Transferable[] }> {
  if (task === 'customLabels.embed') {
    const { images } = payload as TaskPayload<'customLabels.embed'>;
    const size = EMBED_INPUT_SIZE * EMBED_INPUT_SIZE * 3;
    const pixels = new ArrayBuffer(images.length * size);
    images.forEach((image, i) => {
      if (image.byteLength !== size) throw new Error(`customLabels.embed takes ${EMBED_INPUT_SIZE}x${EMBED_INPUT_SIZE} RGB images, got ${image.byteLength} bytes`);
      new Uint8Array(pixels, i * size, size).set(image);
    });
    return { payload: { pixels, count: images.length } satisfies WorkerPayload<'customLabels.embed'>, transfer: [pixels] };
  }
  if (payload && typeof payload === 'object' && 'image' in payload) {
    const { image, ...rest } = payload as { image: RgbPixels };
    const side = FIXED_INPUT[task];
    const input = side ? await resized(image, side) : image;
    const pixels = copyOf(input.data);
    return { payload: { ...rest, pixels, width: input.width, height: input.height }, transfer: [pixels] };
  }
  return { payload, transfer: [] };
}

/** What every view of one client shares. */
interface Shared {
  scheduler: Scheduler;
  models: Map<string, ModelInfo>;
  plugins: readonly ModelPlugin[];
}

export class ModelsClient {
  private shared: Shared;
  private priority: Priority = 'request';

  constructor(options: ModelsClientOptions = {}) {
    const models = new Map<string, ModelInfo>();
    const plugins = options.plugins ?? [];
    for (const m of MODEL_CATALOG) models.set(m.name, { ...m, state: 'not-loaded' });
    for (const p of plugins) if (!models.has(p.name)) models.set(p.name, { name: p.name, package: p.path, capability: `user model plugin (${p.capability})`, state: 'not-loaded' });
    const scheduler = new Scheduler(options.size ?? defaultPoolSize(), (name, state, error) => {
      const info = models.get(name);
      if (info) Object.assign(info, { state, error });
    });
    this.shared = { scheduler, models, plugins };
  }

  /** Number of worker threads. */
  get size(): number {
    return this.shared.scheduler.size;
  }

  /** The model plugins this client runs (`vision.plugin`, `vision.detector`), from its options. */
  get plugins(): readonly ModelPlugin[] {
    return this.shared.plugins;
  }

  /** The same workers and states, with every task queued behind requests' tasks: for video jobs and other background work. */
  background(): ModelsClient {
    const view = Object.create(ModelsClient.prototype) as ModelsClient;
    view.shared = this.shared;
    view.priority = 'background';
    return view;
  }

  /**
   * Runs a task from models/tasks on the next free worker. `transfer` lists extra buffers of the
   * payload to move rather than copy (pixels given as `image` are copied and moved already).
   * Rejects with PoolClosedError once the client is closed, TaskError when the task fails.
   */
  async run<K extends TaskName>(task: K, payload: TaskPayload<K>, transfer: Transferable[] = []): Promise<TaskResult<K>> {
    const sent = await wire(task, payload);
    return this.shared.scheduler.run<TaskResult<K>>(task, sent.payload, [...sent.transfer, ...transfer], this.priority);
  }

  /** Runs a warm-up task once on every worker (all started), after whatever each is running. */
  broadcast(task: WarmupTask): Promise<void> {
    return this.shared.scheduler.broadcast(task, {});
  }

  /**
   * Loads every model in every worker (and runs each once), so the first request does not pay
   * for it: the groups go to all workers at once, so workers load in parallel, one per core.
   * Rejects (after every group finished) naming the group(s) that failed.
   */
  async warmup(): Promise<void> {
    const groups: [WarmupTask, string][] = [
      ['faces.warmup', 'face models'],
      ['vision.warmup', 'image models'],
      ['text.warmup', 'text models'],
      ['liveness.warmup', 'liveness models'],
      ['customLabels.warmup', 'custom labels model'],
    ];
    // A plugin loads on its first image: a small grey one.
    const plugins = this.shared.plugins.map((plugin) => {
      const grey = { pixels: new Uint8Array(32 * 32 * 3).fill(128).buffer, width: 32, height: 32 };
      const loaded =
        plugin.capability === 'detector'
          ? this.shared.scheduler.broadcast('vision.detector', { ...grey, plugin } satisfies WorkerPayload<'vision.detector'>)
          : this.shared.scheduler.broadcast('vision.plugin', { ...grey, plugin } satisfies WorkerPayload<'vision.plugin'>);
      return [loaded, `model plugin ${plugin.name}`] as const;
    });
    const work = [...groups.map(([task, name]) => [this.broadcast(task), name] as const), ...plugins];
    const settled = await Promise.allSettled(work.map(([promise]) => promise));
    const failed: string[] = [];
    settled.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      if (outcome.reason instanceof PoolClosedError) throw outcome.reason;
      failed.push(`${work[i][1]} failed to load: ${(outcome.reason as Error).message}`);
    });
    if (failed.length) throw new Error(failed.join('; '));
  }

  /** Every model (built-in, then plugins) with its load state, as the health endpoint lists them. */
  states(): ModelInfo[] {
    return [...this.shared.models.values()].map((m) => ({ ...m }));
  }

  /** Stops the workers; queued and later tasks reject with PoolClosedError. */
  close(): Promise<void> {
    return this.shared.scheduler.close();
  }
}
