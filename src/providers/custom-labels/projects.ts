/**
 * CreateProject, DescribeProjects, DeleteProject and the project policies (PutProjectPolicy,
 * ListProjectPolicies, DeleteProjectPolicy); projects and their versions and datasets are taggable.
 *
 * Projects are CREATED as soon as CreateProject answers and are gone as soon as DeleteProject
 * answers (which reports DELETING): both transitions are instant here.
 */
import { errors } from '../../api/errors';
import type { DatasetMetadata, ProjectDescription, ProjectPolicy } from '../../api/generated/types';
import { decodePageToken, encodePageToken } from '../../api/pagination';
import type { Scope } from '../../runtime/scope';
import type { DatasetRow, ProjectRow, ScopedCustomLabels } from '../../store/custom-labels';
import { datasetArn, projectArn, requireProject } from './arns';
import { storeOf, type Ctx, type CustomLabels, type In, type Out } from './work';

/** DescribeProjects and DescribeProjectVersions page size when MaxResults is absent (the model's maximum, 100). */
export const DEFAULT_PROJECT_PAGE = 100;
/** Project policies per project (ListProjectPolicies pages hold at most 5; the quota is 5 per project, GUESS from that). */
export const MAX_POLICIES = 5;

export function datasetMetadata(scope: Scope, row: DatasetRow): DatasetMetadata {
  return {
    CreationTimestamp: new Date(row.created_ms),
    DatasetType: row.type,
    DatasetArn: datasetArn(scope, row.project, row.type, row.created_ms),
    Status: row.status,
    StatusMessage: row.status_message ?? undefined,
    StatusMessageCode: row.status_code ?? undefined,
  };
}

function describe(store: ScopedCustomLabels, scope: Scope, row: ProjectRow): ProjectDescription {
  return {
    ProjectArn: projectArn(scope, row.name, row.created_ms),
    CreationTimestamp: new Date(row.created_ms),
    Status: 'CREATED',
    Datasets: store.datasets(row.name).map((d) => datasetMetadata(scope, d)),
    Feature: row.feature,
    AutoUpdate: row.auto_update ?? undefined,
  };
}

export function createProject(cl: CustomLabels, input: In<'CreateProject'>, ctx: Ctx): Out<'CreateProject'> {
  const feature = input.Feature ?? 'CUSTOM_LABELS';
  // AutoUpdate applies to adapters (CONTENT_MODERATION) only; there it defaults to DISABLED.
  if (feature === 'CUSTOM_LABELS' && input.AutoUpdate !== undefined) {
    throw errors.invalidParameter('AutoUpdate can only be set for CONTENT_MODERATION projects.');
  }
  const autoUpdate = feature === 'CONTENT_MODERATION' ? (input.AutoUpdate ?? 'DISABLED') : null;
  const created = Date.now();
  const store = storeOf(cl, ctx);
  store.transaction(() => {
    // A name in use is ResourceInUseException (CreateProject's only conflict error in the model).
    if (store.project(input.ProjectName)) throw errors.resourceInUse(`A project with the name ${input.ProjectName} already exists.`);
    store.insertProject({ name: input.ProjectName, created_ms: created, feature, auto_update: autoUpdate });
    if (input.Tags) cl.deps.stores.tags.in(ctx).add(projectArn(ctx, input.ProjectName, created), input.Tags);
  });
  return { ProjectArn: projectArn(ctx, input.ProjectName, created) };
}

export function describeProjects(cl: CustomLabels, input: In<'DescribeProjects'>, ctx: Ctx): Out<'DescribeProjects'> {
  // Features defaults to CUSTOM_LABELS (documented); projects asked for by name are shown whatever their feature unless Features is given too.
  const names = input.ProjectNames?.length ? input.ProjectNames : undefined;
  const features = input.Features?.length ? input.Features : names ? undefined : ['CUSTOM_LABELS'];
  const limit = input.MaxResults ?? DEFAULT_PROJECT_PAGE;
  const store = storeOf(cl, ctx);
  let rows = store.projects().filter((r) => (!names || names.includes(r.name)) && (!features || features.includes(r.feature)));
  const key = (r: ProjectRow) => `${String(r.created_ms).padStart(16, '0')}/${r.name}`;
  const after = input.NextToken ? decodePageToken(input.NextToken, 'DescribeProjects', { sharingPrefix: () => rows.map(key) }) : undefined;
  if (after !== undefined) rows = rows.filter((r) => key(r) > after);
  const page = rows.slice(0, limit);
  return {
    ProjectDescriptions: page.map((r) => describe(store, ctx, r)),
    NextToken: rows.length > limit ? encodePageToken(key(page[page.length - 1]), 'DescribeProjects') : undefined,
  };
}

export function deleteProject(cl: CustomLabels, input: In<'DeleteProject'>, ctx: Ctx): Out<'DeleteProject'> {
  const store = storeOf(cl, ctx);
  store.transaction(() => {
    const row = requireProject(store, ctx, input.ProjectArn);
    // "To delete a project you must first delete all models" (API reference); datasets too (SDK examples delete them first).
    if (store.versions(row.name).length) throw errors.resourceInUse(`The project ${input.ProjectArn} has model versions; delete them first.`);
    if (store.datasets(row.name).length) throw errors.resourceInUse(`The project ${input.ProjectArn} has datasets; delete them first.`);
    store.deleteProject(row.name);
    cl.deps.stores.tags.in(ctx).removeAll(input.ProjectArn);
  });
  return { Status: 'DELETING' };
}

// ---- project policies ----

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

