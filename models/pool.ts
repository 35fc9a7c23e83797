/**
 * A pool of worker threads that run model inference, so the event loop never waits on a model.
 * tfjs-wasm runs single-threaded, so throughput comes from one worker per core. Each worker loads
 * the models its tasks need on first use (or on warm-up) and reports their state to the registry.
 */
import { availableParallelism } from 'node:os';
import { Worker, type Transferable } from 'node:worker_threads';
import { setModelState, type ModelState } from './registry';

type Reply =
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; message: string; errorType?: string }
  | { kind: 'model-state'; name: string; state: ModelState; error?: string };

interface Pending {
  resolve: (value: unknown) => void;
  reject: (reason: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
  pending: Map<number, Pending>;
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

const entryUrl = new URL('./worker-entry.mjs', import.meta.url);
const workerUrl = new URL('./worker.ts', import.meta.url).href;

export class WorkerPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size = Math.max(1, Math.min(availableParallelism(), Number(process.env.REKOGNITION_LOCAL_WORKERS) || availableParallelism()))) {}

  private spawn(): Slot {
    const worker = new Worker(entryUrl, { workerData: { entry: workerUrl } });
    const slot: Slot = { worker, busy: 0, pending: new Map() };
    worker.on('message', (reply: Reply) => {
      if (reply.kind === 'model-state') return setModelState(reply.name, reply.state, reply.error);
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      slot.busy--;
      if (reply.kind === 'result') pending.resolve(reply.result);
      else pending.reject(new TaskError(reply.message, reply.errorType));
    });
    worker.on('error', (err) => this.fail(slot, err));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(slot, new Error(`inference worker exited with code ${code}`));
    });
    return slot;
  }

  /** A worker died: its requests fail, and a fresh worker takes its place. */
  private fail(slot: Slot, err: Error): void {
    for (const pending of slot.pending.values()) pending.reject(err);
    slot.pending.clear();
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
  }

  private pick(): Slot {
    if (this.slots.length < this.size) {
      const idle = this.slots.find((s) => s.busy === 0);
      if (idle) return idle;
      const slot = this.spawn();
      this.slots.push(slot);
      return slot;
    }
    return this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  /** Runs a task from models/tasks on the least busy worker. */
  run<T>(task: string, payload: unknown, transfer: Transferable[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    const slot = this.pick();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      slot.busy++;
      slot.worker.postMessage({ id, task, payload }, transfer);
    });
  }

  /** Runs a task once on every worker (all started), e.g. to load models ahead of the first request. */
  async broadcast(task: string, payload: unknown): Promise<void> {
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise((resolve, reject) => {
            const id = this.nextId++;
            slot.pending.set(id, { resolve, reject });
            slot.busy++;
            slot.worker.postMessage({ id, task, payload });
          }),
      ),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }
}
