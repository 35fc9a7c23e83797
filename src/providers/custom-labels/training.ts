/**
 * Training a Custom Labels model version, a kind of job of the job runner: CreateProjectVersion
 * stores the version TRAINING_IN_PROGRESS and submits it; it ends TRAINING_COMPLETED (weights, thresholds and
 * evaluation stored in SQLite) or TRAINING_FAILED with a StatusMessage.
 *
 * Steps: read the training and test entries (the project's datasets as snapshotted at
 * CreateProjectVersion, or the TrainingData/TestingData manifests; TestingData.AutoCreate splits
 * 20% of the training entries off), read each image from S3 and embed it in the worker pool
 * (MobileNetV2 backbone, models/runtime/mobilenet-features.ts), fit the linear classifier in a
 * worker (models/custom-labels-fit.ts), score the test images, pick each label's assumed
 * threshold by best F1, and write the evaluation summary, manifest summary and validation
 * manifests under OutputConfig when that bucket is writable (--s3-dir folder or --s3-endpoint).
 *
 * Image-level labels (single- and multi-label) are trained. Object-detection (bounding box) data
 * fails training with a StatusMessage saying so. One training runs at a time per emulator. A
 * restart resumes a training from its start (up to 3 runs, the runner's MAX_ATTEMPTS), then fails
 * it; nothing stays TRAINING_IN_PROGRESS forever.
 */
import sharp from 'sharp';
import { EMBED_INPUT_SIZE } from '../../../models/catalog';
import { PoolClosedError, type ModelsClient } from '../../../models/client';
import type { FitPayload } from '../../../models/tasks/custom-labels';
import { errors, RekognitionError } from '../../api/errors';
import type { S3Object, TestingData, TrainingData } from '../../api/generated/types';
import { parseS3Uri, splitForTest, useCaseOf } from '../../analysis/custom-labels';
import type { DatasetEntry, LineError } from '../../store/custom-labels';
import { evaluate, scoreOne, serializeModel, type Evaluation, type LinearModel } from '../../analysis/custom-labels-train';
import type { JobKind } from '../../jobs/runner';
import { readS3Object, writeS3Object } from '../../media/s3';
import type { Scope } from '../../runtime/scope';
import { detailsOf, type VersionDetails, type VersionRow, type VersionUpdate } from '../../store/custom-labels';
import type { ProviderDeps } from '../deps';
import { versionArn } from './arns';
import { isManifestError, loadManifest, MAX_INVALID_FRACTION } from './datasets';
import type { TrainingJob } from './work';

/** Training images: Custom Labels' documented limits (15 MB in S3, 64-4096 px a side). */
export const TRAINING_IMAGE_LIMITS = { maxBytes: 15 * 1024 * 1024, minSide: 64, maxSide: 4096 };

/** StatusMessages of failed trainings (GUESSES in the style of the developer guide's error list). */
export const TRAINING_MESSAGES = {
  detection:
    'ERROR_UNSUPPORTED_USE_CASE_TYPE: The dataset has bounding boxes (object localization); rekognition-local trains image-level classification only. Remove the bounding-box attributes or label whole images.',
  moderation: 'ERROR_UNSUPPORTED_USE_CASE_TYPE: rekognition-local cannot train CONTENT_MODERATION adapters.',
  noLabels: 'ERROR_NO_VALID_LABEL_ATTRIBUTES: The training dataset has no labeled images.',
  oneLabel: 'ERROR_INSUFFICIENT_LABELS: Image-level classification needs at least 2 labels in the training dataset.',
  noTest: 'ERROR_NO_VALID_LABEL_ATTRIBUTES: The test dataset has no labeled images.',
  overlap: 'ERROR_INSUFFICIENT_USABLE_LABEL_OVERLAP: The test dataset has no labels in common with the training dataset.',
  tooManyInvalid: 'ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST: The manifest file contains too many invalid rows.',
  autosplit: 'ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_AUTOSPLIT: Each label needs at least 2 images to split off a test dataset.',
  interrupted: 'ERROR_SERVICE: Training was interrupted by restarts of rekognition-local too many times; create a new model version to train again.',
  service: (message: string) => `ERROR_SERVICE: Training failed: ${message}`,
};

class TrainingFailure extends Error {}

// ---- images -> embeddings ----

