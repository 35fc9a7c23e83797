/**
 * CreateProject, DescribeProjects, DeleteProject and the project policies (PutProjectPolicy,
 * ListProjectPolicies, DeleteProjectPolicy); projects and their versions and datasets are taggable.
 *
 * Projects are CREATED as soon as CreateProject answers and are gone as soon as DeleteProject
 * answers (which reports DELETING): both transitions are instant here.
 */
import { errors } from '../api/errors';
import type { DatasetMetadata, ProjectDescription, ProjectPolicy } from '../api/generated/types';
import type { RequestContext } from './context';
import {
  datasetArn,
  ensureRecovered,
  findDataset,
  findProjectByName,
  findVersion,
  parseArn,
  projectArn,
  projectDatasets,
  projectVersions,
  requireProject,
  type DatasetRow,
  type ProjectRow,
} from './custom-labels-store';
import type { Db, Scope } from '../store/database';
import { decodePageToken, encodePageToken } from '../api/pagination';
import { registerHandler } from './registry';
import { deleteAllTags, registerTaggable, writeTags } from './tags';

/** DescribeProjects and DescribeProjectVersions page size when MaxResults is absent (the model's maximum, 100). */
export const DEFAULT_PROJECT_PAGE = 100;
/** Project policies per project (ListProjectPolicies pages hold at most 5; the quota is 5 per project, GUESS from that). */
export const MAX_POLICIES = 5;

registerTaggable('project', (ctx, resource) => {
  const parsed = parseArn(`arn:aws:rekognition:${ctx.region}:${ctx.account}:project/${resource}`);
  if (!parsed) return false;
  const project = findProjectByName(ctx.db, ctx, parsed.project);
  if (!project) return false;
  if (parsed.kind === 'project') return project.created_ms === parsed.createdMs;
  if (parsed.kind === 'version') return findVersion(ctx.db, ctx, parsed.project, parsed.child!)?.created_ms === parsed.createdMs;
  return findDataset(ctx.db, ctx, parsed.project, parsed.child as 'TRAIN' | 'TEST')?.created_ms === parsed.createdMs;
});

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

function describe(ctx: RequestContext, row: ProjectRow): ProjectDescription {
  return {
    ProjectArn: projectArn(ctx, row.name, row.created_ms),
    CreationTimestamp: new Date(row.created_ms),
    Status: 'CREATED',
    Datasets: projectDatasets(ctx.db, ctx, row.name).map((d) => datasetMetadata(ctx, d)),
    Feature: row.feature,
    AutoUpdate: row.auto_update ?? undefined,
  };
}

registerHandler(
  'CreateProject',
  (input, ctx) => {
    ensureRecovered(ctx);
    const feature = input.Feature ?? 'CUSTOM_LABELS';
    // AutoUpdate applies to adapters (CONTENT_MODERATION) only; there it defaults to DISABLED.
    if (feature === 'CUSTOM_LABELS' && input.AutoUpdate !== undefined) {
      throw errors.invalidParameter('AutoUpdate can only be set for CONTENT_MODERATION projects.');
    }
    const autoUpdate = feature === 'CONTENT_MODERATION' ? (input.AutoUpdate ?? 'DISABLED') : null;
    const created = Date.now();
    ctx.db.transaction(() => {
      // A name in use is ResourceInUseException (CreateProject's only conflict error in the model).
      if (findProjectByName(ctx.db, ctx, input.ProjectName)) throw errors.resourceInUse(`A project with the name ${input.ProjectName} already exists.`);
      ctx.db
        .prepare('INSERT INTO cl_projects (account, region, name, created_ms, feature, auto_update) VALUES (?, ?, ?, ?, ?, ?)')
        .run(ctx.account, ctx.region, input.ProjectName, created, feature, autoUpdate);
      if (input.Tags) writeTags(ctx.db, ctx, projectArn(ctx, input.ProjectName, created), input.Tags);
    })();
    return { ProjectArn: projectArn(ctx, input.ProjectName, created) };
  },
  'Projects for CUSTOM_LABELS (default) or CONTENT_MODERATION; CREATED at once. A name already in use is ResourceInUseException. Tags are kept.',
);

