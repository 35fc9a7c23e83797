/**
 * Custom Labels model versions: CreateProjectVersion (training, training.ts),
 * DescribeProjectVersions, DeleteProjectVersion, StartProjectVersion, StopProjectVersion,
 * CopyProjectVersion, and DetectCustomLabels on a running version.
 *
 * States: TRAINING_IN_PROGRESS -> TRAINING_COMPLETED | TRAINING_FAILED (real training, seconds);
 * Start: STARTING while the weights load and the embedding model warms up in every worker, then
 * RUNNING; Stop: answers STOPPING and is STOPPED at once; Copy: COPYING_COMPLETED at once (the
 * weights are copied in one transaction); Delete: answers DELETING and is gone at once. A RUNNING
 * version stays RUNNING across restarts (its weights are in SQLite; they load on first use). A
 * start is a kind of job: one a restart interrupted runs again at the next start.
 */
import { PoolClosedError } from '../../../models/client';
import { errors } from '../../api/errors';
import type { ProjectVersionDescription, TestingDataResult, TrainingDataResult } from '../../api/generated/types';
import { deserializeModel, scoreOne, type LinearModel } from '../../analysis/custom-labels-train';
import { decodePageToken, encodePageToken } from '../../api/pagination';
import type { JobKind } from '../../jobs/runner';
import { loadImage } from '../../media/image';
import type { Scope } from '../../runtime/scope';
import { detailsOf, type VersionDetails, type VersionRow } from '../../store/custom-labels';
import { parseArn, requireProject, requireVersion, versionArn } from './arns';
import { datasetEntriesForTraining } from './datasets';
import { DEFAULT_PROJECT_PAGE, policiesAllow } from './projects';
import { embed, embeddingPixels, trainingJob } from './training';
import { storeOf, type Ctx, type CustomLabels, type In, type Out, type StartJob } from './work';

/** DetectCustomLabels image limits: 4 MB of bytes (15 MB in S3), 64-4096 px a side (Custom Labels DG, guidelines and quotas). */
const DETECT_LIMITS = { maxBytes: 4 * 1024 * 1024, minSide: 64, maxSide: 4096 };

const STARTABLE = new Set(['TRAINING_COMPLETED', 'COPYING_COMPLETED', 'STOPPED', 'FAILED']);
const BUSY = new Set(['TRAINING_IN_PROGRESS', 'STARTING', 'RUNNING', 'STOPPING', 'COPYING_IN_PROGRESS']);
const TRAINED = new Set(['TRAINING_COMPLETED', 'COPYING_COMPLETED', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'FAILED']);

const versionArnOf = (scope: Scope, row: VersionRow) => versionArn(scope, row.project, row.name, row.created_ms);

function describe(scope: Scope, row: VersionRow): ProjectVersionDescription {
  const d = detailsOf(row);
  const completed = row.status !== 'TRAINING_IN_PROGRESS' && row.status !== 'TRAINING_FAILED' && d.f1 !== undefined;
  const trainingResult: TrainingDataResult = {
    Input: d.trainingInput as TrainingDataResult['Input'],
    Output: d.trainingOutput as TrainingDataResult['Output'],
    Validation: d.trainingValidation as TrainingDataResult['Validation'],
  };
  const testingResult: TestingDataResult = {
    Input: d.testingInput as TestingDataResult['Input'],
    Output: d.testingOutput as TestingDataResult['Output'],
    Validation: d.testingValidation as TestingDataResult['Validation'],
  };
  const some = (o: object) => (Object.values(o).some((v) => v !== undefined) ? o : undefined);
  return {
    ProjectVersionArn: versionArnOf(scope, row),
    CreationTimestamp: new Date(row.created_ms),
    MinInferenceUnits: d.minInferenceUnits,
    Status: row.status,
    StatusMessage: row.status_message ?? undefined,
    BillableTrainingTimeInSeconds: completed ? d.billableSeconds : undefined,
    TrainingEndTimestamp: d.trainingEndMs !== undefined ? new Date(d.trainingEndMs) : undefined,
    OutputConfig: d.outputConfig,
    TrainingDataResult: some(trainingResult) as TrainingDataResult | undefined,
    TestingDataResult: some(testingResult) as TestingDataResult | undefined,
    EvaluationResult: completed ? { F1Score: d.f1, Summary: d.summary ? { S3Object: d.summary } : undefined } : undefined,
    ManifestSummary: d.manifestSummary ? { S3Object: d.manifestSummary } : undefined,
    KmsKeyId: d.kmsKeyId,
    MaxInferenceUnits: d.maxInferenceUnits,
    SourceProjectVersionArn: d.sourceVersionArn,
    VersionDescription: d.description,
    Feature: row.feature,
    FeatureConfig: d.featureConfig as ProjectVersionDescription['FeatureConfig'],
  };
}

