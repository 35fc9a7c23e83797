/**
 * DetectLabels, DetectModerationLabels, DetectProtectiveEquipment. Each loads the image with its
 * limits (AWS-BEHAVIOUR §5), sends a copy of at most ANALYSIS_MAX_SIDE px to the worker pool, and
 * turns what the models report into the response with src/analysis.
 */
import type {
  DetectLabelsResponse,
  DetectProtectiveEquipmentResponse,
} from '../api/generated/types';
import { faceEvidenceFromDetail, type FaceEvidence } from '../analysis/evidence';
import { detectFaces } from '../analysis/faces';
import { DEFAULT_MIN_CONFIDENCE as LABELS_MIN_CONFIDENCE, LABEL_FLOOR, LABEL_MODEL_VERSION, buildLabels, type TextEvidence } from '../analysis/labels';
import { detectModerationLabels } from '../analysis/moderation-request';
import { FACE_CURVE, OBJECT_CURVE } from '../analysis/calibration';
import { toImageProperties } from '../analysis/image-properties';
import { PPE_CURVES, summarize, toPpePersons } from '../analysis/ppe';
import { pluginConfidence } from '../analysis/model-config';
import { fitRgb, loadImage, type LoadedImage, type RgbImage } from '../media/image';
import type { ObjectsResult } from '../../models/tasks/vision';
import { readTextInPool } from './text';
import type { RequestContext } from './context';
import { registerHandler } from './registry';

/** Models see at most this many pixels on the long side (centernet works at 512, movenet at 192). */
export const ANALYSIS_MAX_SIDE = 1024;
/** DetectLabels and DetectModerationLabels refuse larger sides [SEEN 2023]; PPE: 4 MB, 64-4096 px [DOCS]. */
const LABELS_LIMITS = { maxSide: 10000 };
const PPE_LIMITS = { maxBytes: 4 * 1024 * 1024, minSide: 64, maxSide: 4096 };
const PPE_MODEL_VERSION = '1.0';
const DEFAULT_MAX_COLORS = 10;
/** Instances at this confidence or more make up ImageProperties' Foreground (independent of the request's MinConfidence). */
const FOREGROUND_MIN_CONFIDENCE = LABELS_MIN_CONFIDENCE;

/** The image scaled so its longer side is at most `maxSide` (unchanged when smaller). */
export async function scaledRgb(image: LoadedImage, maxSide = ANALYSIS_MAX_SIDE): Promise<RgbImage> {
  return fitRgb(await image.rgb(), maxSide);
}

/** Faces for PPE from the faces module (DetectFaces' landmarks); the PPE task adds faces its mesh threshold drops. */
async function moduleFaces(image: LoadedImage, ctx: RequestContext): Promise<FaceEvidence[]> {
  const faces = await detectFaces(image, ctx, { attributes: [] });
  return faces.map((f) => faceEvidenceFromDetail(f.detail)).filter((f): f is FaceEvidence => f !== undefined);
}

/**
 * Faces for labels: human's face pipeline (the detector, mesh and emotion net the faces module
 * uses) with face-api's age/gender net, in one worker call, without the faces module's padded
 * second search of images where no face was found. That search is right for DetectFaces' tight
 * crops but costs DetectLabels 400 ms on every photo without people (measured on the 640x480
 * motorcycle: 415 ms against 161 ms).
 */
async function labelFaces(rgb: RgbImage, ctx: RequestContext): Promise<FaceEvidence[]> {
  return ctx.inference.run('vision.faces', { image: rgb, faceCurve: FACE_CURVE });
}

/**
 * OCR lines as Text evidence; mean character probability is a line's confidence. The detector
 * runs at 480 px (DetectText uses 960): whether text is there came out the same on all seven text
 * fixtures at 480 and 640, for half the time.
 */
async function textOf(rgb: RgbImage, ctx: RequestContext): Promise<TextEvidence[]> {
  const lines = await readTextInPool(ctx.inference, rgb, { detMaxSide: 480 });
  return lines.map((l) => ({
    text: l.chars.map((c) => c.text).join(''),
    confidence: l.chars.length ? (100 * l.chars.reduce((a, c) => a + c.prob, 0)) / l.chars.length : 0,
  }));
}

