/**
 * The Custom Labels family (20 operations):
 *   arns.ts      ARNs and the lookups of what they name
 *   projects.ts  CreateProject, DescribeProjects, DeleteProject, project policies
 *   datasets.ts  CreateDataset … DistributeDatasetEntries (Ground Truth manifests; imports are jobs)
 *   training.ts  the training job
 *   versions.ts  CreateProjectVersion … DetectCustomLabels (model starts are jobs)
 * State is in src/store/custom-labels.ts; trained models loaded for DetectCustomLabels are cached
 * here, per emulator. Trainings, dataset imports and model starts are kinds of job of the job
 * runner, which resumes the ones a previous process left unfinished at start.
 */
import type { LinearModel } from '../../analysis/custom-labels-train';
import type { ApiProvider } from '../../api/handlers';
import type { ProviderDeps } from '../deps';
import { resourceExists } from './arns';
import { createProject, describeProjects, deleteProject, putProjectPolicy, listProjectPolicies, deleteProjectPolicy } from './projects';
import { createDataset, describeDataset, deleteDataset, listDatasetEntries, listDatasetLabels, updateDatasetEntries, distributeDatasetEntries, importKind } from './datasets';
import { createProjectVersion, describeProjectVersions, deleteProjectVersion, startProjectVersion, stopProjectVersion, copyProjectVersion, detectCustomLabels, startKind } from './versions';
import { trainingKind } from './training';
import type { CustomLabels } from './work';

