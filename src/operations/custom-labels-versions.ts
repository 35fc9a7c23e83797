/**
 * Custom Labels model versions: CreateProjectVersion (training, custom-labels-training.ts),
 * DescribeProjectVersions, DeleteProjectVersion, StartProjectVersion, StopProjectVersion,
 * CopyProjectVersion, and DetectCustomLabels on a running version.
 *
 * States: TRAINING_IN_PROGRESS -> TRAINING_COMPLETED | TRAINING_FAILED (real training, seconds);
 * Start: STARTING while the weights load and the embedding model warms up in every worker, then
 * RUNNING; Stop: answers STOPPING and is STOPPED at once; Copy: COPYING_COMPLETED at once (the
 * weights are copied in one transaction); Delete: answers DELETING and is gone at once. A RUNNING
 * version stays RUNNING across restarts (its weights are in SQLite; they load on first use).
 */
import { errors } from '../api/errors';
import type { ProjectVersionDescription, TestingDataResult, TrainingDataResult } from '../api/generated/types';
import { loadImage } from '../media/image';
import { PoolClosedError } from '../../models/client';
import { log } from '../log';
import type { RequestContext } from './context';
import { datasetEntriesForTraining } from './custom-labels-datasets';
import { policiesAllow, projectPolicies, DEFAULT_PROJECT_PAGE } from './custom-labels-projects';
import {
  detailsOf,
  ensureRecovered,
  findVersion,
  forgetModel,
  loadModel,
  onRecovery,
  parseArn,
  projectVersions,
  requireProject,
  requireVersion,
  updateVersion,
  versionArn,
  versionModelBlob,
  type VersionDetails,
  type VersionRow,
  type WorkContext,
} from './custom-labels-store';
import { embed, embeddingPixels, queueTraining } from './custom-labels-training';
import { scoreOne } from '../analysis/custom-labels-train';
import { decodePageToken, encodePageToken } from '../api/pagination';
import { registerHandler } from './registry';
import { deleteAllTags, writeTags } from './tags';
import type { Scope } from '../store/database';


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

function insertVersion(ctx: RequestContext, row: { project: string; name: string; created: number; status: string; message: string | null; feature: string; details: VersionDetails; snapshot?: unknown; model?: Buffer; token?: string }): void {
  ctx.db
    .prepare(
      'INSERT INTO cl_versions (account, region, project, name, created_ms, status, status_message, feature, details, snapshot, model, run_token, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      ctx.account,
      ctx.region,
      row.project,
      row.name,
      row.created,
      row.status,
      row.message,
      row.feature,
      JSON.stringify(row.details),
      row.snapshot === undefined ? null : JSON.stringify(row.snapshot),
      row.model ?? null,
      row.token ?? null,
      row.token ? 1 : 0,
    );
}

registerHandler(
  'CreateProjectVersion',
  (input, ctx) => {
    ensureRecovered(ctx);
    const created = Date.now();
    const token = ctx.ids.hex(16);
    const project = ctx.db.transaction(() => {
      const project = requireProject(ctx.db, ctx, input.ProjectArn);
      if (findVersion(ctx.db, ctx, project.name, input.VersionName)) throw errors.resourceInUse(`A model version named ${input.VersionName} already exists in project ${input.ProjectArn}.`);
      if (input.FeatureConfig && project.feature !== 'CONTENT_MODERATION') throw errors.invalidParameter('FeatureConfig applies to CONTENT_MODERATION projects only.');
      const manifests = Boolean(input.TrainingData?.Assets?.length || input.TestingData?.Assets?.length);
      let snapshot: { train: unknown[]; test: unknown[] | null } | undefined;
      const datasets = project.feature === 'CUSTOM_LABELS' ? datasetEntriesForTraining(ctx, project.name) : { rows: [] };
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
      insertVersion(ctx, { project: project.name, name: input.VersionName, created, status: 'TRAINING_IN_PROGRESS', message: 'The model is being trained.', feature: project.feature, details, snapshot, token });
      if (input.Tags) writeTags(ctx.db, ctx, versionArn(ctx, project.name, input.VersionName, created), input.Tags);
      return project;
    })();
    void queueTraining(ctx, ctx, project.name, input.VersionName, token);
    return { ProjectVersionArn: versionArn(ctx, project.name, input.VersionName, created) };
  },
  'Trains for real, in the background: images from S3 are embedded by a MobileNetV2 backbone (the ImageNet-pretrained one inside nsfwjs) in the worker pool and a linear classifier (softmax, or one sigmoid per label for multi-label data) is fitted; F1, per-label thresholds and the summary file come from the test dataset (or a 20% AutoCreate split). Seconds for a few dozen images. Object-detection (bounding box) data and CONTENT_MODERATION adapters end TRAINING_FAILED with a StatusMessage saying so.',
);

