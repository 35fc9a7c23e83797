/**
 * Stored faces of collections, and the per-collection vector indexes over them.
 *
 * SQLite is the source of truth. An index is a cache owned by this store: loaded from SQLite on
 * first use, changed only after the SQLite change it mirrors has committed, persisted under
 * --data-dir after a quiet spell, and reconciled with SQLite (by label count and checksum) when
 * loaded. Search results are resolved back to SQLite rows, so a face SQLite no longer has is never
 * returned.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errors } from '../api/errors';
import type { BoundingBox, Face } from '../api/generated/types';
import type { Scope } from '../runtime/scope';
import type { Db } from './database';
import { removeIndexFiles, VectorIndex, type VectorIndexOptions } from './vector-index';

export const facesSchema = `CREATE TABLE IF NOT EXISTS faces (
     label INTEGER PRIMARY KEY AUTOINCREMENT,
     account TEXT NOT NULL, region TEXT NOT NULL, collection TEXT NOT NULL,
     face_id TEXT NOT NULL, image_id TEXT NOT NULL, external_image_id TEXT, user_id TEXT,
     bb_width REAL NOT NULL, bb_height REAL NOT NULL, bb_left REAL NOT NULL, bb_top REAL NOT NULL,
     confidence REAL NOT NULL, index_faces_model_version TEXT NOT NULL,
     image_sha256 TEXT NOT NULL, vector BLOB NOT NULL, created_ms INTEGER NOT NULL,
     UNIQUE (account, region, collection, face_id));
   CREATE INDEX IF NOT EXISTS faces_by_user ON faces (account, region, collection, user_id);
   CREATE INDEX IF NOT EXISTS faces_by_image ON faces (account, region, collection, image_sha256)`;

export interface FaceRow {
  label: number;
  face_id: string;
  image_id: string;
  external_image_id: string | null;
  user_id: string | null;
  bb_width: number;
  bb_height: number;
  bb_left: number;
  bb_top: number;
  confidence: number;
  index_faces_model_version: string;
  image_sha256: string;
}

export interface NewFace {
  faceId: string;
  imageId: string;
  externalImageId?: string;
  boundingBox: Required<BoundingBox>;
  confidence: number;
  indexFacesModelVersion: string;
  imageSha256: string;
  vector: ArrayLike<number>;
}

export interface ListFacesQuery {
  after?: string;
  limit: number;
  userId?: string;
  faceIds?: string[];
}

const FACE_COLUMNS =
  'label, face_id, image_id, external_image_id, user_id, bb_width, bb_height, bb_left, bb_top, confidence, index_faces_model_version, image_sha256';

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Stored faces keep BoundingBox to 6 decimals and Confidence to 4, as AWS does (AWS-BEHAVIOUR §3.7). */
export function quantiseBoundingBox(box: BoundingBox): Required<BoundingBox> {
  return { Width: round(box.Width ?? 0, 6), Height: round(box.Height ?? 0, 6), Left: round(box.Left ?? 0, 6), Top: round(box.Top ?? 0, 6) };
}

export function quantiseConfidence(confidence: number): number {
  return round(confidence, 4);
}

/** A stored face in AWS's wire order: FaceId, BoundingBox, ImageId, ExternalImageId, Confidence, IndexFacesModelVersion, UserId. */
export function faceFromRow(row: FaceRow): Face {
  return {
    FaceId: row.face_id,
    BoundingBox: { Width: row.bb_width, Height: row.bb_height, Left: row.bb_left, Top: row.bb_top },
    ImageId: row.image_id,
    ExternalImageId: row.external_image_id ?? undefined,
    Confidence: row.confidence,
    IndexFacesModelVersion: row.index_faces_model_version,
    UserId: row.user_id ?? undefined,
  };
}

export function vectorToBlob(vector: ArrayLike<number>): Buffer {
  const f32 = Float32Array.from(vector);
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
}

export function blobToVector(blob: Buffer): Float32Array {
  // Copy: the Buffer may sit at an offset that is not 4-byte aligned.
  const out = new Float32Array(blob.length / 4);
  new Uint8Array(out.buffer).set(blob);
  return out;
}

