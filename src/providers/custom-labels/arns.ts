/**
 * Custom Labels ARNs (AWS-BEHAVIOUR §4): project `arn:aws:rekognition:<region>:<account>:project/<name>/<ms>`,
 * version `…:project/<name>/version/<version>/<ms>`, dataset `…:project/<name>/dataset/<train|test>/<ms>`,
 * where <ms> is the 13-digit creation time in epoch milliseconds; and the lookups of what they name.
 *
 * Messages of ResourceNotFoundException are not documented anywhere we found; ours name the ARN
 * (GUESS, easy to change here).
 */
import { errors } from '../../api/errors';
import type { DatasetType } from '../../api/generated/types';
import { arn, type Scope } from '../../runtime/scope';
import type { DatasetRow, ProjectRow, ScopedCustomLabels, VersionRow } from '../../store/custom-labels';

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
export const datasetArn = (scope: Scope, project: string, type: DatasetType, createdMs: number) => arn(scope, `project/${project}/dataset/${type.toLowerCase()}/${createdMs}`);

/** What an ARN names, when it is of this kind and in the store's scope. */
function parsedIn(scope: Scope, value: string, kind: ParsedArn['kind']): ParsedArn | undefined {
  const parsed = parseArn(value);
  return parsed && parsed.kind === kind && parsed.region === scope.region && parsed.account === scope.account ? parsed : undefined;
}

/** The project an ARN names, in the given scope (the caller's unless another account is meant). */
export function findProject(store: ScopedCustomLabels, scope: Scope, projectArnValue: string): ProjectRow | undefined {
  const parsed = parsedIn(scope, projectArnValue, 'project');
  const row = parsed && store.project(parsed.project);
  return row && row.created_ms === parsed.createdMs ? row : undefined;
}

export function requireProject(store: ScopedCustomLabels, scope: Scope, projectArnValue: string): ProjectRow {
  const row = findProject(store, scope, projectArnValue);
  if (!row) throw errors.resourceNotFound(`The project ${projectArnValue} does not exist.`);
  return row;
}

export function requireDataset(store: ScopedCustomLabels, scope: Scope, datasetArnValue: string): DatasetRow {
  const parsed = parsedIn(scope, datasetArnValue, 'dataset');
  const row = parsed && store.dataset(parsed.project, parsed.child as DatasetType);
  if (!row || row.created_ms !== parsed.createdMs) throw errors.resourceNotFound(`The dataset ${datasetArnValue} does not exist.`);
  return row;
}

export function findVersion(store: ScopedCustomLabels, scope: Scope, versionArnValue: string): VersionRow | undefined {
  const parsed = parsedIn(scope, versionArnValue, 'version');
  const row = parsed && store.version(parsed.project, parsed.child!);
  return row && row.created_ms === parsed.createdMs ? row : undefined;
}

export function requireVersion(store: ScopedCustomLabels, scope: Scope, versionArnValue: string): VersionRow {
  const row = findVersion(store, scope, versionArnValue);
  if (!row) throw errors.resourceNotFound(`The model version ${versionArnValue} does not exist.`);
  return row;
}

/** Whether the project, version or dataset a taggable ARN's resource part names exists. */
export function resourceExists(store: ScopedCustomLabels, scope: Scope, resource: string): boolean {
  const parsed = parseArn(`arn:aws:rekognition:${scope.region}:${scope.account}:project/${resource}`);
  if (!parsed) return false;
  const project = store.project(parsed.project);
  if (!project) return false;
  if (parsed.kind === 'project') return project.created_ms === parsed.createdMs;
  if (parsed.kind === 'version') return store.version(parsed.project, parsed.child!)?.created_ms === parsed.createdMs;
  return store.dataset(parsed.project, parsed.child as DatasetType)?.created_ms === parsed.createdMs;
}
