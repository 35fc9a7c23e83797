/**
 * The collections provider's handlers over a hand-built legacy context, for the suites that still
 * call handlers that way (streams, video) until they move to testEmulator().
 */
import type { OperationName } from '../../src/api/generated/model';
import type { JobRunner } from '../../src/jobs/runner';
import type { RequestContext } from '../../src/operations/context';
import { createCollectionsProvider } from '../../src/providers/collections';

type Handle = (input: never, ctx: RequestContext) => unknown;

export function collectionHandler(ctx: RequestContext, operation: OperationName): Handle | undefined {
  const provider = createCollectionsProvider({ runtime: ctx, stores: ctx.stores, models: ctx.inference, jobs: undefined as unknown as JobRunner });
  return (provider.handlers as Record<string, { handle: Handle } | undefined>)[operation]?.handle;
}
