/**
 * The composition root: createEmulator builds one emulator — runtime, stores, models client,
 * providers — and exposes what the HTTP server (or a test, or a user's own test setup) needs:
 * dispatch of API calls, the control plane, start and stop. Nothing here knows HTTP, and no state
 * lives outside the object it returns, so two emulators can run in one process.
 */
import { checkOutput } from './api/check-output';
import { errors, RekognitionError } from './api/errors';
import { operations, targetPrefix, type OperationName } from './api/generated/model';
import type { ApiProvider, Operation } from './api/handlers';
import { serializeOutput } from './api/serialize';
import { validateInput } from './api/validate';
import { Admission, type AdmissionStats } from './api/admission';
import { ControlError } from './control/errors';
import { FaultStore, type Fault, type FaultSpec } from './control/faults';
import { PinStore, type Pin, type PinSelector } from './control/pins';
import { createRuntime, type Runtime } from './runtime/context';
import { defaultConfig, type Config } from './runtime/config';
import { describeError } from './runtime/logger';
import type { Scope } from './runtime/scope';
import { ModelsClient, type ModelInfo } from '../models/client';
import { trackLoading, type ModelsLoad } from './model-loading';
import { loadModelConfig } from './analysis/model-config';
import { createStores, type StoreOptions, type Stores } from './store';
import { JobRunner } from './jobs/runner';
import { createProviders } from './providers';
import { MAX_RAW_REQUEST_CHARS, RequestLog, type LoggedRequest, type LoggedRequestDetail } from './console/request-log';
import { consoleState, type ConsoleState } from './console/state';
import { randomUUID } from 'node:crypto';
import type { LivenessMedia, LivenessReport } from './providers/liveness';
import type { FeedReport, SessionResults } from './providers/stream-processors';

export { ControlError } from './control/errors';
export type { Pin, PinSelector } from './control/pins';
export type { Fault, FaultSpec } from './control/faults';
export type { LivenessMedia } from './providers/liveness';
export { defaultConfig, type Config, type Credential } from './runtime/config';
export { checkConfig, ConfigError } from './runtime/preflight';

/** An answer on the wire: HTTP status, JSON text, and for errors the x-amzn-ErrorType. */
export interface WireResponse {
  status: number;
  body: string;
  errorType?: string;
  requestId: string;
}

export type { ModelsLoad } from './model-loading';

export interface HealthReport {
  status: 'ok';
  version: string;
  uptimeSeconds: number;
  persistence: 'sqlite' | 'memory';
  /** True once every model is loaded (or models load lazily): the first call of each operation will not wait for one. */
  modelsReady: boolean;
  modelsLoad: ModelsLoad;
  models: ModelInfo[];
  /** Requests in flight and shed per operation class (load shedding, --queue-limits). */
  load: AdmissionStats;
}

/** What the readiness endpoint answers. */
export interface ReadyReport {
  ready: boolean;
  modelsLoad: ModelsLoad;
  /** Seconds from the emulator's creation to every model loaded. */
  seconds?: number;
  /** Models not loaded yet, or the reason loading failed. */
  waitingFor?: string[];
  error?: string;
}

export interface ControlPlane {
  health(version: string): HealthReport;
  /** Resolves once every model is loaded, loading failed, or `timeoutMs` passed, with where loading stands. */
  ready(timeoutMs: number): Promise<ReadyReport>;
  /** Deletes all state of every account and region, and every pin. */
  reset(): { reset: true; pinsCleared: number };
  /** Deterministic ids from now on (undefined: random again). */
  seed(seed: string | undefined): { seed: string | null };
  pins: {
    list(): Pin[];
    /** Pins a response; a string says what is wrong with it. */
    set(pin: Pin): string | undefined;
    delete(selector?: PinSelector): number;
  };
  faults: {
    /** Adds a fault; a string says what is wrong with the spec. */
    add(spec: FaultSpec): Fault | string;
    list(): Fault[];
    clear(id?: number): number;
  };
  submitLivenessMedia(sessionId: string, media: LivenessMedia): Promise<LivenessReport>;
  feedStreamProcessor(name: string, body: unknown): Promise<FeedReport>;
  streamProcessorResults(name: string, query: { account?: unknown; region?: unknown }): SessionResults & { status: string };
}