/**
 * Delay between a change and writing the index to disk. A write blocks the event loop (about 0.1 s
 * per 50k faces), so under steady writes the delay grows to 20 times the last write's duration.
 */
const SAVE_DELAY_MS = 2000;
const SAVE_DUTY_FACTOR = 20;

interface IndexEntry {
  index: VectorIndex;
  file?: string;
  timer?: NodeJS.Timeout;
  /** What happened to the persisted graph when the index was loaded. */
  loaded?: ReturnType<VectorIndex['load']>;
  lastSaveMs?: number;
}

export interface FaceStoreOptions {
  /** Indexes are persisted under `<dataDir>/vector-index`; in memory only when absent. */
  dataDir?: string;
  /** Index tuning (engine cut-off, ef) for tests and the benchmark. */
  vectorIndex?: VectorIndexOptions;
}

const keyOf = (scope: Scope, collection: string) => `${scope.account}\u0000${scope.region}\u0000${collection}`;

/** Where a collection's index is persisted. */
export function indexFile(dataDir: string, scope: Scope, collection: string): string {
  const name = createHash('sha256').update(keyOf(scope, collection)).digest('hex').slice(0, 32);
  return join(dataDir, 'vector-index', `${name}.hnsw`);
}

function saveEntry(entry: IndexEntry): void {
  if (!entry.file) return;
  const start = performance.now();
  try {
    mkdirSync(join(entry.file, '..'), { recursive: true });
    if (entry.index.save(entry.file)) entry.lastSaveMs = performance.now() - start;
  } catch {
    // A failed write leaves a stale or missing file; loading reconciles or rebuilds it.
  }
}

function scheduleSave(entry: IndexEntry): void {
  if (!entry.file || entry.timer) return;
  entry.timer = setTimeout(
    () => {
      entry.timer = undefined;
      saveEntry(entry);
    },
    Math.max(SAVE_DELAY_MS, SAVE_DUTY_FACTOR * (entry.lastSaveMs ?? 0)),
  );
  entry.timer.unref();
}

export class FaceStore {
  /** Loaded indexes by account, region and collection. */
  private readonly indexes = new Map<string, IndexEntry>();

  constructor(
    private readonly db: Db,
    private readonly options: FaceStoreOptions = {},
  ) {}

  in(scope: Scope): ScopedFaces {
    return new ScopedFaces(this.db, scope, this);
  }

  /**
   * The collection's index, loaded from SQLite (and the persisted graph, if any) on first use.
   * `adding`: the length of vectors about to be added; an empty collection's index takes it (without
   * it, VectorIndex's default, and the index is made again when the first vectors come).
   */
  index(scope: Scope, collection: string, adding?: number): VectorIndex {
    const key = keyOf(scope, collection);
    const existing = this.indexes.get(key);
    if (existing && !(adding && existing.index.size === 0 && existing.index.dimensions !== adding)) return existing.index;
    if (existing) this.dropIndex(scope, collection);

    const entry: IndexEntry = { index: undefined as unknown as VectorIndex };
    entry.index = new VectorIndex({ ...this.options.vectorIndex, dimensions: this.dimensionsOf(scope, collection) ?? adding, onChange: () => scheduleSave(entry) });
    const rows = this.db
      .prepare('SELECT label, vector FROM faces WHERE account = ? AND region = ? AND collection = ?')
      .iterate(scope.account, scope.region, collection) as IterableIterator<{ label: number; vector: Buffer }>;
    entry.index.addMany(
      (function* () {
        for (const row of rows) yield { label: row.label, vector: blobToVector(row.vector) };
      })(),
    );
    if (this.options.dataDir) {
      entry.file = indexFile(this.options.dataDir, scope, collection);
      entry.loaded = entry.index.load(entry.file);
    } else {
      entry.index.buildIfNeeded();
    }
    this.indexes.set(key, entry);
    return entry.index;
  }

