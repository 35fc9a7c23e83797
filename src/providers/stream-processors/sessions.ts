/**
 * Live stream processing sessions: what a started processor does with the video it is fed.
 *
 * Real AWS reads the processor's Kinesis video stream; nothing offline implements one, so video
 * arrives through the control plane instead (feed.ts), "as if it arrived on the
 * stream". Without a feed a started processor produces nothing.
 *
 * Face search (RUNNING until StopStreamProcessor): about one frame per second is analysed (DG:
 * "Amazon Rekognition Video doesn't analyze every frame"; the DG's record sits at a whole-second
 * offset in its fragment). Each analysed frame gives one record, with or without faces, put to the
 * output data stream (kinesis.ts) and kept here for the control plane.
 *
 * Connected home (STARTING for the whole session, as the DG describes): two frames per second are
 * analysed, inside the window the selectors give: from StartSelector's producer timestamp (or the
 * fragment's, for a fragment this emulator issued; else from the first media) for
 * StopSelector.MaxDurationInSeconds (default 10) of media. The first time each label class is
 * seen, its frame and crop go to S3 and a LABEL_DETECTED message to the SNS topic; when media
 * reaches the end of the window, or MaxDurationInSeconds of wall-clock time have passed since
 * StartStreamProcessor (a live stream would have delivered that much by then), the session ends:
 * a summary goes to S3, a STREAM_PROCESSING_COMPLETE message to the topic, and the processor
 * stops itself. StopStreamProcessor ends it the same way.
 *
 * Sessions live in memory, in the provider's StreamSessions (the job runner does not fit: a session
 * is not work to run to an end but state that feeds, timers and StopStreamProcessor act on). With --data-dir, a processor's status and session survive a restart,
 * but what a session had found does not (a connected-home session that ran out during the
 * restart stops without a summary).
 */
import { RekognitionError } from '../../api/errors';
import { ControlError } from '../../control/errors';
import { deliverCompletion } from '../../jobs/notify';
import { readFrames, type Frame } from '../../media/frames';
import type { VideoInfo } from '../../media/probe';
import { S3WriteError, writeS3Object } from '../../media/s3';
import type { Scope } from '../../runtime/scope';
import { toProcessor, type Processor, type SessionState } from '../../store/stream-processors';
import type { ProviderDeps } from '../deps';
import { DEFAULT_HOME_MIN_CONFIDENCE, frameJpegs, homeFrame, searchFrame, type HomeDetection } from './analysis';
import { KinesisSender, type DeliveryCounts } from './kinesis';
import {
  CONNECTED_HOME_SUBJECT,
  faceSearchRecord,
  FeedClock,
  FragmentLedger,
  labelDetectedMessage,
  roiPolygons,
  s3Uri,
  sessionCompleteMessage,
  sessionKeyBase,
  startRequestEcho,
  type EventContext,
  type FaceSearchRecord,
  type HomeLabel,
  type LabelEvent,
  type StreamPosition,
} from './records';

/** Frames analysed per second of video. */
export const FACE_SEARCH_FPS = 1;
export const CONNECTED_HOME_FPS = 2;
/** StopSelector.MaxDurationInSeconds when absent (API_StreamProcessingStopSelector: "The default is 10 seconds"). */
export const DEFAULT_MAX_DURATION_SECONDS = 10;
/** Face search records kept per session for the control plane; older ones are dropped beyond this. */
export const MAX_KEPT_RECORDS = 10_000;

/** A refused feed, with the HTTP status the control plane answers. */
export class StreamFeedError extends ControlError {
  override name = 'StreamFeedError';
}

