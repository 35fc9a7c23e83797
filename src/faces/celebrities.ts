/**
 * The local celebrity gallery (--celebrities-dir DIR): `DIR/<Name>/*.jpg|png`, plus an optional
 * `DIR/<Name>/meta.json` `{Name?, Id?, Urls?, KnownGender?}`. The catalogue (names, ids, urls) is
 * read synchronously; face embeddings of the photos are computed in the background, and
 * recognition waits for them. RecognizeCelebrities and GetCelebrityRecognition match against it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { IDENTITY_DIMENSIONS, similarity, type FaceAnalysis } from '../analysis/faces';
import type { KnownGenderType } from '../api/generated/types';
import { DEFAULT_MAX_BYTES, loadImage, type ImageContext } from '../media/image';
import { readFileInside } from '../media/s3';
import type { Logger } from '../runtime/logger';
import { VectorIndex } from '../store/vector-index';
import { largestFirst } from './quality';

/**
 * Lowest similarity at which a face is named as a gallery celebrity. Our choice: AWS gives no
 * figure; this is the CompareFaces/SearchFaces default threshold, on the same calibrated scale.
 */
export const CELEBRITY_MATCH_THRESHOLD = 80;
const IMAGE_FILE = /\.(jpe?g|png)$/i;
const GENDERS: KnownGenderType[] = ['Male', 'Female', 'Nonbinary', 'Unlisted'];
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface CelebrityEntry {
  id: string;
  name: string;
  urls: string[];
  knownGender?: KnownGenderType;
  /** Photo files, sorted. */
  images: string[];
}

/** A stable 8-character alphanumeric id for a name (AWS ids are 7-8 alphanumerics). */
export function celebrityIdFor(name: string): string {
  const digest = createHash('sha256').update(name).digest();
  let id = '';
  for (let i = 0; i < 8; i++) id += ALNUM[digest[i] % ALNUM.length];
  return id;
}

/** AWS lists celebrity URLs without a scheme (`www.imdb.com/name/…`). */
export function stripScheme(url: string): string {
  return url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
}

/** `barack_obama` -> `Barack Obama`; a folder name with capitals or spaces is kept as written. */
export function displayName(folder: string): string {
  if (/[A-Z ]/.test(folder)) return folder;
  return folder
    .split(/[_-]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

/** Largest meta.json read: a few names and urls. */
const MAX_META_BYTES = 64 * 1024;

/** Reads the gallery's catalogue; problems with one folder are reported and that folder skipped. */
export async function scanGallery(dir: string, log: Logger): Promise<CelebrityEntry[]> {
  const entries: CelebrityEntry[] = [];
  const seen = new Set<string>();
  for (const folder of readdirSync(dir).sort()) {
    const path = join(dir, folder);
    if (!statSync(path).isDirectory()) continue;
    let meta: { Name?: unknown; Id?: unknown; Urls?: unknown; KnownGender?: unknown } = {};
    if (existsSync(join(path, 'meta.json'))) {
      try {
        // Read as the photos are: a link cannot lead the read outside the gallery folder.
        meta = JSON.parse((await readFileInside(dir, join(folder, 'meta.json'), MAX_META_BYTES)).toString('utf8'));
      } catch (err) {
        log.warn('celebrity meta.json unreadable; folder skipped', { folder, error: (err as Error).message });
        continue;
      }
    }
    const name = typeof meta.Name === 'string' && meta.Name ? meta.Name : displayName(folder);
    const id = typeof meta.Id === 'string' && /^[0-9A-Za-z]{1,64}$/.test(meta.Id) ? meta.Id : celebrityIdFor(name);
    if (seen.has(id)) {
      log.warn('celebrity id used twice; folder skipped', { folder, id });
      continue;
    }
    seen.add(id);
    const gender = typeof meta.KnownGender === 'string' ? GENDERS.find((g) => g.toLowerCase() === (meta.KnownGender as string).toLowerCase()) : undefined;
    entries.push({
      id,
      name,
      urls: Array.isArray(meta.Urls) ? meta.Urls.filter((u): u is string => typeof u === 'string').map(stripScheme) : [],
      knownGender: gender,
      images: readdirSync(path)
        .filter((f) => IMAGE_FILE.test(f))
        .sort()
        .map((f) => join(path, f)),
    });
  }
  return entries;
}

export interface Gallery {
  /** The catalogue, once read. */
  byId: Promise<Map<string, CelebrityEntry>>;
  /** Resolves when every photo has been embedded. */
  ready: Promise<GalleryIndex>;
}

export interface GalleryIndex {
  index: VectorIndex;
  /** Index label -> celebrity. */
  owner: Map<number, CelebrityEntry>;
}

export interface GalleryDeps {
  analysis: Pick<FaceAnalysis, 'detect'>;
  /** Where the photos are read: the server's S3 settings and default region. */
  media: ImageContext;
  log: Logger;
}

async function embedGallery(dir: string, entries: CelebrityEntry[], deps: GalleryDeps): Promise<GalleryIndex> {
  // Sized by the first descriptor found (the analysis decides their length).
  let index: VectorIndex | undefined;
  const owner = new Map<number, CelebrityEntry>();
  for (const entry of entries) {
    for (const file of entry.images) {
      try {
        // Read so that a link swapped in cannot lead the read outside the gallery folder.
        const bytes = await readFileInside(dir, relative(dir, file), DEFAULT_MAX_BYTES);
        const image = await loadImage({ Bytes: bytes }, deps.media);
        const [face] = largestFirst(await deps.analysis.detect(image, { embeddings: true, maxFaces: 1 }));
        if (!face?.embedding?.length) {
          deps.log.warn('no face found in celebrity photo', { file });
          continue;
        }
        const label = owner.size;
        index ??= new VectorIndex({ dimensions: face.embedding.length });
        index.add(label, face.embedding);
        owner.set(label, entry);
      } catch (err) {
        deps.log.warn('celebrity photo skipped', { file, error: (err as Error).message });
      }
    }
  }
  deps.log.info('celebrity gallery indexed', { celebrities: entries.length, photos: owner.size });
  return { index: index ?? new VectorIndex({ dimensions: IDENTITY_DIMENSIONS }), owner };
}

/** Reads the catalogue of `dir` (none when absent) and starts embedding its photos in the background. */
export function openGallery(dir: string | undefined, deps: GalleryDeps): Gallery {
  const entries = dir
    ? scanGallery(dir, deps.log).catch((err: Error) => {
        deps.log.error('celebrities directory unreadable', { dir, error: err.message });
        return [];
      })
    : Promise.resolve([]);
  return {
    byId: entries.then((list) => new Map(list.map((e) => [e.id, e]))),
    ready: entries.then((list) => embedGallery(dir ?? '.', list, deps)),
  };
}

/** The gallery of `dir`, opened (and its embedding started) on first use, then kept. */
export function galleryOnDemand(dir: string | undefined, deps: GalleryDeps): () => Gallery {
  let gallery: Gallery | undefined;
  return () => (gallery ??= openGallery(dir, deps));
}

/** The best gallery match for an embedding, if at or above the threshold. */
export function bestCelebrity(gallery: GalleryIndex, embedding: number[], threshold = CELEBRITY_MATCH_THRESHOLD) {
  if (gallery.index.size === 0 || embedding.length !== gallery.index.dimensions) return undefined;
  const [nearest] = gallery.index.search(embedding, 1);
  if (!nearest) return undefined;
  const score = similarity(embedding, Array.from(gallery.index.vector(nearest.label)!));
  return score >= threshold ? { entry: gallery.owner.get(nearest.label)!, similarity: score } : undefined;
}
