/**
 * Every store of one emulator, over one SQLite database. Each repository owns its tables (its
 * `schema`) and its SQL, and is scoped by account and region by construction:
 * `stores.collections.in(scope)` sees one account's collections in one region, nothing else.
 */
import { deleteAllRows, openDatabase, scopesWithState, type Db } from './database';
import type { Scope } from '../runtime/scope';
import { CustomLabelsStore, customLabelsSchema } from './custom-labels';
import { IdempotencyStore, idempotencySchema } from './idempotency';
import { TagStore, tagsSchema } from './tags';
import { CollectionStore, collectionsSchema } from './collections';
import { FaceStore, facesSchema } from './faces';
import { FaceThumbnailStore, faceThumbnailsSchema } from './face-thumbnails';
import { UserStore, usersSchema } from './users';
import type { VectorIndexOptions } from './vector-index';
import { LivenessSessionStore, livenessSessionsSchema } from './liveness-sessions';
import { StreamProcessorStore, streamProcessorsSchema } from './stream-processors';
import { MediaAnalysisJobStore, mediaAnalysisJobsSchema } from './media-analysis-jobs';
import { VideoJobStore, videoJobsSchema } from './video-jobs';

export interface StoreOptions {
  /** Persist under this folder; in memory when absent. */
  dataDir?: string;
  /** Tuning of the collections' vector indexes (engine cut-off, ef), for tests and the benchmark. */
  vectorIndex?: VectorIndexOptions;
}

export interface Stores {
  readonly db: Db;
  idempotency: IdempotencyStore;
  collections: CollectionStore;
  faces: FaceStore;
  /** Thumbnails of stored faces, for the web console only. */
  faceThumbnails: FaceThumbnailStore;
  users: UserStore;
  customLabels: CustomLabelsStore;
  livenessSessions: LivenessSessionStore;
  streamProcessors: StreamProcessorStore;
  videoJobs: VideoJobStore;
  mediaAnalysisJobs: MediaAnalysisJobStore;
  tags: TagStore;
  /** Every account and region that holds any state. */
  scopes(): Scope[];
  /** Runs `work` in one transaction across stores (all of it is written, or none). */
  transaction<T>(work: () => T): T;
  /** Deletes every row of every table, for every account and region, and what is derived from them. */
  reset(): void;
  /** Writes what is derived from the tables (vector indexes) and closes the database. */
  close(): void;
}

/** Every table, in creation order (a table after those it refers to). */
const schemas: string[] = [idempotencySchema, collectionsSchema, facesSchema, faceThumbnailsSchema, usersSchema, livenessSessionsSchema, streamProcessorsSchema, customLabelsSchema, videoJobsSchema, mediaAnalysisJobsSchema, tagsSchema];

export function createStores(options: StoreOptions = {}): Stores {
  const db = openDatabase(options.dataDir, schemas);
  const faces = new FaceStore(db, { dataDir: options.dataDir, vectorIndex: options.vectorIndex });
  return {
    db,
    idempotency: new IdempotencyStore(db),
    collections: new CollectionStore(db),
    faces,
    faceThumbnails: new FaceThumbnailStore(db),
    users: new UserStore(db),
    customLabels: new CustomLabelsStore(db),
    livenessSessions: new LivenessSessionStore(db),
    streamProcessors: new StreamProcessorStore(db),
    videoJobs: new VideoJobStore(db),
    mediaAnalysisJobs: new MediaAnalysisJobStore(db),
    tags: new TagStore(db),
    scopes: () => scopesWithState(db),
    transaction: (work) => db.transaction(work)(),
    reset() {
      deleteAllRows(db);
      faces.reset();
    },
    close() {
      faces.close();
      db.close();
    },
  };
}