  /**
   * Length of the collection's stored vectors, undefined when it has none. Collections indexed
   * before the combined identity descriptor hold face-api's 128 and keep adding vectors of that
   * length (src/analysis/faces.ts, descriptorFor).
   */
  private dimensionsOf(scope: Scope, collection: string): number | undefined {
    const row = this.db
      .prepare('SELECT length(vector) AS bytes FROM faces WHERE account = ? AND region = ? AND collection = ? LIMIT 1')
      .get(scope.account, scope.region, collection) as { bytes: number } | undefined;
    return row && row.bytes / Float32Array.BYTES_PER_ELEMENT;
  }

  /** How a loaded index stands (tests, diagnostics); undefined when not loaded. */
  indexStatus(scope: Scope, collection: string) {
    const entry = this.indexes.get(keyOf(scope, collection));
    return entry && { engine: entry.index.engine, size: entry.index.size, loaded: entry.loaded };
  }

  /** Forgets a collection's index and its persisted file. */
  dropIndex(scope: Scope, collection: string): void {
    const key = keyOf(scope, collection);
    const entry = this.indexes.get(key);
    if (entry) {
      clearTimeout(entry.timer);
      entry.index.dispose();
      this.indexes.delete(key);
    }
    if (this.options.dataDir) removeIndexFiles(indexFile(this.options.dataDir, scope, collection));
  }

  /** Writes every changed index now. */
  flush(): void {
    for (const entry of this.indexes.values()) {
      if (entry.timer) {
        clearTimeout(entry.timer);
        entry.timer = undefined;
        saveEntry(entry);
      }
    }
  }

  /** After every row was deleted: forgets every index and removes the persisted ones. */
  reset(): void {
    this.disposeIndexes();
    if (this.options.dataDir) rmSync(join(this.options.dataDir, 'vector-index'), { recursive: true, force: true });
  }

  /** Shutdown: writes changed indexes, then releases them. */
  close(): void {
    this.flush();
    this.disposeIndexes();
  }

  private disposeIndexes(): void {
    for (const entry of this.indexes.values()) {
      clearTimeout(entry.timer);
      entry.index.dispose();
    }
    this.indexes.clear();
  }
}