/** 224x224 RGB for the embedding, as nsfwjs would squash it (no crop). */
export async function embeddingPixels(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes, { failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb').resize(EMBED_INPUT_SIZE, EMBED_INPUT_SIZE, { fit: 'fill' }).raw().toBuffer();
}

/** Embeds 224x224 RGB images (one task, so the worker runs them as one batch). */
export async function embedBatch(models: ModelsClient, images: Buffer[]): Promise<{ features: Float32Array[]; featureVersion: string }> {
  const result = await models.run('customLabels.embed', { images });
  const features = images.map((_, i) => result.features.slice(i * result.dim, (i + 1) * result.dim));
  return { features, featureVersion: result.featureVersion };
}

/** Embeds one 224x224 RGB image in a pool worker. */
export async function embed(models: ModelsClient, pixels: Buffer): Promise<{ features: Float32Array; featureVersion: string }> {
  const { features, featureVersion } = await embedBatch(models, [pixels]);
  return { features: features[0], featureVersion };
}

/** Images per embedding task during training (measured: 4 per task is ~17% faster than 1). */
const EMBED_BATCH = 4;

const JPEG = Buffer.from([0xff, 0xd8, 0xff]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/** Reads an entry's image and scales it for the embedding; a problem with the image is that line's error, not the training's. */
async function entryPixels(run: TrainingRun, entry: DatasetEntry): Promise<Buffer | LineError> {
  const where = parseS3Uri(entry.sourceRef)!;
  let bytes: Buffer;
  try {
    bytes = await readS3Object({ Bucket: where.bucket, Name: where.key }, { config: run.deps.runtime.config, clients: run.deps.runtime.clients, region: run.scope.region }, {
      maxBytes: TRAINING_IMAGE_LIMITS.maxBytes,
      tooLarge: () => errors.imageTooLarge('too large'),
    });
  } catch (err) {
    if (err instanceof RekognitionError && err.type === 'ImageTooLargeException') return { code: 'ERROR_IMAGE_TOO_LARGE', message: `The image ${entry.sourceRef} is larger than 15 MB.` };
    return { code: 'ERROR_INVALID_IMAGE', message: `The image ${entry.sourceRef} could not be read from S3.` };
  }
  if (!bytes.subarray(0, 3).equals(JPEG) && !bytes.subarray(0, 4).equals(PNG)) return { code: 'ERROR_INVALID_IMAGE', message: `The image ${entry.sourceRef} is not a JPEG or PNG image.` };
  try {
    const { width, height } = (await sharp(bytes).metadata()).autoOrient;
    if (!width || !height) throw new Error('no size');
    if (Math.min(width, height) < TRAINING_IMAGE_LIMITS.minSide) return { code: 'ERROR_INSUFFICIENT_IMAGE_RESOLUTION', message: `The image ${entry.sourceRef} is smaller than 64 pixels on a side.` };
    if (Math.max(width, height) > TRAINING_IMAGE_LIMITS.maxSide) return { code: 'ERROR_INVALID_IMAGE_DIMENSION', message: `The image ${entry.sourceRef} is larger than 4096 pixels on a side.` };
    return await embeddingPixels(bytes);
  } catch {
    return { code: 'ERROR_INVALID_IMAGE', message: `The image ${entry.sourceRef} could not be decoded.` };
  }
}

/**
 * Embeds entries in batches, with as many batches in flight as the pool has workers; stops when
 * `alive` says so. A failure of the model itself fails the training (ERROR_SERVICE), not a line.
 */
async function embedAll(run: TrainingRun, entries: DatasetEntry[], alive: () => boolean): Promise<Map<string, { features: Float32Array; featureVersion: string } | LineError>> {
  const results = new Map<string, { features: Float32Array; featureVersion: string } | LineError>();
  let next = 0;
  const lanes = Math.max(1, run.deps.models.size ?? 1);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < entries.length) {
        if (!alive()) throw new TrainingFailure('cancelled');
        const batch = entries.slice(next, next + EMBED_BATCH);
        next += batch.length;
        const prepared = await Promise.all(batch.map((e) => entryPixels(run, e)));
        const ok = batch.filter((_, i) => Buffer.isBuffer(prepared[i]));
        prepared.forEach((p, i) => {
          if (!Buffer.isBuffer(p)) results.set(batch[i].sourceRef, p);
        });
        if (!ok.length) continue;
        const { features, featureVersion } = await embedBatch(run.deps.models, prepared.filter((p): p is Buffer => Buffer.isBuffer(p)));
        ok.forEach((e, i) => results.set(e.sourceRef, { features: features[i], featureVersion }));
      }
    }),
  );
  return results;
}

// ---- outputs ----

interface WrittenOutputs {
  summary?: S3Object;
  manifestSummary?: S3Object;
  trainingOutput?: S3Object;
  trainingValidation?: S3Object;
  testingOutput?: S3Object;
  testingValidation?: S3Object;
}

