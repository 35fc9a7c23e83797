/**
 * The scheduler behind ModelsClient (models/client.ts): worker threads that run model inference,
 * so the event loop never waits on a model. tfjs-wasm runs single-threaded, so throughput comes
 * from one worker per core. Each worker loads the models its tasks need on first use (or on
 * warm-up) and reports their state, which the scheduler hands to its owner (`onModelState`).
 *
 * Each worker runs one task at a time; waiting tasks queue here, synchronous requests' tasks ahead
 * of background work (video jobs), so a request waits for at most the task already running.
 * Tasks are addressed by name here; the client checks names, payloads and results.
 */
import { availableParallelism } from 'node:os';
import { Worker, type Transferable } from 'node:worker_threads';
import type { ModelState } from './catalog';

type Reply =
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; message: string; errorType?: string }
  | { kind: 'model-state'; name: string; state: ModelState; error?: string };

export type Priority = 'request' | 'background';

interface Queued {
  id: number;
  task: string;
  payload: unknown;
  transfer: Transferable[];
  resolve: (value: unknown) => void;
  reject: (reason: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The task this worker is running, if any. */
  running?: Queued;
}

/** A task asked of a closed pool, or still queued when it closed: the emulator is shutting down. */
export class PoolClosedError extends Error {
  constructor() {
    super('worker pool is closed');
    this.name = 'PoolClosedError';
  }
}

/** An error raised inside a task; `errorType` lets a task ask for a Rekognition error by name. */
export class TaskError extends Error {
  constructor(
    message: string,
    readonly errorType?: string,
  ) {
    super(message);
  }
}

// From the sources, a worker starts from a plain .mjs that installs tsx and then loads worker.ts;
// from the build (dist/, scripts/build.mjs), from the compiled worker beside the bundle.
const fromSources = import.meta.url.endsWith('.ts');
const entryUrl = fromSources ? new URL('./worker-entry.mjs', import.meta.url) : new URL('./worker.js', import.meta.url);
const workerUrl = new URL('./worker.ts', import.meta.url).href;

export type ModelStateListener = (name: string, state: ModelState, error?: string) => void;

/** Workers to start when not told: one per core, capped by REKOGNITION_LOCAL_WORKERS. */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(availableParallelism(), Number(process.env.REKOGNITION_LOCAL_WORKERS) || availableParallelism()));
}

/** The workers and the two queues, shared by every view of a client. */
export class Scheduler {
  private slots: Slot[] = [];
  private queues: Record<Priority, Queued[]> = { request: [], background: [] };
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly onModelState: ModelStateListener,
  ) {}

  private spawn(): Slot {
    const worker = new Worker(entryUrl, { workerData: { entry: workerUrl } });
    const slot: Slot = { worker };
    worker.on('message', (reply: Reply) => {
      if (reply.kind === 'model-state') return this.onModelState(reply.name, reply.state, reply.error);
      const running = slot.running;
      if (!running || running.id !== reply.id) return;
      slot.running = undefined;
      if (reply.kind === 'result') running.resolve(reply.result);
      else running.reject(new TaskError(reply.message, reply.errorType));
      this.dispatch();
    });
    worker.on('error', (err) => this.fail(slot, err));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(slot, new Error(`inference worker exited with code ${code}`));
    });
    return slot;
  }

  /** A worker died: its task fails, and a fresh worker takes its place for the tasks still queued. */
  private fail(slot: Slot, err: Error): void {
    slot.running?.reject(err);
    slot.running = undefined;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
    this.dispatch();
  }

  /** Gives each idle worker the next task, request work first; starts workers up to `size` as needed. */
  private dispatch(): void {
    for (;;) {
      const queue = this.queues.request.length ? this.queues.request : this.queues.background;
      if (!queue.length || this.closed) return;
      let slot = this.slots.find((s) => !s.running);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
        this.slots.push(slot);
      }
      const next = queue.shift()!;
      slot.running = next;
      slot.worker.postMessage({ id: next.id, task: next.task, payload: next.payload }, next.transfer);
    }
  }

  run<T>(task: string, payload: unknown, transfer: Transferable[], priority: Priority): Promise<T> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    return new Promise<T>((resolve, reject) => {
      this.queues[priority].push({ id: this.nextId++, task, payload, transfer, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Runs a task once on every worker (all started), after whatever each is running. */
  async broadcast(task: string, payload: unknown): Promise<void> {
    if (this.closed) throw new PoolClosedError();
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    // Each worker runs it as soon as it is idle, whatever is queued.
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise((resolve, reject) => {
            const id = this.nextId++;
            const send = () => {
              if (slot.running) return setTimeout(send, 10);
              slot.running = { id, task, payload, transfer: [], resolve, reject };
              slot.worker.postMessage({ id, task, payload });
            };
            send();
          }),
      ),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queued of [...this.queues.request, ...this.queues.background]) queued.reject(new PoolClosedError());
    this.queues = { request: [], background: [] };
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }
}