/** The model of a version, from the provider's cache or its stored weights. */
function loadModel(cl: Pick<CustomLabels, 'deps' | 'models'>, scope: Scope, row: VersionRow, versionArnValue: string): LinearModel | undefined {
  const cached = cl.models.get(versionArnValue);
  if (cached) return cached;
  const blob = cl.deps.stores.customLabels.in(scope).modelBlob(row);
  if (!blob) return undefined;
  const model = deserializeModel(blob);
  cl.models.set(versionArnValue, model);
  return model;
}

export function createProjectVersion(cl: CustomLabels, input: In<'CreateProjectVersion'>, ctx: Ctx): Out<'CreateProjectVersion'> {
  const created = Date.now();
  const store = storeOf(cl, ctx);
  const project = store.transaction(() => {
    const project = requireProject(store, ctx, input.ProjectArn);
    if (store.version(project.name, input.VersionName)) throw errors.resourceInUse(`A model version named ${input.VersionName} already exists in project ${input.ProjectArn}.`);
    if (input.FeatureConfig && project.feature !== 'CONTENT_MODERATION') throw errors.invalidParameter('FeatureConfig applies to CONTENT_MODERATION projects only.');
    const manifests = Boolean(input.TrainingData?.Assets?.length || input.TestingData?.Assets?.length);
    let snapshot: { train: unknown[]; test: unknown[] | null } | undefined;
    const datasets = project.feature === 'CUSTOM_LABELS' ? datasetEntriesForTraining(store, project.name) : { rows: [] };
    if (datasets.rows.length) {
      if (manifests) throw errors.invalidParameter('The project has datasets: train from them, without TrainingData or TestingData manifests.');
      const trainRow = datasets.rows.find((r) => r.type === 'TRAIN');
      const testRow = datasets.rows.find((r) => r.type === 'TEST');
      if (!trainRow) throw errors.invalidParameter('The project has no training dataset.');
      if (!datasets.train) throw errors.resourceInUse(`The training dataset is not ready (status ${trainRow.status}).`);
      if (testRow && !datasets.test) throw errors.resourceInUse(`The test dataset is not ready (status ${testRow.status}).`);
      if (!testRow && !input.TestingData?.AutoCreate) throw errors.invalidParameter('The project has no test dataset: create one, or set TestingData.AutoCreate to split the training dataset.');
      snapshot = { train: datasets.train, test: datasets.test ?? null };
    } else {
      if (!input.TrainingData?.Assets?.length) throw errors.invalidParameter('The project has no datasets: TrainingData needs a manifest asset.');
      if (project.feature === 'CUSTOM_LABELS' && !input.TestingData?.Assets?.length && !input.TestingData?.AutoCreate) {
        throw errors.invalidParameter('TestingData needs a manifest asset or AutoCreate when TrainingData is given.');
      }
    }
    const details: VersionDetails = {
      description: input.VersionDescription,
      outputConfig: input.OutputConfig,
      trainingInput: input.TrainingData,
      testingInput: input.TestingData,
      kmsKeyId: input.KmsKeyId,
      featureConfig: input.FeatureConfig,
      fromDatasets: Boolean(snapshot),
    };
    store.insertVersion({ project: project.name, name: input.VersionName, created, status: 'TRAINING_IN_PROGRESS', message: 'The model is being trained.', feature: project.feature, details, snapshot });
    if (input.Tags) cl.deps.stores.tags.in(ctx).add(versionArn(ctx, project.name, input.VersionName, created), input.Tags);
    return project;
  });
  cl.training.submit(trainingJob(ctx, project.name, input.VersionName));
  return { ProjectVersionArn: versionArn(ctx, project.name, input.VersionName, created) };
}

