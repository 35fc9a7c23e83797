/**
 * Get*: pages through a job's stored results in AWS's envelope (AWS-BEHAVIOUR §3.12): JobStatus,
 * StatusMessage, VideoMetadata, NextToken, results, model version, JobId, Video, JobTag,
 * GetRequestMetadata.
 */
import { createHash } from 'node:crypto';
import { errors } from '../../api/errors';
import type { Scope } from '../../runtime/scope';
import { requestParts, type ItemOrder, type ResultView, type VideoJobStore } from '../../store/video-jobs';
import type { VideoAnalyzer } from './analyzer';

/** Page size of Get*: default and maximum 1000 (AWS-BEHAVIOUR §3.12). */
export const MAX_PAGE = 1000;

// NextToken: 54 bytes in standard base64 (72 characters, as AWS's look): version, offset, view,
// order, the JobId's 32 bytes and a 15-byte check, so a token only works for its own job and sort.
const TOKEN_BYTES = 54;
const VIEWS: ResultView[] = ['T', 'S'];
const ORDERS: ItemOrder[] = ['SEQ', 'TIMESTAMP', 'NAME', 'INDEX', 'ID'];

const tokenCheck = (head: Buffer) => createHash('sha256').update('rekognition-local video page').update(head).digest().subarray(0, 15);

export function encodeVideoToken(jobId: string, view: ResultView, order: ItemOrder, offset: number): string {
  const head = Buffer.alloc(TOKEN_BYTES - 15);
  head[0] = 1;
  head.writeUInt32BE(offset, 1);
  head[5] = VIEWS.indexOf(view);
  head[6] = ORDERS.indexOf(order);
  Buffer.from(jobId, 'hex').copy(head, 7, 0, 32);
  return Buffer.concat([head, tokenCheck(head)]).toString('base64');
}

export function decodeVideoToken(token: string, jobId: string, view: ResultView, order: ItemOrder): number {
  const bytes = Buffer.from(token, 'base64');
  const head = bytes.subarray(0, TOKEN_BYTES - 15);
  const valid =
    bytes.length === TOKEN_BYTES &&
    bytes.toString('base64') === token &&
    tokenCheck(head).equals(bytes.subarray(TOKEN_BYTES - 15)) &&
    head[0] === 1 &&
    head[5] === VIEWS.indexOf(view) &&
    head[6] === ORDERS.indexOf(order) &&
    head.subarray(7).toString('hex') === jobId.toLowerCase();
  if (!valid) throw errors.invalidPaginationToken();
  return head.readUInt32BE(1);
}

export interface GetInput {
  JobId: string;
  MaxResults?: number;
  NextToken?: string;
  SortBy?: string;
  AggregateBy?: string;
}

export function getResults(store: VideoJobStore, analyzer: VideoAnalyzer, input: GetInput, scope: Scope): Record<string, unknown> {
  const jobs = store.in(scope);
  const job = jobs.get(input.JobId);
  // A guess: no capture of an unknown JobId exists; the model allows ResourceNotFoundException
  // (AWS-BEHAVIOUR §2). A JobId of another analysis is unknown to this Get* too.
  if (!job || job.api !== analyzer.start) throw errors.resourceNotFound(`The job id: ${input.JobId} does not exist`);

  const sortBy = analyzer.sortBy ? (input.SortBy ?? analyzer.sortBy.default) : undefined;
  const order: ItemOrder = sortBy ? (analyzer.sortBy!.orders[sortBy] ?? 'SEQ') : 'SEQ';
  const aggregateBy = analyzer.aggregate ? (input.AggregateBy ?? 'TIMESTAMPS') : undefined;
  const view: ResultView = aggregateBy === 'SEGMENTS' ? 'S' : 'T';
  const limit = Math.min(input.MaxResults ?? MAX_PAGE, MAX_PAGE);
  const offset = input.NextToken ? decodeVideoToken(input.NextToken, job.jobId, view, order) : 0;

  let items: Record<string, unknown>[] = [];
  let nextToken: string | undefined;
  if (job.status === 'SUCCEEDED') {
    const rows = jobs.page(job.jobId, view, order, offset, limit);
    items = rows.slice(0, limit);
    if (rows.length > limit) nextToken = encodeVideoToken(job.jobId, view, order, offset + limit);
  }
  const { video, jobTag } = requestParts(job);
  const metadata = job.videoMetadata;
  return {
    JobStatus: job.status,
    StatusMessage: job.statusMessage,
    VideoMetadata: analyzer.metadataLists ? (metadata ? [metadata] : undefined) : metadata,
    ...(analyzer.metadataLists ? { AudioMetadata: job.audioMetadata } : {}),
    NextToken: nextToken,
    [analyzer.resultsKey]: items,
    ...(job.status === 'SUCCEEDED' ? (job.extra ?? {}) : {}),
    ...(analyzer.modelVersion ? { [analyzer.modelVersion.key]: analyzer.modelVersion.value } : {}),
    JobId: job.jobId,
    Video: video,
    JobTag: jobTag,
    // AWS echoes the defaults even when the request left them out (AWS-BEHAVIOUR §3.12).
    ...(analyzer.aggregate ? { GetRequestMetadata: { SortBy: sortBy, AggregateBy: aggregateBy } } : {}),
  };
}
