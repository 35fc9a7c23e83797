/**
 * Custom Labels datasets: CreateDataset, DescribeDataset, DeleteDataset, ListDatasetEntries,
 * ListDatasetLabels, UpdateDatasetEntries, DistributeDatasetEntries.
 *
 * A dataset created from a Ground Truth manifest is CREATE_IN_PROGRESS while the manifest is read
 * from S3 (through src/media/s3.ts) and parsed in the background, then CREATE_COMPLETE, or
 * CREATE_FAILED with a StatusMessage naming the manifest error (a missing or unreadable manifest is
 * such a failure, as the developer guide's "terminal file errors" describe, not an error of
 * CreateDataset). Empty datasets and copies of another dataset are CREATE_COMPLETE at once;
 * UpdateDatasetEntries and DistributeDatasetEntries apply at once and leave UPDATE_COMPLETE.
 * Lines that cannot become entries (bad JSON, no s3:// source-ref) are dropped; when they are more
 * than 20% of the manifest the dataset fails. Lines with a bad label part are kept with an `errors`
 * member and count as ErrorEntries.
 */
import { errors, RekognitionError } from '../api/errors';
import type { DatasetType, S3Object } from '../api/generated/types';
import { entryLine, labelStats, mergeEntry, parseManifest, parseManifestLine, splitForTest, type DatasetEntry } from '../analysis/custom-labels';
import { readS3Object } from '../media/s3';
import { log } from '../log';
import type { RequestContext } from './context';
import {
  datasetArn,
  deleteEntries,
  ensureRecovered,
  findDataset,
  onRecovery,
  readEntries,
  requireDataset,
  requireProject,
  runtimeOf,
  setDatasetStatus,
  writeEntries,
  type DatasetRow,
  type WorkContext,
} from './custom-labels-store';
import { decodePageToken, encodePageToken } from '../api/pagination';
import { registerHandler } from './registry';
import { deleteAllTags, writeTags } from './tags';
import type { Scope } from '../store/database';

/** Custom Labels quotas (developer guide, "Guidelines and quotas"): manifest size and JSON lines. */
export const MAX_MANIFEST_BYTES = 1024 * 1024 * 1024;
export const MAX_MANIFEST_LINES = 250_000;
/** Share of invalid lines above which a manifest is refused (the guide's 20% error threshold). */
export const MAX_INVALID_FRACTION = 0.2;
const DEFAULT_PAGE = 100;

/** StatusMessages: GUESSES in the style of the developer guide's error descriptions. */
export const DATASET_MESSAGES = {
  created: 'The dataset was created successfully.',
  updated: 'The dataset was updated successfully.',
  inaccessible: 'ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT: The manifest file extension or contents are invalid.',
  tooLarge: 'ERROR_MANIFEST_SIZE_TOO_LARGE: The manifest file size exceeds the maximum supported size.',
  tooManyRows: 'ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM: The manifest file has too many rows.',
  tooManyInvalid: 'ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST: The manifest file contains too many invalid rows.',
  interrupted: 'ERROR_SERVICE: The dataset import was interrupted by a restart of rekognition-local.',
};

/** A terminal manifest problem found while reading or parsing it. */
class ManifestError extends Error {}

/** Reads and parses a manifest from S3; throws ManifestError for the terminal file and content errors. */
export async function loadManifest(object: S3Object | undefined, ctx: Pick<WorkContext, 'config' | 'clients' | 'region'>): Promise<DatasetEntry[]> {
  let bytes: Buffer;
  try {
    bytes = await readS3Object(object, { config: ctx.config, clients: ctx.clients, region: ctx.region }, { maxBytes: MAX_MANIFEST_BYTES, tooLarge: () => new RekognitionError('ManifestTooLarge', DATASET_MESSAGES.tooLarge) });
  } catch (err) {
    if (err instanceof RekognitionError && err.type === 'ManifestTooLarge') throw new ManifestError(DATASET_MESSAGES.tooLarge);
    throw new ManifestError(DATASET_MESSAGES.inaccessible);
  }
  const text = bytes.toString('utf8');
  const parsed = parseManifest(text);
  if (parsed.totalLines === 0 || parsed.entries.length === 0) throw new ManifestError(DATASET_MESSAGES.inaccessible);
  if (parsed.totalLines > MAX_MANIFEST_LINES) throw new ManifestError(DATASET_MESSAGES.tooManyRows);
  if (parsed.rejected.length > parsed.totalLines * MAX_INVALID_FRACTION) throw new ManifestError(DATASET_MESSAGES.tooManyInvalid);
  return parsed.entries;
}

