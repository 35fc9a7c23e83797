/**
 * Handlers register themselves by operation name where they are defined; the protocol layer looks
 * them up here. An operation with no handler answers NotImplementedException.
 */
import type { OperationName } from '../api/generated/model';
import type { OperationShapes } from '../api/generated/types';
import type { RequestContext } from './context';

export type Handler<Op extends OperationName> = (
  input: OperationShapes[Op]['input'],
  ctx: RequestContext,
) => Promise<OperationShapes[Op]['output']> | OperationShapes[Op]['output'];

export interface HandlerInfo {
  handler: Handler<OperationName>;
  /** What a user should know about how far this emulation goes; shown in docs/COVERAGE.md. */
  notes: string;
}

const handlers = new Map<OperationName, HandlerInfo>();

export function registerHandler<Op extends OperationName>(operation: Op, handler: Handler<Op>, notes = ''): void {
  if (handlers.has(operation)) throw new Error(`handler for ${operation} registered twice`);
  handlers.set(operation, { handler: handler as unknown as Handler<OperationName>, notes });
}

export function handlerFor(operation: OperationName): HandlerInfo | undefined {
  return handlers.get(operation);
}

export function registeredOperations(): OperationName[] {
  return [...handlers.keys()];
}
