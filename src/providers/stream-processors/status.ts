/**
 * The stream processor status machine. Status changes that AWS makes asynchronously are stored as
 * a pending transition and applied when the processor is next read; two rules can replace what is
 * due: a face search processor whose collection was deleted fails when it would start RUNNING, and
 * a connected-home session whose time ran out while no live session watched it (after a restart)
 * stops.
 */
import type { Scope } from '../../runtime/scope';
import { toProcessor, type Processor, type StatusChange } from '../../store/stream-processors';
import type { ProviderDeps } from '../deps';
import { collectionExists } from './analysis';
import type { StreamSessions } from './sessions';

/**
 * How long AWS's asynchronous transitions take here. AWS takes seconds (a 2019 capture shows a
 * face search processor RUNNING 2.25 s after creation); the emulator keeps them short so that
 * tests poll briefly, but not zero, so that clients see the intermediate status as they would.
 */
export const TRANSITION_MS = { start: 500, stop: 500, update: 500 } as const;

/** What a due transition turns into (undefined: nothing changes). */
function nextChange(deps: ProviderDeps, sessions: StreamSessions, processor: Processor, now: number): StatusChange | undefined {
  const due = processor.pending && processor.pending.atMs <= now ? { status: processor.pending.status, atMs: processor.pending.atMs } : undefined;
  if (due?.status === 'RUNNING' && processor.kind === 'FACE_SEARCH') {
    const id = processor.settings.FaceSearch?.CollectionId ?? '';
    if (!collectionExists(deps, processor, id)) return { status: 'FAILED', message: `The collection id: ${id} does not exist`, atMs: due.atMs };
  }
  if (!due && processor.kind === 'CONNECTED_HOME' && processor.status === 'STARTING' && processor.session?.deadlineMs) {
    if (processor.session.deadlineMs <= now && !sessions.isLive(processor, processor.name)) return { status: 'STOPPED', atMs: processor.session.deadlineMs };
  }
  return due;
}

/** The processor with every due transition applied (and stored), or undefined when there is none. */
export function settle(deps: ProviderDeps, sessions: StreamSessions, scope: Scope, name: string): Processor | undefined {
  const store = deps.stores.streamProcessors.in(scope);
  const now = deps.runtime.clock.now();
  let row = store.read(name);
  // Each round applies one change; a chain (STARTING -> RUNNING -> FAILED) takes two.
  for (let round = 0; row && round < 4; round++) {
    const processor = toProcessor(row);
    const change = nextChange(deps, sessions, processor, now);
    if (!change) return processor;
    store.setStatus(name, change);
    row = store.read(name);
  }
  return row && toProcessor(row);
}
