/**
 * The DetectLabels analysis of one image, shared by DetectLabels and StartLabelDetection's frames:
 * objects (centernet), faces for the person labels, OCR for Text, classifier and detector plugins
 * and image properties, run by the models and turned into labels by labels.ts.
 */
import type { DetectLabelsImageProperties, GeneralLabelsSettings, Label } from '../api/generated/types';
import type { ModelsClient } from '../../models/client';
import type { FaceEvidence, RgbPixels } from '../../models/evidence';
import type { ObjectsPayload, ObjectsResult } from '../../models/tasks/vision';
import { boxContains, type DetectedObject } from '../../models/evidence';
import { FACE_CURVE, OBJECT_CURVE, objectConfidence } from './calibration';
import { toImageProperties } from './image-properties';
import { buildLabels, DEFAULT_MIN_CONFIDENCE, type ClassifiedLabel, type DetectedLabel, type TextEvidence } from './labels';
import { pluginConfidence } from './model-config';
import { calibratedConfidence, mergeViews, OBJECT_CALIBRATION } from './object-calibration';
import { readTextLines } from './read-text';

/** Instances at this confidence or more make up ImageProperties' Foreground (independent of the request's MinConfidence). */
const FOREGROUND_MIN_CONFIDENCE = DEFAULT_MIN_CONFIDENCE;
/**
 * Main-view objects from this raw score get instance colours: with the other views' agreement an
 * object that weak can still make a label (object-calibration.ts).
 */
const INSTANCE_COLOUR_MIN_SCORE = 0.1;

/**
 * centernet's views of the image (object-calibration.json: the image as it is at 512 px and
 * mirrored at 256 px, where objects filling the frame come out), merged into objects with
 * calibrated confidences. The main view carries the image properties; each other view is a task
 * of its own, so the two workers share them.
 */
async function calibratedObjects(models: ModelsClient, rgb: RgbPixels, properties: ObjectsPayload['properties'], forLabels: boolean): Promise<ObjectsResult> {
  const [main, ...views] = OBJECT_CALIBRATION.views;
  // ImageProperties alone needs only the main view's foreground.
  const others = forLabels ? views : [];
  const viewOf = (v: (typeof OBJECT_CALIBRATION.views)[number]) => ({ longSide: v.longSide, flip: v.flip, minScore: OBJECT_CALIBRATION.floor });
  const [found, ...more] = await Promise.all([
    models.run('vision.objects', { image: rgb, view: viewOf(main), properties }),
    ...others.map((v) => models.run('vision.objects', { image: rgb, view: viewOf(v) })),
  ]);
  const merged = mergeViews([{ name: main.name, objects: found.objects }, ...others.map((v, i) => ({ name: v.name, objects: more[i].objects }))]);
  const objects: DetectedObject[] = merged.map((m) => ({ coco: m.coco, score: Math.max(...Object.values(m.scores)), box: m.box, confidence: calibratedConfidence(m) }));
  const instanceColors = found.instanceColors && merged.map((m) => (m.mainIndex === undefined ? null : found.instanceColors![m.mainIndex]));
  return { ...found, objects, instanceColors };
}

export interface LabelAnalysisOptions {
  minConfidence?: number;
  maxLabels?: number;
  settings?: GeneralLabelsSettings;
  /** The GENERAL_LABELS feature: the Labels list (absent: no labels). */
  generalLabels: boolean;
  /** The IMAGE_PROPERTIES feature, with at most `maxColors` dominant colours (absent: none). */
  imageProperties?: { maxColors: number };
  /** Read text for the Text label (DetectLabels does; video frames leave OCR out, it being the costliest model). */
  readText: boolean;
  /** Run the models client's plugins (--model-config): classifiers and detectors. */
  plugins: boolean;
}

export interface LabelAnalysis {
  labels: Label[];
  /** Present when `imageProperties` was asked for. */
  imageProperties?: DetectLabelsImageProperties;
}

/**
 * Faces for labels: human's face pipeline (the detector, mesh and emotion net the faces module
 * uses) with face-api's age/gender net, in one worker call, without the faces module's padded
 * second search of images where no face was found. That search is right for DetectFaces' tight
 * crops but costs DetectLabels 400 ms on every photo without people (measured on the 640x480
 * motorcycle: 415 ms against 161 ms).
 */
function labelFaces(models: ModelsClient, rgb: RgbPixels): Promise<FaceEvidence[]> {
  return models.run('vision.faces', { image: rgb, faceCurve: FACE_CURVE });
}

/**
 * OCR lines as Text evidence; mean character probability is a line's confidence. The detector
 * runs at 480 px (DetectText uses 960): whether text is there came out the same on all seven text
 * fixtures at 480 and 640, for half the time.
 */
