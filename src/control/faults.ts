/**
 * Fault injection, for users' tests of their retry and error handling: chosen operations fail with
 * a chosen AWS error, or answer late, a given number of times or with a given probability, until
 * the fault is used up or cleared. Set through the control plane (POST /_rekognition/faults).
 */
import { errors, RekognitionError } from '../api/errors';
import { operations, shapes } from '../api/generated/model';

/** The transient errors AWS documents for Rekognition, with their HTTP codes and messages. */
const TRANSIENT: Record<string, () => RekognitionError> = {
  ThrottlingException: errors.throttling,
  ProvisionedThroughputExceededException: errors.provisionedThroughputExceeded,
  InternalServerError: errors.internal,
  // The Developer Guide's 5xx ThrottlingException, "Service Unavailable".
  ServiceUnavailable: errors.serviceUnavailable,
};

export interface FaultSpec {
  /** An operation name, or `*` for every operation. */
  operation: string;
  /** One of TRANSIENT's names, or any exception of the API model (HTTP 400; 500 for modelled faults). */
  error?: string;
  /** Replaces the error's message. */
  message?: string;
  /** Delay before answering (or before failing, with `error`). */
  latencyMs?: number;
  /** How many calls the fault hits before it clears itself; 1 when neither count nor probability is given. */
  count?: number;
  /** Chance (0 to 1) that a matching call is hit; without `count` the fault lasts until cleared. */
  probability?: number;
}

export interface Fault extends FaultSpec {
  id: number;
  /** Calls hit so far. */
  hits: number;
}

/** What a matching call must suffer: a delay, then possibly an error. */
export interface FaultEffect {
  latencyMs: number;
  error?: RekognitionError;
}

const MAX_LATENCY_MS = 10 * 60_000;

function errorFor(name: string, message: string | undefined): RekognitionError | string {
  const known = TRANSIENT[name];
  if (known) {
    const err = known();
    return message === undefined ? err : new RekognitionError(err.type, message, err.status, err.bodyStyle);
  }
  const shape = shapes[name];
  if (!shape?.exception) return `'error' must be one of ${Object.keys(TRANSIENT).join(', ')} or an exception of the Rekognition API (e.g. LimitExceededException)`;
  return new RekognitionError(name, message ?? `${name} injected by the emulator's fault injection`, shape.fault ? 500 : 400);
}

export class FaultStore {
  private faults: Fault[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  /** Adds a fault; a string says what is wrong with the spec. */
  add(spec: FaultSpec): Fault | string {
    const { operation, error, message, latencyMs, count, probability } = spec;
    if (typeof operation !== 'string' || (operation !== '*' && !Object.prototype.hasOwnProperty.call(operations, operation))) {
      return `'operation' must name a Rekognition operation, or be '*' for all`;
    }
    if (error === undefined && latencyMs === undefined) return `give 'error', 'latencyMs' or both`;
    if (error !== undefined) {
      if (typeof error !== 'string') return `'error' must be a string`;
      if (message !== undefined && typeof message !== 'string') return `'message' must be a string`;
      const built = errorFor(error, message);
      if (typeof built === 'string') return built;
    }
    if (latencyMs !== undefined && !(Number.isInteger(latencyMs) && latencyMs >= 0 && latencyMs <= MAX_LATENCY_MS)) return `'latencyMs' must be an integer from 0 to ${MAX_LATENCY_MS}`;
    if (count !== undefined && !(Number.isInteger(count) && count >= 1)) return `'count' must be a positive integer`;
    if (probability !== undefined && !(typeof probability === 'number' && probability >= 0 && probability <= 1)) return `'probability' must be a number from 0 to 1`;
    const fault: Fault = { id: this.nextId++, operation, error, message, latencyMs, count: count ?? (probability === undefined ? 1 : undefined), probability, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Clears one fault by id, or all; returns how many were cleared. */
  clear(id?: number): number {
    const before = this.faults.length;
    this.faults = id === undefined ? [] : this.faults.filter((f) => f.id !== id);
    return before - this.faults.length;
  }

  /** The effect on one call of `operation`: the first matching fault that fires, if any. */
  take(operation: string): FaultEffect | undefined {
    for (const fault of this.faults) {
      if (fault.operation !== '*' && fault.operation !== operation) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      fault.hits++;
      if (fault.count !== undefined && fault.hits >= fault.count) this.faults = this.faults.filter((f) => f !== fault);
      const error = fault.error === undefined ? undefined : (errorFor(fault.error, fault.message) as RekognitionError);
      return { latencyMs: fault.latencyMs ?? 0, error };
    }
    return undefined;
  }
}
