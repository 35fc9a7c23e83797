/** The providers of the Rekognition API, one per family, assembled in this order. */
import type { ApiProvider } from '../api/handlers';
import type { ProviderDeps } from './deps';

export type { ProviderDeps } from './deps';

export function createProviders(_deps: ProviderDeps): ApiProvider[] {
  return [];
}
