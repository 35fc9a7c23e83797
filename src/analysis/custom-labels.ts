/**
 * Custom Labels datasets: SageMaker Ground Truth manifests (JSON Lines) parsed into entries, the
 * per-line validation errors Custom Labels reports, the merge rule of UpdateDatasetEntries and the
 * stratified 80/20 split of DistributeDatasetEntries. Nothing here knows HTTP, SQLite or models.
 *
 * A manifest line is `{"source-ref": "s3://bucket/key", <attr>: <value>, "<attr>-metadata": {...}}`;
 * a label attribute is any key whose `-metadata` companion has a Ground Truth `type`:
 *   - `groundtruth/image-classification`: value = class id, metadata `class-name`;
 *   - `groundtruth/image-classification-multilabel`: value = [class ids], metadata `class-map`;
 *   - `groundtruth/object-detection`: value `{image_size: [{width, height}], annotations:
 *     [{class_id, left, top, width, height}]}` in pixels, metadata `class-map`.
 * Error codes are the ones the Custom Labels developer guide lists ("Non-terminal JSON line
 * validation errors"); their messages are paraphrased (the guide gives the codes, not always text).
 */
import { createHash } from 'node:crypto';
import type { DatasetEntry, LineError, PixelBox } from '../store/custom-labels';

export type UseCase = 'IMAGE_LEVEL_LABELS' | 'OBJECT_LOCALIZATION' | 'NOT_DETERMINED';

export interface ManifestLineResult {
  entry?: DatasetEntry;
  /** Why the whole line was rejected (no entry): invalid JSON, no usable source-ref. */
  rejected?: LineError;
}

export const CLASSIFICATION = 'groundtruth/image-classification';
export const MULTILABEL = 'groundtruth/image-classification-multilabel';
export const DETECTION = 'groundtruth/object-detection';

const err = (code: string, message: string): LineError => ({ code, message });

