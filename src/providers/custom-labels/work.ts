/** What the Custom Labels handlers and jobs share: the provider's deps, its model cache and its job lanes. */
import type { DatasetType, OperationShapes } from '../../api/generated/types';
import type { LinearModel } from '../../analysis/custom-labels-train';
import type { JobKey, JobLane } from '../../jobs/runner';
import type { RequestContext } from '../../runtime/context';
import type { Scope } from '../../runtime/scope';
import type { ScopedCustomLabels } from '../../store/custom-labels';
import type { ProviderDeps } from '../deps';

/** The training of a version (id `<project>/<version>`). */
export interface TrainingJob extends JobKey {
  project: string;
  version: string;
}

/** The manifest import of a dataset being created (id `<project>/<type>/<created ms>`). */
export interface ImportJob extends JobKey {
  project: string;
  type: DatasetType;
  createdMs: number;
}

/** The start of a version: weights loaded, embedding model warm (id `<project>/<version>/<run token>`). */
export interface StartJob extends JobKey {
  project: string;
  version: string;
  token: string;
}

export interface CustomLabels {
  deps: ProviderDeps;
  /** Trained models loaded for DetectCustomLabels, by version ARN. */
  models: Map<string, LinearModel>;
  training: JobLane<TrainingJob>;
  imports: JobLane<ImportJob>;
  starts: JobLane<StartJob>;
}

/** The store seen from one account and region. */
export const storeOf = (cl: CustomLabels, scope: Scope): ScopedCustomLabels => cl.deps.stores.customLabels.in(scope);

export type Ctx = RequestContext;
export type In<Op extends keyof OperationShapes> = OperationShapes[Op]['input'];
export type Out<Op extends keyof OperationShapes> = OperationShapes[Op]['output'];
