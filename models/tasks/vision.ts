/**
 * Image-understanding tasks (DetectLabels, DetectModerationLabels, DetectProtectiveEquipment):
 * centernet (COCO objects), human's movenet (pose) and face pipeline, face-api's age/gender net,
 * and nsfwjs. Pixels arrive as transferred ArrayBuffers of 8-bit RGB; results are evidence
 * (models/evidence.ts, models/ppe.ts, models/image-properties.ts), which src/analysis turns into
 * Rekognition's shapes. Confidence curves come from the domain in the payload.
 * Pixel statistics (colours, skin) run here too, so the event loop never does per-pixel work.
 */
import type { ColorShare } from '../colors';
import {
  applyCurve,
  clampBox,
  dedupePersons,
  overlapOfSmaller,
  type DetectedObject,
  type FaceEvidence,
  type Keypoint,
  type Logistic,
  type Point,
  type RatioBox,
  type RgbPixels,
} from '../evidence';
import { imageProperties, instanceColors, type ImagePropertiesEvidence } from '../image-properties';
import { attachFaces, MAX_PERSONS, ppePersons, type PersonEvidence, type PpePersonEvidence } from '../ppe';
import { VISION_MODELS, type ModelState } from '../catalog';
import { detectCenternet, type CenternetView } from '../runtime/centernet';
import { AGE_GENDER_INPUT, ageAndGender, ageGenderCrop } from '../runtime/faceapi';
import { detectWithHuman } from '../runtime/human';
import { classifyNsfw, type NsfwScores } from '../runtime/nsfw';
import { classifyWithPlugin, detectWithPlugin, type ClassifierPlugin, type DetectorPlugin, type PluginDetection, type PluginScore } from '../plugins';
import { skinShareOfPersons, torsoBand } from '../skin';
import type { Task, TaskContext } from './index';

export interface PixelsPayload {
  pixels: ArrayBuffer;
  width: number;
  height: number;
}

export interface ObjectsPayload extends PixelsPayload {
  /** How centernet sees the image (its defaults when absent): a smaller or mirrored view, a lower score cut. */
  view?: CenternetView;
  /**
   * Compute image properties (and, with `instanceColors`, each instance's colours). Objects whose
   * confidence (`objectCurve` of their score: the domain's calibration) reaches
   * `foregroundMinConfidence` make up the foreground; `instanceMinConfidence` selects the instances.
   */
  properties?: { maxColors: number; instanceColors: boolean; objectCurve: Logistic; foregroundMinConfidence: number; instanceMinConfidence: number };
}

export interface ObjectsResult {
  objects: DetectedObject[];
  properties?: ImagePropertiesEvidence;
  /** Colours of objects[i] when asked for, else null. */
  instanceColors?: (ColorShare[] | null)[];
}

export interface PpePayload extends PixelsPayload {
  /** Faces found by the faces module; the task finds its own when absent. */
  faces?: FaceEvidence[];
  /** The domain's calibration of centernet scores (persons), human's face scores and movenet keypoint scores (hands, eyes). */
  curves: { object: Logistic; face: Logistic; keypoint: Logistic };
}


const loaded = new Set<string>();

/** Reports loading/ready/failed around a model's first use in this worker. */
async function tracked<T>(ctx: TaskContext, model: string, run: () => Promise<T>): Promise<T> {
  if (loaded.has(model)) return run();
  ctx.reportModelState(model, 'loading' satisfies ModelState);
  try {
    const result = await run();
    loaded.add(model);
    ctx.reportModelState(model, 'ready');
    return result;
  } catch (err) {
    ctx.reportModelState(model, 'failed', (err as Error).message);
    throw err;
  }
}

const rgbOf = (p: PixelsPayload) => ({ data: new Uint8Array(p.pixels), width: p.width, height: p.height });

type Rgb = RgbPixels;

const ratioBox = ([x, y, w, h]: number[], width: number, height: number): RatioBox => clampBox({ Width: w / width, Height: h / height, Left: x / width, Top: y / height });

