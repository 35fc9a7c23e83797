/**
 * The Start and Get handlers of every registered video analyzer: Start queues a job, Get pages through
 * its stored results in AWS's envelope (AWS-BEHAVIOUR §3.12): JobStatus, StatusMessage,
 * VideoMetadata, NextToken, results, model version, JobId, Video, JobTag, GetRequestMetadata.
 */
import { createHash } from 'node:crypto';
import { errors } from '../api/errors';
import type { OperationName } from '../api/generated/model';
import type { RequestContext, Services } from '../operations/context';
import { registerHandler, type Handler } from '../operations/registry';
import type { StartOperation, VideoAnalyzer } from './analyzer';
import { videoJobQueue, type VideoJobQueue } from './queue';
import { requestParts, type ItemOrder, type ResultView } from './store';

const analyzers = new Map<string, VideoAnalyzer>();

export function videoAnalyzers(): ReadonlyMap<string, VideoAnalyzer> {
  return analyzers;
}

/** The server's job queue (with every registered analyzer). */
export function videoJobs(services: Services): VideoJobQueue {
  return videoJobQueue(services, analyzers);
}

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

interface GetInput {
  JobId: string;
  MaxResults?: number;
  NextToken?: string;
  SortBy?: string;
  AggregateBy?: string;
}

function getResults(analyzer: VideoAnalyzer, input: GetInput, ctx: RequestContext): Record<string, unknown> {
  const queue = videoJobs(ctx);
  const job = queue.find(ctx, input.JobId);
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
    const rows = queue.store.page(job, view, order, offset, limit);
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

/** Registers the analyzer's Start and Get operations. */
export function registerVideoAnalyzer<S extends StartOperation>(analyzer: VideoAnalyzer<S>): void {
  if (analyzers.has(analyzer.start)) throw new Error(`video analyzer ${analyzer.start} registered twice`);
  analyzers.set(analyzer.start, analyzer as unknown as VideoAnalyzer);
  const start: Handler<S> = async (input, ctx) => ({ JobId: await videoJobs(ctx).start(analyzer, input, ctx) }) as never;
  registerHandler(analyzer.start, start, analyzer.notes);
  const get = ((input: GetInput, ctx: RequestContext) => getResults(analyzer as unknown as VideoAnalyzer, input, ctx)) as unknown as Handler<OperationName>;
  registerHandler(analyzer.get as OperationName, get, analyzer.notes);
}

/** At server start: resumes (or fails) jobs a previous run left IN_PROGRESS. */
export function startVideoJobs(services: Services): VideoJobQueue {
  const queue = videoJobs(services);
  queue.resume();
  return queue;
}
