/**
 * Custom Labels state in SQLite: projects, their TRAIN/TEST datasets and dataset entries, model
 * versions (with their trained weights, so a model survives restarts under --data-dir), project
 * policies. Every view is scoped to one account and region; only the lists of unfinished work that
 * the job runner resumes at start cross scopes.
 *
 * A version's `attempts` counts the runs of its current background work (its training, or its
 * start), so that work interrupted by restarts too often is failed instead of run again; a
 * dataset's import attempts are counted in its `source` document.
 */
import type { DatasetStatus, DatasetStatusMessageCode, DatasetType, ProjectVersionStatus } from '../api/generated/types';
import type { Scope } from '../runtime/scope';
import type { Db } from './database';

/** What is wrong with (part of) a manifest line. */
export interface LineError {
  code: string;
  message: string;
}

/** An object-detection box in the manifest's pixel units. */
export interface PixelBox {
  label: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface DatasetEntry {
  sourceRef: string;
  /** The line as stored and listed: the manifest's JSON, plus an `errors` member when a part was invalid. */
  line: Record<string, unknown>;
  /** Image-level labels and the classes of valid boxes, in first-seen order, without duplicates. */
  labels: string[];
  boxes: PixelBox[];
  /** The image size the detection attribute declares (pixels), when it has one. */
  imageSize?: { width: number; height: number };
  errors: LineError[];
}

export const customLabelsSchema = `CREATE TABLE IF NOT EXISTS cl_projects (
     account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, created_ms INTEGER NOT NULL,
     feature TEXT NOT NULL, auto_update TEXT,
     PRIMARY KEY (account, region, name));
   CREATE TABLE IF NOT EXISTS cl_datasets (
     account TEXT NOT NULL, region TEXT NOT NULL, project TEXT NOT NULL, type TEXT NOT NULL,
     created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, status TEXT NOT NULL,
     status_message TEXT, status_code TEXT, source TEXT,
     PRIMARY KEY (account, region, project, type));
   CREATE TABLE IF NOT EXISTS cl_entries (
     account TEXT NOT NULL, region TEXT NOT NULL, project TEXT NOT NULL, type TEXT NOT NULL,
     source_ref TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
     PRIMARY KEY (account, region, project, type, source_ref));
   CREATE TABLE IF NOT EXISTS cl_versions (
     account TEXT NOT NULL, region TEXT NOT NULL, project TEXT NOT NULL, name TEXT NOT NULL,
     created_ms INTEGER NOT NULL, status TEXT NOT NULL, status_message TEXT, feature TEXT NOT NULL,
     details TEXT NOT NULL, snapshot TEXT, model BLOB, run_token TEXT, attempts INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (account, region, project, name));
   CREATE TABLE IF NOT EXISTS cl_policies (
     account TEXT NOT NULL, region TEXT NOT NULL, project TEXT NOT NULL, name TEXT NOT NULL,
     revision TEXT NOT NULL, document TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
     PRIMARY KEY (account, region, project, name))`;

export type Feature = 'CUSTOM_LABELS' | 'CONTENT_MODERATION';

export interface ProjectRow {
  name: string;
  created_ms: number;
  feature: Feature;
  auto_update: 'ENABLED' | 'DISABLED' | null;
}

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

/** Where a dataset being created imports from, and how many runs its import has had. */
export interface DatasetSource {
  manifest?: { Bucket?: string; Name?: string; Version?: string };
  attempts?: number;
}

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
  feature: Feature;
  details: string;
  run_token: string | null;
  attempts: number;
}

export interface NewVersion {
  project: string;
  name: string;
  created: number;
  status: ProjectVersionStatus;
  message: string | null;
  feature: Feature;
  details: VersionDetails;
  snapshot?: { train: unknown[]; test: unknown[] | null };
  model?: Buffer;
}

export type VersionUpdate = Partial<Pick<VersionRow, 'status' | 'status_message' | 'run_token' | 'attempts'>> & { details?: VersionDetails; model?: Buffer | null };

