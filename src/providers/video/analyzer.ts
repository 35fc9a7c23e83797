/**
 * What a stored-video analysis provides to the video jobs: the Start/Get operation pair, how its
 * Get* response is shaped (results member, model version, SortBy, AggregateBy), checks made at
 * Start, and `run`, which turns a probed video into result items. Everything else (queue, limits,
 * idempotency, persistence, pagination, notifications) is shared, so each analysis is a small adapter.
 */
import type { OperationShapes } from '../../api/generated/types';
import type { SampledVideo } from '../../analysis/video-frames';
import type { Scope } from '../../runtime/scope';
import type { ItemOrder, StoredItem } from '../../store/video-jobs';
import type { ModelsClient } from '../../../models/client';

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

/** A running job: its account and region, the local video and its probe, and its inference. */
export interface VideoJob extends Scope, SampledVideo {
  jobId: string;
  /** Inference queued behind synchronous requests' (models/pool.ts). */
  models: ModelsClient;
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
  check?(input: StartInput<S>, scope: Scope): void;
  run(input: StartInput<S>, job: VideoJob): Promise<AnalysisOutput>;
  /** What users should know about this emulation (docs/COVERAGE.md). */
  notes: string;
}

/** Every analysis, by its Start operation. */
export type VideoAnalyzers = { [S in StartOperation]: VideoAnalyzer<S> };
