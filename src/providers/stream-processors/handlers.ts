/**
 * Stream processors: CreateStreamProcessor, DescribeStreamProcessor, ListStreamProcessors,
 * UpdateStreamProcessor, DeleteStreamProcessor, StartStreamProcessor, StopStreamProcessor.
 *
 * The resource and its rules follow AWS (API reference, DG, the AWS::Rekognition::StreamProcessor
 * resource schema, captures cited below); the processing itself is in sessions.ts. Real AWS reads
 * a Kinesis video stream; here a started processor analyses the video the control plane feeds it
 * (POST /_rekognition/stream-processors/<name>/video) and produces nothing without one.
 *
 * Statuses: Create gives STOPPED. Start: face search STARTING -> RUNNING (FAILED instead when its
 * collection is gone); label detection ("connected home") STARTING for the whole session, then
 * STOPPED by itself (DG: "While the label detection stream processor runs, it stays in STARTING").
 * Stop: STOPPING -> STOPPED. Update: UPDATING -> STOPPED.
 *
 * Messages. [SEEN 2018] `Stream processor limit exceeded for account, limit - 10`; [SEEN 2019]
 * `Stream Processor not available for stopping` (Java SDK trace, aws/amazon-kinesis-video-streams-
 * parser-library#75; the DG's error table prints `Processor not available for stopping stream.`);
 * [DOCS] `Stream processor name already in use.`, `Specified resource is in use.`, `Cannot delete
 * stream processor.` Which operation gives `Specified resource is in use.` is not documented: here
 * Start and Update of a processor that is not STOPPED, and Create on a video or data stream another
 * processor already uses. The ResourceNotFoundException text and the InvalidParameterException
 * texts are ours (AWS documents none).
 */
import { errors } from '../../api/errors';
import type { ConnectedHomeLabels, DescribeStreamProcessorResponse, RegionsOfInterest, StreamProcessorSettings } from '../../api/generated/types';
import type { Handler } from '../../api/handlers';
import { decodePageToken, encodePageToken } from '../../api/pagination';
import { DEFAULT_FACE_MATCH_THRESHOLD } from '../../faces/matches';
import { arn, type Scope } from '../../runtime/scope';
import { toProcessor, type Processor, type SessionState } from '../../store/stream-processors';
import type { ProviderDeps } from '../deps';
import { DEFAULT_HOME_MIN_CONFIDENCE, requireStreamCollection } from './analysis';
import { roiPolygons } from './records';
import { DEFAULT_MAX_DURATION_SECONDS, type StreamSessions } from './sessions';
import { settle, TRANSITION_MS } from './status';

/**
 * Stream processors per account and region: "For a given AWS account, the default number of
 * Amazon Rekognition Video stream processors that can simultaneously exist in a single region is
 * 10" (DG limits, 2018-2023 editions) and the 2018 capture's `limit - 10`.
 */
export const MAX_STREAM_PROCESSORS = 10;
/** ListStreamProcessors page size when MaxResults is absent (API reference: "The default is 1000"). */
const DEFAULT_PAGE_SIZE = 1000;
/** API_FaceSearchSettings: "Values between 0 and 100 are accepted, and values lower than 80 are set to 80." */
const MIN_FACE_MATCH_THRESHOLD = 80;
const HOME_LABELS = ['PERSON', 'PET', 'PACKAGE', 'ALL'];

export const processorArn = (ctx: Scope, name: string) => arn(ctx, `streamprocessor/${name}`);

/** The ResourceNotFoundException for an unknown name (AWS's text is not documented; ours). */
const notFound = (name: string) => errors.resourceNotFound(`The stream processor ${name} does not exist.`);

