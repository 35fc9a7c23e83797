/** The providers of the Rekognition API, one per family, assembled in this order. */
import type { ApiProvider } from '../api/handlers';
import type { ProviderDeps } from './deps';
import { createMediaAnalysisProvider } from './media-analysis';
import { createVideoProvider } from './video';

export type { ProviderDeps } from './deps';

export function createProviders(deps: ProviderDeps): ApiProvider[] {
  return [createVideoProvider(deps), createMediaAnalysisProvider(deps)];
}
