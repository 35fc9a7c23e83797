/** The typed handler table a provider declares: one entry per operation it serves. */
import type { Provider } from '../runtime/provider';
import type { RequestContext } from '../runtime/context';
import type { Scope } from '../runtime/scope';
import type { OperationName } from './generated/model';
import type { OperationShapes } from './generated/types';

export type Handler<Op extends OperationName> = (
  input: OperationShapes[Op]['input'],
  ctx: RequestContext,
) => Promise<OperationShapes[Op]['output']> | OperationShapes[Op]['output'];

export interface Operation<Op extends OperationName> {
  handle: Handler<Op>;
  /** What a user should know about how far this emulation goes; shown in docs/COVERAGE.md. */
  notes?: string;
}

export type HandlerTable = { [Op in OperationName]?: Operation<Op> };

/**
 * How the tagging operations tell whether a resource exists, by the ARN's resource type
 * (`collection`, `project`, `streamprocessor`), given the ARN's part after that type's `/`.
 */
export type TaggableResources = Record<string, (scope: Scope, resource: string) => boolean>;

/** A provider of Rekognition operations. */
export interface ApiProvider extends Provider<HandlerTable> {
  /** The taggable resources this provider owns. */
  taggable?: TaggableResources;
}