export async function detectObjects(rgb: Rgb, view?: CenternetView): Promise<DetectedObject[]> {
  return (await detectCenternet(rgb, view))
    .map((o) => ({ coco: o.label, score: o.score, box: ratioBox(o.box, rgb.width, rgb.height) }))
    .filter((o) => o.box.Width > 0 && o.box.Height > 0)
    .sort((a, b) => b.score - a.score);
}

/** centernet's view and score for the persons whose skin moderation measures. */
const TORSO_PERSON_VIEW = 256;
const TORSO_PERSON_MIN_SCORE = 0.3;

/** Faces whose human face score is weaker than this are not reported (src/analysis/calibration.ts's FACE_CURVE maps it to 50). */
const FACE_MIN_SCORE = 0.4;

interface HumanFace {
  score: number;
  box: number[];
  mesh: number[][];
  emotion?: { score: number; emotion: string }[];
}

/**
 * Detector scores (blazeface) at which candidates go on to the mesh. At 0.2 (the faces module's
 * setting, for DetectFaces' hard cases) photos without faces still cost 130-360 ms of mesh runs on
 * weak candidates; at 0.5 they cost 60-80 ms, and every face photo and group photo of the
 * development set kept all its faces. PPE looks again at 0.2 for masked faces.
 */
export const LABEL_DETECTOR_SCORE = 0.5;
export const PPE_DETECTOR_SCORE = 0.2;

/** The face's extent for the age/gender crop: its mesh box, or the detector's box without a mesh. */
function faceExtent(mesh: number[][], box: number[]): [number, number, number, number] {
  if (mesh.length < 468) return [box[0], box[1], box[0] + box[2], box[1] + box[3]];
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of mesh.slice(0, 468)) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  return [x0, y0, x1, y1];
}

export interface FaceOptions {
  /** blazeface score from which candidates go to the mesh. */
  detectorScore?: number;
  /** Emotion, age and gender (labels and video); PPE needs only geometry. */
  attributes?: boolean;
}

/**
 * Face evidence from human's face pipeline (detector, mesh, emotion) and face-api's age/gender
 * net: labels and video, PPE's second look, and in-process tools. Age and gender come from
 * face-api's small net (~13 ms a face) rather than human's faceres (~130 ms). DetectFaces uses
 * this net, on the same crop, for AgeRange, and faceres for Gender (docs/FACES.md).
 */
export async function detectFaces(rgb: Rgb, faceCurve: Logistic, { detectorScore = LABEL_DETECTOR_SCORE, attributes = true }: FaceOptions = {}): Promise<FaceEvidence[]> {
  // A whole detector object: the override replaces the shared one for this call only. Iris
  // refinement adds nothing labels or PPE use.
  const detector = { enabled: true, rotation: true, maxDetected: 100, minConfidence: detectorScore, iouThreshold: 0.1, return: false };
  const result = await detectWithHuman(rgb, { face: true }, { detector, iris: { enabled: false }, emotion: { enabled: attributes }, description: { enabled: false } });
  const pt = (p: number[] | undefined): Point | undefined => (p ? { x: p[0] / rgb.width, y: p[1] / rgb.height } : undefined);
  const faces: FaceEvidence[] = [];
  for (const f of result.face as HumanFace[]) {
    if (f.score < FACE_MIN_SCORE) continue;
    const mesh = f.mesh ?? [];
    // MediaPipe face-mesh indices: 33/133 and 362/263 eye corners, 1 nose tip, 61/291 mouth corners, 152 chin.
    const centre = (a: number[], b: number[]) => pt([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]);
    const eyes = mesh.length >= 468 ? ([centre(mesh[33], mesh[133])!, centre(mesh[362], mesh[263])!] as [Point, Point]) : undefined;
    const mouth = mesh.length > 291 ? ([pt(mesh[61])!, pt(mesh[291])!] as [Point, Point]) : undefined;
    const face: FaceEvidence = { box: ratioBox(f.box, rgb.width, rgb.height), confidence: applyCurve(faceCurve, f.score), eyes, nose: pt(mesh[1]), mouth, chin: pt(mesh[152]) };
    if (attributes) {
      const { age, male } = await ageAndGender(ageGenderCrop(rgb, faceExtent(mesh, f.box)));
      face.ageLow = Math.max(0, Math.floor(age - 4));
      face.ageHigh = Math.ceil(age + 4);
      face.gender = male >= 0.5 ? 'Male' : 'Female';
      face.genderConfidence = 100 * Math.max(male, 1 - male);
      const happy = f.emotion?.find((e) => e.emotion === 'happy')?.score;
      if (happy !== undefined) face.happy = 100 * happy;
    }
    faces.push(face);
  }
  return faces;
}

