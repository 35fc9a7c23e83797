/**
 * Custom Labels state in SQLite: projects, their TRAIN/TEST datasets and dataset entries, model
 * versions (with their trained weights, so a model survives restarts under --data-dir), project
 * policies. ARNs, lookups, the errors for unknown resources, and the per-database runtime (model
 * cache, background work, recovery after a restart).
 *
 * ARNs (AWS-BEHAVIOUR §4): project `arn:aws:rekognition:<region>:<account>:project/<name>/<ms>`,
 * version `…:project/<name>/version/<version>/<ms>`, dataset `…:project/<name>/dataset/<train|test>/<ms>`,
 * where <ms> is the 13-digit creation time in epoch milliseconds.
 *
 * Messages of ResourceNotFoundException are not documented anywhere we found; ours name the ARN
 * (GUESS, easy to change here).
 */
import { errors } from '../api/errors';
import type { DatasetStatus, DatasetStatusMessageCode, DatasetType, ProjectVersionStatus } from '../api/generated/types';
import type { DatasetEntry } from '../analysis/custom-labels';
import { deserializeModel, type LinearModel } from '../analysis/custom-labels-train';
import { defineTable, onReset, type Db, type Scope } from '../store/database';
import { arn, type RequestContext } from './context';

defineTable(
  'cl_projects',
  `CREATE TABLE IF NOT EXISTS cl_projects (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, created_ms INTEGER NOT NULL,
     feature TEXT NOT NULL, auto_update TEXT,
     PRIMARY KEY (account, region, name))`,
);
defineTable(
  'cl_datasets',
  `CREATE TABLE IF NOT EXISTS cl_datasets (
     account TEXT NOT NULL, region TEXT NOT NULL, project TEXT NOT NULL, type TEXT NOT NULL,
     created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, status TEXT NOT NULL,
     status_message TEXT, status_code TEXT, source TEXT,
     PRIMARY KEY (account, region, project, type))`,
);
defineTable(
  'cl_entries',
  `CREATE TABLE IF NOT EXISTS cl_entries (
     account TEXT NOT NULL, region TEXT NOT NULL, project TEXT NOT NULL, type TEXT NOT NULL,
     source_ref TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
     PRIMARY KEY (account, region, project, type, source_ref))`,
);
defineTable(
  'cl_versions',
  `CREATE TABLE IF NOT EXISTS cl_versions (
     account TEXT NOT NULL, region TEXT NOT NULL, project TEXT NOT NULL, name TEXT NOT NULL,
     created_ms INTEGER NOT NULL, status TEXT NOT NULL, status_message TEXT, feature TEXT NOT NULL,
     details TEXT NOT NULL, snapshot TEXT, model BLOB, run_token TEXT, attempts INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (account, region, project, name))`,
);
defineTable(
  'cl_policies',
  `CREATE TABLE IF NOT EXISTS cl_policies (
     account TEXT NOT NULL, region TEXT NOT NULL, project TEXT NOT NULL, name TEXT NOT NULL,
     revision TEXT NOT NULL, document TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
     PRIMARY KEY (account, region, project, name))`,
);

/** What background work (dataset import, training, start) needs: the request's services and scope. */
export type WorkContext = Pick<RequestContext, 'config' | 'clients' | 'log' | 'db' | 'ids' | 'inference' | 'account' | 'region'>;

// ---- ARNs ----

const ARN = /^arn:[a-z\d-]+:rekognition:([a-z\d-]+):(\d{12}):project\/([a-zA-Z0-9_.-]{1,255})\/(.+)$/;

export interface ParsedArn {
  region: string;
  account: string;
  project: string;
  kind: 'project' | 'version' | 'dataset';
  createdMs: number;
  /** Version name or dataset type. */
  child?: string;
}

export function parseArn(value: string): ParsedArn | undefined {
  const m = ARN.exec(value);
  if (!m) return undefined;
  const [, region, account, project, rest] = m;
  let r: RegExpExecArray | null;
  if ((r = /^(\d+)$/.exec(rest))) return { region, account, project, kind: 'project', createdMs: Number(r[1]) };
  if ((r = /^version\/([a-zA-Z0-9_.-]{1,255})\/(\d+)$/.exec(rest))) return { region, account, project, kind: 'version', child: r[1], createdMs: Number(r[2]) };
  if ((r = /^dataset\/(train|test)\/(\d+)$/.exec(rest))) return { region, account, project, kind: 'dataset', child: r[1].toUpperCase(), createdMs: Number(r[2]) };
  return undefined;
}

