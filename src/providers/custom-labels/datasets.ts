/**
 * Custom Labels datasets: CreateDataset, DescribeDataset, DeleteDataset, ListDatasetEntries,
 * ListDatasetLabels, UpdateDatasetEntries, DistributeDatasetEntries.
 *
 * A dataset created from a Ground Truth manifest is CREATE_IN_PROGRESS while the manifest is read
 * from S3 (through src/media/s3.ts) and parsed in the background (an import job of the job runner),
 * then CREATE_COMPLETE, or CREATE_FAILED with a StatusMessage naming the manifest error (a missing
 * or unreadable manifest is such a failure, as the developer guide's "terminal file errors"
 * describe, not an error of CreateDataset). Empty datasets and copies of another dataset are
 * CREATE_COMPLETE at once; UpdateDatasetEntries and DistributeDatasetEntries apply at once and
 * leave UPDATE_COMPLETE. Lines that cannot become entries (bad JSON, no s3:// source-ref) are
 * dropped; when they are more than 20% of the manifest the dataset fails. Lines with a bad label
 * part are kept with an `errors` member and count as ErrorEntries.
 */
import { errors, RekognitionError } from '../../api/errors';
import type { DatasetType, S3Object } from '../../api/generated/types';
import { entryLine, labelStats, mergeEntry, parseManifest, parseManifestLine, splitForTest } from '../../analysis/custom-labels';
import type { DatasetEntry } from '../../store/custom-labels';
import type { JobKind } from '../../jobs/runner';
import { readS3Object } from '../../media/s3';
import type { Runtime } from '../../runtime/context';
import type { DatasetRow, DatasetSource, ScopedCustomLabels } from '../../store/custom-labels';
import { decodePageToken, encodePageToken } from '../../api/pagination';
import type { ProviderDeps } from '../deps';
import { datasetArn, requireDataset, requireProject } from './arns';
import { storeOf, type Ctx, type CustomLabels, type ImportJob, type In, type Out } from './work';

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
export async function loadManifest(object: S3Object | undefined, runtime: Pick<Runtime, 'config' | 'clients'>, region: string): Promise<DatasetEntry[]> {
  let bytes: Buffer;
  try {
    bytes = await readS3Object(object, { config: runtime.config, clients: runtime.clients, region }, { maxBytes: MAX_MANIFEST_BYTES, tooLarge: () => new RekognitionError('ManifestTooLarge', DATASET_MESSAGES.tooLarge) });
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

/** The dataset the job imports into, while it is still the one being created. */
function pendingDataset(store: ScopedCustomLabels, job: ImportJob): DatasetRow | undefined {
  const current = store.dataset(job.project, job.type);
  // Deleted, reset or replaced meanwhile: nothing to do.
  return current && current.created_ms === job.createdMs && current.status === 'CREATE_IN_PROGRESS' ? current : undefined;
}

/**
 * Manifest imports, a kind of job: run again from their source when a restart interrupted them
 * (a dataset without a recorded source fails), failed after too many interrupted runs.
 */
export function importKind(deps: ProviderDeps): JobKind<ImportJob> {
  const store = (job: ImportJob) => deps.stores.customLabels.in(job);
  const fail = (job: ImportJob, code: 'CLIENT_ERROR' | 'SERVICE_ERROR', message: string) =>
    store(job).setDatasetStatus({ project: job.project, type: job.type, created_ms: job.createdMs }, 'CREATE_FAILED', code, message, Date.now());
  return {
    name: 'custom-labels-dataset-import',
    unfinished: () => deps.stores.customLabels.datasetsBeingCreated().map((row) => importJob(row, row)),
    countAttempt: (job) => store(job).countImportAttempt(job.project, job.type),
    async run(job, signal) {
      const row = pendingDataset(store(job), job);
      const source = row?.source ? (JSON.parse(row.source) as DatasetSource) : undefined;
      if (!row) return;
      if (!source?.manifest) return fail(job, 'SERVICE_ERROR', DATASET_MESSAGES.interrupted);
      let entries: DatasetEntry[] | undefined;
      let failure: string | undefined;
      try {
        entries = await loadManifest(source.manifest, deps.runtime, job.region);
      } catch (err) {
        failure = err instanceof ManifestError ? err.message : DATASET_MESSAGES.inaccessible;
      }
      if (signal.aborted) return;
      const scoped = store(job);
      scoped.transaction(() => {
        if (!pendingDataset(scoped, job)) return;
        if (failure || !entries) return fail(job, 'CLIENT_ERROR', failure ?? DATASET_MESSAGES.inaccessible);
        scoped.deleteEntries(job.project, job.type);
        scoped.writeEntries(job.project, job.type, entries);
        scoped.setDatasetStatus(row, 'CREATE_COMPLETE', 'SUCCESS', DATASET_MESSAGES.created, Date.now());
      });
    },
    abandon: (job) => fail(job, 'SERVICE_ERROR', DATASET_MESSAGES.interrupted),
  };
}

const importJob = (scope: { account: string; region: string }, row: Pick<DatasetRow, 'project' | 'type' | 'created_ms'>): ImportJob => ({
  account: scope.account,
  region: scope.region,
  id: `${row.project}/${row.type}/${row.created_ms}`,
  project: row.project,
  type: row.type,
  createdMs: row.created_ms,
});

const ready = (row: DatasetRow) => row.status === 'CREATE_COMPLETE' || row.status === 'UPDATE_COMPLETE' || row.status === 'UPDATE_FAILED';

/** Entries can be read once the dataset exists; while it is being created it is not ready. */
function requireReadable(row: DatasetRow, arnValue: string): void {
  if (row.status === 'CREATE_IN_PROGRESS' || row.status === 'CREATE_FAILED') throw errors.resourceNotReady(`The dataset ${arnValue} is not ready (status ${row.status}).`);
  if (row.status === 'UPDATE_IN_PROGRESS' || row.status === 'DELETE_IN_PROGRESS') throw errors.resourceInUse(`The dataset ${arnValue} is in use (status ${row.status}).`);
}

export function createDataset(cl: CustomLabels, input: In<'CreateDataset'>, ctx: Ctx): Out<'CreateDataset'> {
  const source = input.DatasetSource;
  if (source && source.GroundTruthManifest && source.DatasetArn) throw errors.invalidParameter('DatasetSource takes either GroundTruthManifest or DatasetArn, not both.');
  if (source && !source.GroundTruthManifest && !source.DatasetArn) throw errors.invalidParameter('DatasetSource needs GroundTruthManifest or DatasetArn.');
  const manifest = source?.GroundTruthManifest;
  if (manifest && (!manifest.S3Object?.Bucket || !manifest.S3Object.Name)) throw errors.invalidParameter('GroundTruthManifest needs an S3Object with Bucket and Name.');
  const type = input.DatasetType;
  const created = Date.now();
  const store = storeOf(cl, ctx);
  const row = store.transaction(() => {
    const project = requireProject(store, ctx, input.ProjectArn);
    if (project.feature !== 'CUSTOM_LABELS') throw errors.invalidParameter('Datasets belong to CUSTOM_LABELS projects; adapters train from manifests.');
    if (store.dataset(project.name, type)) throw errors.resourceAlreadyExists(`The project ${input.ProjectArn} already has a ${type} dataset.`);
    let copied: DatasetEntry[] | undefined;
    if (source?.DatasetArn) {
      const from = requireDataset(store, ctx, source.DatasetArn);
      requireReadable(from, source.DatasetArn);
      copied = store.entries(from.project, from.type);
    }
    const pending = Boolean(manifest);
    const sourceDocument: DatasetSource | undefined = pending ? { manifest: manifest!.S3Object } : undefined;
    store.insertDataset({
      project: project.name,
      type,
      created_ms: created,
      status: pending ? 'CREATE_IN_PROGRESS' : 'CREATE_COMPLETE',
      status_message: pending ? null : DATASET_MESSAGES.created,
      status_code: pending ? null : 'SUCCESS',
      source: sourceDocument ? JSON.stringify(sourceDocument) : null,
    });
    if (copied) store.writeEntries(project.name, type, copied);
    if (input.Tags) cl.deps.stores.tags.in(ctx).add(datasetArn(ctx, project.name, type, created), input.Tags);
    return { project: project.name, type, created_ms: created };
  });
  if (manifest) cl.imports.submit(importJob(ctx, row));
  return { DatasetArn: datasetArn(ctx, row.project, type, created) };
}

export function describeDataset(cl: CustomLabels, input: In<'DescribeDataset'>, ctx: Ctx): Out<'DescribeDataset'> {
  const store = storeOf(cl, ctx);
  const row = requireDataset(store, ctx, input.DatasetArn);
  const entries = store.entries(row.project, row.type);
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
}

export function deleteDataset(cl: CustomLabels, input: In<'DeleteDataset'>, ctx: Ctx): Out<'DeleteDataset'> {
  const store = storeOf(cl, ctx);
  store.transaction(() => {
    const row = requireDataset(store, ctx, input.DatasetArn);
    if (row.status === 'CREATE_IN_PROGRESS' || row.status === 'UPDATE_IN_PROGRESS') throw errors.resourceInUse(`The dataset ${input.DatasetArn} is being ${row.status === 'CREATE_IN_PROGRESS' ? 'created' : 'updated'}.`);
    store.deleteDataset(row.project, row.type);
    cl.deps.stores.tags.in(ctx).removeAll(input.DatasetArn);
  });
  return {};
}

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

export function listDatasetEntries(cl: CustomLabels, input: In<'ListDatasetEntries'>, ctx: Ctx): Out<'ListDatasetEntries'> {
  const store = storeOf(cl, ctx);
  const row = requireDataset(store, ctx, input.DatasetArn);
  requireReadable(row, input.DatasetArn);
  const matching = filterEntries(store.entries(row.project, row.type), input);
  const offset = offsetFrom(input.NextToken, 'ListDatasetEntries');
  const limit = input.MaxResults ?? DEFAULT_PAGE;
  const page = matching.slice(offset, offset + limit);
  return {
    DatasetEntries: page.map(entryLine),
    NextToken: offset + limit < matching.length ? encodePageToken(String(offset + limit), 'ListDatasetEntries') : undefined,
  };
}

export function listDatasetLabels(cl: CustomLabels, input: In<'ListDatasetLabels'>, ctx: Ctx): Out<'ListDatasetLabels'> {
  const store = storeOf(cl, ctx);
  const row = requireDataset(store, ctx, input.DatasetArn);
  requireReadable(row, input.DatasetArn);
  const stats = labelStats(store.entries(row.project, row.type));
  const offset = offsetFrom(input.NextToken, 'ListDatasetLabels');
  const limit = input.MaxResults ?? DEFAULT_PAGE;
  return {
    DatasetLabelDescriptions: stats.slice(offset, offset + limit).map((s) => ({ LabelName: s.label, LabelStats: { EntryCount: s.entryCount, BoundingBoxCount: s.boundingBoxCount } })),
    NextToken: offset + limit < stats.length ? encodePageToken(String(offset + limit), 'ListDatasetLabels') : undefined,
  };
}

export function updateDatasetEntries(cl: CustomLabels, input: In<'UpdateDatasetEntries'>, ctx: Ctx): Out<'UpdateDatasetEntries'> {
  const lines = input.Changes.GroundTruth.toString('utf8').split(/\r?\n/);
  const updates: DatasetEntry[] = [];
  lines.forEach((text, index) => {
    if (!text.trim()) return;
    const result = parseManifestLine(text, index);
    if (!result.entry) throw errors.invalidParameter(`GroundTruth line ${index + 1}: ${result.rejected!.code}: ${result.rejected!.message}`);
    updates.push(result.entry);
  });
  if (!updates.length) throw errors.invalidParameter('GroundTruth has no JSON lines.');
  const store = storeOf(cl, ctx);
  store.transaction(() => {
    const row = requireDataset(store, ctx, input.DatasetArn);
    if (!ready(row)) throw errors.resourceInUse(`The dataset ${input.DatasetArn} cannot be updated while its status is ${row.status}.`);
    const existing = new Map(store.entries(row.project, row.type).map((e) => [e.sourceRef, e]));
    const merged = new Map<string, DatasetEntry>();
    for (const update of updates) {
      const base = merged.get(update.sourceRef) ?? existing.get(update.sourceRef);
      merged.set(update.sourceRef, base ? mergeEntry(base, update) : update);
    }
    store.writeEntries(row.project, row.type, [...merged.values()]);
    store.setDatasetStatus(row, 'UPDATE_COMPLETE', 'SUCCESS', DATASET_MESSAGES.updated, Date.now());
  });
  return {};
}

export function distributeDatasetEntries(cl: CustomLabels, input: In<'DistributeDatasetEntries'>, ctx: Ctx): Out<'DistributeDatasetEntries'> {
  const store = storeOf(cl, ctx);
  store.transaction(() => {
    const rows = input.Datasets.map((d) => ({ arn: d.Arn, row: requireDataset(store, ctx, d.Arn) }));
    const train = rows.find((r) => r.row.type === 'TRAIN');
    const test = rows.find((r) => r.row.type === 'TEST');
    if (!train || !test) throw errors.invalidParameter('Datasets must hold a TRAIN and a TEST dataset.');
    if (train.row.project !== test.row.project) throw errors.invalidParameter('The training and test datasets must belong to the same project.');
    for (const r of rows) if (!ready(r.row)) throw errors.resourceNotReady(`The dataset ${r.arn} is not ready (status ${r.row.status}).`);
    const project = train.row.project;
    if (store.entries(project, 'TEST' as DatasetType).length) throw errors.invalidParameter('The test dataset must be empty.');
    const entries = store.entries(project, 'TRAIN');
    if (entries.length < 2) throw errors.invalidParameter('The training dataset needs at least 2 entries to distribute.');
    // The salt comes from the id generator, so a seeded emulator splits the same way every run.
    const { test: moved } = splitForTest(entries, cl.deps.runtime.ids.hex(16));
    store.deleteEntries(project, 'TRAIN', moved.map((e) => e.sourceRef));
    store.writeEntries(project, 'TEST', moved);
    const now = Date.now();
    store.setDatasetStatus(train.row, 'UPDATE_COMPLETE', 'SUCCESS', DATASET_MESSAGES.updated, now);
    store.setDatasetStatus(test.row, 'UPDATE_COMPLETE', 'SUCCESS', DATASET_MESSAGES.updated, now);
  });
  return {};
}

/** For the versions module: a project's datasets as training input. */
export function datasetEntriesForTraining(store: ScopedCustomLabels, project: string): { train?: DatasetEntry[]; test?: DatasetEntry[]; rows: DatasetRow[] } {
  const rows = (['TRAIN', 'TEST'] as const).map((t) => store.dataset(project, t)).filter((r): r is DatasetRow => Boolean(r));
  const train = rows.find((r) => r.type === 'TRAIN');
  const test = rows.find((r) => r.type === 'TEST');
  return {
    rows,
    train: train && ready(train) ? store.entries(project, 'TRAIN') : undefined,
    test: test && ready(test) ? store.entries(project, 'TEST') : undefined,
  };
}