/** `s3://bucket/key` -> its parts; undefined when it is not such a URI. */
export function parseS3Uri(uri: unknown): { bucket: string; key: string } | undefined {
  if (typeof uri !== 'string') return undefined;
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m ? { bucket: m[1], key: m[2] } : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function classMap(meta: Record<string, unknown>): Map<string, string> {
  const map = new Map<string, string>();
  const raw = meta['class-map'];
  if (isObject(raw)) for (const [id, name] of Object.entries(raw)) if (typeof name === 'string' && name.trim()) map.set(String(id), name);
  return map;
}

/** Reads one label attribute into labels/boxes; returns the errors found in it. */
function readAttribute(name: string, value: unknown, meta: Record<string, unknown>, out: { labels: string[]; boxes: PixelBox[]; imageSize?: { width: number; height: number } }): LineError[] {
  const type = meta.type;
  const errors: LineError[] = [];
  if (type === CLASSIFICATION) {
    const className = meta['class-name'];
    if (typeof className !== 'string' || !className.trim()) {
      return [err('ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `The ${name}-metadata of an image-classification attribute has no class-name.`)];
    }
    if (value !== undefined && !finite(value) && typeof value !== 'string') {
      return [err('ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `The value of label attribute ${name} must be a class id.`)];
    }
    out.labels.push(className);
    return errors;
  }
  if (type === MULTILABEL) {
    const map = classMap(meta);
    if (!Array.isArray(value)) return [err('ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `The value of label attribute ${name} must be a list of class ids.`)];
    for (const id of value) {
      const label = map.get(String(id));
      if (label === undefined) errors.push(err('ERROR_MISSING_CLASS_MAP_ID', `Class id ${String(id)} of ${name} is not in its class-map.`));
      else out.labels.push(label);
    }
    return errors;
  }
  if (type === DETECTION) {
    const map = classMap(meta);
    if (!isObject(value) || !Array.isArray(value.annotations)) {
      return [err('ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `The value of label attribute ${name} must have an annotations list.`)];
    }
    const size = Array.isArray(value.image_size) && isObject(value.image_size[0]) ? value.image_size[0] : undefined;
    const width = size?.width;
    const height = size?.height;
    if (!finite(width) || !finite(height) || width <= 0 || height <= 0) {
      return [err('ERROR_INVALID_IMAGE_DIMENSION', `The image_size of label attribute ${name} is missing or invalid.`)];
    }
    out.imageSize = { width, height };
    for (const annotation of value.annotations as unknown[]) {
      if (!isObject(annotation)) {
        errors.push(err('ERROR_INVALID_BOUNDING_BOX', `An annotation of ${name} is not an object.`));
        continue;
      }
      const label = map.get(String(annotation.class_id));
      if (label === undefined) {
        errors.push(err('ERROR_MISSING_CLASS_MAP_ID', `Class id ${String(annotation.class_id)} of ${name} is not in its class-map.`));
        continue;
      }
      const { left, top, width: w, height: h } = annotation;
      if (!finite(left) || !finite(top) || !finite(w) || !finite(h) || left < 0 || top < 0 || w <= 0 || h <= 0 || left + w > width + 1 || top + h > height + 1) {
        errors.push(err('ERROR_INVALID_BOUNDING_BOX', `A bounding box of ${name} (class ${label}) lies outside the image or has no area.`));
        continue;
      }
      out.boxes.push({ label, left, top, width: w, height: h });
      out.labels.push(label);
    }
    if (value.annotations.length > 0 && out.boxes.length === 0) errors.push(err('ERROR_NO_VALID_ANNOTATIONS', `Label attribute ${name} has no valid annotation.`));
    return errors;
  }
  return [err('ERROR_UNSUPPORTED_USE_CASE_TYPE', `The type ${JSON.stringify(type)} of ${name}-metadata is not a Custom Labels label type.`)];
}

/** Parses one manifest line (`index` is its 0-based line number, for messages only). */
export function parseManifestLine(text: string, index = 0): ManifestLineResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { rejected: err('ERROR_INVALID_JSON_LINE', `Line ${index + 1} is not valid JSON.`) };
  }
  if (!isObject(json)) return { rejected: err('ERROR_INVALID_JSON_LINE', `Line ${index + 1} is not a JSON object.`) };
  if (!('source-ref' in json)) return { rejected: err('ERROR_MISSING_SOURCE_REF', 'The source-ref key is missing.') };
  const sourceRef = json['source-ref'];
  if (!parseS3Uri(sourceRef)) return { rejected: err('ERROR_INVALID_SOURCE_REF_FORMAT', 'The format of the source-ref value is invalid.') };
  return { entry: entryFromJson(json) };
}

/** Builds the entry of a parsed line object (its `source-ref` already checked). */
export function entryFromJson(json: Record<string, unknown>): DatasetEntry {
  const { errors: _previous, ...line } = json;
  const out: { labels: string[]; boxes: PixelBox[]; imageSize?: { width: number; height: number } } = { labels: [], boxes: [] };
  const errors: LineError[] = [];
  for (const [key, value] of Object.entries(line)) {
    if (key === 'source-ref' || key.endsWith('-metadata')) continue;
    const meta = line[`${key}-metadata`];
    if (meta === undefined) continue; // not a label attribute (extra keys are kept, as Ground Truth does)
    if (!isObject(meta)) {
      errors.push(err('ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${key}-metadata is not an object.`));
      continue;
    }
    errors.push(...readAttribute(key, value, meta, out));
  }
  const labels = [...new Set(out.labels)];
  const stored = errors.length ? { ...line, errors: errors.map((e) => ({ code: e.code, message: e.message })) } : line;
  return { sourceRef: line['source-ref'] as string, line: stored, labels, boxes: out.boxes, imageSize: out.imageSize, errors };
}

export interface ParsedManifest {
  entries: DatasetEntry[];
  /** Lines that could not become entries, with their 0-based line numbers. */
  rejected: { index: number; error: LineError }[];
  /** Non-empty lines seen. */
  totalLines: number;
}

/** Parses a whole manifest. A later line with the same source-ref replaces the earlier one. */
export function parseManifest(text: string): ParsedManifest {
  const bySource = new Map<string, DatasetEntry>();
  const rejected: ParsedManifest['rejected'] = [];
  let totalLines = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    if (!raw.trim()) return;
    totalLines++;
    const result = parseManifestLine(raw, index);
    if (result.entry) {
      bySource.delete(result.entry.sourceRef);
      bySource.set(result.entry.sourceRef, result.entry);
    } else if (result.rejected) {
      rejected.push({ index, error: result.rejected });
    }
  });
  return { entries: [...bySource.values()], rejected, totalLines };
}

/**
 * UpdateDatasetEntries on an image already in the dataset: the new line's members replace or add
 * to the stored ones (a label attribute given again replaces the old one; others are kept).
 */
export function mergeEntry(existing: DatasetEntry, update: DatasetEntry): DatasetEntry {
  const { errors: _e, ...old } = existing.line;
  const { errors: _u, ...next } = update.line;
  return entryFromJson({ ...old, ...next });
}

/** The manifest's use case: object localisation when any entry has boxes, else image-level labels. */
export function useCaseOf(entries: DatasetEntry[]): UseCase {
  if (entries.some((e) => e.boxes.length > 0)) return 'OBJECT_LOCALIZATION';
  if (entries.some((e) => e.labels.length > 0)) return 'IMAGE_LEVEL_LABELS';
  return 'NOT_DETERMINED';
}

export interface LabelStats {
  label: string;
  entryCount: number;
  boundingBoxCount: number;
}

/** Per-label counts (ListDatasetLabels), sorted by label name. */
export function labelStats(entries: { labels: string[]; boxes: { label: string }[] }[]): LabelStats[] {
  const stats = new Map<string, LabelStats>();
  for (const entry of entries) {
    for (const label of entry.labels) {
      const s = stats.get(label) ?? { label, entryCount: 0, boundingBoxCount: 0 };
      s.entryCount++;
      stats.set(label, s);
    }
    for (const box of entry.boxes) stats.get(box.label)!.boundingBoxCount++;
  }
  return [...stats.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

/** The share of entries DistributeDatasetEntries and TestingData.AutoCreate move to the test set (AWS: 20%). */
export const TEST_FRACTION = 0.2;

/**
 * Splits entries into train and test the way DistributeDatasetEntries does (20% to test), made
 * stratified here so every label keeps examples on both sides: entries are grouped by their first
 * label (unlabeled ones form their own group), ordered by SHA-256(salt, source-ref), and the first
 * round(20%) of each group with at least 2 entries goes to test. The same salt gives the same split.
 */
export function splitForTest<T extends { sourceRef: string; labels: string[] }>(entries: T[], salt: string, fraction = TEST_FRACTION): { train: T[]; test: T[] } {
  const groups = new Map<string, T[]>();
  for (const entry of entries) {
    const key = entry.labels[0] ?? '';
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const rank = (e: T) => createHash('sha256').update(`${salt}\u0000${e.sourceRef}`).digest('hex');
  const test = new Set<T>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const ordered = [...group].sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
    const n = Math.min(group.length - 1, Math.max(1, Math.round(group.length * fraction)));
    for (const e of ordered.slice(0, n)) test.add(e);
  }
  return { train: entries.filter((e) => !test.has(e)), test: entries.filter((e) => test.has(e)) };
}

/** The entry as a manifest line (compact JSON, no trailing newline). */
export const entryLine = (entry: { line: Record<string, unknown> }) => JSON.stringify(entry.line);
