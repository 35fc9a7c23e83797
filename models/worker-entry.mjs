// Worker threads start from this plain module: it installs the TypeScript loader in the worker
// (Node 20 resolves a worker's entry before --import hooks apply) and then loads the real worker.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
import { setPriority } from 'node:os';

// Inference runs below the main thread's priority (on Linux this sets the calling thread, and the
// inference threads it starts inherit it), so under load the HTTP side — health, shedding, cheap
// calls — still gets the CPU promptly. Harmless where the system refuses it.
try {
  setPriority(10);
} catch {
  // not permitted here: keep the default priority
}

register();
await import(workerData.entry);
