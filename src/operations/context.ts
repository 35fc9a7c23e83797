/** What a handler gets besides its input: who is asking, and the services it may use. */
import type { Db } from '../store/database';
import type { Stores } from '../store';
import type { Runtime, RequestContext as Request } from '../runtime/context';
import type { ModelsClient } from '../../models/client';

export interface Services extends Runtime {
  db: Db;
  stores: Stores;
  /** Model inference, off the event loop. */
  inference: ModelsClient;
}

export interface RequestContext extends Services, Request {}

export { arn } from '../runtime/scope';