registerHandler(
  'DescribeProjects',
  (input, ctx) => {
    ensureRecovered(ctx);
    // Features defaults to CUSTOM_LABELS (documented); projects asked for by name are shown whatever their feature unless Features is given too.
    const names = input.ProjectNames?.length ? input.ProjectNames : undefined;
    const features = input.Features?.length ? input.Features : names ? undefined : ['CUSTOM_LABELS'];
    const after = input.NextToken ? decodePageToken(input.NextToken, 'DescribeProjects') : undefined;
    const limit = input.MaxResults ?? DEFAULT_PROJECT_PAGE;
    let rows = ctx.db
      .prepare('SELECT name, created_ms, feature, auto_update FROM cl_projects WHERE account = ? AND region = ? ORDER BY created_ms, name')
      .all(ctx.account, ctx.region) as ProjectRow[];
    rows = rows.filter((r) => (!names || names.includes(r.name)) && (!features || features.includes(r.feature)));
    const key = (r: ProjectRow) => `${String(r.created_ms).padStart(16, '0')}/${r.name}`;
    if (after !== undefined) rows = rows.filter((r) => key(r) > after);
    const page = rows.slice(0, limit);
    return {
      ProjectDescriptions: page.map((r) => describe(ctx, r)),
      NextToken: rows.length > limit ? encodePageToken(key(page[page.length - 1]), 'DescribeProjects') : undefined,
    };
  },
  'Sorted by creation time; filters ProjectNames, or Features (CUSTOM_LABELS when absent, as documented); pages of up to 100.',
);

registerHandler(
  'DeleteProject',
  (input, ctx) => {
    ensureRecovered(ctx);
    ctx.db.transaction(() => {
      const row = requireProject(ctx.db, ctx, input.ProjectArn);
      // "To delete a project you must first delete all models" (API reference); datasets too (SDK examples delete them first).
      if (projectVersions(ctx.db, ctx, row.name).length) throw errors.resourceInUse(`The project ${input.ProjectArn} has model versions; delete them first.`);
      if (projectDatasets(ctx.db, ctx, row.name).length) throw errors.resourceInUse(`The project ${input.ProjectArn} has datasets; delete them first.`);
      ctx.db.prepare('DELETE FROM cl_policies WHERE account = ? AND region = ? AND project = ?').run(ctx.account, ctx.region, row.name);
      ctx.db.prepare('DELETE FROM cl_projects WHERE account = ? AND region = ? AND name = ?').run(ctx.account, ctx.region, row.name);
      deleteAllTags(ctx.db, ctx, input.ProjectArn);
    })();
    return { Status: 'DELETING' };
  },
  'Refused with ResourceInUseException while the project has model versions or datasets; deletes its project policies. Reports DELETING; the project is gone at once.',
);

// ---- project policies ----

interface PolicyRow {
  name: string;
  revision: string;
  document: string;
  created_ms: number;
  updated_ms: number;
}

function findPolicy(db: Db, scope: Scope, project: string, name: string): PolicyRow | undefined {
  return db
    .prepare('SELECT name, revision, document, created_ms, updated_ms FROM cl_policies WHERE account = ? AND region = ? AND project = ? AND name = ?')
    .get(scope.account, scope.region, project, name) as PolicyRow | undefined;
}

export function projectPolicies(db: Db, scope: Scope, project: string): PolicyRow[] {
  return db
    .prepare('SELECT name, revision, document, created_ms, updated_ms FROM cl_policies WHERE account = ? AND region = ? AND project = ? ORDER BY name')
    .all(scope.account, scope.region, project) as PolicyRow[];
}

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

