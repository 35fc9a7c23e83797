/**
 * What the web console shows of an emulator's state, per account and region: read-only views over
 * the stores, and over the API's own Describe/List operations where the API already computes the
 * answer (project descriptions with their evaluation, stream processor status). Nothing here
 * changes state.
 */
import type { Video } from '../api/generated/types';
import { videoStill } from '../media/still';
import { loadVideoObject } from '../media/video';
import type { MediaContext } from '../media/s3';
import type { Scope } from '../runtime/scope';
import type { Stores } from '../store';
import { faceFromRow } from '../store/faces';
import type { VideoJobRecord } from '../store/video-jobs';
import { userStatus } from '../providers/collections/users';

/** Runs a read-only API operation for the console: validated and serialised as a call, but not logged and free of faults and pins. */
export type InternalCall = (operation: string, input: Record<string, unknown>, scope: Scope) => Promise<Record<string, unknown>>;

/** The most rows of any one list the console reads. */
export const CONSOLE_LIST_LIMIT = 1000;
/** The most result items of one video job the timeline reads. */
export const TIMELINE_ITEM_LIMIT = 5000;

type Json = Record<string, unknown>;

/** How far a video job has got: null while no run knows its frame count yet (a SUCCEEDED job is done, whatever it recorded). */
export interface JobProgress {
  /** 0 to 1. */
  Fraction: number;
  FramesDone?: number;
  FramesTotal?: number;
}

export function jobProgress(job: Pick<VideoJobRecord, 'status' | 'progress'>): JobProgress | null {
  const frames = job.progress && { FramesDone: job.progress.done, FramesTotal: job.progress.total };
  if (job.status === 'SUCCEEDED') return { Fraction: 1, ...frames };
  if (!job.progress || job.progress.total <= 0) return null;
  return { Fraction: Math.min(1, job.progress.done / job.progress.total), ...frames };
}

/** Every page of a List operation that pages with NextToken, up to CONSOLE_LIST_LIMIT items. */
async function listAll(call: InternalCall, operation: string, input: Json, scope: Scope, member: string): Promise<Json[]> {
  const out: Json[] = [];
  let token: string | undefined;
  do {
    const page = await call(operation, { ...input, ...(token ? { NextToken: token } : {}) }, scope);
    out.push(...((page[member] as Json[] | undefined) ?? []));
    token = page.NextToken as string | undefined;
  } while (token && out.length < CONSOLE_LIST_LIMIT);
  return out;
}

export interface ConsoleState {
  scopes(): Scope[];
  collections(scope: Scope): Json[];
  /** A collection's faces (each with whether it has a thumbnail) and users; undefined when there is no such collection. */
  collection(scope: Scope, id: string): Json | undefined;
  thumbnail(scope: Scope, collection: string, faceId: string): Buffer | undefined;
  videoJobs(scope: Scope): Json[];
  /** A video job with its results on a timeline: items as detected and aggregated segments, by timestamp. */
  videoJob(scope: Scope, jobId: string): Json | undefined;
  /** A JPEG of the job's own video at `ms`; undefined when there is no such job. */
  videoFrame(scope: Scope, jobId: string, ms: number): Promise<Buffer | undefined>;
  mediaAnalysisJobs(scope: Scope): Promise<Json[]>;
  customLabels(scope: Scope): Promise<Json[]>;
  streamProcessors(scope: Scope): Promise<Json[]>;
}

