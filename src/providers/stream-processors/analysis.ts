/**
 * What a stream processor sees in one frame, with the same models and adapters as stored video
 * (src/providers/video/analyzers.ts): face search runs the DetectFaces analysis and searches the collection
 * as SearchFacesByImage does; connected home takes persons, pets and (when a model can see them)
 * packages from centernet's COCO objects.
 *
 * Collections and their faces come from the stores; the search is SearchFacesByImage's
 * (src/faces/matches.ts).
 */
import sharp from 'sharp';
import type { ModelsClient } from '../../../models/client';
import type { Point } from '../../../models/evidence';
import { objectConfidence } from '../../analysis/calibration';
import { clampBox, type RatioBox } from '../../analysis/evidence';
import { detectFaces } from '../../analysis/faces';
import { dedupePersons } from '../../analysis/labels';
import type { Frame } from '../../media/frames';
import { searchCollection } from '../../faces/matches';
import { frameImage } from '../../analysis/video-frames';
import type { Scope } from '../../runtime/scope';
import type { ProviderDeps } from '../deps';
import { FACE_REGION_SHARE, inRegions, OBJECT_REGION_SHARE, type FaceFound, type HomeLabel } from './records';

export const collectionExists = (deps: ProviderDeps, scope: Scope, id: string): boolean => deps.stores.collections.in(scope).find(id) !== undefined;

/** The collection, or the ResourceNotFoundException AWS gives for an unknown one. */
export function requireStreamCollection(deps: ProviderDeps, scope: Scope, id: string): void {
  deps.stores.collections.in(scope).require(id);
}

/** Collection faces listed per detected face (AWS documents no number; the same choice as GetFaceSearch here). */
export const MAX_MATCHED_FACES = 10;

export interface FaceSearchSetup {
  /** The processor's account and region, for the collection. */
  scope: Scope;
  collectionId: string;
  threshold: number;
  regions?: Point[][];
}

/**
 * Faces in the frame, largest first, each with the collection faces at or above the threshold,
 * most similar first. A face counts for the regions of interest when more than half of it is in
 * one. A collection deleted meanwhile is the ResourceNotFoundException AWS gives for it.
 */
export async function searchFrame(frame: Frame, deps: Pick<ProviderDeps, 'stores' | 'models'>, setup: FaceSearchSetup): Promise<FaceFound[]> {
  const faces = (await detectFaces(frameImage(frame), { inference: deps.models }, { embeddings: true })).filter((f) => inRegions(f.detail.BoundingBox ?? {}, setup.regions, FACE_REGION_SHARE));
  deps.stores.collections.in(setup.scope).require(setup.collectionId);
  if (!faces.length) return [];
  const stored = deps.stores.faces.in(setup.scope);
  return faces.map((face) => ({
    detail: face.detail,
    matches: face.embedding?.length
      ? searchCollection(stored, setup.collectionId, face.embedding, { threshold: setup.threshold, limit: MAX_MATCHED_FACES }).map((m) => ({ similarity: m.Similarity!, face: m.Face! }))
      : [],
  }));
}

/**
 * COCO classes behind each connected-home label. PERSON: `person`; PET: `cat` and `dog` (the
 * household pets COCO has; our choice). PACKAGE: none. COCO-80, which centernet detects, has no
 * box or parcel class, so no package is ever reported; a model that sees packages can be added
 * here by its class name.
 */
export const HOME_CLASSES: Record<HomeLabel, readonly string[]> = {
  PERSON: ['person'],
  PET: ['cat', 'dog'],
  PACKAGE: [],
};

/** MinConfidence when the processor sets none (DG: "By default, MinConfidence is set to 50"). */
export const DEFAULT_HOME_MIN_CONFIDENCE = 50;

export interface HomeDetection {
  label: HomeLabel;
  /** Calibrated 0-100 (the DetectLabels confidence of the object). */
  confidence: number;
  box: RatioBox;
}

export interface HomeSetup {
  labels: ReadonlySet<HomeLabel>;
  minConfidence: number;
  regions?: Point[][];
}

/** The persons, pets and packages in the frame that pass MinConfidence and the regions of interest, most confident first. */
export async function homeFrame(frame: Frame, models: ModelsClient, setup: HomeSetup): Promise<HomeDetection[]> {
  const { objects } = await models.run('vision.objects', { image: frame });
  const found: HomeDetection[] = [];
  for (const label of setup.labels) {
    const classes = HOME_CLASSES[label];
    let candidates = objects
      .filter((o) => classes.includes(o.coco))
      .map((o) => ({ label, confidence: objectConfidence(o.score), box: clampBox(o.box) }))
      .filter((d) => d.confidence >= setup.minConfidence && inRegions(d.box, setup.regions, OBJECT_REGION_SHARE));
    // A person found twice (a box inside another's) counts once, as in DetectLabels.
    if (label === 'PERSON') candidates = dedupePersons(candidates, []);
    found.push(...candidates);
  }
  return found.sort((a, b) => b.confidence - a.confidence);
}

/** The frame as a JPEG, and the crop of one box (the "hero" and cropped images of a detection). */
export async function frameJpegs(frame: Frame, box: RatioBox): Promise<{ frame: Buffer; cropped: Buffer }> {
  const raw = { raw: { width: frame.width, height: frame.height, channels: 3 as const } };
  const left = Math.max(0, Math.min(frame.width - 1, Math.floor(box.Left * frame.width)));
  const top = Math.max(0, Math.min(frame.height - 1, Math.floor(box.Top * frame.height)));
  const width = Math.max(1, Math.min(frame.width - left, Math.round(box.Width * frame.width)));
  const height = Math.max(1, Math.min(frame.height - top, Math.round(box.Height * frame.height)));
  const [whole, cropped] = await Promise.all([
    sharp(frame.data, raw).jpeg({ quality: 85 }).toBuffer(),
    sharp(frame.data, raw).extract({ left, top, width, height }).jpeg({ quality: 85 }).toBuffer(),
  ]);
  return { frame: whole, cropped };
}