/** Writes the output files when the output bucket is writable; each one that could not be written is left out. */
async function writeOutputs(run: TrainingRun, details: VersionDetails, files: Record<keyof WrittenOutputs, { name: string; body: string }>): Promise<WrittenOutputs> {
  const bucket = details.outputConfig.S3Bucket;
  const out: WrittenOutputs = {};
  const { config, clients, log } = run.deps.runtime;
  if (!bucket || (!config.s3Dir && !config.s3Endpoint)) return out;
  const prefix = details.outputConfig.S3KeyPrefix ?? '';
  for (const [key, file] of Object.entries(files) as [keyof WrittenOutputs, { name: string; body: string }][]) {
    const objectKey = `${prefix}${file.name}`;
    try {
      await writeS3Object(bucket, objectKey, Buffer.from(file.body, 'utf8'), { config, clients, region: run.scope.region }, 'application/json');
      out[key] = { Bucket: bucket, Name: objectKey };
    } catch (err) {
      log.debug('custom labels: output not written', { bucket, key: objectKey, error: (err as Error).message });
    }
  }
  return out;
}

/** The evaluation summary file, in the documented layout (Custom Labels DG, "Training results summary file"). */
export function summaryDocument(evaluation: Evaluation, arnValue: string, counts: { train: number; test: number }): Record<string, unknown> {
  return {
    Version: 1,
    AggregatedEvaluationResults: {
      ...(evaluation.confusion ? { ConfusionMatrix: evaluation.confusion.map((c) => ({ GroundTruthLabel: c.truth, PredictedLabel: c.predicted, Value: c.value })) } : {}),
      F1Score: evaluation.f1,
      Precision: evaluation.precision,
      Recall: evaluation.recall,
    },
    EvaluationDetails: {
      EvaluationEndTimestamp: new Date().toISOString().replace('Z', ''),
      Labels: evaluation.labels.map((l) => l.label),
      NumberOfTestingImages: counts.test,
      NumberOfTrainingImages: counts.train,
      ProjectVersionArn: arnValue,
    },
    LabelEvaluationResults: [...evaluation.labels]
      .sort((a, b) => b.f1 - a.f1)
      .map((l) => ({ Label: l.label, Metrics: { F1Score: l.f1, Precision: l.precision, Recall: l.recall, Threshold: l.threshold }, NumberOfTestingImages: l.testImages })),
  };
}

const manifestText = (entries: { line: Record<string, unknown> }[]) => entries.map((e) => JSON.stringify(e.line)).join('\n') + (entries.length ? '\n' : '');

// ---- the job ----

const asTrainingData = (value: unknown) => value as TrainingData | undefined;
const asTestingData = (value: unknown) => value as TestingData | undefined;

async function manifestEntries(run: TrainingRun, assets: TrainingData['Assets']): Promise<DatasetEntry[]> {
  const all: DatasetEntry[] = [];
  for (const asset of assets ?? []) {
    try {
      all.push(...(await loadManifest(asset.GroundTruthManifest?.S3Object, run.deps.runtime, run.scope.region)));
    } catch (err) {
      if (isManifestError(err)) throw new TrainingFailure(err.message);
      throw err;
    }
  }
  return all;
}

/** One run of a training: the provider's deps, the version's account and region, and the signal that aborts it. */
interface TrainingRun {
  deps: ProviderDeps;
  scope: Scope;
  signal: AbortSignal;
}