export interface SessionResults {
  name: string;
  kind: Processor['kind'];
  sessionId: string;
  startedAt: string;
  framesAnalysed: number;
  /** Face search: the records, in order, exactly as put to the data stream. */
  records?: FaceSearchRecord[];
  droppedRecords?: number;
  /** Connected home: every SNS message, in order, as published. */
  notifications?: { Subject: string; Message: Record<string, unknown> }[];
  /** Connected home: the S3 objects written. */
  s3Objects?: string[];
  s3Errors?: string[];
  kinesis?: DeliveryCounts & { endpoint: string | null };
  /** Set once the session has ended. */
  ended?: { reason: string; at: string };
}

interface Live {
  key: string;
  scope: Scope;
  name: string;
  sessionId: string;
  processor: Processor;
  controller: AbortController;
  chain: Promise<unknown>;
  results: SessionResults;
  kinesis?: KinesisSender;
  timer?: NodeJS.Timeout;
  finished?: Promise<void>;
  /** Feeds being analysed: the wall-clock deadline waits for them (media decides, not analysis speed). */
  activeFeeds: number;
  // connected home
  seen: Set<HomeLabel>;
  detections: (HomeDetection & { position: StreamPosition; frameOffsetMillis: number })[];
  processedUntilMs?: number;
}

const keyOf = (scope: Scope, name: string) => `${scope.account}\u0000${scope.region}\u0000${name}`;
function newResults(processor: Processor, session: SessionState): SessionResults {
  const base: SessionResults = { name: processor.name, kind: processor.kind, sessionId: session.sessionId, startedAt: new Date(session.startedMs).toISOString(), framesAnalysed: 0 };
  return processor.kind === 'FACE_SEARCH' ? { ...base, records: [], droppedRecords: 0 } : { ...base, notifications: [], s3Objects: [], s3Errors: [] };
}

export const streamProcessorArn = (scope: Scope, name: string) => `arn:aws:rekognition:${scope.region}:${scope.account}:streamprocessor/${name}`;

const END_MESSAGES: Record<string, string> = {
  MAX_DURATION: 'Stream processing completed: the maximum duration was reached.',
  STOPPED: 'Stream processing stopped by StopStreamProcessor.',
};

// ---------------------------------------------------------------------------------------------
// Feeding video

export interface FeedReport {
  name: string;
  sessionId: string;
  status: string;
  producerTimestamp: number;
  framesAnalysed: number;
  /** Connected home: frames before the window's start. */
  framesSkipped: number;
  /** Face search. */
  records?: number;
  facesDetected?: number;
  facesMatched?: number;
  kinesis?: DeliveryCounts & { endpoint: string | null };
  /** Connected home: label classes seen for the first time in this video. */
  labelsDetected?: HomeLabel[];
  notifications?: number;
  s3Errors?: string[];
  /** The session ended during (or before the end of) this video, and why. */
  sessionEnded?: string;
}

/** One frame in flight: its analysis runs while earlier frames' results are being emitted. */
interface InFlight<T> {
  frame: Frame;
  result: Promise<T>;
}

/**
 * Runs `analyse` on the sampled frames, several at once (one per inference worker), and `emit`s the
 * results in frame order. `admit` decides, per frame and before any analysis, whether to analyse it,
 * skip it, or stop reading.
 */
async function orderedFrames<T>(
  file: string,
  info: VideoInfo,
  options: { fps: number; parallel: number; signal: AbortSignal },
  admit: (frame: Frame) => 'analyse' | 'skip' | 'stop',
  analyse: (frame: Frame) => Promise<T>,
  emit: (frame: Frame, result: T) => Promise<void>,
): Promise<void> {
  const pending: InFlight<T>[] = [];
  const drain = async (keep: number) => {
    while (pending.length > keep) {
      const next = pending.shift()!;
      await emit(next.frame, await next.result);
    }
  };
  try {
    for await (const frame of readFrames(file, info, { mode: 'sample', fps: options.fps, pixelFormat: 'rgb24', signal: options.signal })) {
      const verdict = admit(frame);
      if (verdict === 'stop') break;
      if (verdict === 'skip') continue;
      const result = analyse(frame);
      result.catch(() => undefined);
      pending.push({ frame, result });
      await drain(options.parallel - 1);
    }
    await drain(0);
  } finally {
    for (const p of pending) p.result.catch(() => undefined);
  }
}

