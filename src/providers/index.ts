/** The providers of the Rekognition API, one per family, assembled in this order. */
import type { ApiProvider } from '../api/handlers';
import type { ProviderDeps } from './deps';
import { createLivenessProvider, type LivenessProvider } from './liveness';

export type { ProviderDeps } from './deps';

/** Every provider, and by name those the control plane calls besides their API handlers. */
export interface Providers {
  all: ApiProvider[];
  liveness: LivenessProvider;
}

export function createProviders(deps: ProviderDeps): Providers {
  const liveness = createLivenessProvider(deps);
  return { all: [liveness], liveness };
}
