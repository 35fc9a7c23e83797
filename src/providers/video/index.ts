/**
 * Stored video: the Start and Get pair of every analysis (./analyzers.ts). Start queues a job of the
 * `video` kind on the job runner (./jobs.ts); Get pages its stored results (./results.ts). Only
 * analyses with real detection behind them are served; any other Start/Get pair answers
 * NotImplementedException.
 */
import type { ApiProvider, Operation } from '../../api/handlers';
import type { Gallery } from '../../faces/celebrities';
import type { ProviderDeps } from '../deps';
import type { RequestContext } from '../../runtime/context';
import type { GetOperation, StartOperation, VideoAnalyzer } from './analyzer';
import { createVideoAnalyzers } from './analyzers';
import { VideoJobs } from './jobs';
import { getResults, type GetInput } from './results';

/** `gallery`: the celebrity gallery StartCelebrityRecognition searches (shared with RecognizeCelebrities). */
export function createVideoProvider(deps: ProviderDeps, gallery: () => Gallery): ApiProvider {
  const analyzers = createVideoAnalyzers(deps, gallery);
  const jobs = new VideoJobs(deps, analyzers);

  const start = <S extends StartOperation>(analyzer: VideoAnalyzer<S>): Operation<S> => ({
    handle: ((input, ctx) => jobs.start(analyzer, input, ctx)) as Operation<S>['handle'],
    notes: analyzer.notes,
  });
  const get = <G extends GetOperation>(analyzer: VideoAnalyzer): Operation<G> => ({
    handle: ((input: GetInput, ctx: RequestContext) => getResults(deps.stores.videoJobs, analyzer, input, ctx)) as unknown as Operation<G>['handle'],
    notes: analyzer.notes,
  });

  return {
    name: 'video',
    handlers: {
      StartLabelDetection: start(analyzers.StartLabelDetection),
      GetLabelDetection: get(analyzers.StartLabelDetection),
      StartFaceDetection: start(analyzers.StartFaceDetection),
      GetFaceDetection: get(analyzers.StartFaceDetection),
      StartFaceSearch: start(analyzers.StartFaceSearch),
      GetFaceSearch: get(analyzers.StartFaceSearch),
      StartPersonTracking: start(analyzers.StartPersonTracking),
      GetPersonTracking: get(analyzers.StartPersonTracking),
      StartCelebrityRecognition: start(analyzers.StartCelebrityRecognition),
      GetCelebrityRecognition: get(analyzers.StartCelebrityRecognition),
      StartContentModeration: start(analyzers.StartContentModeration),
      GetContentModeration: get(analyzers.StartContentModeration),
      StartTextDetection: start(analyzers.StartTextDetection),
      GetTextDetection: get(analyzers.StartTextDetection),
      StartSegmentDetection: start(analyzers.StartSegmentDetection),
      GetSegmentDetection: get(analyzers.StartSegmentDetection),
    },
    start: () => jobs.purge(),
    reset: () => jobs.releaseHandover(),
    stop: () => jobs.releaseHandover(),
  };
}
