/** What a handler gets besides its input: who is asking, and the services it may use. */
import type { Db } from '../store/database';
import type { IdGenerator } from '../store/ids';
import type { Config } from '../config';
import type { ModelsClient } from '../../models/client';

export interface Services {
  config: Config;
  db: Db;
  ids: IdGenerator;
  startedAt: Date;
  /** Model inference, off the event loop. */
  inference: ModelsClient;
}

export interface RequestContext extends Services {
  account: string;
  region: string;
  requestId: string;
  operation: string;
}

export function arn(ctx: { account: string; region: string }, resource: string): string {
  return `arn:aws:rekognition:${ctx.region}:${ctx.account}:${resource}`;
}