export interface PolicyRow {
  name: string;
  revision: string;
  document: string;
  created_ms: number;
  updated_ms: number;
}

export const detailsOf = (row: VersionRow): VersionDetails => JSON.parse(row.details) as VersionDetails;

const PROJECT_COLUMNS = 'name, created_ms, feature, auto_update';
const DATASET_COLUMNS = 'project, type, created_ms, updated_ms, status, status_message, status_code, source';
const VERSION_COLUMNS = 'project, name, created_ms, status, status_message, feature, details, run_token, attempts';
const POLICY_COLUMNS = 'name, revision, document, created_ms, updated_ms';

export class CustomLabelsStore {
  constructor(private readonly db: Db) {}

  in(scope: Scope): ScopedCustomLabels {
    return new ScopedCustomLabels(this.db, scope);
  }

  /** Versions in `status`, in every account and region (work a previous process left unfinished). */
  versionsIn(status: ProjectVersionStatus): (VersionRow & Scope)[] {
    return this.db.prepare(`SELECT account, region, ${VERSION_COLUMNS} FROM cl_versions WHERE status = ? ORDER BY created_ms`).all(status) as (VersionRow & Scope)[];
  }

  /** Datasets whose import a previous process left unfinished, in every account and region. */
  datasetsBeingCreated(): (DatasetRow & Scope)[] {
    return this.db.prepare(`SELECT account, region, ${DATASET_COLUMNS} FROM cl_datasets WHERE status = 'CREATE_IN_PROGRESS' ORDER BY created_ms`).all() as (DatasetRow & Scope)[];
  }
}

export class ScopedCustomLabels {
  constructor(
    private readonly db: Db,
    private readonly scope: Scope,
  ) {}

  private get keys(): [string, string] {
    return [this.scope.account, this.scope.region];
  }

  /** Runs `work` in one transaction. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  // ---- projects ----

  project(name: string): ProjectRow | undefined {
    return this.db.prepare(`SELECT ${PROJECT_COLUMNS} FROM cl_projects WHERE account = ? AND region = ? AND name = ?`).get(...this.keys, name) as ProjectRow | undefined;
  }

  projects(): ProjectRow[] {
    return this.db.prepare(`SELECT ${PROJECT_COLUMNS} FROM cl_projects WHERE account = ? AND region = ? ORDER BY created_ms, name`).all(...this.keys) as ProjectRow[];
  }

  insertProject(row: ProjectRow): void {
    this.db
      .prepare('INSERT INTO cl_projects (account, region, name, created_ms, feature, auto_update) VALUES (?, ?, ?, ?, ?, ?)')
      .run(...this.keys, row.name, row.created_ms, row.feature, row.auto_update);
  }

  /** Deletes the project and its policies. */
  deleteProject(name: string): void {
    this.db.prepare('DELETE FROM cl_policies WHERE account = ? AND region = ? AND project = ?').run(...this.keys, name);
    this.db.prepare('DELETE FROM cl_projects WHERE account = ? AND region = ? AND name = ?').run(...this.keys, name);
  }

  // ---- datasets ----

  datasets(project: string): DatasetRow[] {
    return this.db.prepare(`SELECT ${DATASET_COLUMNS} FROM cl_datasets WHERE account = ? AND region = ? AND project = ? ORDER BY type DESC`).all(...this.keys, project) as DatasetRow[];
  }

  dataset(project: string, type: DatasetType): DatasetRow | undefined {
    return this.db.prepare(`SELECT ${DATASET_COLUMNS} FROM cl_datasets WHERE account = ? AND region = ? AND project = ? AND type = ?`).get(...this.keys, project, type) as DatasetRow | undefined;
  }

