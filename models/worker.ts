/** The inference worker: runs the tasks models/tasks defines, one message at a time. */
import { parentPort } from 'node:worker_threads';
import { tasks, type Task } from './tasks/index';
import type { ModelState } from './catalog';

if (!parentPort) throw new Error('models/worker.ts must run as a worker thread');
const port = parentPort;

/** Tasks report their models' load state through this; the client that owns the pool keeps it. */
export function reportModelState(name: string, state: ModelState, error?: string): void {
  port.postMessage({ kind: 'model-state', name, state, error });
}

const byName: Record<string, Task> = tasks;

port.on('message', async (message: { id: number; task: string; payload: unknown }) => {
  const run = Object.hasOwn(byName, message.task) ? byName[message.task] : undefined;
  try {
    if (!run) throw new Error(`unknown inference task ${message.task}`);
    const result = await run(message.payload as never, { reportModelState });
    port.postMessage({ kind: 'result', id: message.id, result });
  } catch (err) {
    const e = err as Error & { errorType?: string };
    port.postMessage({ kind: 'error', id: message.id, message: e.message ?? String(err), errorType: e.errorType });
  }
});
