/** What every layer may hold: the emulator's runtime services, and who is asking. */
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { IdGenerator } from './ids';
import { Logger } from './logger';
import { MemoryBudget } from './memory-budget';
import type { Scope } from './scope';
import { SdkClients } from './sdk-clients';

/** One emulator's process-wide services; two emulators in one process have two runtimes. */
export interface Runtime {
  config: Config;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  /** Clients of the S3, SNS and Kinesis endpoints the emulator reads from or writes to. */
  clients: SdkClients;
  startedAt: Date;
  /** Bounds the memory of concurrent image decodes (config.decodeBudgetMb). */
  decodes: MemoryBudget;
}

/** One API call: its caller's scope, its request id and the operation's name. */
export interface RequestContext extends Scope {
  requestId: string;
  operation: string;
}

/** A runtime for `config`, with system time, random ids and fresh clients unless overridden. */
export function createRuntime(config: Config, overrides: Partial<Runtime> = {}): Runtime {
  const log = overrides.log ?? new Logger(config.logLevel, undefined, config.logFormat);
  return {
    config,
    ids: new IdGenerator(),
    clock: systemClock,
    log,
    clients: new SdkClients(log),
    startedAt: new Date(),
    decodes: new MemoryBudget(config.decodeBudgetMb * 1024 * 1024),
    ...overrides,
  };
}