export const projectArn = (scope: Scope, name: string, createdMs: number) => arn(scope, `project/${name}/${createdMs}`);
export const versionArn = (scope: Scope, project: string, name: string, createdMs: number) => arn(scope, `project/${project}/version/${name}/${createdMs}`);
export const datasetArn = (scope: Scope, project: string, type: DatasetType, createdMs: number) =>
  arn(scope, `project/${project}/dataset/${type.toLowerCase()}/${createdMs}`);

// ---- projects ----

export interface ProjectRow {
  name: string;
  created_ms: number;
  feature: 'CUSTOM_LABELS' | 'CONTENT_MODERATION';
  auto_update: 'ENABLED' | 'DISABLED' | null;
}

export function findProjectByName(db: Db, scope: Scope, name: string): ProjectRow | undefined {
  return db.prepare('SELECT name, created_ms, feature, auto_update FROM cl_projects WHERE account = ? AND region = ? AND name = ?').get(scope.account, scope.region, name) as
    | ProjectRow
    | undefined;
}

/** The project an ARN names, in the given scope (the caller's unless another account is meant). */
export function findProject(db: Db, scope: Scope, projectArnValue: string): ProjectRow | undefined {
  const parsed = parseArn(projectArnValue);
  if (!parsed || parsed.kind !== 'project' || parsed.region !== scope.region || parsed.account !== scope.account) return undefined;
  const row = findProjectByName(db, scope, parsed.project);
  return row && row.created_ms === parsed.createdMs ? row : undefined;
}

export function requireProject(db: Db, scope: Scope, projectArnValue: string): ProjectRow {
  const row = findProject(db, scope, projectArnValue);
  if (!row) throw errors.resourceNotFound(`The project ${projectArnValue} does not exist.`);
  return row;
}

// ---- datasets ----

export interface DatasetRow {
  project: string;
  type: DatasetType;
  created_ms: number;
  updated_ms: number;
  status: DatasetStatus;
  status_message: string | null;
  status_code: DatasetStatusMessageCode | null;
  source: string | null;
}

const DATASET_COLUMNS = 'project, type, created_ms, updated_ms, status, status_message, status_code, source';

export function projectDatasets(db: Db, scope: Scope, project: string): DatasetRow[] {
  return db
    .prepare(`SELECT ${DATASET_COLUMNS} FROM cl_datasets WHERE account = ? AND region = ? AND project = ? ORDER BY type DESC`)
    .all(scope.account, scope.region, project) as DatasetRow[];
}

export function findDataset(db: Db, scope: Scope, project: string, type: DatasetType): DatasetRow | undefined {
  return db.prepare(`SELECT ${DATASET_COLUMNS} FROM cl_datasets WHERE account = ? AND region = ? AND project = ? AND type = ?`).get(scope.account, scope.region, project, type) as
    | DatasetRow
    | undefined;
}

export function requireDataset(db: Db, scope: Scope, datasetArnValue: string): DatasetRow {
  const parsed = parseArn(datasetArnValue);
  const row = parsed && parsed.kind === 'dataset' && parsed.region === scope.region && parsed.account === scope.account ? findDataset(db, scope, parsed.project, parsed.child as DatasetType) : undefined;
  if (!row || row.created_ms !== parsed!.createdMs) throw errors.resourceNotFound(`The dataset ${datasetArnValue} does not exist.`);
  return row;
}

export function setDatasetStatus(db: Db, scope: Scope, row: Pick<DatasetRow, 'project' | 'type' | 'created_ms'>, status: DatasetStatus, code: DatasetStatusMessageCode, message: string): void {
  db.prepare(
    'UPDATE cl_datasets SET status = ?, status_code = ?, status_message = ?, updated_ms = ?, source = NULL WHERE account = ? AND region = ? AND project = ? AND type = ? AND created_ms = ?',
  ).run(status, code, message, Date.now(), scope.account, scope.region, row.project, row.type, row.created_ms);
}

// ---- entries ----

export function readEntries(db: Db, scope: Scope, project: string, type: DatasetType): DatasetEntry[] {
  const rows = db
    .prepare('SELECT data FROM cl_entries WHERE account = ? AND region = ? AND project = ? AND type = ? ORDER BY seq')
    .all(scope.account, scope.region, project, type) as { data: string }[];
  return rows.map((r) => JSON.parse(r.data) as DatasetEntry);
}

