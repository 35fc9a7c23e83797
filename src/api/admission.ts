/**
 * Load shedding: a bounded number of requests in flight per operation class. A request past the
 * bound is refused at once with ThrottlingException (HTTP 400), which every AWS SDK retries with
 * backoff, instead of waiting in an unbounded queue for many seconds as it did before.
 *
 * Two classes: `image`, the operations that take an Image (decoding and model inference, hundreds
 * of ms each on the worker pool), and `other` (collections, faces by id, video job start and
 * results...), which answer in milliseconds and must not be starved by a flood of image requests.
 */
import { errors } from './errors';
import { operations, shapes, type OperationName } from './generated/model';
import { memberShapeName } from './model-types';

export type OperationClass = 'image' | 'other';

export type ClassLimits = Record<OperationClass, number>;

const isOperation = (name: string): name is OperationName => Object.prototype.hasOwnProperty.call(operations, name);

/** `image` for an operation whose input has an Image member (CompareFaces has two), else `other`. */
export function operationClass(operation: string): OperationClass {
  if (!isOperation(operation)) return 'other';
  const input = operations[operation].input;
  const members = input ? Object.values(shapes[input].members ?? {}) : [];
  return members.some((ref) => memberShapeName(ref) === 'Image') ? 'image' : 'other';
}

export interface AdmissionStats {
  inFlight: ClassLimits;
  limits: ClassLimits;
  /** Requests refused since start, per class. */
  shed: ClassLimits;
}

export class Admission {
  private inFlight: ClassLimits = { image: 0, other: 0 };
  private shed: ClassLimits = { image: 0, other: 0 };

  constructor(private readonly limits: ClassLimits) {}

  /**
   * Takes a place for one request of `operation` and returns the function that gives it back
   * (calling it more than once is harmless); throws ThrottlingException when the class is full.
   */
  enter(operation: string): () => void {
    const cls = operationClass(operation);
    if (this.inFlight[cls] >= this.limits[cls]) {
      this.shed[cls]++;
      throw errors.throttling();
    }
    this.inFlight[cls]++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight[cls]--;
    };
  }

  stats(): AdmissionStats {
    return { inFlight: { ...this.inFlight }, limits: { ...this.limits }, shed: { ...this.shed } };
  }
}