function describe(p: Processor): DescribeStreamProcessorResponse {
  return {
    Name: p.name,
    StreamProcessorArn: processorArn(p, p.name),
    Status: p.status,
    StatusMessage: p.statusMessage,
    CreationTimestamp: new Date(p.createdMs),
    LastUpdateTimestamp: new Date(p.updatedMs),
    Input: p.input,
    Output: p.output,
    RoleArn: p.roleArn,
    Settings: p.settings,
    NotificationChannel: p.notificationChannel,
    KmsKeyId: p.kmsKeyId,
    RegionsOfInterest: p.regionsOfInterest,
    DataSharingPreference: p.dataSharing,
  };
}

function checkLabels(labels: ConnectedHomeLabels): void {
  const bad = labels.filter((l) => !HOME_LABELS.includes(l));
  if (bad.length) throw errors.invalidParameter(`ConnectedHome Labels must be PERSON, PET, PACKAGE or ALL, not ${bad.join(', ')}.`);
}

/** Regions of interest as DetectText checks them: at most 10, each a BoundingBox or a Polygon of 3-10 points. */
function checkRegions(regions: RegionsOfInterest | undefined): void {
  roiPolygons(regions);
}

/** The handler bodies; their notes are in the provider's table (index.ts). */
export function streamProcessorHandlers(deps: ProviderDeps, sessions: StreamSessions) {
  const now = () => deps.runtime.clock.now();
  const store = (scope: Scope) => deps.stores.streamProcessors.in(scope);

  function current(scope: Scope, name: string): Processor {
    const processor = settle(deps, sessions, scope, name);
    if (!processor) throw notFound(name);
    return processor;
  }

  const createStreamProcessor: Handler<'CreateStreamProcessor'> = (input, ctx) => {
    const kvsArn = input.Input.KinesisVideoStream?.Arn;
    if (!kvsArn) throw errors.invalidParameter('Input.KinesisVideoStream.Arn is required.');
    const { FaceSearch, ConnectedHome } = input.Settings;
    if (!FaceSearch === !ConnectedHome) throw errors.invalidParameter('Settings takes either FaceSearch (face search) or ConnectedHome (label detection), exactly one of them.');
    let settings: StreamProcessorSettings;
    let kdsArn: string | undefined;
    if (FaceSearch) {
      if (!FaceSearch.CollectionId) throw errors.invalidParameter('Settings.FaceSearch.CollectionId is required.');
      kdsArn = input.Output.KinesisDataStream?.Arn;
      if (!kdsArn || input.Output.S3Destination) throw errors.invalidParameter('A face search stream processor writes to Output.KinesisDataStream (with its Arn), not to S3.');
      settings = { FaceSearch: { CollectionId: FaceSearch.CollectionId, FaceMatchThreshold: Math.max(MIN_FACE_MATCH_THRESHOLD, FaceSearch.FaceMatchThreshold ?? DEFAULT_FACE_MATCH_THRESHOLD) } };
    } else {
      checkLabels(ConnectedHome!.Labels);
      if (!input.Output.S3Destination?.Bucket || input.Output.KinesisDataStream) throw errors.invalidParameter('A label detection stream processor writes to Output.S3Destination (with its Bucket), not to a Kinesis data stream.');
      // The resource schema requires ConnectedHomeSettings, S3Destination and NotificationChannel together.
      if (!input.NotificationChannel?.SNSTopicArn) throw errors.invalidParameter('A label detection stream processor needs NotificationChannel.SNSTopicArn.');
      settings = { ConnectedHome: { Labels: ConnectedHome!.Labels, MinConfidence: ConnectedHome!.MinConfidence ?? DEFAULT_HOME_MIN_CONFIDENCE } };
    }
    checkRegions(input.RegionsOfInterest);

    const name = input.Name;
    const processors = store(ctx);
    processors.transaction(() => {
      if (processors.read(name)) throw errors.resourceInUse('Stream processor name already in use.');
      if (processors.count() >= MAX_STREAM_PROCESSORS) throw errors.limitExceeded(`Stream processor limit exceeded for account, limit - ${MAX_STREAM_PROCESSORS}`);
      // DG limits: a video stream, and a data stream, serve at most one processor.
      if (processors.usingStream(kvsArn, kdsArn)) throw errors.resourceInUse('Specified resource is in use.');
      if (FaceSearch) requireStreamCollection(deps, ctx, FaceSearch.CollectionId!);
      processors.insert({
        name,
        kind: FaceSearch ? 'FACE_SEARCH' : 'CONNECTED_HOME',
        created_ms: now(),
        input: JSON.stringify(input.Input),
        output: JSON.stringify(input.Output),
        role_arn: input.RoleArn,
        settings: JSON.stringify(settings),
        notification_channel: input.NotificationChannel ? JSON.stringify(input.NotificationChannel) : null,
        kms_key_id: input.KmsKeyId ?? null,
        regions_of_interest: input.RegionsOfInterest?.length ? JSON.stringify(input.RegionsOfInterest) : null,
        // Describe shows OptIn false when the request had none (what Terraform's provider expects).
        data_sharing: JSON.stringify(input.DataSharingPreference ?? { OptIn: false }),
        kvs_arn: kvsArn,
        kds_arn: kdsArn ?? null,
      });
      if (input.Tags) deps.stores.tags.in(ctx).add(processorArn(ctx, name), input.Tags);
    });
    return { StreamProcessorArn: processorArn(ctx, name) };
  };

  const describeStreamProcessor: Handler<'DescribeStreamProcessor'> = (input, ctx) => describe(current(ctx, input.Name));

  const listStreamProcessors: Handler<'ListStreamProcessors'> = (input, ctx) => {
    const after = input.NextToken ? decodePageToken(input.NextToken, 'ListStreamProcessors') : '';
    const limit = input.MaxResults ?? DEFAULT_PAGE_SIZE;
    const rows = store(ctx).list(after, limit + 1);
    const page = rows.slice(0, limit).map((row) => settle(deps, sessions, ctx, row.name) ?? toProcessor(row));
    return {
      NextToken: rows.length > limit && page.length ? encodePageToken(page[page.length - 1].name, 'ListStreamProcessors') : undefined,
      StreamProcessors: page.map((p) => ({ Name: p.name, Status: p.status })),
    };
  };

  const updateStreamProcessor: Handler<'UpdateStreamProcessor'> = (input, ctx) => {
    const p = current(ctx, input.Name);
    const deletes = new Set(input.ParametersToDelete ?? []);
    const forUpdate = input.SettingsForUpdate?.ConnectedHomeForUpdate;
    if (p.kind === 'FACE_SEARCH' && (input.SettingsForUpdate || input.RegionsOfInterestForUpdate || input.DataSharingPreferenceForUpdate || deletes.size)) {
      // Terraform's provider, from AWS's answers: face search processors "cannot have any properties updated".
      throw errors.invalidParameter('A face search stream processor cannot be updated: delete it and create it again.');
    }
    if (forUpdate?.Labels) checkLabels(forUpdate.Labels);
    if (forUpdate?.MinConfidence !== undefined && deletes.has('ConnectedHomeMinConfidence')) throw errors.invalidParameter('ConnectedHomeMinConfidence cannot be both updated and deleted.');
    if (input.RegionsOfInterestForUpdate && deletes.has('RegionsOfInterest')) throw errors.invalidParameter('RegionsOfInterest cannot be both updated and deleted.');
    checkRegions(input.RegionsOfInterestForUpdate);
    if (p.status !== 'STOPPED') throw errors.resourceInUse('Specified resource is in use.');

    const settings = p.settings;
    if (settings.ConnectedHome) {
      const home = { ...settings.ConnectedHome };
      if (forUpdate?.Labels) home.Labels = forUpdate.Labels;
      if (forUpdate?.MinConfidence !== undefined) home.MinConfidence = forUpdate.MinConfidence;
      if (deletes.has('ConnectedHomeMinConfidence')) home.MinConfidence = DEFAULT_HOME_MIN_CONFIDENCE;
      settings.ConnectedHome = home;
    }
    let regions = p.regionsOfInterest;
    if (input.RegionsOfInterestForUpdate) regions = input.RegionsOfInterestForUpdate.length ? input.RegionsOfInterestForUpdate : undefined;
    if (deletes.has('RegionsOfInterest')) regions = undefined;
    const at = now();
    const processors = store(ctx);
    processors.transaction(() => {
      processors.updateDefinition(p.name, { settings, regionsOfInterest: regions, dataSharing: input.DataSharingPreferenceForUpdate ?? p.dataSharing });
      processors.setStatus(p.name, { status: 'UPDATING', next: { status: 'STOPPED', atMs: at + TRANSITION_MS.update }, atMs: at });
    });
    return {};
  };

  const deleteStreamProcessor: Handler<'DeleteStreamProcessor'> = (input, ctx) => {
    const p = current(ctx, input.Name);
    if (p.status !== 'STOPPED' && p.status !== 'FAILED') throw errors.resourceInUse('Cannot delete stream processor.');
    const processors = store(ctx);
    processors.transaction(() => {
      deps.stores.tags.in(ctx).removeAll(processorArn(ctx, p.name));
      processors.delete(p.name);
    });
    sessions.drop(ctx, p.name);
    return {};
  };

  const startStreamProcessor: Handler<'StartStreamProcessor'> = (input, ctx) => {
    const p = current(ctx, input.Name);
    const selector = input.StartSelector?.KVSStreamStartSelector;
    if (p.kind === 'FACE_SEARCH' && (input.StartSelector || input.StopSelector)) {
      throw errors.invalidParameter('StartSelector and StopSelector apply to label detection stream processors, not to face search.');
    }
    if (p.kind === 'CONNECTED_HOME' && (!selector || (selector.ProducerTimestamp === undefined) === (selector.FragmentNumber === undefined))) {
      throw errors.invalidParameter('A label detection stream processor needs StartSelector.KVSStreamStartSelector with either ProducerTimestamp or FragmentNumber.');
    }
    if (p.status !== 'STOPPED' && p.status !== 'FAILED') throw errors.resourceInUse('Specified resource is in use.');

    const at = now();
    const session: SessionState = { sessionId: deps.runtime.ids.uuid(), startedMs: at };
    if (p.kind === 'CONNECTED_HOME') {
      const maxDuration = input.StopSelector?.MaxDurationInSeconds ?? DEFAULT_MAX_DURATION_SECONDS;
      session.startSelector = { ...selector };
      session.maxDurationSeconds = maxDuration;
      session.windowStartMs = selector!.ProducerTimestamp ?? sessions.fragmentProducerTime(p.kvsArn, selector!.FragmentNumber!) ?? null;
      session.deadlineMs = at + maxDuration * 1000;
      store(ctx).setStatus(p.name, { status: 'STARTING', session, atMs: at });
    } else {
      store(ctx).setStatus(p.name, { status: 'STARTING', next: { status: 'RUNNING', atMs: at + TRANSITION_MS.start }, session, atMs: at });
    }
    sessions.begin({ ...p, status: 'STARTING' }, session);
    return { SessionId: session.sessionId };
  };

  const stopStreamProcessor: Handler<'StopStreamProcessor'> = (input, ctx) => {
    const p = current(ctx, input.Name);
    if (p.status !== 'RUNNING' && p.status !== 'STARTING') throw errors.resourceInUse('Stream Processor not available for stopping');
    const at = now();
    store(ctx).setStatus(p.name, { status: 'STOPPING', next: { status: 'STOPPED', atMs: at + TRANSITION_MS.stop }, atMs: at });
    sessions.stop(ctx, p.name);
    return {};
  };

  return {
    createStreamProcessor,
    describeStreamProcessor,
    listStreamProcessors,
    updateStreamProcessor,
    deleteStreamProcessor,
    startStreamProcessor,
    stopStreamProcessor,
  };
}
