/**
 * Stream processors: CreateStreamProcessor, DescribeStreamProcessor, ListStreamProcessors,
 * UpdateStreamProcessor, DeleteStreamProcessor, StartStreamProcessor, StopStreamProcessor.
 *
 * The resource and its rules follow AWS (API reference, DG, the AWS::Rekognition::StreamProcessor
 * resource schema, captures cited below); the processing itself is in src/streams/. Real AWS reads
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
import { errors } from '../api/errors';
import type {
  ConnectedHomeLabels,
  DescribeStreamProcessorResponse,
  RegionsOfInterest,
  StreamProcessorSettings,
} from '../api/generated/types';
import { roiPolygons } from '../streams/records';
import { DEFAULT_HOME_MIN_CONFIDENCE } from '../streams/analysis';
import { beginSession, DEFAULT_MAX_DURATION_SECONDS, dropSession, fragmentProducerTime, stopSession } from '../streams/sessions';
import {
  countProcessors,
  deleteRow,
  insertRow,
  listRows,
  onSettle,
  processorUsingStream,
  readRow,
  setStatus,
  settle,
  toProcessor,
  TRANSITION_MS,
  updateDefinition,
  type Processor,
  type SessionState,
} from '../streams/store';
import { CollectionStore } from '../store/collections';
import { arn, type RequestContext } from './context';
import { DEFAULT_FACE_MATCH_THRESHOLD } from '../faces/matches';
import { decodePageToken, encodePageToken } from '../api/pagination';
import { registerHandler } from './registry';
import { deleteAllTags, registerTaggable, writeTags } from './tags';

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

const processorArn = (ctx: { account: string; region: string }, name: string) => arn(ctx, `streamprocessor/${name}`);

/** The ResourceNotFoundException for an unknown name (AWS's text is not documented; ours). */
const notFound = (name: string) => errors.resourceNotFound(`The stream processor ${name} does not exist.`);

function current(ctx: RequestContext, name: string): Processor {
  const processor = settle(ctx.db, ctx, name);
  if (!processor) throw notFound(name);
  return processor;
}

registerTaggable('streamprocessor', (ctx, name) => readRow(ctx.db, ctx, name) !== undefined);

// A face search processor whose collection was deleted fails when it would start running.
onSettle((processor, transition, db) => {
  if (transition?.status !== 'RUNNING' || processor.kind !== 'FACE_SEARCH') return undefined;
  const id = processor.settings.FaceSearch?.CollectionId ?? '';
  if (new CollectionStore(db).in(processor).find(id)) return undefined;
  return { status: 'FAILED', message: `The collection id: ${id} does not exist`, atMs: transition.atMs };
});

function checkLabels(labels: ConnectedHomeLabels): void {
  const bad = labels.filter((l) => !HOME_LABELS.includes(l));
  if (bad.length) throw errors.invalidParameter(`ConnectedHome Labels must be PERSON, PET, PACKAGE or ALL, not ${bad.join(', ')}.`);
}

/** Regions of interest as DetectText checks them: at most 10, each a BoundingBox or a Polygon of 3-10 points. */
function checkRegions(regions: RegionsOfInterest | undefined): void {
  roiPolygons(regions);
}