export const isManifestError = (err: unknown): err is Error => err instanceof ManifestError;

const importKey = (scope: Scope, project: string, type: string, createdMs: number) => `${scope.account}\u0000${scope.region}\u0000${project}\u0000${type}\u0000${createdMs}`;

/** Imports a manifest into a CREATE_IN_PROGRESS dataset, in the background. */
function scheduleImport(ctx: WorkContext, row: Pick<DatasetRow, 'project' | 'type' | 'created_ms'>, object: S3Object): void {
  const key = importKey(ctx, row.project, row.type, row.created_ms);
  const importing = runtimeOf(ctx.db).imports;
  if (importing.has(key)) return;
  importing.add(key);
  setImmediate(() => {
    void runImport(ctx, row, object).finally(() => importing.delete(key));
  });
}

async function runImport(ctx: WorkContext, row: Pick<DatasetRow, 'project' | 'type' | 'created_ms'>, object: S3Object): Promise<void> {
  let entries: DatasetEntry[] | undefined;
  let failure: string | undefined;
  try {
    entries = await loadManifest(object, ctx);
  } catch (err) {
    failure = err instanceof ManifestError ? err.message : DATASET_MESSAGES.inaccessible;
  }
  try {
    ctx.db.transaction(() => {
      const current = findDataset(ctx.db, ctx, row.project, row.type);
      // Deleted, reset or replaced meanwhile: nothing to do.
      if (!current || current.created_ms !== row.created_ms || current.status !== 'CREATE_IN_PROGRESS') return;
      if (failure || !entries) return setDatasetStatus(ctx.db, ctx, row, 'CREATE_FAILED', 'CLIENT_ERROR', failure ?? DATASET_MESSAGES.inaccessible);
      deleteEntries(ctx.db, ctx, row.project, row.type);
      writeEntries(ctx.db, ctx, row.project, row.type, entries);
      setDatasetStatus(ctx.db, ctx, row, 'CREATE_COMPLETE', 'SUCCESS', DATASET_MESSAGES.created);
    })();
  } catch (err) {
    // The database was closed under us (shutdown, tests): the next start resumes the import.
    log.warn('custom labels: dataset import could not be saved', { error: (err as Error).message });
  }
}

// A restart finds imports a previous process left CREATE_IN_PROGRESS: they run again from their source.
onRecovery((ctx) => {
  const rows = ctx.db.prepare("SELECT account, region, project, type, created_ms, source FROM cl_datasets WHERE status = 'CREATE_IN_PROGRESS'").all() as (Pick<
    DatasetRow,
    'project' | 'type' | 'created_ms' | 'source'
  > &
    Scope)[];
  for (const row of rows) {
    const scoped: WorkContext = { ...ctx, account: row.account, region: row.region };
    const source = row.source ? (JSON.parse(row.source) as { manifest?: S3Object }) : undefined;
    if (source?.manifest) scheduleImport(scoped, row, source.manifest);
    else setDatasetStatus(ctx.db, scoped, row, 'CREATE_FAILED', 'SERVICE_ERROR', DATASET_MESSAGES.interrupted);
  }
});

const ready = (row: DatasetRow) => row.status === 'CREATE_COMPLETE' || row.status === 'UPDATE_COMPLETE' || row.status === 'UPDATE_FAILED';

/** Entries can be read once the dataset exists; while it is being created it is not ready. */
function requireReadable(row: DatasetRow, arnValue: string): void {
  if (row.status === 'CREATE_IN_PROGRESS' || row.status === 'CREATE_FAILED') throw errors.resourceNotReady(`The dataset ${arnValue} is not ready (status ${row.status}).`);
  if (row.status === 'UPDATE_IN_PROGRESS' || row.status === 'DELETE_IN_PROGRESS') throw errors.resourceInUse(`The dataset ${arnValue} is in use (status ${row.status}).`);
}

