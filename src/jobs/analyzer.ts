/**
 * What a stored-video analysis provides to the job machinery: the Start/Get operation pair, how
 * its Get* response is shaped (results member, model version, SortBy, AggregateBy), checks made at
 * Start, and `run`, which turns a probed video into result items. Everything else (queue, limits,
 * idempotency, persistence, pagination, notifications) is shared, so each analysis is a small adapter.
 */
import type { OperationShapes } from '../api/generated/types';
import type { VideoInfo } from '../media/probe';
import type { RequestContext } from '../operations/context';
import type { ItemOrder, StoredItem } from './store';

export type StartOperation =
  | 'StartCelebrityRecognition'
  | 'StartContentModeration'
  | 'StartFaceDetection'
  | 'StartFaceSearch'
  | 'StartLabelDetection'
  | 'StartPersonTracking'
  | 'StartSegmentDetection'
  | 'StartTextDetection';

export type GetOperation =
  | 'GetCelebrityRecognition'
  | 'GetContentModeration'
  | 'GetFaceDetection'
  | 'GetFaceSearch'
  | 'GetLabelDetection'
  | 'GetPersonTracking'
  | 'GetSegmentDetection'
  | 'GetTextDetection';

export type StartInput<S extends StartOperation> = OperationShapes[S]['input'];

/** A running job: the request context of its account and region, the local video and its probe. */
export interface JobContext extends RequestContext {
  jobId: string;
  file: string;
  info: VideoInfo;
  signal: AbortSignal;
}

export interface AnalysisOutput {
  /** Items in the order of the default sort (AggregateBy TIMESTAMPS). */
  items: StoredItem[];
  /** Items for AggregateBy SEGMENTS, when the API has it. */
  segments?: StoredItem[];
  /** Members placed right after the results in Get* (e.g. SelectedSegmentTypes). */
  extra?: Record<string, unknown>;
}

export interface VideoAnalyzer<S extends StartOperation = StartOperation> {
  start: S;
  get: GetOperation;
  /** The Get* member holding the results (`Labels`, `Segments`, …). */
  resultsKey: string;
  modelVersion?: { key: string; value: string };
  /** SortBy values and their orders; absent when the Get* has no SortBy (results in analyzer order). */
  sortBy?: { default: string; orders: Record<string, ItemOrder> };
  /** Get* accepts AggregateBy TIMESTAMPS | SEGMENTS and echoes GetRequestMetadata. */
  aggregate?: boolean;
  /** GetSegmentDetection sends VideoMetadata and AudioMetadata as lists. */
  metadataLists?: boolean;
  /** Checks at Start beyond the model's validation, e.g. that a collection exists. Throws RekognitionError. */
  check?(input: StartInput<S>, ctx: RequestContext): void;
  run(input: StartInput<S>, job: JobContext): Promise<AnalysisOutput>;
  /** What users should know about this emulation (docs/COVERAGE.md). */
  notes: string;
}