export function describeProjectVersions(cl: CustomLabels, input: In<'DescribeProjectVersions'>, ctx: Ctx): Out<'DescribeProjectVersions'> {
  const store = storeOf(cl, ctx);
  const project = requireProject(store, ctx, input.ProjectArn);
  let rows = store.versions(project.name);
  if (input.VersionNames?.length) rows = rows.filter((r) => input.VersionNames!.includes(r.name));
  const key = (r: VersionRow) => `${String(r.created_ms).padStart(16, '0')}/${r.name}`;
  if (input.NextToken) {
    const all = rows;
    const after = decodePageToken(input.NextToken, 'DescribeProjectVersions', {
      boundTo: project.name,
      sharingPrefix: () => all.map(key),
      descending: true,
    });
    rows = rows.filter((r) => key(r) < after);
  }
  const limit = input.MaxResults ?? DEFAULT_PROJECT_PAGE;
  const page = rows.slice(0, limit);
  return {
    ProjectVersionDescriptions: page.map((r) => describe(ctx, r)),
    NextToken: rows.length > limit ? encodePageToken(key(page[page.length - 1]), 'DescribeProjectVersions', project.name) : undefined,
  };
}

export function deleteProjectVersion(cl: CustomLabels, input: In<'DeleteProjectVersion'>, ctx: Ctx): Out<'DeleteProjectVersion'> {
  const store = storeOf(cl, ctx);
  store.transaction(() => {
    const row = requireVersion(store, ctx, input.ProjectVersionArn);
    if (BUSY.has(row.status)) throw errors.resourceInUse(`The model version ${input.ProjectVersionArn} cannot be deleted while its status is ${row.status}.`);
    store.deleteVersion(row.project, row.name);
    cl.deps.stores.tags.in(ctx).removeAll(input.ProjectVersionArn);
  });
  cl.models.delete(input.ProjectVersionArn);
  return { Status: 'DELETING' };
}

const startJob = (scope: Scope, row: Pick<VersionRow, 'project' | 'name'>, token: string): StartJob => ({
  account: scope.account,
  region: scope.region,
  id: `${row.project}/${row.name}/${token}`,
  project: row.project,
  version: row.name,
  token,
});

/**
 * Model starts, a kind of job: the weights load and the embedding model warms up in every worker,
 * then the version is RUNNING (if it is still STARTING with this start's token). A start a restart
 * interrupted runs again; one interrupted too often leaves the version FAILED.
 */
