/** The providers of the Rekognition API, one per family, assembled in this order. */
import type { ApiProvider } from '../api/handlers';
import type { ProviderDeps } from './deps';
import { createCelebritiesProvider } from './celebrities';
import { createCollectionsProvider } from './collections';
import { createFacesProvider } from './faces';

export type { ProviderDeps } from './deps';

export function createProviders(deps: ProviderDeps): ApiProvider[] {
  return [
    createCollectionsProvider(deps),
    createFacesProvider(deps),
    createCelebritiesProvider(deps),
  ];
}