  insertDataset(row: Omit<DatasetRow, 'updated_ms'>): void {
    this.db
      .prepare('INSERT INTO cl_datasets (account, region, project, type, created_ms, updated_ms, status, status_message, status_code, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(...this.keys, row.project, row.type, row.created_ms, row.created_ms, row.status, row.status_message, row.status_code, row.source);
  }

  /** Sets the status of the dataset created at `created_ms` (a newer one of the same type is left alone); its import source is done with. */
  setDatasetStatus(row: Pick<DatasetRow, 'project' | 'type' | 'created_ms'>, status: DatasetStatus, code: DatasetStatusMessageCode, message: string, now: number): void {
    this.db
      .prepare('UPDATE cl_datasets SET status = ?, status_code = ?, status_message = ?, updated_ms = ?, source = NULL WHERE account = ? AND region = ? AND project = ? AND type = ? AND created_ms = ?')
      .run(status, code, message, now, ...this.keys, row.project, row.type, row.created_ms);
  }

  /** Counts one more run of a dataset's import; returns the count. */
  countImportAttempt(project: string, type: DatasetType): number {
    const row = this.dataset(project, type);
    const source = row?.source ? (JSON.parse(row.source) as DatasetSource) : {};
    const attempts = (source.attempts ?? 0) + 1;
    this.db.prepare('UPDATE cl_datasets SET source = ? WHERE account = ? AND region = ? AND project = ? AND type = ?').run(JSON.stringify({ ...source, attempts }), ...this.keys, project, type);
    return attempts;
  }

  deleteDataset(project: string, type: DatasetType): void {
    this.deleteEntries(project, type);
    this.db.prepare('DELETE FROM cl_datasets WHERE account = ? AND region = ? AND project = ? AND type = ?').run(...this.keys, project, type);
  }

  // ---- entries ----

  entries(project: string, type: DatasetType): DatasetEntry[] {
    const rows = this.db.prepare('SELECT data FROM cl_entries WHERE account = ? AND region = ? AND project = ? AND type = ? ORDER BY seq').all(...this.keys, project, type) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as DatasetEntry);
  }

  /** Inserts or replaces entries (keyed by source-ref); new ones go after the existing ones, replaced ones keep their place. */
  writeEntries(project: string, type: DatasetType, entries: DatasetEntry[]): void {
    const max = this.db.prepare('SELECT COALESCE(MAX(seq), -1) AS seq FROM cl_entries WHERE account = ? AND region = ? AND project = ? AND type = ?').get(...this.keys, project, type) as { seq: number };
    let seq = max.seq + 1;
    const existing = this.db.prepare('SELECT seq FROM cl_entries WHERE account = ? AND region = ? AND project = ? AND type = ? AND source_ref = ?');
    const upsert = this.db.prepare('INSERT OR REPLACE INTO cl_entries (account, region, project, type, source_ref, seq, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const entry of entries) {
      const old = existing.get(...this.keys, project, type, entry.sourceRef) as { seq: number } | undefined;
      upsert.run(...this.keys, project, type, entry.sourceRef, old ? old.seq : seq++, JSON.stringify(entry));
    }
  }

  /** Deletes the given entries, or all of the dataset's. */
  deleteEntries(project: string, type: DatasetType, sourceRefs?: string[]): void {
    if (!sourceRefs) {
      this.db.prepare('DELETE FROM cl_entries WHERE account = ? AND region = ? AND project = ? AND type = ?').run(...this.keys, project, type);
      return;
    }
    const remove = this.db.prepare('DELETE FROM cl_entries WHERE account = ? AND region = ? AND project = ? AND type = ? AND source_ref = ?');
    for (const ref of sourceRefs) remove.run(...this.keys, project, type, ref);
  }

  // ---- versions ----

  version(project: string, name: string): VersionRow | undefined {
    return this.db.prepare(`SELECT ${VERSION_COLUMNS} FROM cl_versions WHERE account = ? AND region = ? AND project = ? AND name = ?`).get(...this.keys, project, name) as VersionRow | undefined;
  }

