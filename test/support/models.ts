/**
 * One models client for every model-backed test file of a run: the `models` project runs those
 * files one after another in one process without isolation (vitest.config.ts), so the client's
 * workers load each model once per run instead of once per file. Files must not close it.
 */
import { ModelsClient } from '../../models/client';

let shared: ModelsClient | undefined;

export function sharedModels(): ModelsClient {
  // One worker: up to three test processes each hold a client, and the machine has two cores.
  shared ??= new ModelsClient({ size: 1 });
  return shared;
}