registerHandler(
  'CreateDataset',
  (input, ctx) => {
    ensureRecovered(ctx);
    const source = input.DatasetSource;
    if (source && source.GroundTruthManifest && source.DatasetArn) throw errors.invalidParameter('DatasetSource takes either GroundTruthManifest or DatasetArn, not both.');
    if (source && !source.GroundTruthManifest && !source.DatasetArn) throw errors.invalidParameter('DatasetSource needs GroundTruthManifest or DatasetArn.');
    const manifest = source?.GroundTruthManifest;
    if (manifest && (!manifest.S3Object?.Bucket || !manifest.S3Object.Name)) throw errors.invalidParameter('GroundTruthManifest needs an S3Object with Bucket and Name.');
    const type = input.DatasetType;
    const created = Date.now();
    const row = ctx.db.transaction(() => {
      const project = requireProject(ctx.db, ctx, input.ProjectArn);
      if (project.feature !== 'CUSTOM_LABELS') throw errors.invalidParameter('Datasets belong to CUSTOM_LABELS projects; adapters train from manifests.');
      if (findDataset(ctx.db, ctx, project.name, type)) throw errors.resourceAlreadyExists(`The project ${input.ProjectArn} already has a ${type} dataset.`);
      let copied: DatasetEntry[] | undefined;
      if (source?.DatasetArn) {
        const from = requireDataset(ctx.db, ctx, source.DatasetArn);
        requireReadable(from, source.DatasetArn);
        copied = readEntries(ctx.db, ctx, from.project, from.type);
      }
      const pending = Boolean(manifest);
      ctx.db
        .prepare(
          'INSERT INTO cl_datasets (account, region, project, type, created_ms, updated_ms, status, status_message, status_code, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          ctx.account,
          ctx.region,
          project.name,
          type,
          created,
          created,
          pending ? 'CREATE_IN_PROGRESS' : 'CREATE_COMPLETE',
          pending ? null : DATASET_MESSAGES.created,
          pending ? null : 'SUCCESS',
          pending ? JSON.stringify({ manifest: manifest!.S3Object }) : null,
        );
      if (copied) writeEntries(ctx.db, ctx, project.name, type, copied);
      if (input.Tags) writeTags(ctx.db, ctx, datasetArn(ctx, project.name, type, created), input.Tags);
      return { project: project.name, type, created_ms: created };
    })();
    if (manifest) scheduleImport(ctx, row, manifest.S3Object!);
    return { DatasetArn: datasetArn(ctx, row.project, type, created) };
  },
  'From a SageMaker Ground Truth manifest in S3 (image-classification, multi-label and object-detection attributes), a copy of another dataset, or empty. Manifests import in the background (CREATE_IN_PROGRESS, then CREATE_COMPLETE or CREATE_FAILED with the manifest error).',
);

registerHandler(
  'DescribeDataset',
  (input, ctx) => {
    ensureRecovered(ctx);
    const row = requireDataset(ctx.db, ctx, input.DatasetArn);
    const entries = readEntries(ctx.db, ctx, row.project, row.type);
    return {
      DatasetDescription: {
        CreationTimestamp: new Date(row.created_ms),
        LastUpdatedTimestamp: new Date(row.updated_ms),
        Status: row.status,
        StatusMessage: row.status_message ?? undefined,
        StatusMessageCode: row.status_code ?? undefined,
        DatasetStats: {
          LabeledEntries: entries.filter((e) => e.labels.length > 0).length,
          TotalEntries: entries.length,
          TotalLabels: new Set(entries.flatMap((e) => e.labels)).size,
          ErrorEntries: entries.filter((e) => e.errors.length > 0).length,
        },
      },
    };
  },
  'DatasetStats counted from the stored entries.',
);