async function pluginLabels(ctx: RequestContext, rgb: RgbImage): Promise<{ labels: { name: string; confidence: number }[]; replaceBuiltIn: boolean }> {
  const plugins = ctx.inference.plugins.filter((p) => p.capability === 'labels');
  if (!plugins.length) return { labels: [], replaceBuiltIn: false };
  const results = await Promise.all(
    plugins.map(async (plugin) => {
      const scores = await ctx.inference.run('vision.plugin', { image: rgb, plugin });
      return scores.map((s) => ({ name: s.name, confidence: pluginConfidence(plugin, s.probability) }));
    }),
  );
  return { labels: results.flat(), replaceBuiltIn: plugins.some((p) => p.replaceBuiltIn) };
}

registerHandler(
  'DetectLabels',
  async (input, ctx) => {
    const image = await loadImage(input.Image, ctx, LABELS_LIMITS);
    const features = new Set(input.Features?.length ? input.Features : ['GENERAL_LABELS']);
    const general = features.has('GENERAL_LABELS');
    const properties = features.has('IMAGE_PROPERTIES');
    const maxColors = input.Settings?.ImageProperties?.MaxDominantColors ?? DEFAULT_MAX_COLORS;
    const rgb = await scaledRgb(image);

    const plugins = general ? await pluginLabels(ctx, rgb) : { labels: [], replaceBuiltIn: false };
    const builtIn = !plugins.replaceBuiltIn;
    // Objects feed the labels and ImageProperties' foreground; a replacing plugin needs neither.
    const objectsTask =
      builtIn || properties
        ? ctx.inference.run('vision.objects', {
            image: rgb,
            properties: properties
              ? { maxColors, instanceColors: general, objectCurve: OBJECT_CURVE, foregroundMinConfidence: FOREGROUND_MIN_CONFIDENCE, instanceMinConfidence: LABEL_FLOOR }
              : undefined,
          })
        : Promise.resolve<ObjectsResult>({ objects: [] });
    // Three tasks for two workers: the pool hands the third (OCR) to whichever worker frees first.
    const labelEvidence = general && builtIn;
    const [found, faces, text] = await Promise.all([
      objectsTask,
      labelEvidence ? labelFaces(rgb, ctx) : Promise.resolve([]),
      labelEvidence ? textOf(rgb, ctx) : Promise.resolve([]),
    ]);

    const output: DetectLabelsResponse = {
      Labels: general
        ? buildLabels(
            { objects: builtIn ? found.objects : [], faces, text, instanceColors: found.instanceColors, classified: plugins.labels },
            { minConfidence: input.MinConfidence, maxLabels: input.MaxLabels, settings: input.Settings?.GeneralLabels, instanceColors: properties },
          )
        : [],
      LabelModelVersion: LABEL_MODEL_VERSION,
    };
    if (properties && found.properties) output.ImageProperties = toImageProperties(found.properties);
    return output;
  },
  "COCO-80 objects (human's centernet, run at the image's aspect ratio) with v3 names, parents, aliases, categories and instances; Person, Face, Portrait and People/Crowd labels from faces and persons, age/gender labels from face-api's age/gender net; Text from OCR; ImageProperties from pixel statistics. No scene classifier: scene labels (Outdoors, Nature, ...) are not produced.",
);

registerHandler(
  'DetectModerationLabels',
  (input, ctx) => detectModerationLabels(input, ctx, ctx.inference),
  'nsfwjs MobileNetV2 classes mapped to taxonomy v7 (Explicit > Explicit Nudity; Swimwear or Underwear) and ContentTypes Illustrated/Animated; calibrated so ordinary photos get no labels. Violence, drugs, alcohol, gestures, gambling and hate symbols are not detected. HumanLoopConfig: a loop starts when any label is returned.',
);

registerHandler(
  'DetectProtectiveEquipment',
  async (input, ctx) => {
    const image = await loadImage(input.Image, ctx, PPE_LIMITS);
    const [rgb, faces] = await Promise.all([scaledRgb(image), moduleFaces(image, ctx)]);
    const persons = toPpePersons(await ctx.inference.run('vision.ppe', { image: rgb, faces, curves: PPE_CURVES }));
    const output: DetectProtectiveEquipmentResponse = { ProtectiveEquipmentModelVersion: PPE_MODEL_VERSION, Persons: persons };
    if (input.SummarizationAttributes) output.Summary = summarize(persons, input.SummarizationAttributes);
    return output;
  },
  'Persons from centernet, FACE/HEAD from the face detector or movenet, hands from movenet wrists; FACE_COVER, HEAD_COVER and HAND_COVER decided from skin and colour evidence in each region (no PPE model exists offline).',
);