const aborted = (signal: AbortSignal) => signal.aborted;

/** The feed's entry point checks a processor can take video; this is the check, for tests too. */
export function acceptsVideo(processor: Processor): string | undefined {
  if (processor.kind === 'FACE_SEARCH' && (processor.status === 'RUNNING' || processor.status === 'STARTING')) return undefined;
  if (processor.kind === 'CONNECTED_HOME' && processor.status === 'STARTING' && processor.session) return undefined;
  const expected = processor.kind === 'FACE_SEARCH' ? 'RUNNING' : 'STARTING (a label detection session in progress)';
  return `the stream processor ${processor.name} is ${processor.status}, not ${expected}: start it with StartStreamProcessor before sending video`;
}

/**
 * The live sessions of one emulator's stream processors: results, timers, feeds in progress, and
 * the fragments issued on each video stream.
 */
export function createStreamSessions(deps: ProviderDeps) {
  const live = new Map<string, Live>();
  /** The latest session's results per processor, kept after it ends (until a new Start, a delete or a reset). */
  const lastResults = new Map<string, SessionResults>();
  const ledger = new FragmentLedger();
  /** Sessions that have ended, so that a late feed cannot bring one back before its processor shows STOPPED. */
  const endedSessions = new Set<string>();

  function createLive(processor: Processor, session: SessionState): Live {
    const key = keyOf(processor, processor.name);
    const results = newResults(processor, session);
    const entry: Live = {
      key,
      scope: { account: processor.account, region: processor.region },
      name: processor.name,
      sessionId: session.sessionId,
      processor,
      controller: new AbortController(),
      chain: Promise.resolve(),
      results,
      seen: new Set(),
      detections: [],
      activeFeeds: 0,
    };
    if (processor.kind === 'FACE_SEARCH' && processor.kdsArn) entry.kinesis = new KinesisSender(deps.runtime, { streamArn: processor.kdsArn, partitionKey: processor.name });
    if (processor.kind === 'CONNECTED_HOME' && session.deadlineMs !== undefined) {
      // A feed in progress when the time is up finishes first (its media may lie inside the window),
      // then ends the session itself.
      entry.timer = setTimeout(() => {
        if (entry.activeFeeds === 0) void finish(entry, 'MAX_DURATION');
      }, Math.max(0, session.deadlineMs - deps.runtime.clock.now()));
      entry.timer.unref();
    }
    live.set(key, entry);
    lastResults.set(key, results);
    return entry;
  }

  /** Called by StartStreamProcessor once the new session is stored: a fresh live session replaces any old one. */
  function beginSession(processor: Processor, session: SessionState): void {
    dropSession(processor, processor.name, false);
    createLive({ ...processor, session }, session);
  }

  /** The live session of a started processor, recreated from the stored session when the process restarted. */
  function liveFor(processor: Processor): Live {
    const existing = live.get(keyOf(processor, processor.name));
    if (existing && existing.sessionId === processor.session?.sessionId) {
      existing.processor = processor;
      return existing;
    }
    if (!processor.session) throw new StreamFeedError(409, `the stream processor ${processor.name} has no session: start it (StartStreamProcessor) first`);
    if (endedSessions.has(processor.session.sessionId)) throw new StreamFeedError(409, `the stream processor ${processor.name}'s session has ended: start it again to send more video`);
    dropSession(processor, processor.name, false);
    return createLive(processor, processor.session);
  }

  /** Called by StopStreamProcessor: the feed in progress stops; a connected-home session sends its summary. */
  function stopSession(scope: Scope, name: string): void {
    const entry = live.get(keyOf(scope, name));
    if (!entry) return;
    if (entry.processor.kind === 'CONNECTED_HOME') void finish(entry, 'STOPPED');
    else end(entry, 'STOPPED');
  }

  /** Forgets a processor's session (DeleteStreamProcessor, a new Start); `results` false keeps its last results. */
  function dropSession(scope: Scope, name: string, forgetResults = true): void {
    const key = keyOf(scope, name);
    const entry = live.get(key);
    if (entry) {
      clearTimeout(entry.timer);
      entry.controller.abort(new Error('session dropped'));
      live.delete(key);
    }
    if (forgetResults) lastResults.delete(key);
  }

  function end(entry: Live, reason: string): void {
    clearTimeout(entry.timer);
    endedSessions.add(entry.sessionId);
    if (!entry.results.ended) entry.results.ended = { reason, at: new Date().toISOString() };
    if (entry.kinesis) entry.results.kinesis = { ...entry.kinesis.counts, endpoint: entry.kinesis.endpoint ?? null };
    entry.controller.abort(new Error(reason));
    if (live.get(entry.key) === entry) live.delete(entry.key);
  }

  /** The results of the processor's current or latest session. */
  function sessionResults(scope: Scope, name: string): SessionResults | undefined {
    const results = lastResults.get(keyOf(scope, name));
    const entry = live.get(keyOf(scope, name));
    if (results && entry?.kinesis) results.kinesis = { ...entry.kinesis.counts, endpoint: entry.kinesis.endpoint ?? null };
    return results;
  }

  // ---------------------------------------------------------------------------------------------
  // Connected home: events and the end of a session

  function eventContext(entry: Live): EventContext {
    const p = entry.processor;
    const session = p.session ?? { sessionId: entry.sessionId, startedMs: deps.runtime.clock.now() };
    return {
      kvsArn: p.kvsArn,
      sessionId: entry.sessionId,
      tags: deps.stores.tags.in(entry.scope).list(streamProcessorArn(entry.scope, entry.name)),
      startRequest: startRequestEcho(entry.name, session),
    };
  }

  async function putObject(entry: Live, bucket: string, key: string, body: Buffer, contentType: string): Promise<string> {
    const uri = s3Uri(bucket, key);
    try {
      await writeS3Object(bucket, key, body, { config: deps.runtime.config, clients: deps.runtime.clients, region: entry.scope.region }, contentType);
      entry.results.s3Objects!.push(uri);
    } catch (err) {
      const message = err instanceof S3WriteError ? err.message : `${uri}: ${(err as Error).message}`;
      entry.results.s3Errors!.push(message);
      deps.runtime.log.warn('stream processor S3 output failed', { processor: entry.name, error: message });
    }
    return uri;
  }

  async function publish(entry: Live, message: Record<string, unknown>): Promise<void> {
    entry.results.notifications!.push({ Subject: CONNECTED_HOME_SUBJECT, Message: message });
    await deliverCompletion(deps.runtime, entry.processor.notificationChannel, JSON.stringify(message), entry.scope.region, CONNECTED_HOME_SUBJECT);
  }

  async function firstDetection(entry: Live, frame: Frame, detection: HomeDetection, position: StreamPosition, frameOffsetMillis: number): Promise<void> {
    const destination = entry.processor.output.S3Destination ?? {};
    const labelId = deps.runtime.ids.uuid();
    const base = `${sessionKeyBase(destination.KeyPrefix, entry.name, entry.sessionId)}/${labelId}`;
    const images = await frameJpegs(frame, detection.box);
    const bucket = destination.Bucket ?? '';
    const label: LabelEvent = {
      id: labelId,
      name: detection.label,
      frameImageUri: await putObject(entry, bucket, `${base}/frame.jpg`, images.frame, 'image/jpeg'),
      croppedImageUri: await putObject(entry, bucket, `${base}/cropped.jpg`, images.cropped, 'image/jpeg'),
      videoMapping: {
        kinesisVideoMapping: {
          fragmentNumber: position.fragmentNumber,
          serverTimestamp: position.fragmentServerMs,
          producerTimestamp: position.fragmentProducerMs,
          frameOffsetMillis,
        },
      },
      boundingBox: { left: detection.box.Left, top: detection.box.Top, height: detection.box.Height, width: detection.box.Width },
    };
    await publish(entry, labelDetectedMessage(eventContext(entry), deps.runtime.ids.uuid(), label));
  }

  /**
   * Ends a connected-home session once: no more frames, the summary to S3, the completion message
   * to SNS; when the session ended by itself (not by StopStreamProcessor, whose STOPPING -> STOPPED
   * transition is already set), the processor becomes STOPPED.
   */
  function finish(entry: Live, reason: 'MAX_DURATION' | 'STOPPED'): Promise<void> {
    entry.finished ??= (async () => {
      end(entry, reason);
      const windowStart = entry.processor.session?.windowStartMs;
      const processed = windowStart !== null && windowStart !== undefined && entry.processedUntilMs !== undefined ? Math.max(0, entry.processedUntilMs - windowStart) : 0;
      const ctx = eventContext(entry);
      const destination = entry.processor.output.S3Destination ?? {};
      const summary = {
        streamProcessorName: entry.name,
        sessionId: entry.sessionId,
        kinesisVideoStreamArn: entry.processor.kvsArn,
        startStreamProcessorRequest: ctx.startRequest,
        processedVideoDurationMillis: processed,
        framesAnalysed: entry.results.framesAnalysed,
        labels: entry.detections.map((d) => ({
          name: d.label,
          confidence: d.confidence,
          boundingBox: { left: d.box.Left, top: d.box.Top, height: d.box.Height, width: d.box.Width },
          videoMapping: {
            kinesisVideoMapping: {
              fragmentNumber: d.position.fragmentNumber,
              serverTimestamp: d.position.fragmentServerMs,
              producerTimestamp: d.position.fragmentProducerMs,
              frameOffsetMillis: d.frameOffsetMillis,
            },
          },
        })),
      };
      try {
        await putObject(entry, destination.Bucket ?? '', `${sessionKeyBase(destination.KeyPrefix, entry.name, entry.sessionId)}/session-summary.json`, Buffer.from(JSON.stringify(summary)), 'application/json');
        await publish(entry, sessionCompleteMessage(ctx, deps.runtime.ids.uuid(), processed, END_MESSAGES[reason]));
      } catch (err) {
        deps.runtime.log.error('stream processor session end failed', { processor: entry.name, error: (err as Error).message });
      }
      if (reason === 'MAX_DURATION') {
        const store = deps.stores.streamProcessors.in(entry.scope);
        const row = store.read(entry.name);
        if (row && row.status === 'STARTING' && toProcessor(row).session?.sessionId === entry.sessionId) store.setStatus(entry.name, { status: 'STOPPED', atMs: deps.runtime.clock.now() });
      }
    })();
    return entry.finished;
  }

  /**
   * Analyses one video as the processor's next stretch of stream. Feeds run one after another per
   * processor. The video's first frame has producer time `producerTimestamp` (ms; default: now).
   */
  function feedSession(processor: Processor, file: string, info: VideoInfo, producerTimestamp: number | undefined): Promise<FeedReport> {
    const entry = liveFor(processor);
    entry.activeFeeds++;
    const run = async () => {
      try {
        return await (processor.kind === 'FACE_SEARCH' ? feedFaceSearch(entry, file, info, producerTimestamp) : feedConnectedHome(entry, file, info, producerTimestamp));
      } finally {
        entry.activeFeeds--;
      }
    };
    const result = entry.chain.then(run, run);
    entry.chain = result.catch(() => undefined);
    return result;
  }

  function statusNow(entry: Live): string {
    return deps.stores.streamProcessors.in(entry.scope).read(entry.name)?.status ?? 'DELETED';
  }

  async function feedFaceSearch(entry: Live, file: string, info: VideoInfo, producerTimestamp: number | undefined): Promise<FeedReport> {
    const p = entry.processor;
    const arrival = deps.runtime.clock.now();
    const clock = new FeedClock(ledger, p.kvsArn, producerTimestamp ?? arrival, arrival);
    const report: FeedReport = { name: entry.name, sessionId: entry.sessionId, status: '', producerTimestamp: clock.producerBaseMs, framesAnalysed: 0, framesSkipped: 0, records: 0, facesDetected: 0, facesMatched: 0 };
    const settings = p.settings.FaceSearch!;
    const setup = { scope: entry.scope, collectionId: settings.CollectionId!, threshold: settings.FaceMatchThreshold!, regions: roiPolygons(p.regionsOfInterest) };
    const signal = entry.controller.signal;
    try {
      await orderedFrames(
        file,
        info,
        { fps: FACE_SEARCH_FPS, parallel: Math.max(1, deps.models.size), signal },
        () => (aborted(signal) ? 'stop' : 'analyse'),
        (frame) => searchFrame(frame, deps, setup),
        async (frame, faces) => {
          if (aborted(signal)) return;
          const record = faceSearchRecord(p.kvsArn, clock.position(frame.timestampMs), faces);
          const records = entry.results.records!;
          records.push(record);
          if (records.length > MAX_KEPT_RECORDS) {
            records.shift();
            entry.results.droppedRecords!++;
          }
          entry.results.framesAnalysed++;
          report.framesAnalysed++;
          report.records!++;
          report.facesDetected! += faces.length;
          report.facesMatched! += faces.filter((f) => f.matches.length > 0).length;
          void entry.kinesis?.put(JSON.stringify(record));
        },
      );
    } catch (err) {
      if (err instanceof RekognitionError && err.type === 'ResourceNotFoundException') {
        // The collection went away under a running processor: it fails, as a service would.
        deps.stores.streamProcessors.in(entry.scope).setStatus(entry.name, { status: 'FAILED', message: err.message, atMs: deps.runtime.clock.now() });
        end(entry, 'FAILED');
        report.sessionEnded = `FAILED: ${err.message}`;
      } else if (!aborted(signal)) {
        throw err;
      }
    }
    await entry.kinesis?.idle();
    if (aborted(signal) && !report.sessionEnded) report.sessionEnded = entry.results.ended?.reason ?? 'STOPPED';
    report.kinesis = entry.kinesis ? { ...entry.kinesis.counts, endpoint: entry.kinesis.endpoint ?? null } : undefined;
    report.status = statusNow(entry);
    return report;
  }

  async function feedConnectedHome(entry: Live, file: string, info: VideoInfo, producerTimestamp: number | undefined): Promise<FeedReport> {
    const p = entry.processor;
    const session = p.session!;
    const arrival = deps.runtime.clock.now();
    const clock = new FeedClock(ledger, p.kvsArn, producerTimestamp ?? arrival, arrival);
    const report: FeedReport = { name: entry.name, sessionId: entry.sessionId, status: '', producerTimestamp: clock.producerBaseMs, framesAnalysed: 0, framesSkipped: 0, labelsDetected: [], notifications: 0 };
    const home = p.settings.ConnectedHome!;
    const labels = new Set<HomeLabel>(home.Labels.includes('ALL') ? ['PERSON', 'PET', 'PACKAGE'] : (home.Labels as HomeLabel[]));
    const setup = { labels, minConfidence: home.MinConfidence ?? DEFAULT_HOME_MIN_CONFIDENCE, regions: roiPolygons(p.regionsOfInterest) };
    const maxMs = (session.maxDurationSeconds ?? DEFAULT_MAX_DURATION_SECONDS) * 1000;
    const signal = entry.controller.signal;
    const notificationsBefore = entry.results.notifications!.length;
    const s3ErrorsBefore = entry.results.s3Errors!.length;
    let reachedEnd = false;

    const windowStart = () => entry.processor.session?.windowStartMs ?? undefined;
    try {
      await orderedFrames(
        file,
        info,
        { fps: CONNECTED_HOME_FPS, parallel: Math.max(1, deps.models.size), signal },
        (frame) => {
          if (aborted(signal)) return 'stop';
          const producerMs = clock.producerBaseMs + frame.timestampMs;
          let start = windowStart();
          if (start === undefined) {
            // No producer timestamp to start from: the session starts with the first media it gets.
            start = producerMs;
            entry.processor = { ...entry.processor, session: { ...session, windowStartMs: start } };
            deps.stores.streamProcessors.in(entry.scope).saveSession(entry.name, entry.processor.session!);
          }
          if (producerMs < start) {
            report.framesSkipped++;
            return 'skip';
          }
          if (producerMs >= start + maxMs) {
            reachedEnd = true;
            return 'stop';
          }
          return 'analyse';
        },
        (frame) => homeFrame(frame, deps.models, setup),
        async (frame, detections) => {
          if (aborted(signal)) return;
          const position = clock.position(frame.timestampMs);
          const frameOffsetMillis = position.frameProducerMs - windowStart()!;
          entry.results.framesAnalysed++;
          report.framesAnalysed++;
          entry.processedUntilMs = Math.max(entry.processedUntilMs ?? 0, position.frameProducerMs);
          for (const d of detections) entry.detections.push({ ...d, position, frameOffsetMillis });
          for (const d of detections) {
            if (entry.seen.has(d.label)) continue;
            entry.seen.add(d.label);
            report.labelsDetected!.push(d.label);
            await firstDetection(entry, frame, d, position, frameOffsetMillis);
          }
        },
      );
    } catch (err) {
      if (!aborted(signal)) throw err;
    }
    // The media covers the window up to where this video ends (or the window does).
    const start = windowStart();
    if (start !== undefined && !aborted(signal)) {
      const videoEnd = clock.producerBaseMs + (info.metadata.DurationMillis ?? 0);
      entry.processedUntilMs = Math.max(entry.processedUntilMs ?? 0, Math.min(videoEnd, start + maxMs));
    }
    const timeUp = (entry.processor.session?.deadlineMs ?? Infinity) <= deps.runtime.clock.now() && entry.activeFeeds <= 1;
    if (reachedEnd || timeUp) await finish(entry, 'MAX_DURATION');
    else if (entry.finished) await entry.finished;
    report.notifications = entry.results.notifications!.length - notificationsBefore;
    report.s3Errors = entry.results.s3Errors!.slice(s3ErrorsBefore);
    if (entry.results.ended) report.sessionEnded = entry.results.ended.reason;
    report.status = statusNow(entry);
    return report;
  }

  /** The producer time of a fragment number this emulator issued on the stream (StartSelector.KVSStreamStartSelector.FragmentNumber). */
  function fragmentProducerTime(kvsArn: string, fragmentNumber: string): number | undefined {
    return ledger.producerTimeOf(kvsArn, fragmentNumber);
  }

  /** Ends every live session (reset, shutdown); `forget` also drops what they found. */
  function abortAll(forget: boolean): void {
    for (const session of live.values()) {
      clearTimeout(session.timer);
      session.controller.abort(new Error(forget ? 'reset' : 'shutting down'));
    }
    live.clear();
    if (!forget) return;
    lastResults.clear();
    ledger.clear();
    endedSessions.clear();
  }

  return {
    begin: beginSession,
    stop: stopSession,
    drop: dropSession,
    results: sessionResults,
    feed: feedSession,
    fragmentProducerTime,
    /** Whether a live session watches the processor (its deadline timer runs). */
    isLive: (scope: Scope, name: string) => live.has(keyOf(scope, name)),
    reset: () => abortAll(true),
    close: () => abortAll(false),
  };
}

export type StreamSessions = ReturnType<typeof createStreamSessions>;
