/** The providers of the Rekognition API, one per family, assembled in this order. */
import type { ApiProvider } from '../api/handlers';
import type { ProviderDeps } from './deps';
import { createCelebritiesProvider } from './celebrities';
import { createCollectionsProvider } from './collections';
import { createCustomLabelsProvider } from './custom-labels';
import { createFacesProvider } from './faces';
import { createLivenessProvider, type LivenessProvider } from './liveness';
import { createStreamProcessorsProvider, type StreamProcessorsProvider } from './stream-processors';

export type { ProviderDeps } from './deps';

/** Every provider, and by name those the control plane calls besides their API handlers. */
export interface Providers {
  all: ApiProvider[];
  liveness: LivenessProvider;
  streams: StreamProcessorsProvider;
}

export function createProviders(deps: ProviderDeps): Providers {
  const liveness = createLivenessProvider(deps);
  const streams = createStreamProcessorsProvider(deps);
  return {
    all: [createCollectionsProvider(deps), createFacesProvider(deps), createCelebritiesProvider(deps), liveness, streams, createCustomLabelsProvider(deps)],
    liveness,
    streams,
  };
}