registerHandler(
  'PutProjectPolicy',
  (input, ctx) => {
    ensureRecovered(ctx);
    return ctx.db.transaction(() => {
      const project = requireProject(ctx.db, ctx, input.ProjectArn);
      if (project.feature !== 'CUSTOM_LABELS') throw errors.invalidParameter('Project policies apply to CUSTOM_LABELS projects only.');
      const statements = policyStatements(input.PolicyDocument);
      if (typeof statements === 'string') throw errors.malformedPolicyDocument(statements);
      const existing = findPolicy(ctx.db, ctx, project.name, input.PolicyName);
      const revision = ctx.ids.hex(32);
      const now = Date.now();
      if (existing) {
        // Updating needs the current revision id; without one the name is taken.
        if (input.PolicyRevisionId === undefined) throw errors.resourceAlreadyExists(`The project policy ${input.PolicyName} already exists; give its PolicyRevisionId to update it.`);
        if (input.PolicyRevisionId !== existing.revision) throw errors.invalidPolicyRevisionId(`The revision id ${input.PolicyRevisionId} is not the current revision of project policy ${input.PolicyName}.`);
        ctx.db
          .prepare('UPDATE cl_policies SET revision = ?, document = ?, updated_ms = ? WHERE account = ? AND region = ? AND project = ? AND name = ?')
          .run(revision, input.PolicyDocument, now, ctx.account, ctx.region, project.name, input.PolicyName);
      } else {
        if (input.PolicyRevisionId !== undefined) throw errors.invalidPolicyRevisionId(`The project policy ${input.PolicyName} does not exist, so revision id ${input.PolicyRevisionId} cannot match it.`);
        if (projectPolicies(ctx.db, ctx, project.name).length >= MAX_POLICIES) throw errors.limitExceeded(`A project can have at most ${MAX_POLICIES} project policies.`);
        ctx.db
          .prepare('INSERT INTO cl_policies (account, region, project, name, revision, document, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(ctx.account, ctx.region, project.name, input.PolicyName, revision, input.PolicyDocument, now, now);
      }
      return { PolicyRevisionId: revision };
    })();
  },
  'IAM-style JSON checked (MalformedPolicyDocumentException); updates need the current PolicyRevisionId (InvalidPolicyRevisionIdException); 5 per project. CopyProjectVersion from another account evaluates them (Allow/Deny, principal account, action, resource globs).',
);

registerHandler(
  'ListProjectPolicies',
  (input, ctx) => {
    ensureRecovered(ctx);
    const project = requireProject(ctx.db, ctx, input.ProjectArn);
    const after = input.NextToken ? decodePageToken(input.NextToken, 'ListProjectPolicies') : '';
    const limit = input.MaxResults ?? MAX_POLICIES;
    const rows = projectPolicies(ctx.db, ctx, project.name).filter((r) => r.name > after);
    const page = rows.slice(0, limit);
    const policies: ProjectPolicy[] = page.map((r) => ({
      ProjectArn: input.ProjectArn,
      PolicyName: r.name,
      PolicyRevisionId: r.revision,
      PolicyDocument: r.document,
      CreationTimestamp: new Date(r.created_ms),
      LastUpdatedTimestamp: new Date(r.updated_ms),
    }));
    return { ProjectPolicies: policies, NextToken: rows.length > limit ? encodePageToken(page[page.length - 1].name, 'ListProjectPolicies') : undefined };
  },
  'By policy name, pages of up to 5.',
);

registerHandler(
  'DeleteProjectPolicy',
  (input, ctx) => {
    ensureRecovered(ctx);
    ctx.db.transaction(() => {
      const project = requireProject(ctx.db, ctx, input.ProjectArn);
      const existing = findPolicy(ctx.db, ctx, project.name, input.PolicyName);
      if (!existing) throw errors.resourceNotFound(`The project policy ${input.PolicyName} does not exist.`);
      if (input.PolicyRevisionId !== undefined && input.PolicyRevisionId !== existing.revision) {
        throw errors.invalidPolicyRevisionId(`The revision id ${input.PolicyRevisionId} is not the current revision of project policy ${input.PolicyName}.`);
      }
      ctx.db.prepare('DELETE FROM cl_policies WHERE account = ? AND region = ? AND project = ? AND name = ?').run(ctx.account, ctx.region, project.name, input.PolicyName);
    })();
    return {};
  },
  'A given PolicyRevisionId must be the current one.',
);