/** The statements of an IAM-style policy document, or why it is malformed. */
export function policyStatements(document: string): Statement[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return 'The policy document is not valid JSON.';
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'The policy document must be a JSON object.';
  const raw = (parsed as { Statement?: unknown }).Statement;
  const statements = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? [raw] : undefined;
  if (!statements?.length) return 'The policy document has no Statement.';
  for (const s of statements) {
    if (!s || typeof s !== 'object') return 'Each policy statement must be an object.';
    const effect = (s as Statement).Effect;
    if (effect !== 'Allow' && effect !== 'Deny') return 'Each policy statement needs an Effect of Allow or Deny.';
    if ((s as Statement).Action === undefined) return 'Each policy statement needs an Action.';
  }
  return statements as Statement[];
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
const glob = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);

function principalMatches(principal: unknown, account: string): boolean {
  if (principal === '*') return true;
  const aws = principal && typeof principal === 'object' ? list((principal as { AWS?: unknown }).AWS) : [];
  return aws.some((p) => p === '*' || p === account || glob(p, `arn:aws:iam::${account}:root`) || new RegExp(`^arn:[a-z-]+:iam::${account}:`).test(p));
}

/**
 * Whether the policies of a project let `account` perform `action` on `resource`: an Allow statement
 * naming the account (its root ARN, any principal of it, its id, or `*`), the action (wildcards
 * allowed) and the resource (absent means any); any matching Deny wins.
 */
export function policiesAllow(policies: { document: string }[], account: string, action: string, resource: string): boolean {
  let allowed = false;
  for (const policy of policies) {
    const statements = policyStatements(policy.document);
    if (typeof statements === 'string') continue;
    for (const s of statements) {
      const actionOk = list(s.Action).some((a) => glob(a.toLowerCase(), action.toLowerCase()));
      const resources = list(s.Resource);
      const resourceOk = resources.length === 0 || resources.some((r) => glob(r, resource));
      if (!actionOk || !resourceOk || !principalMatches(s.Principal, account)) continue;
      if (s.Effect === 'Deny') return false;
      allowed = true;
    }
  }
  return allowed;
}

export function putProjectPolicy(cl: CustomLabels, input: In<'PutProjectPolicy'>, ctx: Ctx): Out<'PutProjectPolicy'> {
  const store = storeOf(cl, ctx);
  return store.transaction(() => {
    const project = requireProject(store, ctx, input.ProjectArn);
    if (project.feature !== 'CUSTOM_LABELS') throw errors.invalidParameter('Project policies apply to CUSTOM_LABELS projects only.');
    const statements = policyStatements(input.PolicyDocument);
    if (typeof statements === 'string') throw errors.malformedPolicyDocument(statements);
    const existing = store.policy(project.name, input.PolicyName);
    const revision = cl.deps.runtime.ids.hex(32);
    const now = Date.now();
    if (existing) {
      // Updating needs the current revision id; without one the name is taken.
      if (input.PolicyRevisionId === undefined) throw errors.resourceAlreadyExists(`The project policy ${input.PolicyName} already exists; give its PolicyRevisionId to update it.`);
      if (input.PolicyRevisionId !== existing.revision) throw errors.invalidPolicyRevisionId(`The revision id ${input.PolicyRevisionId} is not the current revision of project policy ${input.PolicyName}.`);
      store.updatePolicy(project.name, input.PolicyName, revision, input.PolicyDocument, now);
    } else {
      if (input.PolicyRevisionId !== undefined) throw errors.invalidPolicyRevisionId(`The project policy ${input.PolicyName} does not exist, so revision id ${input.PolicyRevisionId} cannot match it.`);
      if (store.policies(project.name).length >= MAX_POLICIES) throw errors.limitExceeded(`A project can have at most ${MAX_POLICIES} project policies.`);
      store.insertPolicy(project.name, { name: input.PolicyName, revision, document: input.PolicyDocument, created_ms: now, updated_ms: now });
    }
    return { PolicyRevisionId: revision };
  });
}

export function listProjectPolicies(cl: CustomLabels, input: In<'ListProjectPolicies'>, ctx: Ctx): Out<'ListProjectPolicies'> {
  const store = storeOf(cl, ctx);
  const project = requireProject(store, ctx, input.ProjectArn);
  const after = input.NextToken ? decodePageToken(input.NextToken, 'ListProjectPolicies', { boundTo: project.name }) : '';
  const limit = input.MaxResults ?? MAX_POLICIES;
  const rows = store.policies(project.name).filter((r) => r.name > after);
  const page = rows.slice(0, limit);
  const policies: ProjectPolicy[] = page.map((r) => ({
    ProjectArn: input.ProjectArn,
    PolicyName: r.name,
    PolicyRevisionId: r.revision,
    PolicyDocument: r.document,
    CreationTimestamp: new Date(r.created_ms),
    LastUpdatedTimestamp: new Date(r.updated_ms),
  }));
  return { ProjectPolicies: policies, NextToken: rows.length > limit ? encodePageToken(page[page.length - 1].name, 'ListProjectPolicies', project.name) : undefined };
}

export function deleteProjectPolicy(cl: CustomLabels, input: In<'DeleteProjectPolicy'>, ctx: Ctx): Out<'DeleteProjectPolicy'> {
  const store = storeOf(cl, ctx);
  store.transaction(() => {
    const project = requireProject(store, ctx, input.ProjectArn);
    const existing = store.policy(project.name, input.PolicyName);
    if (!existing) throw errors.resourceNotFound(`The project policy ${input.PolicyName} does not exist.`);
    if (input.PolicyRevisionId !== undefined && input.PolicyRevisionId !== existing.revision) {
      throw errors.invalidPolicyRevisionId(`The revision id ${input.PolicyRevisionId} is not the current revision of project policy ${input.PolicyName}.`);
    }
    store.deletePolicy(project.name, input.PolicyName);
  });
  return {};
}