export function consoleState(stores: Stores, call: InternalCall, now: () => number, media: Omit<MediaContext, 'region'>): ConsoleState {
  return {
    scopes: () => stores.scopes(),

    collections(scope) {
      const faces = stores.faces.in(scope);
      const users = stores.users.in(scope);
      return stores.collections
        .in(scope)
        .list('', CONSOLE_LIST_LIMIT)
        .slice(0, CONSOLE_LIST_LIMIT)
        .map((c) => ({ CollectionId: c.id, CreationTimestamp: c.created_ms, FaceModelVersion: c.face_model_version, FaceCount: faces.count(c.id), UserCount: users.count(c.id) }));
    },

    collection(scope, id) {
      const row = stores.collections.in(scope).find(id);
      if (!row) return undefined;
      const thumbnails = stores.faceThumbnails.in(scope);
      const faces = stores.faces
        .in(scope)
        .list(id, { limit: CONSOLE_LIST_LIMIT })
        .slice(0, CONSOLE_LIST_LIMIT)
        .map((f) => ({ ...faceFromRow(f), HasThumbnail: thumbnails.get(id, f.face_id) !== undefined }));
      const users = stores.users
        .in(scope)
        .list(id, '', CONSOLE_LIST_LIMIT)
        .slice(0, CONSOLE_LIST_LIMIT)
        .map((u) => ({ UserId: u.user_id, UserStatus: userStatus(u, now()) }));
      return { CollectionId: row.id, CreationTimestamp: row.created_ms, FaceModelVersion: row.face_model_version, Faces: faces, Users: users };
    },

    thumbnail: (scope, collection, faceId) => stores.faceThumbnails.in(scope).get(collection, faceId),

    videoJobs(scope) {
      return stores.videoJobs
        .in(scope)
        .list(CONSOLE_LIST_LIMIT)
        .map((j) => ({
          JobId: j.jobId,
          Api: j.api,
          JobStatus: j.status,
          StatusMessage: j.statusMessage,
          CreationTimestamp: j.createdMs,
          CompletionTimestamp: j.completedMs,
          // How far it has got, how long it has run, and its runs so far (a restart runs it again, from the start).
          Progress: jobProgress(j),
          ElapsedMillis: (j.completedMs ?? now()) - j.createdMs,
          Attempts: j.attempts,
          Video: j.request.Video,
          JobTag: j.request.JobTag,
        }));
    },

    videoJob(scope, jobId) {
      const jobs = stores.videoJobs.in(scope);
      const job = jobs.get(jobId);
      if (!job) return undefined;
      return {
        JobId: job.jobId,
        Api: job.api,
        JobStatus: job.status,
        StatusMessage: job.statusMessage,
        CreationTimestamp: job.createdMs,
        CompletionTimestamp: job.completedMs,
        Progress: jobProgress(job),
        Request: job.request,
        VideoMetadata: job.videoMetadata,
        Items: jobs.page(jobId, 'T', 'TIMESTAMP', 0, TIMELINE_ITEM_LIMIT).slice(0, TIMELINE_ITEM_LIMIT),
        Segments: jobs.page(jobId, 'S', 'TIMESTAMP', 0, TIMELINE_ITEM_LIMIT).slice(0, TIMELINE_ITEM_LIMIT),
      };
    },

    async videoFrame(scope, jobId, ms) {
      const job = stores.videoJobs.in(scope).get(jobId);
      if (!job) return undefined;
      // Only the video the job itself analysed, read as the job read it.
      const local = await loadVideoObject(job.request.Video as Video | undefined, { ...media, region: scope.region });
      // Past the last frame's start ffmpeg finds nothing: the last frame is shown instead.
      const meta = job.videoMetadata;
      const last = meta?.DurationMillis && meta.FrameRate ? meta.DurationMillis - 1000 / meta.FrameRate : Infinity;
      try {
        return await videoStill(local.path, Math.max(0, Math.min(ms, last)));
      } finally {
        await local.cleanup();
      }
    },

    mediaAnalysisJobs: (scope) => listAll(call, 'ListMediaAnalysisJobs', {}, scope, 'MediaAnalysisJobs'),

    async customLabels(scope) {
      const projects = await listAll(call, 'DescribeProjects', {}, scope, 'ProjectDescriptions');
      const store = stores.customLabels.in(scope);
      return Promise.all(
        projects.map(async (project) => {
          const arn = project.ProjectArn as string;
          const versions = await listAll(call, 'DescribeProjectVersions', { ProjectArn: arn }, scope, 'ProjectVersionDescriptions');
          const datasets = await Promise.all(
            ((project.Datasets as Json[] | undefined) ?? []).map(async (d) => (await call('DescribeDataset', { DatasetArn: d.DatasetArn }, scope)).DatasetDescription as Json),
          );
          const name = arn.split('/')[1];
          // The per-label evaluation the API writes to S3 as a summary file, kept with the version.
          const evaluations = new Map(store.versions(name).map((v) => [v.name, (JSON.parse(v.details) as { evaluation?: unknown }).evaluation]));
          return {
            ...project,
            Datasets: datasets,
            Versions: versions.map((v) => ({ ...v, Evaluation: evaluations.get(String(v.ProjectVersionArn).split('/')[3]) })),
          };
        }),
      );
    },

    async streamProcessors(scope) {
      const listed = await listAll(call, 'ListStreamProcessors', {}, scope, 'StreamProcessors');
      const store = stores.streamProcessors.in(scope);
      return Promise.all(
        listed.map(async (p) => {
          const described = await call('DescribeStreamProcessor', { Name: p.Name }, scope);
          const session = store.read(String(p.Name))?.session;
          return { ...described, LastSession: session ? (JSON.parse(session) as unknown) : undefined };
        }),
      );
    },
  };
}
