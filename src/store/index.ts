/**
 * Every store of one emulator, over one SQLite database. Each repository owns its tables (its
 * `schema`) and its SQL, and is scoped by account and region by construction:
 * `stores.collections.in(scope)` sees one account's collections in one region, nothing else.
 */
import { openDatabase, resetDatabase, type Db } from './database';
import { CustomLabelsStore, customLabelsSchema } from './custom-labels';
import { IdempotencyStore, idempotencySchema } from './idempotency';
import { LivenessSessionStore, livenessSessionsSchema } from './liveness-sessions';
import { StreamProcessorStore, streamProcessorsSchema } from './stream-processors';

export interface StoreOptions {
  /** Persist under this folder; in memory when absent. */
  dataDir?: string;
}

export interface Stores {
  readonly db: Db;
  idempotency: IdempotencyStore;
  customLabels: CustomLabelsStore;
  livenessSessions: LivenessSessionStore;
  streamProcessors: StreamProcessorStore;
  /** Deletes every row of every table, for every account and region, and what is derived from them. */
  reset(): void;
  close(): void;
}

/** Every table, in creation order (a table after those it refers to). */
const schemas: string[] = [idempotencySchema, livenessSessionsSchema, streamProcessorsSchema, customLabelsSchema];

export function createStores(options: StoreOptions = {}): Stores {
  const db = openDatabase(options.dataDir, schemas);
  return {
    db,
    idempotency: new IdempotencyStore(db),
    customLabels: new CustomLabelsStore(db),
    livenessSessions: new LivenessSessionStore(db),
    streamProcessors: new StreamProcessorStore(db),
    reset() {
      resetDatabase(db);
    },
    close() {
      db.close();
    },
  };
}
