/**
 * Stored faces and users of collections, and the per-collection vector indexes over the faces.
 *
 * SQLite is the source of truth. An index is a cache: loaded from SQLite on first use, changed only
 * after the SQLite change it mirrors has committed, persisted under --data-dir after a quiet spell,
 * and reconciled with SQLite (by label count and checksum) when loaded. Search results are resolved
 * back to SQLite rows, so a face SQLite no longer has is never returned.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BoundingBox, Face } from '../api/generated/types';
import { defineTable, onReset, type Db, type Scope } from './database';
import { removeIndexFiles, VectorIndex, type VectorIndexOptions } from './vector-index';

defineTable(
  'faces',
  `CREATE TABLE IF NOT EXISTS faces (
     label INTEGER PRIMARY KEY AUTOINCREMENT,
     account TEXT NOT NULL, region TEXT NOT NULL, collection TEXT NOT NULL,
     face_id TEXT NOT NULL, image_id TEXT NOT NULL, external_image_id TEXT, user_id TEXT,
     bb_width REAL NOT NULL, bb_height REAL NOT NULL, bb_left REAL NOT NULL, bb_top REAL NOT NULL,
     confidence REAL NOT NULL, index_faces_model_version TEXT NOT NULL,
     image_sha256 TEXT NOT NULL, vector BLOB NOT NULL, created_ms INTEGER NOT NULL,
     UNIQUE (account, region, collection, face_id));
   CREATE INDEX IF NOT EXISTS faces_by_user ON faces (account, region, collection, user_id);
   CREATE INDEX IF NOT EXISTS faces_by_image ON faces (account, region, collection, image_sha256)`,
);

defineTable(
  'users',
  `CREATE TABLE IF NOT EXISTS users (
     account TEXT NOT NULL, region TEXT NOT NULL, collection TEXT NOT NULL, user_id TEXT NOT NULL,
     internal_id TEXT NOT NULL, user_status TEXT NOT NULL, created_ms INTEGER NOT NULL,
     PRIMARY KEY (account, region, collection, user_id))`,
);

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

// ---------------------------------------------------------------------------------------------
// Face rows

export function insertFace(db: Db, scope: Scope, collection: string, face: NewFace): number {
  const box = face.boundingBox;
  const info = db
    .prepare(
      `INSERT INTO faces (account, region, collection, face_id, image_id, external_image_id, user_id, bb_width, bb_height, bb_left, bb_top,
         confidence, index_faces_model_version, image_sha256, vector, created_ms) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      scope.account,
      scope.region,
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

export function getFace(db: Db, scope: Scope, collection: string, faceId: string): FaceRow | undefined {
  return db
    .prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE account = ? AND region = ? AND collection = ? AND face_id = ?`)
    .get(scope.account, scope.region, collection, faceId) as FaceRow | undefined;
}

export function getFaceVector(db: Db, label: number): Float32Array | undefined {
  const row = db.prepare('SELECT vector FROM faces WHERE label = ?').get(label) as { vector: Buffer } | undefined;
  return row ? blobToVector(row.vector) : undefined;
}

/** Rows for the given labels that still exist in this collection, keyed by label. */
export function facesByLabel(db: Db, scope: Scope, collection: string, labels: number[]): Map<number, FaceRow> {
  const out = new Map<number, FaceRow>();
  const statement = (n: number) =>
    db.prepare(
      `SELECT ${FACE_COLUMNS} FROM faces WHERE account = ? AND region = ? AND collection = ? AND label IN (${Array(n).fill('?').join(',')})`,
    );
  for (let i = 0; i < labels.length; i += 500) {
    const chunk = labels.slice(i, i + 500);
    for (const row of statement(chunk.length).all(scope.account, scope.region, collection, ...chunk) as FaceRow[]) out.set(row.label, row);
  }
  return out;
}

/** Faces of one image (by content) indexed under one ExternalImageId, for IndexFaces' no-duplicates rule. */
export function facesOfImage(db: Db, scope: Scope, collection: string, sha256: string, externalImageId: string | undefined): FaceRow[] {
  return db
    .prepare(
      `SELECT ${FACE_COLUMNS} FROM faces WHERE account = ? AND region = ? AND collection = ? AND image_sha256 = ? AND external_image_id IS ? ORDER BY label`,
    )
    .all(scope.account, scope.region, collection, sha256, externalImageId ?? null) as FaceRow[];
}