export function createCustomLabelsProvider(deps: ProviderDeps): ApiProvider {
  const models = new Map<string, LinearModel>();
  const cl: CustomLabels = {
    deps,
    models,
    training: deps.jobs.lane(trainingKind(deps)),
    imports: deps.jobs.lane(importKind(deps)),
    starts: deps.jobs.lane(startKind({ deps, models })),
  };
  return {
    name: 'custom-labels',
    taggable: { project: (scope, resource) => resourceExists(deps.stores.customLabels.in(scope), scope, resource) },
    handlers: {
      CreateProject: {
        handle: (input, ctx) => createProject(cl, input, ctx),
        notes:
          'Projects for CUSTOM_LABELS (default) or CONTENT_MODERATION; CREATED at once. A name already in use is ResourceInUseException. Tags are kept.',
      },
      DescribeProjects: {
        handle: (input, ctx) => describeProjects(cl, input, ctx),
        notes:
          'Sorted by creation time; filters ProjectNames, or Features (CUSTOM_LABELS when absent, as documented); pages of up to 100.',
      },
      DeleteProject: {
        handle: (input, ctx) => deleteProject(cl, input, ctx),
        notes:
          'Refused with ResourceInUseException while the project has model versions or datasets; deletes its project policies. Reports DELETING; the project is gone at once.',
      },
      PutProjectPolicy: {
        handle: (input, ctx) => putProjectPolicy(cl, input, ctx),
        notes:
          'IAM-style JSON checked (MalformedPolicyDocumentException); updates need the current PolicyRevisionId (InvalidPolicyRevisionIdException); 5 per project. CopyProjectVersion from another account evaluates them (Allow/Deny, principal account, action, resource globs).',
      },
      ListProjectPolicies: {
        handle: (input, ctx) => listProjectPolicies(cl, input, ctx),
        notes:
          'By policy name, pages of up to 5.',
      },
      DeleteProjectPolicy: {
        handle: (input, ctx) => deleteProjectPolicy(cl, input, ctx),
        notes:
          'A given PolicyRevisionId must be the current one.',
      },
      CreateDataset: {
        handle: (input, ctx) => createDataset(cl, input, ctx),
        notes:
          'From a SageMaker Ground Truth manifest in S3 (image-classification, multi-label and object-detection attributes), a copy of another dataset, or empty. Manifests import in the background (CREATE_IN_PROGRESS, then CREATE_COMPLETE or CREATE_FAILED with the manifest error).',
      },
      DescribeDataset: {
        handle: (input, ctx) => describeDataset(cl, input, ctx),
        notes:
          'DatasetStats counted from the stored entries.',
      },
      DeleteDataset: {
        handle: (input, ctx) => deleteDataset(cl, input, ctx),
        notes:
          'Refused while the dataset is being created or updated; gone at once otherwise.',
      },
      ListDatasetEntries: {
        handle: (input, ctx) => listDatasetEntries(cl, input, ctx),
        notes:
          'JSON lines in import order; filters ContainsLabels (any of), Labeled, SourceRefContains, HasErrors; pages of up to 100.',
      },
      ListDatasetLabels: {
        handle: (input, ctx) => listDatasetLabels(cl, input, ctx),
        notes:
          'Labels found in the entries (image-level and box classes), by name, with entry and bounding-box counts.',
      },
      UpdateDatasetEntries: {
        handle: (input, ctx) => updateDatasetEntries(cl, input, ctx),
        notes:
          'JSON lines keyed by source-ref: a known image has its members replaced or added, a new one is appended. UPDATE_COMPLETE at once.',
      },
      DistributeDatasetEntries: {
        handle: (input, ctx) => distributeDatasetEntries(cl, input, ctx),
        notes:
          'Moves 20% of the TRAIN entries to the empty TEST dataset, stratified by label, in an order drawn from the (seedable) id generator. UPDATE_COMPLETE at once.',
      },
      CreateProjectVersion: {
        handle: (input, ctx) => createProjectVersion(cl, input, ctx),
        notes:
          'Trains for real, in the background: images from S3 are embedded by a MobileNetV2 backbone (the ImageNet-pretrained one inside nsfwjs) in the worker pool and a linear classifier (softmax, or one sigmoid per label for multi-label data) is fitted; F1, per-label thresholds and the summary file come from the test dataset (or a 20% AutoCreate split). Seconds for a few dozen images. Object-detection (bounding box) data and CONTENT_MODERATION adapters end TRAINING_FAILED with a StatusMessage saying so.',
      },
      DescribeProjectVersions: {
        handle: (input, ctx) => describeProjectVersions(cl, input, ctx),
        notes:
          'Newest first; VersionNames filter; pages of up to 100. EvaluationResult (F1Score, Summary), ManifestSummary and the Output/Validation manifests point to files written under OutputConfig when that bucket is writable (--s3-dir or --s3-endpoint), and are left out otherwise.',
      },
      DeleteProjectVersion: {
        handle: (input, ctx) => deleteProjectVersion(cl, input, ctx),
        notes:
          'Refused while training, starting, running or stopping; reports DELETING and is gone at once.',
      },
      StartProjectVersion: {
        handle: (input, ctx) => startProjectVersion(cl, input, ctx),
        notes:
          'STARTING while the weights load and the embedding model warms up in the worker pool (well under a second when warm), then RUNNING. Min/MaxInferenceUnits are recorded, not simulated.',
      },
      StopProjectVersion: {
        handle: (input, ctx) => stopProjectVersion(cl, input, ctx),
        notes:
          'Answers STOPPING; the version is STOPPED at once.',
      },
      CopyProjectVersion: {
        handle: (input, ctx) => copyProjectVersion(cl, input, ctx),
        notes:
          'Copies the trained weights and evaluation into the destination project (COPYING_COMPLETED at once; startable). Same account: no policy needed; a source project of another account must have a project policy allowing rekognition:CopyProjectVersion to the caller, else AccessDeniedException.',
      },
      DetectCustomLabels: {
        handle: (input, ctx) => detectCustomLabels(cl, input, ctx),
        notes:
          'Only on RUNNING versions (ResourceNotReadyException otherwise). Confidence is the classifier probability x 100; without MinConfidence each label must reach its assumed threshold (best F1 on the test set), with it that value; MaxResults keeps the most confident. Image-level labels only, so no Geometry.',
      },
    },
    start() {
      // Stops answer STOPPING and are STOPPED at once; a version an older process left STOPPING is STOPPED.
      for (const row of deps.stores.customLabels.versionsIn('STOPPING')) {
        deps.stores.customLabels.in(row).updateVersion(row, { status: 'STOPPED', status_message: 'The model is stopped.', run_token: null });
      }
    },
    reset: () => models.clear(),
  };
}
