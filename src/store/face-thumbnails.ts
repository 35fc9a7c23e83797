/**
 * Small JPEG thumbnails of indexed faces, kept for the web console only: never part of an API
 * answer. A thumbnail belongs to its face row (by label) and goes with it: the foreign key deletes
 * it with the face (DeleteFaces, DeleteCollection, reset) with no extra statement anywhere.
 */
import type { Scope } from '../runtime/scope';
import type { Db } from './database';

export const faceThumbnailsSchema = `CREATE TABLE IF NOT EXISTS face_thumbnails (
     label INTEGER PRIMARY KEY REFERENCES faces (label) ON DELETE CASCADE,
     account TEXT NOT NULL, region TEXT NOT NULL, jpeg BLOB NOT NULL)`;

/** The largest thumbnail kept; a larger one is not stored (the console shows a placeholder). */
export const MAX_THUMBNAIL_BYTES = 16 * 1024;

export class FaceThumbnailStore {
  constructor(private readonly db: Db) {}

  in(scope: Scope): ScopedFaceThumbnails {
    return new ScopedFaceThumbnails(this.db, scope);
  }
}

export class ScopedFaceThumbnails {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  /** Keeps the thumbnail of a stored face; false when it is over the size bound (and so not kept). */
  put(label: number, jpeg: Buffer): boolean {
    if (jpeg.length > MAX_THUMBNAIL_BYTES) return false;
    this.db
      .prepare('INSERT OR REPLACE INTO face_thumbnails (label, account, region, jpeg) VALUES (?, ?, ?, ?)')
      .run(label, this.scope.account, this.scope.region, jpeg);
    return true;
  }

  /** The thumbnail of a face of a collection, by FaceId. */
  get(collection: string, faceId: string): Buffer | undefined {
    const row = this.db
      .prepare(
        `SELECT t.jpeg FROM face_thumbnails t JOIN faces f ON f.label = t.label
         WHERE f.account = ? AND f.region = ? AND f.collection = ? AND f.face_id = ?`,
      )
      .get(this.scope.account, this.scope.region, collection, faceId) as { jpeg: Buffer } | undefined;
    return row?.jpeg;
  }

  /** How many thumbnails this account keeps in this region (tests, diagnostics). */
  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM face_thumbnails WHERE account = ? AND region = ?').get(this.scope.account, this.scope.region) as { n: number }).n;
  }
}