registerHandler(
  'CreateStreamProcessor',
  (input, ctx) => {
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
    ctx.db.transaction(() => {
      if (readRow(ctx.db, ctx, name)) throw errors.resourceInUse('Stream processor name already in use.');
      if (countProcessors(ctx.db, ctx) >= MAX_STREAM_PROCESSORS) throw errors.limitExceeded(`Stream processor limit exceeded for account, limit - ${MAX_STREAM_PROCESSORS}`);
      // DG limits: a video stream, and a data stream, serve at most one processor.
      if (processorUsingStream(ctx.db, ctx, kvsArn, kdsArn)) throw errors.resourceInUse('Specified resource is in use.');
      if (FaceSearch) ctx.stores.collections.in(ctx).require(FaceSearch.CollectionId!);
      insertRow(ctx.db, {
        account: ctx.account,
        region: ctx.region,
        name,
        kind: FaceSearch ? 'FACE_SEARCH' : 'CONNECTED_HOME',
        created_ms: Date.now(),
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
      if (input.Tags) writeTags(ctx.db, ctx, processorArn(ctx, name), input.Tags);
    })();
    return { StreamProcessorArn: processorArn(ctx, name) };
  },
  'Face search (Settings.FaceSearch: the collection must exist; FaceMatchThreshold defaults to 80 and values below 80 become 80; Output.KinesisDataStream) or label detection (Settings.ConnectedHome: Labels PERSON, PET, PACKAGE or ALL, MinConfidence default 50; Output.S3Destination and NotificationChannel required). Rules as AWS: unique names, 10 processors per account and region, a Kinesis video or data stream used by one processor only, RegionsOfInterest checked as DetectText does, Tags. KmsKeyId and DataSharingPreference are stored and echoed, nothing is encrypted or shared.',
);

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

registerHandler(
  'DescribeStreamProcessor',
  (input, ctx) => describe(current(ctx, input.Name)),
  'The stored definition with the settings as applied (FaceMatchThreshold raised to 80, MinConfidence 50 when unset, DataSharingPreference OptIn false when unset), the current status, StatusMessage when FAILED, CreationTimestamp and LastUpdateTimestamp.',
);

registerHandler(
  'ListStreamProcessors',
  (input, ctx) => {
    const after = input.NextToken ? decodePageToken(input.NextToken, 'ListStreamProcessors') : '';
    const limit = input.MaxResults ?? DEFAULT_PAGE_SIZE;
    const rows = listRows(ctx.db, ctx, after, limit + 1);
    const page = rows.slice(0, limit).map((row) => settle(ctx.db, ctx, row.name) ?? toProcessor(row));
    return {
      NextToken: rows.length > limit && page.length ? encodePageToken(page[page.length - 1].name, 'ListStreamProcessors') : undefined,
      StreamProcessors: page.map((p) => ({ Name: p.name, Status: p.status })),
    };
  },
  'Name and Status of the account and region\'s processors, in name order, paged by MaxResults (default 1000) and NextToken.',
);

registerHandler(
  'UpdateStreamProcessor',
  (input, ctx) => {
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
    const now = Date.now();
    ctx.db.transaction(() => {
      updateDefinition(ctx.db, ctx, p.name, { settings, regionsOfInterest: regions, dataSharing: input.DataSharingPreferenceForUpdate ?? p.dataSharing });
      setStatus(ctx.db, ctx, p.name, { status: 'UPDATING', next: { status: 'STOPPED', atMs: now + TRANSITION_MS.update }, atMs: now });
    })();
    return {};
  },
  'STOPPED label detection processors only (else ResourceInUseException): Labels, MinConfidence, RegionsOfInterest and DataSharingPreference; ParametersToDelete ConnectedHomeMinConfidence (back to 50) and RegionsOfInterest. UPDATING, then STOPPED after 0.5 s. Face search processors cannot be updated (InvalidParameterException), as Terraform reports of AWS.',
);

registerHandler(
  'DeleteStreamProcessor',
  (input, ctx) => {
    const p = current(ctx, input.Name);
    if (p.status !== 'STOPPED' && p.status !== 'FAILED') throw errors.resourceInUse('Cannot delete stream processor.');
    ctx.db.transaction(() => {
      deleteAllTags(ctx.db, ctx, processorArn(ctx, p.name));
      deleteRow(ctx.db, ctx, p.name);
    })();
    dropSession(ctx, p.name);
    return {};
  },
  'STOPPED or FAILED processors only (else ResourceInUseException "Cannot delete stream processor."); the name is free again at once (AWS may hold it a few seconds). Its tags and kept results go with it.',
);

registerHandler(
  'StartStreamProcessor',
  (input, ctx) => {
    const p = current(ctx, input.Name);
    const selector = input.StartSelector?.KVSStreamStartSelector;
    if (p.kind === 'FACE_SEARCH' && (input.StartSelector || input.StopSelector)) {
      throw errors.invalidParameter('StartSelector and StopSelector apply to label detection stream processors, not to face search.');
    }
    if (p.kind === 'CONNECTED_HOME' && (!selector || (selector.ProducerTimestamp === undefined) === (selector.FragmentNumber === undefined))) {
      throw errors.invalidParameter('A label detection stream processor needs StartSelector.KVSStreamStartSelector with either ProducerTimestamp or FragmentNumber.');
    }
    if (p.status !== 'STOPPED' && p.status !== 'FAILED') throw errors.resourceInUse('Specified resource is in use.');

    const now = Date.now();
    const session: SessionState = { sessionId: ctx.ids.uuid(), startedMs: now };
    if (p.kind === 'CONNECTED_HOME') {
      const maxDuration = input.StopSelector?.MaxDurationInSeconds ?? DEFAULT_MAX_DURATION_SECONDS;
      session.startSelector = { ...selector };
      session.maxDurationSeconds = maxDuration;
      session.windowStartMs = selector!.ProducerTimestamp ?? fragmentProducerTime(p.kvsArn, selector!.FragmentNumber!) ?? null;
      session.deadlineMs = now + maxDuration * 1000;
      setStatus(ctx.db, ctx, p.name, { status: 'STARTING', session, atMs: now });
    } else {
      setStatus(ctx.db, ctx, p.name, { status: 'STARTING', next: { status: 'RUNNING', atMs: now + TRANSITION_MS.start }, session, atMs: now });
    }
    beginSession(ctx, { ...p, status: 'STARTING' }, session);
    return { SessionId: session.sessionId };
  },
  'Face search: STARTING, RUNNING 0.5 s later (FAILED if the collection is gone), until StopStreamProcessor. Label detection: needs StartSelector.KVSStreamStartSelector (ProducerTimestamp or FragmentNumber); stays STARTING for the session and stops itself after StopSelector.MaxDurationInSeconds (default 10). Returns a SessionId. Emulator-only: the processor analyses the video fed to POST /_rekognition/stream-processors/<name>/video (no Kinesis Video Streams offline); without a feed it produces nothing. Face search puts one AWS-format record per analysed frame (1 per second) to Output.KinesisDataStream through --kinesis-endpoint and keeps them for GET /_rekognition/stream-processors/<name>/results; label detection (centernet persons, cats and dogs; no model for packages) writes the first-detection frames and a session summary to S3Destination and publishes AWS-format SNS messages to NotificationChannel.',
);

registerHandler(
  'StopStreamProcessor',
  (input, ctx) => {
    const p = current(ctx, input.Name);
    if (p.status !== 'RUNNING' && p.status !== 'STARTING') throw errors.resourceInUse('Stream Processor not available for stopping');
    const now = Date.now();
    setStatus(ctx.db, ctx, p.name, { status: 'STOPPING', next: { status: 'STOPPED', atMs: now + TRANSITION_MS.stop }, atMs: now });
    stopSession(ctx, ctx, p.name);
    return {};
  },
  'RUNNING or STARTING processors only (else ResourceInUseException, the message AWS was seen to give). STOPPING, then STOPPED after 0.5 s; a video being analysed stops at the next frame; a label detection session sends its summary.',
);