registerHandler(
  'DescribeProjectVersions',
  (input, ctx) => {
    ensureRecovered(ctx);
    const project = requireProject(ctx.db, ctx, input.ProjectArn);
    let rows = projectVersions(ctx.db, ctx, project.name);
    if (input.VersionNames?.length) rows = rows.filter((r) => input.VersionNames!.includes(r.name));
    const key = (r: VersionRow) => `${String(r.created_ms).padStart(16, '0')}/${r.name}`;
    if (input.NextToken) {
      const after = decodePageToken(input.NextToken, 'DescribeProjectVersions');
      rows = rows.filter((r) => key(r) < after);
    }
    const limit = input.MaxResults ?? DEFAULT_PROJECT_PAGE;
    const page = rows.slice(0, limit);
    return {
      ProjectVersionDescriptions: page.map((r) => describe(ctx, r)),
      NextToken: rows.length > limit ? encodePageToken(key(page[page.length - 1]), 'DescribeProjectVersions') : undefined,
    };
  },
  'Newest first; VersionNames filter; pages of up to 100. EvaluationResult (F1Score, Summary), ManifestSummary and the Output/Validation manifests point to files written under OutputConfig when that bucket is writable (--s3-dir or --s3-endpoint), and are left out otherwise.',
);

registerHandler(
  'DeleteProjectVersion',
  (input, ctx) => {
    ensureRecovered(ctx);
    ctx.db.transaction(() => {
      const row = requireVersion(ctx.db, ctx, input.ProjectVersionArn);
      if (BUSY.has(row.status)) throw errors.resourceInUse(`The model version ${input.ProjectVersionArn} cannot be deleted while its status is ${row.status}.`);
      ctx.db.prepare('DELETE FROM cl_versions WHERE account = ? AND region = ? AND project = ? AND name = ?').run(ctx.account, ctx.region, row.project, row.name);
      deleteAllTags(ctx.db, ctx, input.ProjectVersionArn);
    })();
    forgetModel(ctx.db, input.ProjectVersionArn);
    return { Status: 'DELETING' };
  },
  'Refused while training, starting, running or stopping; reports DELETING and is gone at once.',
);

/** Loads the weights and warms the embedding model in every worker, then RUNNING (if still STARTING with this token). */
function scheduleStart(ctx: WorkContext, row: Pick<VersionRow, 'project' | 'name' | 'created_ms'>, token: string): void {
  setImmediate(() => {
    void (async () => {
      const arnValue = versionArn(ctx, row.project, row.name, row.created_ms);
      let failure: string | undefined;
      try {
        const current = findVersion(ctx.db, ctx, row.project, row.name);
        if (!current || current.run_token !== token || current.status !== 'STARTING') return;
        if (!loadModel(ctx.db, ctx, current, arnValue)) failure = 'The model version has no trained weights.';
        else await ctx.inference.broadcast('customLabels.warmup');
      } catch (err) {
        // Shutting down: stay STARTING; the next start finishes it.
        if (err instanceof PoolClosedError) return;
        failure = `The model could not be started: ${(err as Error).message}`;
      }
      try {
        const current = findVersion(ctx.db, ctx, row.project, row.name);
        if (!current || current.run_token !== token || current.status !== 'STARTING') return;
        updateVersion(ctx.db, ctx, row, failure ? { status: 'FAILED', status_message: failure, run_token: null } : { status: 'RUNNING', status_message: 'The model is running.', run_token: null });
      } catch (err) {
        log.warn('custom labels: model start could not be saved', { version: arnValue, error: (err as Error).message });
      }
    })();
  });
}

onRecovery((ctx) => {
  const rows = ctx.db.prepare("SELECT account, region, project, name, created_ms, status FROM cl_versions WHERE status IN ('STARTING', 'STOPPING')").all() as (Scope & {
    project: string;
    name: string;
    created_ms: number;
    status: string;
  })[];
  for (const r of rows) {
    const scoped: WorkContext = { ...ctx, account: r.account, region: r.region };
    if (r.status === 'STOPPING') {
      updateVersion(ctx.db, scoped, r, { status: 'STOPPED', status_message: 'The model is stopped.', run_token: null });
      continue;
    }
    const token = ctx.ids.hex(16);
    updateVersion(ctx.db, scoped, r, { run_token: token });
    scheduleStart(scoped, r, token);
  }
});

registerHandler(
  'StartProjectVersion',
  (input, ctx) => {
    ensureRecovered(ctx);
    if (input.MaxInferenceUnits !== undefined && input.MaxInferenceUnits < input.MinInferenceUnits) {
      throw errors.invalidParameter('MaxInferenceUnits must be at least MinInferenceUnits.');
    }
    const token = ctx.ids.hex(16);
    const row = ctx.db.transaction(() => {
      const row = requireVersion(ctx.db, ctx, input.ProjectVersionArn);
      if (row.feature !== 'CUSTOM_LABELS') throw errors.invalidParameter('Only Custom Labels model versions are started; adapters are used by DetectModerationLabels.');
      if (!STARTABLE.has(row.status)) throw errors.resourceInUse(`The model version ${input.ProjectVersionArn} cannot be started while its status is ${row.status}.`);
      const details = detailsOf(row);
      updateVersion(ctx.db, ctx, row, {
        status: 'STARTING',
        status_message: 'The model is starting.',
        run_token: token,
        details: { ...details, minInferenceUnits: input.MinInferenceUnits, maxInferenceUnits: input.MaxInferenceUnits },
      });
      return row;
    })();
    scheduleStart(ctx, row, token);
    return { Status: 'STARTING' };
  },
  'STARTING while the weights load and the embedding model warms up in the worker pool (well under a second when warm), then RUNNING. Min/MaxInferenceUnits are recorded, not simulated.',
);

