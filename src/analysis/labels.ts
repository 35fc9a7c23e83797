/**
 * DetectLabels (label model 3.0) from measured evidence: COCO objects named as Rekognition names
 * them, and image-level labels only where a signal supports them:
 *
 * - objects (centernet, confidence by calibration.ts) -> their v3 label, with Instances when the v3
 *   bounding-box list names the label;
 * - faces -> Face (so Head, Person); a face filling the frame -> Portrait (so Photography); the
 *   face model's age and gender -> Adult/Child, Male/Female, Man/Woman/Boy/Girl, carrying the
 *   Instances of the person around that face (real responses repeat Person's Instances for them,
 *   without their colours);
 *   the HAPPY emotion -> Happy, a smile -> Smile;
 * - two or more people (persons, plus faces outside every person box) -> People; eight -> Crowd;
 * - OCR lines of real characters -> Text;
 * - classifier plugins' labels as they come, detector plugins' boxes merged with the objects' (the
 *   same object found twice keeps its more confident box) (docs/MODEL-PLUGINS.md).
 * Then every ancestor becomes a label of its own with its child's confidence (the highest child's
 * when several), labels are sorted by confidence then name, filtered and cut to MaxLabels.
 * AWS-BEHAVIOUR §3.2 and the taxonomy README give the wire rules followed here.
 */
import type { GeneralLabelsSettings, Instance, Label } from '../api/generated/types';
import type { ColorShare } from '../../models/colors';
import { dedupePersons } from '../../models/evidence';
import { objectConfidence } from './calibration';
import { boxArea, boxContains, clampBox, intersectionOverUnion, type DetectedObject, type FaceEvidence, type RatioBox } from './evidence';
import { dominantColors } from './image-properties';
import { labelInfo, rekognitionNameForCoco } from './taxonomy';

export { dedupePersons };

export const LABEL_MODEL_VERSION = '3.0';
export const DEFAULT_MIN_CONFIDENCE = 55;
export const DEFAULT_MAX_LABELS = 1000;
/**
 * AWS returned nothing under about 50 even for MinConfidence below it [SEEN 2018,
 * aws/aws-cli#3098]: candidates under this are never reported.
 */
export const LABEL_FLOOR = 50;
/** People needs this many persons, Crowd this many. */
export const PEOPLE_MIN = 2;
export const CROWD_MIN = 8;
/** Portrait: the largest face's height as a share of the image height that earns full confidence, and the share below which there is none. */
const PORTRAIT_FULL = 0.18;
const PORTRAIT_NONE = 0.08;
/** OCR lines count towards Text from this confidence and with at least this many letters or digits. */
const TEXT_MIN_CONFIDENCE = 80;
const TEXT_MIN_CHARS = 2;

export interface TextEvidence {
  text: string;
  /** 0-100 */
  confidence: number;
}

export interface LabelEvidence {
  objects: DetectedObject[];
  faces: FaceEvidence[];
  text?: TextEvidence[];
  /** Colours of objects[i] (IMAGE_PROPERTIES with GENERAL_LABELS), null when not computed. */
  instanceColors?: (ColorShare[] | null)[];
  /** Image-level labels from classifier plugins (models/plugins.ts). */
  classified?: ClassifiedLabel[];
  /** Boxes from detector plugins, merged with the objects'. */
  detected?: DetectedLabel[];
}

export interface ClassifiedLabel {
  /** A Rekognition v3 label name. */
  name: string;
  /** 0-100 */
  confidence: number;
}

export interface DetectedLabel extends ClassifiedLabel {
  box: RatioBox;
  /** The box's colours (IMAGE_PROPERTIES with GENERAL_LABELS). */
  colors?: ColorShare[] | null;
}

/** A plugin's box overlapping a box of the same label by this IoU is the same object found twice. */
export const SAME_OBJECT_IOU = 0.5;

/**
 * Adds a plugin detection to `existing` (boxes of one label): the same object found twice (IoU
 * from SAME_OBJECT_IOU) keeps the more confident box; another object adds one.
 */
function mergeDetection<T extends { box: RatioBox; confidence: number }>(existing: T[], detection: T): void {
  const same = existing.findIndex((e) => intersectionOverUnion(e.box, detection.box) >= SAME_OBJECT_IOU);
  if (same < 0) existing.push(detection);
  else if (detection.confidence > existing[same].confidence) existing[same] = detection;
}