/** What the web console reads: the requests log and a read-only view of the state. */
export interface ConsoleApi {
  requests: { list(): LoggedRequest[]; get(seq: number): LoggedRequestDetail | undefined };
  state: ConsoleState;
}

export interface Emulator {
  readonly runtime: Runtime;
  /** The emulator's state, for tests and embedders that look at it directly. */
  readonly stores: Stores;
  /** One API call: `operation` is the name after `RekognitionService.`, `body` the JSON request. */
  dispatch(operation: string, body: Buffer | string, caller: Scope): Promise<WireResponse>;
  /**
   * Load shedding: takes a place for one request of `operation` (before its body is read) and
   * returns the function that gives it back; throws ThrottlingException when its class is full.
   */
  admit(operation: string): () => void;
  /** An error answer outside any operation (unknown target, failed signature...), with a fresh request id. */
  errorResponse(err: RekognitionError): WireResponse;
  readonly control: ControlPlane;
  /** The web console's view of this emulator (server/console.ts serves it). */
  readonly console: ConsoleApi;
  /** The operations this emulator serves, with their notes (docs/COVERAGE.md is made from them). */
  operations(): Map<OperationName, { notes: string }>;
  /** Resumes unfinished work and loads the models in the background. */
  start(): Promise<void>;
  /** Resolves once no background job is running or waiting. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** What tests (and embedders) may replace. */
export interface EmulatorOverrides {
  runtime?: Partial<Runtime>;
  /** Model inference (the emulator does not close it): a fake keeps unit tests free of model loading. */
  inference?: ModelsClient;
  /** Handlers that replace the built-in ones for their operations. */
  providers?: ApiProvider[];
  /** Store tuning beyond the data dir (vector index engine cut-off and ef, for tests and the benchmark). */
  stores?: Omit<StoreOptions, 'dataDir'>;
}

function parseBody(body: Buffer | string): Record<string, unknown> {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.serialization('Unexpected token received from parser');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw errors.serialization('Start of structure or map found where not expected.');
  }
  return parsed as Record<string, unknown>;
}

/** How long stop() waits for aborted jobs to wind down. */
const STOP_GRACE_MS = 3000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

const isOperation = (name: string): name is OperationName => Object.prototype.hasOwnProperty.call(operations, name);

