/** What every provider is built from: the emulator's runtime, its stores, models and job runner. */
import type { Runtime } from '../runtime/context';
import type { Stores } from '../store';
import type { JobRunner } from '../jobs/runner';
import type { ModelsClient } from '../../models/client';

export interface ProviderDeps {
  runtime: Runtime;
  stores: Stores;
  /** Model inference, off the event loop. */
  models: ModelsClient;
  jobs: JobRunner;
}