export function facesOfUser(db: Db, scope: Scope, collection: string, userId: string): FaceRow[] {
  return db
    .prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE account = ? AND region = ? AND collection = ? AND user_id = ? ORDER BY face_id`)
    .all(scope.account, scope.region, collection, userId) as FaceRow[];
}

export interface ListFacesQuery {
  after?: string;
  limit: number;
  userId?: string;
  faceIds?: string[];
}

/** One page of faces by FaceId ascending; `limit + 1` rows are read so the caller can tell whether more follow. */
export function listFaces(db: Db, scope: Scope, collection: string, query: ListFacesQuery): FaceRow[] {
  const where = ['account = ?', 'region = ?', 'collection = ?', 'face_id > ?'];
  const params: unknown[] = [scope.account, scope.region, collection, query.after ?? ''];
  if (query.userId !== undefined) {
    where.push('user_id = ?');
    params.push(query.userId);
  }
  if (query.faceIds) {
    where.push(`face_id IN (${query.faceIds.map(() => '?').join(',')})`);
    params.push(...query.faceIds);
  }
  params.push(query.limit + 1);
  return db.prepare(`SELECT ${FACE_COLUMNS} FROM faces WHERE ${where.join(' AND ')} ORDER BY face_id LIMIT ?`).all(...params) as FaceRow[];
}

export function deleteFaceRows(db: Db, labels: number[]): void {
  const remove = db.prepare('DELETE FROM faces WHERE label = ?');
  for (const label of labels) remove.run(label);
}

export function setFaceUser(db: Db, labels: number[], userId: string | null): void {
  const update = db.prepare('UPDATE faces SET user_id = ? WHERE label = ?');
  for (const label of labels) update.run(userId, label);
}

export function countFaces(db: Db, scope: Scope, collection: string): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM faces WHERE account = ? AND region = ? AND collection = ?').get(scope.account, scope.region, collection) as { n: number }).n;
}

// ---------------------------------------------------------------------------------------------
// Users

export interface UserRow {
  user_id: string;
  internal_id: string;
  user_status: string;
}

export function getUser(db: Db, scope: Scope, collection: string, userId: string): UserRow | undefined {
  return db
    .prepare('SELECT user_id, internal_id, user_status FROM users WHERE account = ? AND region = ? AND collection = ? AND user_id = ?')
    .get(scope.account, scope.region, collection, userId) as UserRow | undefined;
}

export function insertUser(db: Db, scope: Scope, collection: string, userId: string, internalId: string, status: string): void {
  db.prepare('INSERT INTO users (account, region, collection, user_id, internal_id, user_status, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    scope.account,
    scope.region,
    collection,
    userId,
    internalId,
    status,
    Date.now(),
  );
}

export function setUserStatus(db: Db, scope: Scope, collection: string, userId: string, status: string): void {
  db.prepare('UPDATE users SET user_status = ? WHERE account = ? AND region = ? AND collection = ? AND user_id = ?').run(status, scope.account, scope.region, collection, userId);
}

export function deleteUserRow(db: Db, scope: Scope, collection: string, userId: string): void {
  db.prepare('UPDATE faces SET user_id = NULL WHERE account = ? AND region = ? AND collection = ? AND user_id = ?').run(scope.account, scope.region, collection, userId);
  db.prepare('DELETE FROM users WHERE account = ? AND region = ? AND collection = ? AND user_id = ?').run(scope.account, scope.region, collection, userId);
}

/** Users ordered by their system-generated id (as AWS orders ListUsers), after `after`. */
export function listUsers(db: Db, scope: Scope, collection: string, after: string, limit: number): UserRow[] {
  return db
    .prepare(
      'SELECT user_id, internal_id, user_status FROM users WHERE account = ? AND region = ? AND collection = ? AND internal_id > ? ORDER BY internal_id LIMIT ?',
    )
    .all(scope.account, scope.region, collection, after, limit + 1) as UserRow[];
}

export function countUsers(db: Db, scope: Scope, collection: string): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM users WHERE account = ? AND region = ? AND collection = ?').get(scope.account, scope.region, collection) as { n: number }).n;
}

/** Drops every face and user of a collection (DeleteCollection), and its index. */
export function deleteCollectionFaces(db: Db, scope: Scope, collection: string, dataDir: string | undefined): void {
  db.prepare('DELETE FROM faces WHERE account = ? AND region = ? AND collection = ?').run(scope.account, scope.region, collection);
  db.prepare('DELETE FROM users WHERE account = ? AND region = ? AND collection = ?').run(scope.account, scope.region, collection);
  // Evicting is always safe: the index reloads from SQLite, even if this transaction rolls back.
  dropIndex(db, scope, collection, dataDir);
}

// ---------------------------------------------------------------------------------------------
// Vector indexes

/**
 * Delay between a change and writing the index to disk. A write blocks the event loop (about 0.1 s
 * per 50k faces), so under steady writes the delay grows to 20 times the last write's duration.
 */
const SAVE_DELAY_MS = 2000;
const SAVE_DUTY_FACTOR = 20;

interface Entry {
  index: VectorIndex;
  file?: string;
  timer?: NodeJS.Timeout;
  /** What happened to the persisted graph when the index was loaded. */
  loaded?: ReturnType<VectorIndex['load']>;
  lastSaveMs?: number;
}

const registries = new Map<Db, Map<string, Entry>>();
const dataDirsSeen = new Set<string>();
/** Overrides for tests and the benchmark (engine cut-off, ef). */
let indexOptions: VectorIndexOptions = {};

export function setIndexOptions(options: VectorIndexOptions): void {
  indexOptions = options;
}

const keyOf = (scope: Scope, collection: string) => `${scope.account}\u0000${scope.region}\u0000${collection}`;

export function indexFile(dataDir: string, scope: Scope, collection: string): string {
  const name = createHash('sha256').update(keyOf(scope, collection)).digest('hex').slice(0, 32);
  return join(dataDir, 'vector-index', `${name}.hnsw`);
}

function scheduleSave(entry: Entry): void {
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

function saveEntry(entry: Entry): void {
  if (!entry.file) return;
  const start = performance.now();
  try {
    mkdirSync(join(entry.file, '..'), { recursive: true });
    if (entry.index.save(entry.file)) entry.lastSaveMs = performance.now() - start;
  } catch {
    // A failed write leaves a stale or missing file; loading reconciles or rebuilds it.
  }
}

/** The collection's index, loaded from SQLite (and the persisted graph, if any) on first use. */
export function collectionIndex(db: Db, scope: Scope, collection: string, dataDir: string | undefined): VectorIndex {
  let registry = registries.get(db);
  if (!registry) registries.set(db, (registry = new Map()));
  const key = keyOf(scope, collection);
  const existing = registry.get(key);
  if (existing) return existing.index;

  const entry: Entry = { index: undefined as unknown as VectorIndex };
  entry.index = new VectorIndex({ ...indexOptions, onChange: () => scheduleSave(entry) });
  const rows = db
    .prepare('SELECT label, vector FROM faces WHERE account = ? AND region = ? AND collection = ?')
    .iterate(scope.account, scope.region, collection) as IterableIterator<{ label: number; vector: Buffer }>;
  entry.index.addMany(
    (function* () {
      for (const row of rows) yield { label: row.label, vector: blobToVector(row.vector) };
    })(),
  );
  if (dataDir) {
    dataDirsSeen.add(dataDir);
    entry.file = indexFile(dataDir, scope, collection);
    entry.loaded = entry.index.load(entry.file);
  } else {
    entry.index.buildIfNeeded();
  }
  registry.set(key, entry);
  return entry.index;
}

/** How a loaded index stands (tests, diagnostics); undefined when not loaded. */
export function indexStatus(db: Db, scope: Scope, collection: string) {
  const entry = registries.get(db)?.get(keyOf(scope, collection));
  return entry && { engine: entry.index.engine, size: entry.index.size, loaded: entry.loaded };
}

export function dropIndex(db: Db, scope: Scope, collection: string, dataDir: string | undefined): void {
  const registry = registries.get(db);
  const key = keyOf(scope, collection);
  const entry = registry?.get(key);
  if (entry) {
    clearTimeout(entry.timer);
    entry.index.dispose();
    registry!.delete(key);
  }
  if (dataDir) removeIndexFiles(indexFile(dataDir, scope, collection));
}

/** Writes every changed index now (shutdown, tests). */
export function flushIndexes(): void {
  for (const registry of registries.values()) {
    for (const entry of registry.values()) {
      if (entry.timer) {
        clearTimeout(entry.timer);
        entry.timer = undefined;
        saveEntry(entry);
      }
    }
  }
}

/** Forgets the indexes of one database (closed in tests) without touching files. */
export function forgetIndexes(db: Db): void {
  for (const entry of registries.get(db)?.values() ?? []) {
    clearTimeout(entry.timer);
    entry.index.dispose();
  }
  registries.delete(db);
}

onReset(() => {
  for (const db of [...registries.keys()]) forgetIndexes(db);
  for (const dir of dataDirsSeen) rmSync(join(dir, 'vector-index'), { recursive: true, force: true });
});
