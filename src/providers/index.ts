/** The providers of the Rekognition API, one per family, assembled in this order. */
import type { ApiProvider } from '../api/handlers';
import type { ProviderDeps } from './deps';
import { createImageAnalysisProvider } from './image-analysis';
import { createTextProvider } from './text';

export type { ProviderDeps } from './deps';

export function createProviders(deps: ProviderDeps): ApiProvider[] {
  return [
    createTextProvider(deps),
    createImageAnalysisProvider(deps),
  ];
}