export interface LabelOptions {
  minConfidence?: number;
  maxLabels?: number;
  settings?: GeneralLabelsSettings;
  /** Both features were asked for: every instance carries DominantColors. */
  instanceColors?: boolean;
}

interface Candidate {
  confidence: number;
  instances: Instance[];
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

export function buildLabels(evidence: LabelEvidence, options: LabelOptions = {}): Label[] {
  const minConfidence = Math.max(LABEL_FLOOR, options.minConfidence ?? DEFAULT_MIN_CONFIDENCE);
  const candidates = new Map<string, Candidate>();
  const add = (name: string, confidence: number, instances: Instance[] = []) => {
    if (confidence < LABEL_FLOOR || !labelInfo(name)) return;
    const c = candidates.get(name);
    if (c) {
      c.confidence = Math.max(c.confidence, confidence);
      for (const i of instances) if (!c.instances.includes(i)) c.instances.push(i);
    } else candidates.set(name, { confidence, instances: [...instances] });
  };
  const instance = (box: RatioBox, confidence: number, colors?: ColorShare[] | null): Instance => {
    const i: Instance = { BoundingBox: clampBox(box), Confidence: confidence };
    if (options.instanceColors) i.DominantColors = dominantColors(colors ?? []);
    return i;
  };
  // Labels derived from a person (Adult, Woman...) repeat Person's box and confidence, but AWS
  // sends colours on Person's instance only: `DominantColors: []` on theirs (AWS-BEHAVIOUR §9).
  const derivedInstances = new Map<Instance, Instance>();
  const derivedOf = (person: Instance): Instance => {
    let d = derivedInstances.get(person);
    if (!d) {
      d = { BoundingBox: person.BoundingBox, Confidence: person.Confidence };
      if (options.instanceColors) d.DominantColors = [];
      derivedInstances.set(person, d);
    }
    return d;
  };

  // Objects.
  const persons: { box: RatioBox; confidence: number; instance: Instance }[] = [];
  evidence.objects.forEach((o, index) => {
    const confidence = o.confidence ?? objectConfidence(o.score);
    const name = rekognitionNameForCoco(o.coco);
    if (!name || confidence < LABEL_FLOOR) return;
    const withBox = labelInfo(name)?.boundingBox ?? false;
    const inst = instance(o.box, confidence, evidence.instanceColors?.[index]);
    if (name === 'Person') persons.push({ box: o.box, confidence, instance: inst });
    else add(name, confidence, withBox ? [inst] : []);
  });
  // Detector plugins: boxes join the objects' of the same label (one per object), persons included.
  const boxed = new Map<string, { box: RatioBox; confidence: number; instance: Instance }[]>();
  for (const d of evidence.detected ?? []) {
    const info = labelInfo(d.name);
    if (!info || d.confidence < LABEL_FLOOR) continue;
    const found = { box: d.box, confidence: d.confidence, instance: instance(d.box, d.confidence, d.colors) };
    if (d.name === 'Person') mergeDetection(persons, found);
    else if (info.boundingBox) {
      const existing = boxed.get(d.name) ?? (candidates.get(d.name)?.instances ?? []).map((i) => ({ box: i.BoundingBox as RatioBox, confidence: i.Confidence!, instance: i }));
      mergeDetection(existing, found);
      boxed.set(d.name, existing);
    } else add(d.name, d.confidence);
  }
  for (const [name, found] of boxed) {
    const c = candidates.get(name);
    if (c) c.instances = [];
    add(name, Math.max(...found.map((f) => f.confidence)), found.map((f) => f.instance));
  }
  const people = dedupePersons(persons, evidence.faces);
  for (const p of people) add('Person', p.confidence, [p.instance]);

  // Faces.
  const faces = evidence.faces.filter((f) => f.confidence >= LABEL_FLOOR);
  // A face belongs to the person box around it, or to one just below it (a box that caught only the torso).
  const personOf = (f: FaceEvidence) => {
    const centre = { x: f.box.Left + f.box.Width / 2, y: f.box.Top + f.box.Height / 2 };
    const holds = (b: RatioBox) => boxContains({ ...b, Top: b.Top - 1.5 * f.box.Height, Height: b.Height + 1.5 * f.box.Height }, centre);
    return people.filter((p) => holds(p.box)).sort((a, b) => boxArea(a.box) - boxArea(b.box))[0];
  };
  for (const face of faces) {
    add('Face', face.confidence);
    const person = personOf(face);
    const instances = person ? [derivedOf(person.instance)] : [];
    const mid = face.ageLow !== undefined && face.ageHigh !== undefined ? (face.ageLow + face.ageHigh) / 2 : undefined;
    const adult = mid === undefined ? 0 : face.confidence * clamp01((mid - 14) / 8);
    const child = mid === undefined ? 0 : face.confidence * clamp01((14 - mid) / 6);
    const male = face.gender === 'Male' ? (face.confidence * (face.genderConfidence ?? 0)) / 100 : 0;
    const female = face.gender === 'Female' ? (face.confidence * (face.genderConfidence ?? 0)) / 100 : 0;
    add('Adult', adult, instances);
    add('Child', child, instances);
    add('Male', male, instances);
    add('Female', female, instances);
    add('Man', Math.min(adult, male), instances);
    add('Woman', Math.min(adult, female), instances);
    add('Boy', Math.min(child, male), instances);
    add('Girl', Math.min(child, female), instances);
    if (face.happy !== undefined) add('Happy', (face.confidence * face.happy) / 100);
    if (face.smile !== undefined) add('Smile', (face.confidence * face.smile) / 100);
  }
  const bySize = [...faces].sort((a, b) => b.box.Height - a.box.Height);
  const main = bySize[0];
  if (main && (bySize.length === 1 || bySize[1].box.Height < 0.5 * main.box.Height)) {
    add('Portrait', main.confidence * clamp01((main.box.Height - PORTRAIT_NONE) / (PORTRAIT_FULL - PORTRAIT_NONE)));
  }

  // How many people: person boxes, plus faces no person box holds.
  const individuals = [...people.map((p) => p.confidence), ...faces.filter((f) => !personOf(f)).map((f) => f.confidence)].sort((a, b) => b - a);
  if (individuals.length >= PEOPLE_MIN) add('People', individuals[PEOPLE_MIN - 1]);
  if (individuals.length >= CROWD_MIN) add('Crowd', individuals[CROWD_MIN - 1]);

  // Text.
  const lines = (evidence.text ?? []).filter((l) => l.confidence >= TEXT_MIN_CONFIDENCE && (l.text.match(/[\p{L}\p{N}]/gu)?.length ?? 0) >= TEXT_MIN_CHARS);
  if (lines.length) add('Text', Math.max(...lines.map((l) => l.confidence)));

  for (const c of evidence.classified ?? []) add(c.name, c.confidence);

  // Ancestors, with the most confident child's confidence.
  for (const [name, c] of [...candidates]) {
    for (const parent of labelInfo(name)!.parents) add(parent, c.confidence);
  }

  return selectLabels(candidates, minConfidence, options);
}

function selectLabels(candidates: Map<string, Candidate>, minConfidence: number, options: LabelOptions): Label[] {
  const s = options.settings ?? {};
  const include = s.LabelInclusionFilters?.length ? new Set(s.LabelInclusionFilters) : undefined;
  const includeCategories = s.LabelCategoryInclusionFilters?.length ? new Set(s.LabelCategoryInclusionFilters) : undefined;
  const exclude = new Set(s.LabelExclusionFilters ?? []);
  const excludeCategories = new Set(s.LabelCategoryExclusionFilters ?? []);
  const labels: Label[] = [];
  for (const [name, c] of candidates) {
    if (c.confidence < minConfidence) continue;
    const info = labelInfo(name)!;
    // Exact names. With inclusion filters a label needs its name or its category listed; exclusions win.
    if ((include || includeCategories) && !include?.has(name) && !includeCategories?.has(info.category)) continue;
    if (exclude.has(name) || excludeCategories.has(info.category)) continue;
    labels.push({
      Name: name,
      Confidence: c.confidence,
      // MinConfidence filters labels, not their instances: AWS's CLI example returns Car instances
      // at 52.38 under the default 55 (AWS-BEHAVIOUR §9). Instances under LABEL_FLOOR never got here.
      Instances: [...c.instances].sort((a, b) => (b.Confidence ?? 0) - (a.Confidence ?? 0)),
      Parents: info.parents.map((p) => ({ Name: p })),
      Aliases: info.aliases.map((a) => ({ Name: a })),
      Categories: info.category ? [{ Name: info.category }] : [],
    });
  }
  labels.sort((a, b) => b.Confidence! - a.Confidence! || (a.Name! < b.Name! ? -1 : a.Name! > b.Name! ? 1 : 0));
  return labels.slice(0, options.maxLabels ?? DEFAULT_MAX_LABELS);
}