/** Inserts or replaces entries (keyed by source-ref); new ones go after the existing ones, replaced ones keep their place. */
export function writeEntries(db: Db, scope: Scope, project: string, type: DatasetType, entries: DatasetEntry[]): void {
  const max = db.prepare('SELECT COALESCE(MAX(seq), -1) AS seq FROM cl_entries WHERE account = ? AND region = ? AND project = ? AND type = ?').get(scope.account, scope.region, project, type) as {
    seq: number;
  };
  let seq = max.seq + 1;
  const existing = db.prepare('SELECT seq FROM cl_entries WHERE account = ? AND region = ? AND project = ? AND type = ? AND source_ref = ?');
  const upsert = db.prepare('INSERT OR REPLACE INTO cl_entries (account, region, project, type, source_ref, seq, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const entry of entries) {
    const old = existing.get(scope.account, scope.region, project, type, entry.sourceRef) as { seq: number } | undefined;
    upsert.run(scope.account, scope.region, project, type, entry.sourceRef, old ? old.seq : seq++, JSON.stringify(entry));
  }
}

export function deleteEntries(db: Db, scope: Scope, project: string, type: DatasetType, sourceRefs?: string[]): void {
  if (!sourceRefs) {
    db.prepare('DELETE FROM cl_entries WHERE account = ? AND region = ? AND project = ? AND type = ?').run(scope.account, scope.region, project, type);
    return;
  }
  const remove = db.prepare('DELETE FROM cl_entries WHERE account = ? AND region = ? AND project = ? AND type = ? AND source_ref = ?');
  for (const ref of sourceRefs) remove.run(scope.account, scope.region, project, type, ref);
}

// ---- versions ----

/** Everything a version reports besides its status, kept as one JSON document. */
export interface VersionDetails {
  description?: string;
  outputConfig: { S3Bucket?: string; S3KeyPrefix?: string };
  trainingInput?: unknown;
  testingInput?: unknown;
  kmsKeyId?: string;
  featureConfig?: unknown;
  minInferenceUnits?: number;
  maxInferenceUnits?: number;
  trainingEndMs?: number;
  billableSeconds?: number;
  f1?: number;
  summary?: { Bucket: string; Name: string };
  manifestSummary?: { Bucket: string; Name: string };
  trainingOutput?: unknown;
  trainingValidation?: unknown;
  testingOutput?: unknown;
  testingValidation?: unknown;
  /** The evaluation summary (per-label metrics), also written to S3 when the output bucket is writable. */
  evaluation?: unknown;
  sourceVersionArn?: string;
  /** Whether training reads the project's datasets (snapshot) or manifests (trainingInput). */
  fromDatasets?: boolean;
}

export interface VersionRow {
  project: string;
  name: string;
  created_ms: number;
  status: ProjectVersionStatus;
  status_message: string | null;
  feature: 'CUSTOM_LABELS' | 'CONTENT_MODERATION';
  details: string;
  run_token: string | null;
  attempts: number;
}

const VERSION_COLUMNS = 'project, name, created_ms, status, status_message, feature, details, run_token, attempts';

export const detailsOf = (row: VersionRow): VersionDetails => JSON.parse(row.details) as VersionDetails;

export function findVersion(db: Db, scope: Scope, project: string, name: string): VersionRow | undefined {
  return db.prepare(`SELECT ${VERSION_COLUMNS} FROM cl_versions WHERE account = ? AND region = ? AND project = ? AND name = ?`).get(scope.account, scope.region, project, name) as
    | VersionRow
    | undefined;
}

export function findVersionByArn(db: Db, scope: Scope, versionArnValue: string): VersionRow | undefined {
  const parsed = parseArn(versionArnValue);
  if (!parsed || parsed.kind !== 'version' || parsed.region !== scope.region || parsed.account !== scope.account) return undefined;
  const row = findVersion(db, scope, parsed.project, parsed.child!);
  return row && row.created_ms === parsed.createdMs ? row : undefined;
}

export function requireVersion(db: Db, scope: Scope, versionArnValue: string): VersionRow {
  const row = findVersionByArn(db, scope, versionArnValue);
  if (!row) throw errors.resourceNotFound(`The model version ${versionArnValue} does not exist.`);
  return row;
}

export function projectVersions(db: Db, scope: Scope, project: string): VersionRow[] {
  return db
    .prepare(`SELECT ${VERSION_COLUMNS} FROM cl_versions WHERE account = ? AND region = ? AND project = ? ORDER BY created_ms DESC, name DESC`)
    .all(scope.account, scope.region, project) as VersionRow[];
}