async function runTraining(run: TrainingRun, project: string, version: string): Promise<void> {
  const store = run.deps.stores.customLabels.in(run.scope);
  const log = run.deps.runtime.log;
  const started = Date.now();
  // Reset or shutdown aborts the run; what it has not recorded by then is never recorded.
  const current = (): VersionRow | undefined => {
    if (run.signal.aborted) return undefined;
    const row = store.version(project, version);
    return row && row.status === 'TRAINING_IN_PROGRESS' ? row : undefined;
  };
  const row = current();
  if (!row) return;
  const details = detailsOf(row);
  const arnValue = versionArn(run.scope, project, version, row.created_ms);
  const finish = (fields: VersionUpdate) => {
    if (!current()) return;
    store.updateVersion(row, fields);
  };
  try {
    if (row.feature === 'CONTENT_MODERATION') throw new TrainingFailure(TRAINING_MESSAGES.moderation);

    // 1. entries
    let train: DatasetEntry[];
    let test: DatasetEntry[] | null;
    if (details.fromDatasets) {
      const snapshot = store.snapshot(row);
      train = snapshot?.train ?? [];
      test = snapshot?.test ?? null;
    } else {
      train = await manifestEntries(run, asTrainingData(details.trainingInput)?.Assets);
      const testing = asTestingData(details.testingInput);
      test = testing?.AutoCreate && !testing.Assets?.length ? null : await manifestEntries(run, testing?.Assets);
    }
    if (useCaseOf([...train, ...(test ?? [])]) === 'OBJECT_LOCALIZATION') throw new TrainingFailure(TRAINING_MESSAGES.detection);
    if (test === null) {
      const labeled = train.filter((e) => e.labels.length > 0);
      const perLabel = new Map<string, number>();
      for (const e of labeled) perLabel.set(e.labels[0], (perLabel.get(e.labels[0]) ?? 0) + 1);
      if ([...perLabel.values()].some((n) => n < 2)) throw new TrainingFailure(TRAINING_MESSAGES.autosplit);
      const split = splitForTest(labeled, arnValue);
      train = split.train;
      test = split.test;
    }

    // 2. labels
    const trainLabeled = train.filter((e) => e.labels.length > 0);
    const labels = [...new Set(trainLabeled.flatMap((e) => e.labels))].sort();
    if (labels.length === 0) throw new TrainingFailure(TRAINING_MESSAGES.noLabels);
    if (labels.length < 2) throw new TrainingFailure(TRAINING_MESSAGES.oneLabel);
    const testLabeled = test.filter((e) => e.labels.length > 0);
    if (!testLabeled.length) throw new TrainingFailure(TRAINING_MESSAGES.noTest);
    if (!testLabeled.some((e) => e.labels.some((l) => labels.includes(l)))) throw new TrainingFailure(TRAINING_MESSAGES.overlap);

    // 3. embeddings
    const unique = new Map<string, DatasetEntry>();
    for (const e of [...trainLabeled, ...testLabeled]) unique.set(e.sourceRef, e);
    const embedStarted = Date.now();
    const embedded = await embedAll(run, [...unique.values()], () => Boolean(current()));
    const embedMs = Date.now() - embedStarted;
    const failed = [...embedded.values()].filter((r): r is LineError => 'code' in r).length;
    if (failed > unique.size * MAX_INVALID_FRACTION) throw new TrainingFailure(TRAINING_MESSAGES.tooManyInvalid);
    const vector = (e: DatasetEntry) => {
      const r = embedded.get(e.sourceRef);
      return r && !('code' in r) ? r : undefined;
    };
    const usableTrain = trainLabeled.filter((e) => vector(e));
    const usableTest = testLabeled.filter((e) => vector(e));
    const usedLabels = [...new Set(usableTrain.flatMap((e) => e.labels))].sort();
    if (usedLabels.length < 2) throw new TrainingFailure(TRAINING_MESSAGES.oneLabel);
    if (!usableTest.length) throw new TrainingFailure(TRAINING_MESSAGES.noTest);
    const featureVersion = vector(usableTrain[0])!.featureVersion;

    // 4. fit in a worker
    const dim = vector(usableTrain[0])!.features.length;
    const X = new Float32Array(usableTrain.length * dim);
    usableTrain.forEach((e, i) => X.set(vector(e)!.features, i * dim));
    const fitPayload: FitPayload = {
      X,
      n: usableTrain.length,
      dim,
      targets: usableTrain.map((e) => e.labels.map((l) => usedLabels.indexOf(l))),
      labels: usedLabels,
      featureVersion,
    };
    const fitStarted = Date.now();
    const fitted = await run.deps.models.run('customLabels.fit', fitPayload);
    const fitMs = Date.now() - fitStarted;
    if (!current()) return;

    // 5. evaluation on the test set (labels unknown to the model are ignored)
    const scores = usableTest.map((e) => scoreOne(fitted, vector(e)!.features));
    const truth = usableTest.map((e) => e.labels.map((l) => usedLabels.indexOf(l)).filter((k) => k >= 0));
    const evaluation = evaluate(usedLabels, scores, truth, fitted.kind);
    const model: LinearModel = { ...fitted, thresholds: evaluation.labels.map((l) => l.threshold) };

    // 6. outputs
    const lineErrors = (entries: DatasetEntry[]) =>
      entries.map((e) => {
        const r = embedded.get(e.sourceRef);
        const errors = [...e.errors, ...(r && 'code' in r ? [r] : [])];
        return { line: errors.length ? { ...e.line, errors } : e.line, invalid: Boolean(r && 'code' in r), ignored: e.labels.length === 0 };
      });
    const trainLines = lineErrors(train);
    const testLines = lineErrors(test);
    const stats = (lines: ReturnType<typeof lineErrors>, all: DatasetEntry[]) => ({
      use_case: 'IMAGE_LEVEL_LABELS',
      total_json_lines: all.length,
      valid_json_lines: lines.filter((l) => !l.invalid && !l.ignored && l.line['errors'] === undefined).length,
      invalid_json_lines: lines.filter((l) => l.invalid).length,
      ignored_json_lines: lines.filter((l) => l.ignored).length,
      error_json_line_indices: lines.flatMap((l, i) => (l.line['errors'] !== undefined ? [i] : [])),
      errors: [],
    });
    const summary = summaryDocument(evaluation, arnValue, { train: usableTrain.length, test: usableTest.length });
    const folder = `${project}-${version}/`;
    const written = await writeOutputs(run, details, {
      summary: { name: `EvaluationResultSummary-${project}-${version}.json`, body: JSON.stringify(summary) },
      manifestSummary: { name: `${folder}manifest_summary.json`, body: JSON.stringify({ statistics: { training: stats(trainLines, train), testing: stats(testLines, test) }, errors: [] }) },
      trainingOutput: { name: `${folder}training.manifest`, body: manifestText(usableTrain) },
      trainingValidation: { name: `${folder}training_manifest_with_validation.json`, body: manifestText(trainLines) },
      testingOutput: { name: `${folder}testing.manifest`, body: manifestText(usableTest) },
      testingValidation: { name: `${folder}testing_manifest_with_validation.json`, body: manifestText(testLines) },
    });
    if (!current()) return;

    const asset = (o?: S3Object) => (o ? { Assets: [{ GroundTruthManifest: { S3Object: o } }] } : undefined);
    const done = Date.now();
    finish({
      status: 'TRAINING_COMPLETED',
      status_message: 'The model is ready to run.',
      model: serializeModel(model),
      details: {
        ...details,
        trainingEndMs: done,
        billableSeconds: Math.max(1, Math.ceil((done - started) / 1000)),
        f1: evaluation.f1,
        summary: written.summary as VersionDetails['summary'],
        manifestSummary: written.manifestSummary as VersionDetails['manifestSummary'],
        trainingOutput: asset(written.trainingOutput),
        trainingValidation: asset(written.trainingValidation),
        testingOutput: asset(written.testingOutput),
        testingValidation: asset(written.testingValidation),
        evaluation: summary,
      },
    });
    log.info('custom labels: model trained', { version: arnValue, labels: usedLabels.length, train: usableTrain.length, test: usableTest.length, f1: Number(evaluation.f1.toFixed(4)), ms: done - started, embedMs, fitMs });
  } catch (err) {
    if (err instanceof TrainingFailure && err.message === 'cancelled') return;
    // Shutting down: leave the version TRAINING_IN_PROGRESS; the next start runs it again.
    if (err instanceof PoolClosedError) return;
    const message = err instanceof TrainingFailure ? err.message : TRAINING_MESSAGES.service((err as Error).message);
    if (!(err instanceof TrainingFailure)) log.warn('custom labels: training failed', { version: arnValue, error: (err as Error).message });
    finish({ status: 'TRAINING_FAILED', status_message: message, details: { ...details, trainingEndMs: Date.now() } });
  }
}

/** Trainings, a kind of job: one at a time (two cores are shared with every other request). */
export function trainingKind(deps: ProviderDeps): JobKind<TrainingJob> {
  const store = (job: TrainingJob) => deps.stores.customLabels.in(job);
  return {
    name: 'custom-labels-training',
    // A run is deterministic, so a training a restart interrupted starts again from its beginning.
    unfinished: () => deps.stores.customLabels.versionsIn('TRAINING_IN_PROGRESS').map((row) => trainingJob(row, row.project, row.name)),
    countAttempt: (job) => store(job).countVersionAttempt(job.project, job.version),
    run: (job, signal) => runTraining({ deps, scope: job, signal }, job.project, job.version),
    abandon(job) {
      const row = store(job).version(job.project, job.version);
      if (row?.status === 'TRAINING_IN_PROGRESS') store(job).updateVersion(row, { status: 'TRAINING_FAILED', status_message: TRAINING_MESSAGES.interrupted });
    },
  };
}

export const trainingJob = (scope: Scope, project: string, version: string): TrainingJob => ({ account: scope.account, region: scope.region, id: `${project}/${version}`, project, version });