export function startKind(cl: Pick<CustomLabels, 'deps' | 'models'>): JobKind<StartJob> {
  const { deps } = cl;
  const store = (job: StartJob) => deps.stores.customLabels.in(job);
  const starting = (job: StartJob) => {
    const row = store(job).version(job.project, job.version);
    return row && row.run_token === job.token && row.status === 'STARTING' ? row : undefined;
  };
  return {
    name: 'custom-labels-start',
    unfinished: () => deps.stores.customLabels.versionsIn('STARTING').map((row) => startJob(row, row, row.run_token ?? '')),
    countAttempt: (job) => store(job).countVersionAttempt(job.project, job.version),
    async run(job, signal) {
      const row = starting(job);
      if (!row) return;
      let failure: string | undefined;
      try {
        if (!loadModel(cl, job, row, versionArn(job, row.project, row.name, row.created_ms))) failure = 'The model version has no trained weights.';
        else await deps.models.broadcast('customLabels.warmup');
      } catch (err) {
        // Shutting down: stay STARTING; the next start finishes it.
        if (err instanceof PoolClosedError) return;
        failure = `The model could not be started: ${(err as Error).message}`;
      }
      if (signal.aborted || !starting(job)) return;
      store(job).updateVersion(row, failure ? { status: 'FAILED', status_message: failure, run_token: null } : { status: 'RUNNING', status_message: 'The model is running.', run_token: null });
    },
    abandon(job) {
      const row = starting(job);
      if (row) store(job).updateVersion(row, { status: 'FAILED', status_message: 'The model could not be started: interrupted by restarts too many times.', run_token: null });
    },
  };
}

export function startProjectVersion(cl: CustomLabels, input: In<'StartProjectVersion'>, ctx: Ctx): Out<'StartProjectVersion'> {
  if (input.MaxInferenceUnits !== undefined && input.MaxInferenceUnits < input.MinInferenceUnits) {
    throw errors.invalidParameter('MaxInferenceUnits must be at least MinInferenceUnits.');
  }
  const token = cl.deps.runtime.ids.hex(16);
  const store = storeOf(cl, ctx);
  const row = store.transaction(() => {
    const row = requireVersion(store, ctx, input.ProjectVersionArn);
    if (row.feature !== 'CUSTOM_LABELS') throw errors.invalidParameter('Only Custom Labels model versions are started; adapters are used by DetectModerationLabels.');
    if (!STARTABLE.has(row.status)) throw errors.resourceInUse(`The model version ${input.ProjectVersionArn} cannot be started while its status is ${row.status}.`);
    const details = detailsOf(row);
    store.updateVersion(row, {
      status: 'STARTING',
      status_message: 'The model is starting.',
      run_token: token,
      attempts: 0,
      details: { ...details, minInferenceUnits: input.MinInferenceUnits, maxInferenceUnits: input.MaxInferenceUnits },
    });
    return row;
  });
  cl.starts.submit(startJob(ctx, row, token));
  return { Status: 'STARTING' };
}

export function stopProjectVersion(cl: CustomLabels, input: In<'StopProjectVersion'>, ctx: Ctx): Out<'StopProjectVersion'> {
  const store = storeOf(cl, ctx);
  store.transaction(() => {
    const row = requireVersion(store, ctx, input.ProjectVersionArn);
    if (row.status !== 'RUNNING' && row.status !== 'STARTING') throw errors.resourceInUse(`The model version ${input.ProjectVersionArn} is not running (status ${row.status}).`);
    store.updateVersion(row, { status: 'STOPPED', status_message: 'The model is stopped.', run_token: null });
  });
  cl.models.delete(input.ProjectVersionArn);
  return { Status: 'STOPPING' };
}