  /** Newest first. */
  versions(project: string): VersionRow[] {
    return this.db.prepare(`SELECT ${VERSION_COLUMNS} FROM cl_versions WHERE account = ? AND region = ? AND project = ? ORDER BY created_ms DESC, name DESC`).all(...this.keys, project) as VersionRow[];
  }

  insertVersion(row: NewVersion): void {
    this.db
      .prepare(
        'INSERT INTO cl_versions (account, region, project, name, created_ms, status, status_message, feature, details, snapshot, model, run_token, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)',
      )
      .run(...this.keys, row.project, row.name, row.created, row.status, row.message, row.feature, JSON.stringify(row.details), row.snapshot === undefined ? null : JSON.stringify(row.snapshot), row.model ?? null);
  }

  updateVersion(row: Pick<VersionRow, 'project' | 'name'>, fields: VersionUpdate): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(fields)) {
      sets.push(`${key} = ?`);
      values.push(key === 'details' ? JSON.stringify(value) : value);
    }
    if (!sets.length) return;
    this.db.prepare(`UPDATE cl_versions SET ${sets.join(', ')} WHERE account = ? AND region = ? AND project = ? AND name = ?`).run(...values, ...this.keys, row.project, row.name);
  }

  /** Counts one more run of the version's background work; returns the count. */
  countVersionAttempt(project: string, name: string): number {
    this.db.prepare('UPDATE cl_versions SET attempts = attempts + 1 WHERE account = ? AND region = ? AND project = ? AND name = ?').run(...this.keys, project, name);
    return this.version(project, name)?.attempts ?? 0;
  }

  deleteVersion(project: string, name: string): void {
    this.db.prepare('DELETE FROM cl_versions WHERE account = ? AND region = ? AND project = ? AND name = ?').run(...this.keys, project, name);
  }

  modelBlob(row: Pick<VersionRow, 'project' | 'name'>): Buffer | undefined {
    const r = this.db.prepare('SELECT model FROM cl_versions WHERE account = ? AND region = ? AND project = ? AND name = ?').get(...this.keys, row.project, row.name) as { model: Buffer | null } | undefined;
    return r?.model ?? undefined;
  }

  snapshot(row: Pick<VersionRow, 'project' | 'name'>): { train: DatasetEntry[]; test: DatasetEntry[] | null } | undefined {
    const r = this.db.prepare('SELECT snapshot FROM cl_versions WHERE account = ? AND region = ? AND project = ? AND name = ?').get(...this.keys, row.project, row.name) as
      | { snapshot: string | null }
      | undefined;
    return r?.snapshot ? (JSON.parse(r.snapshot) as { train: DatasetEntry[]; test: DatasetEntry[] | null }) : undefined;
  }

  // ---- project policies ----

  policy(project: string, name: string): PolicyRow | undefined {
    return this.db.prepare(`SELECT ${POLICY_COLUMNS} FROM cl_policies WHERE account = ? AND region = ? AND project = ? AND name = ?`).get(...this.keys, project, name) as PolicyRow | undefined;
  }

  /** By name. */
  policies(project: string): PolicyRow[] {
    return this.db.prepare(`SELECT ${POLICY_COLUMNS} FROM cl_policies WHERE account = ? AND region = ? AND project = ? ORDER BY name`).all(...this.keys, project) as PolicyRow[];
  }

  insertPolicy(project: string, row: PolicyRow): void {
    this.db
      .prepare('INSERT INTO cl_policies (account, region, project, name, revision, document, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(...this.keys, project, row.name, row.revision, row.document, row.created_ms, row.updated_ms);
  }

  updatePolicy(project: string, name: string, revision: string, document: string, now: number): void {
    this.db.prepare('UPDATE cl_policies SET revision = ?, document = ?, updated_ms = ? WHERE account = ? AND region = ? AND project = ? AND name = ?').run(revision, document, now, ...this.keys, project, name);
  }

  deletePolicy(project: string, name: string): void {
    this.db.prepare('DELETE FROM cl_policies WHERE account = ? AND region = ? AND project = ? AND name = ?').run(...this.keys, project, name);
  }
}