registerHandler(
  'DeleteDataset',
  (input, ctx) => {
    ensureRecovered(ctx);
    ctx.db.transaction(() => {
      const row = requireDataset(ctx.db, ctx, input.DatasetArn);
      if (row.status === 'CREATE_IN_PROGRESS' || row.status === 'UPDATE_IN_PROGRESS') throw errors.resourceInUse(`The dataset ${input.DatasetArn} is being ${row.status === 'CREATE_IN_PROGRESS' ? 'created' : 'updated'}.`);
      deleteEntries(ctx.db, ctx, row.project, row.type);
      ctx.db.prepare('DELETE FROM cl_datasets WHERE account = ? AND region = ? AND project = ? AND type = ?').run(ctx.account, ctx.region, row.project, row.type);
      deleteAllTags(ctx.db, ctx, input.DatasetArn);
    })();
    return {};
  },
  'Refused while the dataset is being created or updated; gone at once otherwise.',
);

function filterEntries(entries: DatasetEntry[], input: { ContainsLabels?: string[]; Labeled?: boolean; SourceRefContains?: string; HasErrors?: boolean }): DatasetEntry[] {
  return entries.filter(
    (e) =>
      (!input.ContainsLabels?.length || e.labels.some((l) => input.ContainsLabels!.includes(l))) &&
      (input.Labeled === undefined || input.Labeled === e.labels.length > 0) &&
      (input.SourceRefContains === undefined || e.sourceRef.includes(input.SourceRefContains)) &&
      (input.HasErrors === undefined || input.HasErrors === e.errors.length > 0),
  );
}

function offsetFrom(token: string | undefined, operation: string): number {
  if (!token) return 0;
  const position = decodePageToken(token, operation);
  const offset = Number(position);
  if (!Number.isInteger(offset) || offset < 0) throw errors.invalidPaginationToken();
  return offset;
}

registerHandler(
  'ListDatasetEntries',
  (input, ctx) => {
    ensureRecovered(ctx);
    const row = requireDataset(ctx.db, ctx, input.DatasetArn);
    requireReadable(row, input.DatasetArn);
    const matching = filterEntries(readEntries(ctx.db, ctx, row.project, row.type), input);
    const offset = offsetFrom(input.NextToken, 'ListDatasetEntries');
    const limit = input.MaxResults ?? DEFAULT_PAGE;
    const page = matching.slice(offset, offset + limit);
    return {
      DatasetEntries: page.map(entryLine),
      NextToken: offset + limit < matching.length ? encodePageToken(String(offset + limit), 'ListDatasetEntries') : undefined,
    };
  },
  'JSON lines in import order; filters ContainsLabels (any of), Labeled, SourceRefContains, HasErrors; pages of up to 100.',
);

registerHandler(
  'ListDatasetLabels',
  (input, ctx) => {
    ensureRecovered(ctx);
    const row = requireDataset(ctx.db, ctx, input.DatasetArn);
    requireReadable(row, input.DatasetArn);
    const stats = labelStats(readEntries(ctx.db, ctx, row.project, row.type));
    const offset = offsetFrom(input.NextToken, 'ListDatasetLabels');
    const limit = input.MaxResults ?? DEFAULT_PAGE;
    return {
      DatasetLabelDescriptions: stats.slice(offset, offset + limit).map((s) => ({ LabelName: s.label, LabelStats: { EntryCount: s.entryCount, BoundingBoxCount: s.boundingBoxCount } })),
      NextToken: offset + limit < stats.length ? encodePageToken(String(offset + limit), 'ListDatasetLabels') : undefined,
    };
  },
  'Labels found in the entries (image-level and box classes), by name, with entry and bounding-box counts.',
);