export function updateVersion(db: Db, scope: Scope, row: Pick<VersionRow, 'project' | 'name'>, fields: Partial<Pick<VersionRow, 'status' | 'status_message' | 'run_token' | 'attempts'>> & { details?: VersionDetails; model?: Buffer | null }): void {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(fields)) {
    sets.push(`${key} = ?`);
    values.push(key === 'details' ? JSON.stringify(value) : value);
  }
  if (!sets.length) return;
  db.prepare(`UPDATE cl_versions SET ${sets.join(', ')} WHERE account = ? AND region = ? AND project = ? AND name = ?`).run(...values, scope.account, scope.region, row.project, row.name);
}

export function versionModelBlob(db: Db, scope: Scope, row: Pick<VersionRow, 'project' | 'name'>): Buffer | undefined {
  const r = db.prepare('SELECT model FROM cl_versions WHERE account = ? AND region = ? AND project = ? AND name = ?').get(scope.account, scope.region, row.project, row.name) as
    | { model: Buffer | null }
    | undefined;
  return r?.model ?? undefined;
}

export function versionSnapshot(db: Db, scope: Scope, row: Pick<VersionRow, 'project' | 'name'>): { train: DatasetEntry[]; test: DatasetEntry[] | null } | undefined {
  const r = db.prepare('SELECT snapshot FROM cl_versions WHERE account = ? AND region = ? AND project = ? AND name = ?').get(scope.account, scope.region, row.project, row.name) as
    | { snapshot: string | null }
    | undefined;
  return r?.snapshot ? (JSON.parse(r.snapshot) as { train: DatasetEntry[]; test: DatasetEntry[] | null }) : undefined;
}

// ---- per-database runtime ----

interface Runtime {
  recovered: boolean;
  /** Trained models loaded for DetectCustomLabels, by version ARN. */
  models: Map<string, LinearModel>;
  /** Training runs one at a time (two cores are shared with every other request). */
  queue: Promise<void>;
  /** Dataset imports in flight, by dataset key. */
  imports: Set<string>;
}

const runtimes = new WeakMap<Db, Runtime>();
const allRuntimes = new Set<Runtime>();

export function runtimeOf(db: Db): Runtime {
  let rt = runtimes.get(db);
  if (!rt) {
    rt = { recovered: false, models: new Map(), queue: Promise.resolve(), imports: new Set() };
    runtimes.set(db, rt);
    allRuntimes.add(rt);
  }
  return rt;
}

onReset(() => {
  for (const rt of allRuntimes) rt.models.clear();
});

/** The model of a version, from the cache or its stored weights. */
export function loadModel(db: Db, scope: Scope, row: VersionRow, versionArnValue: string): LinearModel | undefined {
  const rt = runtimeOf(db);
  const cached = rt.models.get(versionArnValue);
  if (cached) return cached;
  const blob = versionModelBlob(db, scope, row);
  if (!blob) return undefined;
  const model = deserializeModel(blob);
  rt.models.set(versionArnValue, model);
  return model;
}

export function forgetModel(db: Db, versionArnValue: string): void {
  runtimeOf(db).models.delete(versionArnValue);
}

/** Adds work to the database's training queue; the returned promise settles when it has run. */
export function enqueue(db: Db, work: () => Promise<void>): Promise<void> {
  const rt = runtimeOf(db);
  const next = rt.queue.then(work, work);
  rt.queue = next.catch(() => undefined);
  return next;
}

const recoveryHooks: ((ctx: WorkContext) => void)[] = [];

/** Registers what to do with work a previous process left unfinished (run once per database). */
export function onRecovery(hook: (ctx: WorkContext) => void): void {
  recoveryHooks.push(hook);
}

/**
 * Called at the start of every Custom Labels handler: the first call on a database resumes or
 * fails what an earlier process left in progress. Until a request arrives nobody can observe the
 * state, so doing this lazily is the same as doing it at start-up.
 */
export function ensureRecovered(ctx: WorkContext): void {
  const rt = runtimeOf(ctx.db);
  if (rt.recovered) return;
  rt.recovered = true;
  for (const hook of recoveryHooks) hook(ctx);
}

/** The scope of the work context, for store calls. */
export const scopeOf = (ctx: Scope): Scope => ({ account: ctx.account, region: ctx.region });
