/**
 * Rekognition's label taxonomy v3.0 and moderation taxonomy v7, read once from the copies in
 * src/analysis/taxonomy/ (provenance in its README.md): every label's category and aliases,
 * whether it can carry Instances, its Parents, and the COCO-80 to Rekognition name mapping.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dataDir = join(dirname(fileURLToPath(import.meta.url)), 'taxonomy');

/** Parses RFC 4180 CSV (quoted fields, doubled quotes) into records keyed by the header row. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows.filter((r) => r.length > 1 || r[0] !== '');
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

const readText = (name: string) => readFileSync(join(dataDir, name), 'utf8');
const readJson = <T>(name: string) => JSON.parse(readText(name)) as T;

export interface LabelInfo {
  name: string;
  category: string;
  aliases: string[];
  /** AWS's bounding-box list names it: the label may carry Instances. */
  boundingBox: boolean;
  /** All ancestors, alphabetical (as v3 returns them). */
  parents: string[];
}

interface CocoRow {
  coco_index: number;
  coco_name: string;
  rekognition_label: string;
  parents_v3: string[] | null;
}

interface ObservedRecord {
  Name: string;
  Parents: { Name: string }[];
  sources: string[];
}

function buildLabels(): Map<string, LabelInfo> {
  const labels = new Map<string, LabelInfo>();
  for (const r of parseCsv(readText('rekognition_labels_v3.csv'))) {
    labels.set(r.label, {
      name: r.label,
      category: r.category,
      aliases: r.aliases ? r.aliases.split(';').filter(Boolean) : [],
      boundingBox: r.bounding_box === 'True',
      parents: [],
    });
  }
  // Parents, weakest source first so stronger ones overwrite: our inferred supplement, the COCO
  // table, the people/face table, then parents seen in real v3 responses. AWS documentation
  // examples (DOC*) are illustrative and lose to the fuller chains (taxonomy README, gap 2).
  const parents = new Map<string, string[]>();
  const supplement = readJson<{ parents: Record<string, string[]> }>('parents_supplement.json').parents;
  for (const [name, list] of Object.entries(supplement)) parents.set(name, list);
  for (const row of readJson<CocoRow[]>('coco80_to_rekognition_v3.json')) parents.set(row.rekognition_label, row.parents_v3 ?? []);
  for (const r of parseCsv(readText('person_face_labels_v3.csv'))) {
    if (r.parents_basis !== 'unknown') parents.set(r.label, r.parents_v3 ? r.parents_v3.split(';') : []);
  }
  const observed = readJson<{ labels: ObservedRecord[] }>('observed_v3_label_records.json').labels;
  for (const rec of observed) {
    if (rec.sources.some((s) => s.startsWith('V3'))) parents.set(rec.Name, rec.Parents.map((p) => p.Name));
  }
  for (const [name, list] of parents) {
    const info = labels.get(name);
    if (info) info.parents = [...list].sort();
  }
  return labels;
}

const labels: ReadonlyMap<string, LabelInfo> = buildLabels();

/** A v3 label by its exact name. */
export function labelInfo(name: string): LabelInfo | undefined {
  return labels.get(name);
}

export function allLabels(): IterableIterator<LabelInfo> {
  return labels.values();
}

const cocoRows: readonly CocoRow[] = readJson<CocoRow[]>('coco80_to_rekognition_v3.json');
const cocoToName: ReadonlyMap<string, string> = new Map(cocoRows.map((r) => [r.coco_name, r.rekognition_label]));

/** The Rekognition v3 name for a COCO-80 class name (`cell phone` -> `Mobile Phone`). */
export function rekognitionNameForCoco(coco: string): string | undefined {
  return cocoToName.get(coco);
}

export function cocoClassNames(): string[] {
  return cocoRows.map((r) => r.coco_name);
}

export interface ModerationLabelInfo {
  name: string;
  level: 1 | 2 | 3;
  /** '' for a top-level label, as the API sends it. */
  parent: string;
}

function buildModerationLabels(): Map<string, ModerationLabelInfo> {
  const moderation = new Map<string, ModerationLabelInfo>();
  for (const r of parseCsv(readText('moderation_labels_v7.csv'))) {
    // First row wins: the unconfirmed L2 `Gambling` under L1 `Gambling` would make a loop.
    if (!moderation.has(r.name)) moderation.set(r.name, { name: r.name, level: Number(r.taxonomy_level) as 1 | 2 | 3, parent: r.parent_name });
  }
  return moderation;
}

const moderation: ReadonlyMap<string, ModerationLabelInfo> = buildModerationLabels();

/** A moderation v7 label. `Gambling` is both L1 and (unconfirmed) L2; the map keeps the L1 row. */
export function moderationLabel(name: string): ModerationLabelInfo | undefined {
  return moderation.get(name);
}

/** The label and its ancestors, child first: [L3, L2, L1]. */
export function moderationChain(name: string): ModerationLabelInfo[] {
  const chain: ModerationLabelInfo[] = [];
  for (let info = moderation.get(name); info && chain.length < 3; info = info.parent ? moderation.get(info.parent) : undefined) {
    chain.push(info);
  }
  return chain;
}

export interface CssColor {
  name: string;
  hex: string;
  rgb: [number, number, number];
}

/**
 * The 140 CSS3 colour keywords as distinct RGB values (138: aqua/cyan and fuchsia/magenta share
 * one), each under the spelling Rekognition is seen to use (`gray` but `dimgrey`).
 */
export const cssColors: readonly CssColor[] = (() => {
  const byHex = new Map<string, CssColor>();
  for (const r of parseCsv(readText('css_named_colors.csv'))) {
    if (r.spec_level === 'css4') continue;
    if (!byHex.has(r.hex)) byHex.set(r.hex, { name: r.name_rekognition_would_use_for_this_rgb, hex: r.hex, rgb: [Number(r.red), Number(r.green), Number(r.blue)] });
  }
  return [...byHex.values()];
})();