registerHandler(
  'UpdateDatasetEntries',
  (input, ctx) => {
    ensureRecovered(ctx);
    const lines = input.Changes.GroundTruth.toString('utf8').split(/\r?\n/);
    const updates: DatasetEntry[] = [];
    lines.forEach((text, index) => {
      if (!text.trim()) return;
      const result = parseManifestLine(text, index);
      if (!result.entry) throw errors.invalidParameter(`GroundTruth line ${index + 1}: ${result.rejected!.code}: ${result.rejected!.message}`);
      updates.push(result.entry);
    });
    if (!updates.length) throw errors.invalidParameter('GroundTruth has no JSON lines.');
    ctx.db.transaction(() => {
      const row = requireDataset(ctx.db, ctx, input.DatasetArn);
      if (!ready(row)) throw errors.resourceInUse(`The dataset ${input.DatasetArn} cannot be updated while its status is ${row.status}.`);
      const existing = new Map(readEntries(ctx.db, ctx, row.project, row.type).map((e) => [e.sourceRef, e]));
      const merged = new Map<string, DatasetEntry>();
      for (const update of updates) {
        const base = merged.get(update.sourceRef) ?? existing.get(update.sourceRef);
        merged.set(update.sourceRef, base ? mergeEntry(base, update) : update);
      }
      writeEntries(ctx.db, ctx, row.project, row.type, [...merged.values()]);
      setDatasetStatus(ctx.db, ctx, row, 'UPDATE_COMPLETE', 'SUCCESS', DATASET_MESSAGES.updated);
    })();
    return {};
  },
  'JSON lines keyed by source-ref: a known image has its members replaced or added, a new one is appended. UPDATE_COMPLETE at once.',
);

registerHandler(
  'DistributeDatasetEntries',
  (input, ctx) => {
    ensureRecovered(ctx);
    ctx.db.transaction(() => {
      const rows = input.Datasets.map((d) => ({ arn: d.Arn, row: requireDataset(ctx.db, ctx, d.Arn) }));
      const train = rows.find((r) => r.row.type === 'TRAIN');
      const test = rows.find((r) => r.row.type === 'TEST');
      if (!train || !test) throw errors.invalidParameter('Datasets must hold a TRAIN and a TEST dataset.');
      if (train.row.project !== test.row.project) throw errors.invalidParameter('The training and test datasets must belong to the same project.');
      for (const r of rows) if (!ready(r.row)) throw errors.resourceNotReady(`The dataset ${r.arn} is not ready (status ${r.row.status}).`);
      const project = train.row.project;
      if (readEntries(ctx.db, ctx, project, 'TEST' as DatasetType).length) throw errors.invalidParameter('The test dataset must be empty.');
      const entries = readEntries(ctx.db, ctx, project, 'TRAIN');
      if (entries.length < 2) throw errors.invalidParameter('The training dataset needs at least 2 entries to distribute.');
      // The salt comes from the id generator, so a seeded emulator splits the same way every run.
      const { test: moved } = splitForTest(entries, ctx.ids.hex(16));
      deleteEntries(ctx.db, ctx, project, 'TRAIN', moved.map((e) => e.sourceRef));
      writeEntries(ctx.db, ctx, project, 'TEST', moved);
      setDatasetStatus(ctx.db, ctx, train.row, 'UPDATE_COMPLETE', 'SUCCESS', DATASET_MESSAGES.updated);
      setDatasetStatus(ctx.db, ctx, test.row, 'UPDATE_COMPLETE', 'SUCCESS', DATASET_MESSAGES.updated);
    })();
    return {};
  },
  'Moves 20% of the TRAIN entries to the empty TEST dataset, stratified by label, in an order drawn from the (seedable) id generator. UPDATE_COMPLETE at once.',
);

/** For the versions module: a project's datasets as training input. */
export function datasetEntriesForTraining(ctx: RequestContext, project: string): { train?: DatasetEntry[]; test?: DatasetEntry[]; rows: DatasetRow[] } {
  const rows = (['TRAIN', 'TEST'] as const).map((t) => findDataset(ctx.db, ctx, project, t)).filter((r): r is DatasetRow => Boolean(r));
  const train = rows.find((r) => r.type === 'TRAIN');
  const test = rows.find((r) => r.type === 'TEST');
  return {
    rows,
    train: train && ready(train) ? readEntries(ctx.db, ctx, project, 'TRAIN') : undefined,
    test: test && ready(test) ? readEntries(ctx.db, ctx, project, 'TEST') : undefined,
  };
}