export function createEmulator(config: Partial<Config> = {}, overrides: EmulatorOverrides = {}): Emulator {
  const runtime = createRuntime({ ...defaultConfig, ...config }, overrides.runtime);
  const { log, ids } = runtime;
  // A bad --model-config fails here, so the process refuses to start rather than failing requests.
  const plugins = runtime.config.modelConfig ? loadModelConfig(runtime.config.modelConfig).plugins : [];
  const inference = overrides.inference ?? new ModelsClient({ plugins });
  const stores = createStores({ ...overrides.stores, dataDir: runtime.config.dataDir });
  const jobs = new JobRunner(log);
  const pins = new PinStore();
  const faults = new FaultStore();
  const admission = new Admission(runtime.config.queueLimits);
  const requests = new RequestLog();
  const { all: providers, liveness, streams } = createProviders({ runtime, stores, models: inference, jobs });
  // An injected client is its owner's to load; --lazy-models loads each model on first use.
  const loadsModels = !overrides.inference && !runtime.config.lazyModels;
  const models = trackLoading(loadsModels ? 'pending' : 'lazy', () => runtime.clock.now() - runtime.startedAt.getTime());

  const table = new Map<OperationName, Operation<OperationName>>();
  for (const provider of providers) {
    for (const [name, entry] of Object.entries(provider.handlers)) {
      if (table.has(name as OperationName)) throw new Error(`${name} is served by two providers`);
      table.set(name as OperationName, entry as Operation<OperationName>);
    }
  }
  // A test's own providers replace the built-in handlers of their operations.
  for (const provider of overrides.providers ?? []) {
    for (const [name, entry] of Object.entries(provider.handlers)) table.set(name as OperationName, entry as Operation<OperationName>);
  }

  const answer = (requestId: string, err: unknown, operation: string): WireResponse => {
    if (err instanceof RekognitionError) {
      log.debug('request failed', { operation, requestId, type: err.type, message: err.message });
      return { status: err.status, body: JSON.stringify(err.toBody()), errorType: err.type, requestId };
    }
    log.error('unexpected failure', { operation, requestId, error: describeError(err) });
    return answer(requestId, errors.internal(), operation);
  };

  async function dispatch(operation: string, body: Buffer | string, caller: Scope): Promise<WireResponse> {
    const requestId = ids.uuid();
    const time = runtime.clock.now();
    const started = performance.now();
    const parsed: { request?: Record<string, unknown> } = {};
    const answer = await handle(operation, body, caller, requestId, parsed);
    requests.record({
      time,
      operation,
      account: caller.account,
      region: caller.region,
      requestId,
      status: answer.status,
      latencyMs: performance.now() - started,
      error: answer.errorType,
      request: parsed.request ?? (typeof body === 'string' ? body.slice(0, MAX_RAW_REQUEST_CHARS) : body.toString('utf8', 0, MAX_RAW_REQUEST_CHARS)),
      response: answer.body,
    });
    return answer;
  }

  /** One call, from faults to the serialised answer; `parsed.request` receives the request's JSON once it parsed. */
  async function handle(operation: string, body: Buffer | string, caller: Scope, requestId: string, parsed: { request?: Record<string, unknown> }): Promise<WireResponse> {
    try {
      if (!isOperation(operation)) throw errors.unknownOperation(`${targetPrefix}.${operation}`);
      // Injected faults act as AWS's front end does: before the request is even validated.
      const fault = faults.take(operation);
      if (fault) {
        if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
        if (fault.error) throw fault.error;
      }
      const model = operations[operation];
      parsed.request = parseBody(body);
      const input = model.input ? validateInput(parsed.request, model.input) : {};
      // A pinned response is already wire JSON, checked against the output shape when it was set.
      const pinned = pins.find(operation, input);
      if (pinned) return { status: 200, body: JSON.stringify(pinned.response), requestId };
      const entry = table.get(operation);
      if (!entry) throw errors.notImplemented(operation);
      const ctx = { account: caller.account, region: caller.region, requestId, operation };
      // Decoded images count against the decode budget until the request ends.
      const wire = serializeOutput(await runtime.decodes.request(async () => entry.handle(input as never, ctx)), model.output);
      log.debug('request', { operation, requestId });
      return { status: 200, body: wire, requestId };
    } catch (err) {
      return answer(requestId, err, operation);
    }
  }

  /** A read-only operation run for the console: validated and serialised, but not logged, and no fault or pin applies. */
  async function internalCall(operation: string, input: Record<string, unknown>, scope: Scope): Promise<Record<string, unknown>> {
    if (!isOperation(operation)) throw errors.unknownOperation(operation);
    const model = operations[operation];
    const entry = table.get(operation);
    if (!entry) throw errors.notImplemented(operation);
    const validated = model.input ? validateInput(structuredClone(input), model.input) : {};
    // A random request id: the console's reads leave seeded ids (control plane) to API calls.
    const ctx = { account: scope.account, region: scope.region, requestId: randomUUID(), operation };
    return JSON.parse(serializeOutput(await entry.handle(validated as never, ctx), model.output)) as Record<string, unknown>;
  }

  /** Logs a control-plane failure that is not a refusal of the request. */
  const logged = <T>(work: Promise<T>, message: string, fields: Record<string, unknown>): Promise<T> =>
    work.catch((err: unknown) => {
      if (!(err instanceof ControlError)) log.error(message, { ...fields, error: describeError(err) });
      throw err;
    });

  const control: ControlPlane = {
    health: (version) => ({
      status: 'ok',
      version,
      uptimeSeconds: Math.round((runtime.clock.now() - runtime.startedAt.getTime()) / 1000),
      persistence: runtime.config.dataDir ? 'sqlite' : 'memory',
      modelsReady: models.ready(),
      modelsLoad: models.state(),
      models: inference.states(),
      load: admission.stats(),
    }),
    async ready(timeoutMs) {
      await models.settled(timeoutMs);
      const state = models.state();
      if (state === 'ready' || state === 'lazy') return { ready: true, modelsLoad: state, seconds: models.seconds() };
      if (state === 'failed') return { ready: false, modelsLoad: state, error: models.error() };
      return { ready: false, modelsLoad: state, waitingFor: inference.states().filter((m) => m.state !== 'ready').map((m) => m.name) };
    },
    reset() {
      jobs.abortAll();
      stores.reset();
      for (const provider of providers) provider.reset?.();
      faults.clear();
      return { reset: true, pinsCleared: pins.delete() };
    },
    seed(seed) {
      ids.setSeed(seed);
      return { seed: ids.seeded ?? null };
    },
    pins: {
      list: () => pins.list(),
      set(pin) {
        const outputShape = operations[pin.operation as OperationName].output;
        const problems = outputShape ? checkOutput(pin.response, outputShape) : [];
        if (problems.length) return `'response' does not fit ${pin.operation}'s output: ${problems.join('; ')}`;
        pins.set(pin);
        return undefined;
      },
      delete: (selector) => pins.delete(selector),
    },
    faults: {
      add: (spec) => faults.add(spec),
      list: () => faults.list(),
      clear: (id) => faults.clear(id),
    },
    submitLivenessMedia: (sessionId, media) => logged(liveness.submitMedia(sessionId, media), 'liveness analysis failed', { sessionId }),
    feedStreamProcessor: (name, body) => logged(streams.feed(name, body), 'stream processor feed failed', { name }),
    streamProcessorResults: (name, query) => streams.results(name, query),
  };

  return {
    runtime,
    stores,
    dispatch,
    admit: (operation) => admission.enter(operation),
    errorResponse: (err) => answer(ids.uuid(), err, ''),
    operations() {
      const served = new Map<OperationName, { notes: string }>();
      for (const name of Object.keys(operations) as OperationName[]) {
        const entry = table.get(name);
        if (entry) served.set(name, { notes: entry.notes ?? '' });
      }
      return served;
    },
    control,
    console: { requests, state: consoleState(stores, internalCall, () => runtime.clock.now(), { config: runtime.config, clients: runtime.clients }) },
    async start() {
      log.info('state', { persistence: runtime.config.dataDir ?? 'memory', s3: runtime.config.s3Dir ?? runtime.config.s3Endpoint ?? 'none' });
      for (const provider of providers) await provider.start?.();
      // Jobs a previous run left unfinished run again (or fail) once requests are served.
      jobs.resume();
      // Models load in every worker in the background while requests are already served.
      if (loadsModels) models.load(inference.warmup(), log);
    },
    idle: () => jobs.idle(),
    async stop() {
      jobs.close();
      for (const provider of [...providers].reverse()) await provider.stop?.();
      // An injected client belongs to whoever injected it (e.g. one warmed client shared by test files).
      if (!overrides.inference) await inference.close();
      // Aborted runs end on their next turn: let them (bounded) before the database closes under them.
      await Promise.race([jobs.idle(), delay(STOP_GRACE_MS)]);
      stores.close();
    },
  };
}