/**
 * Side of movenet's square crop over a person box's longer side: MoveNet's reference cropping
 * (determine_crop_region in its TensorFlow tutorial) keeps 1.2x the body's extent.
 */
const POSE_CROP_SCALE = 1.2;

/** Copies a square around `box` (POSE_CROP_SCALE of its longer side, black outside the image) for movenet. */
function squareCrop(rgb: Rgb, box: RatioBox): { crop: Rgb; x0: number; y0: number } {
  const w = box.Width * rgb.width;
  const h = box.Height * rgb.height;
  const side = Math.max(8, Math.round(Math.max(w, h) * POSE_CROP_SCALE));
  const x0 = Math.round((box.Left + box.Width / 2) * rgb.width - side / 2);
  const y0 = Math.round((box.Top + box.Height / 2) * rgb.height - side / 2);
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    const sy = y + y0;
    if (sy < 0 || sy >= rgb.height) continue;
    const sx0 = Math.max(0, x0);
    const sx1 = Math.min(rgb.width, x0 + side);
    if (sx1 <= sx0) continue;
    data.set(rgb.data.subarray((sy * rgb.width + sx0) * 3, (sy * rgb.width + sx1) * 3), (y * side + (sx0 - x0)) * 3);
  }
  return { crop: { data, width: side, height: side }, x0, y0 };
}

/** movenet is single-person: run it on each person's own crop and map keypoints back. */
export async function poseOf(rgb: Rgb, box: RatioBox): Promise<Keypoint[]> {
  const { crop, x0, y0 } = squareCrop(rgb, box);
  const result = await detectWithHuman(crop, { body: true });
  const body = (result.body as { score: number; keypoints: { part: string; score: number; position: number[] }[] }[])[0];
  if (!body) return [];
  return body.keypoints.map((k) => ({ part: k.part, score: k.score, x: (k.position[0] + x0) / rgb.width, y: (k.position[1] + y0) / rgb.height }));
}