export function copyProjectVersion(cl: CustomLabels, input: In<'CopyProjectVersion'>, ctx: Ctx): Out<'CopyProjectVersion'> {
  const source = parseArn(input.SourceProjectArn);
  const sourceVersion = parseArn(input.SourceProjectVersionArn);
  const created = Date.now();
  const store = storeOf(cl, ctx);
  const arnValue = store.transaction(() => {
    // The source may be in another account (its ARN says which): that account's project policies must allow the copy.
    const sourceScope: Scope = { account: source?.account ?? ctx.account, region: ctx.region };
    const sourceStore = storeOf(cl, sourceScope);
    const sourceProject = requireProject(sourceStore, sourceScope, input.SourceProjectArn);
    const row = requireVersion(sourceStore, sourceScope, input.SourceProjectVersionArn);
    if (sourceVersion?.project !== sourceProject.name) throw errors.invalidParameter('SourceProjectVersionArn is not a version of SourceProjectArn.');
    const destination = requireProject(store, ctx, input.DestinationProjectArn);
    if (sourceProject.feature !== 'CUSTOM_LABELS' || destination.feature !== 'CUSTOM_LABELS') throw errors.invalidParameter('Only Custom Labels model versions can be copied.');
    if (sourceScope.account !== ctx.account) {
      const allowed = policiesAllow(sourceStore.policies(sourceProject.name), ctx.account, 'rekognition:CopyProjectVersion', input.SourceProjectVersionArn);
      if (!allowed) {
        throw errors.accessDenied(`User arn:aws:iam::${ctx.account}:root is not authorized to perform: rekognition:CopyProjectVersion on resource: ${input.SourceProjectVersionArn}`);
      }
    }
    if (!TRAINED.has(row.status)) throw errors.resourceInUse(`The model version ${input.SourceProjectVersionArn} has no trained model to copy (status ${row.status}).`);
    if (store.version(destination.name, input.VersionName)) throw errors.resourceInUse(`A model version named ${input.VersionName} already exists in project ${input.DestinationProjectArn}.`);
    const model = sourceStore.modelBlob(row);
    if (!model) throw errors.resourceInUse(`The model version ${input.SourceProjectVersionArn} has no trained model to copy.`);
    const d = detailsOf(row);
    const details: VersionDetails = {
      ...d,
      outputConfig: input.OutputConfig,
      kmsKeyId: input.KmsKeyId,
      sourceVersionArn: input.SourceProjectVersionArn,
      minInferenceUnits: undefined,
      maxInferenceUnits: undefined,
    };
    store.insertVersion({ project: destination.name, name: input.VersionName, created, status: 'COPYING_COMPLETED', message: 'The model version was copied.', feature: row.feature, details, model });
    const value = versionArn(ctx, destination.name, input.VersionName, created);
    if (input.Tags) cl.deps.stores.tags.in(ctx).add(value, input.Tags);
    return value;
  });
  return { ProjectVersionArn: arnValue };
}

export async function detectCustomLabels(cl: CustomLabels, input: In<'DetectCustomLabels'>, ctx: Ctx): Promise<Out<'DetectCustomLabels'>> {
  const row = requireVersion(storeOf(cl, ctx), ctx, input.ProjectVersionArn);
  if (row.feature !== 'CUSTOM_LABELS') throw errors.invalidParameter('The model version belongs to a project of another feature type.');
  // Message not documented (AWS-BEHAVIOUR §2): the recommended placeholder.
  if (row.status !== 'RUNNING') throw errors.resourceNotReady(`ProjectVersion ${input.ProjectVersionArn} is not ready.`);
  const model = loadModel(cl, ctx, row, input.ProjectVersionArn);
  if (!model) throw errors.resourceNotReady(`ProjectVersion ${input.ProjectVersionArn} is not ready.`);
  const image = await loadImage(input.Image, { config: cl.deps.runtime.config, clients: cl.deps.runtime.clients, decodes: cl.deps.runtime.decodes, region: ctx.region }, DETECT_LIMITS);
  const { features, featureVersion } = await embed(cl.deps.models, await embeddingPixels(image.bytes));
  if (featureVersion !== model.featureVersion || features.length !== model.dim) {
    throw errors.resourceNotReady(`ProjectVersion ${input.ProjectVersionArn} was trained on another image embedding (${model.featureVersion}); train a new version.`);
  }
  const scores = scoreOne(model, features);
  const labels = model.labels
    .map((name, k) => ({ name, confidence: scores[k] * 100, threshold: model.thresholds[k] * 100 }))
    // Without MinConfidence each label's assumed threshold applies (documented); with it, that value.
    .filter((l) => l.confidence >= (input.MinConfidence ?? l.threshold))
    .sort((a, b) => b.confidence - a.confidence)
    .slice(0, input.MaxResults ?? model.labels.length);
  return { CustomLabels: labels.map((l) => ({ Name: l.name, Confidence: l.confidence })) };
}
