/**
 * Every store of one emulator, over one SQLite database. Each repository owns its tables (its
 * `schema`) and its SQL, and is scoped by account and region by construction:
 * `stores.collections.in(scope)` sees one account's collections in one region, nothing else.
 */
import { openDatabase, resetDatabase, type Db } from './database';
import { IdempotencyStore, idempotencySchema } from './idempotency';
import { MediaAnalysisJobStore, mediaAnalysisJobsSchema } from './media-analysis-jobs';
import { VideoJobStore, videoJobsSchema } from './video-jobs';

export interface StoreOptions {
  /** Persist under this folder; in memory when absent. */
  dataDir?: string;
}

export interface Stores {
  readonly db: Db;
  idempotency: IdempotencyStore;
  videoJobs: VideoJobStore;
  mediaAnalysisJobs: MediaAnalysisJobStore;
  /** Deletes every row of every table, for every account and region, and what is derived from them. */
  reset(): void;
  close(): void;
}

/** Every table, in creation order (a table after those it refers to). */
const schemas: string[] = [idempotencySchema, videoJobsSchema, mediaAnalysisJobsSchema];

export function createStores(options: StoreOptions = {}): Stores {
  const db = openDatabase(options.dataDir, schemas);
  return {
    db,
    idempotency: new IdempotencyStore(db),
    videoJobs: new VideoJobStore(db),
    mediaAnalysisJobs: new MediaAnalysisJobStore(db),
    reset() {
      resetDatabase(db);
    },
    close() {
      db.close();
    },
  };
}
