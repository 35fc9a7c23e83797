// Worker threads start from this plain module: it installs the TypeScript loader in the worker
// (Node 20 resolves a worker's entry before --import hooks apply) and then loads the real worker.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