async function textOf(models: ModelsClient, rgb: RgbPixels): Promise<TextEvidence[]> {
  const lines = await readTextLines(models, rgb, { detMaxSide: 480 });
  return lines.map((l) => ({
    text: l.chars.map((c) => c.text).join(''),
    confidence: l.chars.length ? (100 * l.chars.reduce((a, c) => a + c.prob, 0)) / l.chars.length : 0,
  }));
}

interface PluginEvidence {
  labels: ClassifiedLabel[];
  detected: DetectedLabel[];
  replaceBuiltIn: boolean;
}

/** Classifier plugins' labels and detector plugins' boxes (with their colours when `maxColors` is given). */
async function pluginEvidence(models: ModelsClient, rgb: RgbPixels, maxColors: number | undefined): Promise<PluginEvidence> {
  const classifiers = models.plugins.filter((p) => p.capability === 'labels');
  const detectors = models.plugins.filter((p) => p.capability === 'detector');
  const [labels, detected] = await Promise.all([
    Promise.all(
      classifiers.map(async (plugin) => {
        const scores = await models.run('vision.plugin', { image: rgb, plugin });
        return scores.map((s) => ({ name: s.name, confidence: pluginConfidence(plugin, s.probability) }));
      }),
    ),
    Promise.all(
      detectors.map(async (plugin) => {
        const { detections, colors } = await models.run('vision.detector', { image: rgb, plugin, colors: maxColors === undefined ? undefined : { maxColors } });
        return detections.map((d, i) => ({ name: d.name, confidence: pluginConfidence(plugin, d.probability), box: d.box, colors: colors?.[i] }));
      }),
    ),
  ]);
  return { labels: labels.flat(), detected: detected.flat(), replaceBuiltIn: models.plugins.some((p) => p.replaceBuiltIn) };
}

/**
 * A face the detector is sure of (the development faces scored 99.9) stands on its own; a weaker
 * one needs a person candidate of any score around it. Two geese on a lake made a face at 92.6,
 * and so a confident Person, where centernet saw only birds.
 */
const FACE_ALONE_MIN_CONFIDENCE = 99;

export function supportedFaces(faces: FaceEvidence[], objects: DetectedObject[]): FaceEvidence[] {
  const persons = objects.filter((o) => o.coco === 'person').map((o) => o.box);
  return faces.filter((f) => f.confidence >= FACE_ALONE_MIN_CONFIDENCE || persons.some((b) => boxContains(b, { x: f.box.Left + f.box.Width / 2, y: f.box.Top + f.box.Height / 2 })));
}

/** Labels (and image properties) of `rgb`, which callers scale down first (DetectLabels to 1024 px on the long side). */
export async function analyseLabels(models: ModelsClient, rgb: RgbPixels, options: LabelAnalysisOptions): Promise<LabelAnalysis> {
  const general = options.generalLabels;
  const properties = options.imageProperties;
  const plugins: PluginEvidence =
    general && options.plugins ? await pluginEvidence(models, rgb, properties && properties.maxColors) : { labels: [], detected: [], replaceBuiltIn: false };
  const builtIn = !plugins.replaceBuiltIn;
  // Objects feed the labels and ImageProperties' foreground; a replacing plugin needs neither.
  const objectsTask =
    builtIn || properties
      ? calibratedObjects(
          models,
          rgb,
          properties
            ? { maxColors: properties.maxColors, instanceColors: general, objectCurve: OBJECT_CURVE, foregroundMinConfidence: FOREGROUND_MIN_CONFIDENCE, instanceMinConfidence: objectConfidence(INSTANCE_COLOUR_MIN_SCORE) }
            : undefined,
          general && builtIn,
        )
      : Promise.resolve<ObjectsResult>({ objects: [] });
  // Three tasks for two workers: the pool hands the third (OCR) to whichever worker frees first.
  const labelEvidence = general && builtIn;
  const [found, faces, text] = await Promise.all([
    objectsTask,
    labelEvidence ? labelFaces(models, rgb) : Promise.resolve([]),
    labelEvidence && options.readText ? textOf(models, rgb) : Promise.resolve([]),
  ]);

  const labels = general
    ? buildLabels(
        { objects: builtIn ? found.objects : [], faces: supportedFaces(faces, found.objects), text, instanceColors: found.instanceColors, classified: plugins.labels, detected: plugins.detected },
        { minConfidence: options.minConfidence, maxLabels: options.maxLabels, settings: options.settings, instanceColors: Boolean(properties) },
      )
    : [];
  return properties && found.properties ? { labels, imageProperties: toImageProperties(found.properties) } : { labels };
}
