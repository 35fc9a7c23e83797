/**
 * Stream processors: the seven operations (handlers.ts), the live sessions that analyse the video
 * the control plane feeds (sessions.ts, feed.ts) and what they put out (records.ts, kinesis.ts).
 */
import type { ApiProvider } from '../../api/handlers';
import type { ProviderDeps } from '../deps';
import { feedStreamProcessor, streamProcessorResults } from './feed';
import { streamProcessorHandlers } from './handlers';
import { createStreamSessions, type FeedReport, type SessionResults } from './sessions';

export { StreamFeedError, type FeedReport, type SessionResults } from './sessions';

export interface StreamProcessorsProvider extends ApiProvider {
  /** The control plane's POST /_rekognition/stream-processors/<name>/video. */
  feed(name: string, body: unknown): Promise<FeedReport>;
  /** The control plane's GET /_rekognition/stream-processors/<name>/results. */
  results(name: string, query: { account?: unknown; region?: unknown }): SessionResults & { status: string };
}

export function createStreamProcessorsProvider(deps: ProviderDeps): StreamProcessorsProvider {
  const sessions = createStreamSessions(deps);
  const h = streamProcessorHandlers(deps, sessions);
  return {
    name: 'stream-processors',
    taggable: { streamprocessor: (scope, name) => deps.stores.streamProcessors.in(scope).read(name) !== undefined },
    handlers: {
      CreateStreamProcessor: {
        handle: h.createStreamProcessor,
        notes:
          'Face search (Settings.FaceSearch: the collection must exist; FaceMatchThreshold defaults to 80 and values below 80 become 80; Output.KinesisDataStream) or label detection (Settings.ConnectedHome: Labels PERSON, PET, PACKAGE or ALL, MinConfidence default 50; Output.S3Destination and NotificationChannel required). Rules as AWS: unique names, 10 processors per account and region, a Kinesis video or data stream used by one processor only, RegionsOfInterest checked as DetectText does, Tags. KmsKeyId and DataSharingPreference are stored and echoed, nothing is encrypted or shared.',
      },
      DescribeStreamProcessor: {
        handle: h.describeStreamProcessor,
        notes:
          'The stored definition with the settings as applied (FaceMatchThreshold raised to 80, MinConfidence 50 when unset, DataSharingPreference OptIn false when unset), the current status, StatusMessage when FAILED, CreationTimestamp and LastUpdateTimestamp.',
      },
      ListStreamProcessors: {
        handle: h.listStreamProcessors,
        notes:
          'Name and Status of the account and region\'s processors, in name order, paged by MaxResults (default 1000) and NextToken.',
      },
      UpdateStreamProcessor: {
        handle: h.updateStreamProcessor,
        notes:
          'STOPPED label detection processors only (else ResourceInUseException): Labels, MinConfidence, RegionsOfInterest and DataSharingPreference; ParametersToDelete ConnectedHomeMinConfidence (back to 50) and RegionsOfInterest. UPDATING, then STOPPED after 0.5 s. Face search processors cannot be updated (InvalidParameterException), as Terraform reports of AWS.',
      },
      DeleteStreamProcessor: {
        handle: h.deleteStreamProcessor,
        notes:
          'STOPPED or FAILED processors only (else ResourceInUseException "Cannot delete stream processor."); the name is free again at once (AWS may hold it a few seconds). Its tags and kept results go with it.',
      },
      StartStreamProcessor: {
        handle: h.startStreamProcessor,
        notes:
          'Face search: STARTING, RUNNING 0.5 s later (FAILED if the collection is gone), until StopStreamProcessor. Label detection: needs StartSelector.KVSStreamStartSelector (ProducerTimestamp or FragmentNumber); stays STARTING for the session and stops itself after StopSelector.MaxDurationInSeconds (default 10). Returns a SessionId. Emulator-only: the processor analyses the video fed to POST /_rekognition/stream-processors/<name>/video (no Kinesis Video Streams offline); without a feed it produces nothing. Face search puts one AWS-format record per analysed frame (1 per second) to Output.KinesisDataStream through --kinesis-endpoint and keeps them for GET /_rekognition/stream-processors/<name>/results; label detection (centernet persons, cats and dogs; no model for packages) writes the first-detection frames and a session summary to S3Destination and publishes AWS-format SNS messages to NotificationChannel.',
      },
      StopStreamProcessor: {
        handle: h.stopStreamProcessor,
        notes:
          'RUNNING or STARTING processors only (else ResourceInUseException, the message AWS was seen to give). STOPPING, then STOPPED after 0.5 s; a video being analysed stops at the next frame; a label detection session sends its summary.',
      },
    },
    reset: () => sessions.reset(),
    stop: () => sessions.close(),
    feed: (name, body) => feedStreamProcessor(deps, sessions, name, body),
    results: (name, query) => streamProcessorResults(deps, sessions, name, query),
  };
}