/** One account's faces in one region. */
export class ScopedFaces {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
    private readonly store: FaceStore,
  ) {}

  /** The collection's vector index. */
  index(collection: string, adding?: number): VectorIndex {
    return this.store.index(this.scope, collection, adding);
  }

  indexStatus(collection: string) {
    return this.store.indexStatus(this.scope, collection);
  }

  insert(collection: string, face: NewFace): number {
    const box = face.boundingBox;
    const info = this.db
      .prepare(
        `INSERT INTO faces (account, region, collection, face_id, image_id, external_image_id, user_id, bb_width, bb_height, bb_left, bb_top,
           confidence, index_faces_model_version, image_sha256, vector, created_ms) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        this.scope.account,
        this.scope.region,
        collection,
        face.faceId,
        face.imageId,
        face.externalImageId ?? null,
        box.Width,
        box.Height,
        box.Left,
        box.Top,
        face.confidence,
        face.indexFacesModelVersion,
        face.imageSha256,
        vectorToBlob(face.vector),
        Date.now(),
      );
    const label = Number(info.lastInsertRowid);
    // hnswlib labels are 32-bit; AUTOINCREMENT never reuses one, so this is ~4 billion faces per database.
    if (label > 0xffffffff) throw new Error('face label space exhausted');
    return label;
  }

  get(collection: string, faceId: string): FaceRow | undefined {
    return this.db
      .prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE account = ? AND region = ? AND collection = ? AND face_id = ?`)
      .get(this.scope.account, this.scope.region, collection, faceId) as FaceRow | undefined;
  }

  /** A stored face's vector: from the collection's index, else from SQLite. */
  vectorOf(collection: string, row: FaceRow): Float32Array {
    const stored = this.index(collection).vector(row.label) ?? this.storedVector(row.label);
    if (!stored) throw errors.internal();
    return stored;
  }

  private storedVector(label: number): Float32Array | undefined {
    const row = this.db.prepare('SELECT vector FROM faces WHERE account = ? AND region = ? AND label = ?').get(this.scope.account, this.scope.region, label) as
      | { vector: Buffer }
      | undefined;
    return row ? blobToVector(row.vector) : undefined;
  }

  /** Rows for the given labels that still exist in this collection, keyed by label. */
  byLabel(collection: string, labels: number[]): Map<number, FaceRow> {
    const out = new Map<number, FaceRow>();
    // The unary plus keeps SQLite from scanning the collection by an index on (account, region,
    // collection, ...) instead of looking the labels up: with more than one label it did, ~0.6 ms
    // a match at 20 000 faces (bench/search.ts).
    const statement = (n: number) =>
      this.db.prepare(
        `SELECT ${FACE_COLUMNS} FROM faces WHERE +account = ? AND +region = ? AND +collection = ? AND label IN (${Array(n).fill('?').join(',')})`,
      );
    for (let i = 0; i < labels.length; i += 500) {
      const chunk = labels.slice(i, i + 500);
      for (const row of statement(chunk.length).all(this.scope.account, this.scope.region, collection, ...chunk) as FaceRow[]) out.set(row.label, row);
    }
    return out;
  }

  /** Faces of one image (by content) indexed under one ExternalImageId, for IndexFaces' no-duplicates rule. */
  ofImage(collection: string, sha256: string, externalImageId: string | undefined): FaceRow[] {
    return this.db
      .prepare(
        `SELECT ${FACE_COLUMNS} FROM faces WHERE account = ? AND region = ? AND collection = ? AND image_sha256 = ? AND external_image_id IS ? ORDER BY label`,
      )
      .all(this.scope.account, this.scope.region, collection, sha256, externalImageId ?? null) as FaceRow[];
  }

  ofUser(collection: string, userId: string): FaceRow[] {
    return this.db
      .prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE account = ? AND region = ? AND collection = ? AND user_id = ? ORDER BY face_id`)
      .all(this.scope.account, this.scope.region, collection, userId) as FaceRow[];
  }

  /** One page of faces by FaceId ascending; `limit + 1` rows are read so the caller can tell whether more follow. */
  list(collection: string, query: ListFacesQuery): FaceRow[] {
    const where = ['account = ?', 'region = ?', 'collection = ?', 'face_id > ?'];
    const params: unknown[] = [this.scope.account, this.scope.region, collection, query.after ?? ''];
    if (query.userId !== undefined) {
      where.push('user_id = ?');
      params.push(query.userId);
    }
    if (query.faceIds) {
      where.push(`face_id IN (${query.faceIds.map(() => '?').join(',')})`);
      params.push(...query.faceIds);
    }
    params.push(query.limit + 1);
    return this.db.prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE ${where.join(' AND ')} ORDER BY face_id LIMIT ?`).all(...params) as FaceRow[];
  }

  count(collection: string): number {
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM faces WHERE account = ? AND region = ? AND collection = ?').get(this.scope.account, this.scope.region, collection) as {
        n: number;
      }
    ).n;
  }

  /** Deletes rows by label; the caller removes them from the index once the transaction has committed. */
  delete(labels: number[]): void {
    const remove = this.db.prepare('DELETE FROM faces WHERE account = ? AND region = ? AND label = ?');
    for (const label of labels) remove.run(this.scope.account, this.scope.region, label);
  }

  setUser(labels: number[], userId: string | null): void {
    const update = this.db.prepare('UPDATE faces SET user_id = ? WHERE account = ? AND region = ? AND label = ?');
    for (const label of labels) update.run(userId, this.scope.account, this.scope.region, label);
  }

  /** Leaves every face of a user associated with nobody (DeleteUser). */
  clearUser(collection: string, userId: string): void {
    this.db
      .prepare('UPDATE faces SET user_id = NULL WHERE account = ? AND region = ? AND collection = ? AND user_id = ?')
      .run(this.scope.account, this.scope.region, collection, userId);
  }

  /** Drops every face of a collection (DeleteCollection), and its index. */
  deleteCollection(collection: string): void {
    this.db.prepare('DELETE FROM faces WHERE account = ? AND region = ? AND collection = ?').run(this.scope.account, this.scope.region, collection);
    // Evicting is always safe: the index reloads from SQLite, even if this transaction rolls back.
    this.store.dropIndex(this.scope, collection);
  }
}
