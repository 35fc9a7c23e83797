/** The providers of the Rekognition API, one per family, assembled in this order. */
import { FaceAnalysis } from '../analysis/faces';
import type { ApiProvider } from '../api/handlers';
import { galleryOnDemand } from '../faces/celebrities';
import type { ProviderDeps } from './deps';
import { createCelebritiesProvider } from './celebrities';
import { createCollectionsProvider } from './collections';
import { createCustomLabelsProvider } from './custom-labels';
import { createFacesProvider } from './faces';
import { createImageAnalysisProvider } from './image-analysis';
import { createLivenessProvider, type LivenessProvider } from './liveness';
import { createMediaAnalysisProvider } from './media-analysis';
import { createStreamProcessorsProvider, type StreamProcessorsProvider } from './stream-processors';
import { createTagsProvider } from './tags';
import { createTextProvider } from './text';
import { createVideoProvider } from './video';

export type { ProviderDeps } from './deps';

/** Every provider, and by name those the control plane calls besides their API handlers. */
export interface Providers {
  all: ApiProvider[];
  liveness: LivenessProvider;
  streams: StreamProcessorsProvider;
}

export function createProviders(deps: ProviderDeps): Providers {
  const { runtime, models } = deps;
  // One face analysis, so an image analysed for one face operation is not analysed again for the next.
  const faces = new FaceAnalysis(models);
  const gallery = galleryOnDemand(runtime.config.celebritiesDir, {
    analysis: faces,
    media: { ...runtime, region: runtime.config.defaultRegion },
    log: runtime.log,
  });
  const liveness = createLivenessProvider(deps);
  const streams = createStreamProcessorsProvider(deps);
  const all = [
    createCollectionsProvider(deps, faces),
    createFacesProvider(deps, faces),
    createCelebritiesProvider(deps, faces, gallery),
    createImageAnalysisProvider(deps),
    createTextProvider(deps),
    createVideoProvider(deps, gallery),
    createMediaAnalysisProvider(deps),
    createCustomLabelsProvider(deps),
    liveness,
    streams,
  ];
  // Tagging reaches every provider's taggable resources, so it is assembled after them.
  const taggable = Object.assign({}, ...all.map((provider) => provider.taggable));
  return { all: [...all, createTagsProvider(deps, taggable)], liveness, streams };
}
