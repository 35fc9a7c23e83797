/** The typed handler table a provider declares: one entry per operation it serves. */
import type { Provider } from '../runtime/provider';
import type { RequestContext } from '../runtime/context';
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

/** A provider of Rekognition operations. */
export type ApiProvider = Provider<HandlerTable>;