export const visionTasks = {
  'vision.objects': async (payload: ObjectsPayload, ctx) => {
    const rgb = rgbOf(payload);
    const objects = await tracked(ctx, VISION_MODELS.objects, () => detectObjects(rgb, payload.view));
    const result: ObjectsResult = { objects };
    const props = payload.properties;
    if (props) {
      const confidence = (o: DetectedObject) => applyCurve(props.objectCurve, o.score);
      const foreground = objects.filter((o) => confidence(o) >= props.foregroundMinConfidence).map((o) => o.box);
      result.properties = imageProperties(rgb, { maxColors: props.maxColors, foreground });
      if (props.instanceColors) {
        result.instanceColors = objects.map((o) => (confidence(o) >= props.instanceMinConfidence ? instanceColors(rgb, o.box, props.maxColors) : null));
      }
    }
    return result;
  },

  /** `faceCurve`: the domain's calibration of human's face score into a confidence. */
  'vision.faces': async (payload: PixelsPayload & { faceCurve: Logistic }, ctx) => tracked(ctx, VISION_MODELS.faces, () => detectFaces(rgbOf(payload), payload.faceCurve)),

  'vision.nsfw': async (payload: PixelsPayload, ctx): Promise<NsfwScores> => tracked(ctx, VISION_MODELS.nsfw, () => classifyNsfw(rgbOf(payload))),

  /**
   * Skin share of the persons' torso bands (shoulders to mid-thigh), for moderation's Swimwear or
   * Underwear. Persons come from centernet at 256 px (~30 ms; a person big enough to judge is
   * found there); without one the whole image is the band.
   */
  'vision.torsoSkin': async (payload: PixelsPayload, ctx): Promise<number> => {
    const rgb = rgbOf(payload);
    const persons = (await tracked(ctx, VISION_MODELS.objects, () => detectObjects(rgb, { longSide: TORSO_PERSON_VIEW }))).filter((o) => o.coco === 'person' && o.score >= TORSO_PERSON_MIN_SCORE);
    return skinShareOfPersons(rgb, persons.length ? persons.map((p) => torsoBand(p.box)) : [{ Left: 0, Top: 0, Width: 1, Height: 1 }]);
  },

  'vision.ppe': async (payload: PpePayload, ctx): Promise<PpePersonEvidence[]> => {
    const rgb = rgbOf(payload);
    const objects = await tracked(ctx, VISION_MODELS.objects, () => detectObjects(rgb));
    const ppeFaces = () => detectFaces(rgb, payload.curves.face, { detectorScore: PPE_DETECTOR_SCORE, attributes: false });
    let faces = payload.faces ?? (await tracked(ctx, VISION_MODELS.faces, ppeFaces));
    const persons: PersonEvidence[] = [];
    for (const o of objects) {
      const confidence = applyCurve(payload.curves.object, o.score);
      if (o.coco !== 'person' || confidence < 50) continue;
      persons.push({ box: o.box, confidence, keypoints: [] });
    }
    if (payload.faces && attachFaces(dedupePersons(persons, faces), faces).some((p) => !p.face)) {
      // The faces module drops faces its mesh is unsure of, as masked faces often are; human's
      // looser threshold finds them for the persons still without one.
      const extra = (await tracked(ctx, VISION_MODELS.faces, ppeFaces)).filter((f) => !faces.some((g) => overlapOfSmaller(f.box, g.box) > 0.5));
      faces = [...faces, ...extra];
    }
    const ranked = attachFaces(dedupePersons(persons, faces), faces)
      .sort((a, b) => b.confidence - a.confidence)
      .slice(0, MAX_PERSONS);
    for (const person of ranked) {
      person.keypoints = await tracked(ctx, VISION_MODELS.pose, () => poseOf(rgb, person.box));
    }
    return ppePersons(rgb, ranked, payload.curves.keypoint);
  },

  /** Runs a user's ONNX classifier plugin (docs/MODEL-PLUGINS.md); onnxruntime-node computes on the calling thread. */
  'vision.plugin': async (payload: PixelsPayload & { plugin: ClassifierPlugin }, ctx): Promise<PluginScore[]> =>
    tracked(ctx, payload.plugin.name, () => classifyWithPlugin(payload.plugin, rgbOf(payload))),

  /**
   * Runs a user's ONNX detector plugin (docs/MODEL-PLUGINS.md): its boxes after NMS, and with
   * `colors` (IMAGE_PROPERTIES with GENERAL_LABELS) each box's dominant colours.
   */
  'vision.detector': async (
    payload: PixelsPayload & { plugin: DetectorPlugin; colors?: { maxColors: number } },
    ctx,
  ): Promise<{ detections: PluginDetection[]; colors?: ColorShare[][] }> => {
    const rgb = rgbOf(payload);
    const detections = await tracked(ctx, payload.plugin.name, () => detectWithPlugin(payload.plugin, rgb));
    const colors = payload.colors;
    return colors ? { detections, colors: detections.map((d) => instanceColors(rgb, d.box, colors.maxColors)) } : { detections };
  },

  /** Loads every image model in this worker ahead of the first request. */
  'vision.warmup': async (_payload: unknown, ctx) => {
    const rgb = { data: new Uint8Array(64 * 64 * 3).fill(128), width: 64, height: 64 };
    await tracked(ctx, VISION_MODELS.objects, () => detectObjects(rgb));
    await tracked(ctx, VISION_MODELS.faces, async () => {
      await detectFaces(rgb, { midpoint: 0.5, slope: 1 }); // loads the models; the result is dropped
      // No face in a grey square: load the age/gender net on its own.
      await ageAndGender(new Float32Array(AGE_GENDER_INPUT * AGE_GENDER_INPUT * 3));
    });
    await tracked(ctx, VISION_MODELS.pose, () => poseOf(rgb, { Left: 0, Top: 0, Width: 1, Height: 1 }));
    await tracked(ctx, VISION_MODELS.nsfw, () => classifyNsfw(rgb));
    return true;
  },
} satisfies Record<string, Task>;