registerHandler(
  'StopProjectVersion',
  (input, ctx) => {
    ensureRecovered(ctx);
    ctx.db.transaction(() => {
      const row = requireVersion(ctx.db, ctx, input.ProjectVersionArn);
      if (row.status !== 'RUNNING' && row.status !== 'STARTING') throw errors.resourceInUse(`The model version ${input.ProjectVersionArn} is not running (status ${row.status}).`);
      updateVersion(ctx.db, ctx, row, { status: 'STOPPED', status_message: 'The model is stopped.', run_token: null });
    })();
    forgetModel(ctx.db, input.ProjectVersionArn);
    return { Status: 'STOPPING' };
  },
  'Answers STOPPING; the version is STOPPED at once.',
);

registerHandler(
  'CopyProjectVersion',
  (input, ctx) => {
    ensureRecovered(ctx);
    const source = parseArn(input.SourceProjectArn);
    const sourceVersion = parseArn(input.SourceProjectVersionArn);
    const created = Date.now();
    const arnValue = ctx.db.transaction(() => {
      // The source may be in another account (its ARN says which): that account's project policies must allow the copy.
      const sourceScope: Scope = { account: source?.account ?? ctx.account, region: ctx.region };
      const sourceProject = requireProject(ctx.db, sourceScope, input.SourceProjectArn);
      const row = requireVersion(ctx.db, sourceScope, input.SourceProjectVersionArn);
      if (sourceVersion?.project !== sourceProject.name) throw errors.invalidParameter('SourceProjectVersionArn is not a version of SourceProjectArn.');
      const destination = requireProject(ctx.db, ctx, input.DestinationProjectArn);
      if (sourceProject.feature !== 'CUSTOM_LABELS' || destination.feature !== 'CUSTOM_LABELS') throw errors.invalidParameter('Only Custom Labels model versions can be copied.');
      if (sourceScope.account !== ctx.account) {
        const allowed = policiesAllow(projectPolicies(ctx.db, sourceScope, sourceProject.name), ctx.account, 'rekognition:CopyProjectVersion', input.SourceProjectVersionArn);
        if (!allowed) {
          throw errors.accessDenied(`User arn:aws:iam::${ctx.account}:root is not authorized to perform: rekognition:CopyProjectVersion on resource: ${input.SourceProjectVersionArn}`);
        }
      }
      if (!TRAINED.has(row.status)) throw errors.resourceInUse(`The model version ${input.SourceProjectVersionArn} has no trained model to copy (status ${row.status}).`);
      if (findVersion(ctx.db, ctx, destination.name, input.VersionName)) throw errors.resourceInUse(`A model version named ${input.VersionName} already exists in project ${input.DestinationProjectArn}.`);
      const model = versionModelBlob(ctx.db, sourceScope, row);
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
      insertVersion(ctx, { project: destination.name, name: input.VersionName, created, status: 'COPYING_COMPLETED', message: 'The model version was copied.', feature: row.feature, details, model });
      const value = versionArn(ctx, destination.name, input.VersionName, created);
      if (input.Tags) writeTags(ctx.db, ctx, value, input.Tags);
      return value;
    })();
    return { ProjectVersionArn: arnValue };
  },
  'Copies the trained weights and evaluation into the destination project (COPYING_COMPLETED at once; startable). Same account: no policy needed; a source project of another account must have a project policy allowing rekognition:CopyProjectVersion to the caller, else AccessDeniedException.',
);

registerHandler(
  'DetectCustomLabels',
  async (input, ctx) => {
    ensureRecovered(ctx);
    const row = requireVersion(ctx.db, ctx, input.ProjectVersionArn);
    if (row.feature !== 'CUSTOM_LABELS') throw errors.invalidParameter('The model version belongs to a project of another feature type.');
    // Message not documented (AWS-BEHAVIOUR §2): the recommended placeholder.
    if (row.status !== 'RUNNING') throw errors.resourceNotReady(`ProjectVersion ${input.ProjectVersionArn} is not ready.`);
    const model = loadModel(ctx.db, ctx, row, input.ProjectVersionArn);
    if (!model) throw errors.resourceNotReady(`ProjectVersion ${input.ProjectVersionArn} is not ready.`);
    const image = await loadImage(input.Image, ctx, DETECT_LIMITS);
    const { features, featureVersion } = await embed(ctx, await embeddingPixels(image.bytes));
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
  },
  'Only on RUNNING versions (ResourceNotReadyException otherwise). Confidence is the classifier probability x 100; without MinConfidence each label must reach its assumed threshold (best F1 on the test set), with it that value; MaxResults keeps the most confident. Image-level labels only, so no Geometry.',
);
