/**
 * Checks one raw HTTP response of the JSON 1.1 protocol against the API model: the body of a
 * success against the operation's output shape (src/api/check-output.ts), an error body against
 * the error envelope and the operation's modelled errors, and the headers every response carries
 * (AWS-BEHAVIOUR.md §1). Returns the problems found; empty means the response fits.
 */
import { checkOutput } from '../../src/api/check-output';
import { operations, shapes, targetPrefix, type OperationName } from '../../src/api/generated/model';

/** Errors of the protocol layer, which any operation may answer besides its modelled errors. */
export const PROTOCOL_ERRORS = [
  'ValidationException',
  'SerializationException',
  'UnknownOperationException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InternalServerError',
  'ThrottlingException',
] as const;

/** Errors only rekognition-local sends: an unimplemented operation, a body over its limit. */
export const EMULATOR_ERRORS = ['NotImplementedException', 'RequestEntityTooLargeException'] as const;

/** Every error name a Rekognition endpoint may put in `__type`: the model's exceptions and the protocol's. */
export const KNOWN_ERRORS: ReadonlySet<string> = new Set([
  ...Object.entries(shapes)
    .filter(([, s]) => s.exception)
    .map(([name]) => name),
  ...PROTOCOL_ERRORS,
  ...EMULATOR_ERRORS,
]);

export const JSON_11 = 'application/x-amz-json-1.1';

/** `com.amazon.coral.validate#ValidationException:http://…` → `ValidationException`. */
export function shortErrorName(type: string): string {
  return type.replace(/^.*#/, '').replace(/:.*$/, '');
}

/** The operation an `X-Amz-Target` header names, if it is one of the model's. */
export function operationOfTarget(target: string | undefined): OperationName | undefined {
  const prefix = `${targetPrefix}.`;
  if (!target?.startsWith(prefix)) return undefined;
  const name = target.slice(prefix.length);
  return Object.prototype.hasOwnProperty.call(operations, name) ? (name as OperationName) : undefined;
}

/** True when the JSON text has no whitespace outside string literals (the service sends compact JSON). */
export function isCompactJson(text: string): boolean {
  return !/\s/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
}

export interface WireResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  body: string;
}

export interface WireCheckOptions {
  /** Exact checks that only hold for rekognition-local (content type without charset, error header, statuses). */
  emulator: boolean;
}

export function checkWireResponse(operation: OperationName, res: WireResponse, { emulator }: WireCheckOptions): string[] {
  const problems: string[] = [];
  if (!res.headers['x-amzn-requestid']) problems.push('header x-amzn-RequestId missing');
  const contentType = res.headers['content-type'] ?? '';
  if (emulator ? contentType !== JSON_11 : !contentType.startsWith(JSON_11)) problems.push(`Content-Type is '${contentType}', not ${JSON_11}`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    problems.push(`body is not JSON: ${res.body.slice(0, 200)}`);
    return problems;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push('body is not a JSON object');
    return problems;
  }

  if (res.status >= 200 && res.status < 300) {
    if (res.status !== 200) problems.push(`success status is ${res.status}, not 200`);
    if (!isCompactJson(res.body)) problems.push('body is not compact JSON (whitespace between tokens)');
    const outputShape = operations[operation].output;
    if (outputShape) problems.push(...checkOutput(parsed, outputShape));
    else if (Object.keys(parsed).length) problems.push(`${operation} has no output shape, but the body is ${res.body.slice(0, 200)}`);
    return problems;
  }
  problems.push(...checkErrorBody(operation, res, parsed as Record<string, unknown>, emulator));
  return problems;
}

function checkErrorBody(operation: OperationName, res: WireResponse, body: Record<string, unknown>, emulator: boolean): string[] {
  const problems: string[] = [];
  const rawType = body.__type;
  if (typeof rawType !== 'string' || rawType === '') return ['error body has no __type'];
  const type = shortErrorName(rawType);
  if (emulator && rawType !== type) problems.push(`__type '${rawType}' is not the short error name`);

  const modelled = operations[operation].errors;
  const allowed = modelled.includes(type) || (PROTOCOL_ERRORS as readonly string[]).includes(type) || (emulator && (EMULATOR_ERRORS as readonly string[]).includes(type));
  if (!allowed) problems.push(`${type} is neither one of ${operation}'s modelled errors (${modelled.join(', ')}) nor a protocol error`);

  const members = shapes[type]?.members ?? {};
  for (const key of Object.keys(body)) {
    if (!['__type', 'Code', 'Message', 'message', 'Logref'].includes(key) && !(key in members)) problems.push(`error body has unexpected member ${key}`);
  }
  const message = body.Message ?? body.message;
  if (typeof message !== 'string') problems.push('error body has no Message (or message) string');
  if ('Message' in body && 'message' in body) problems.push('error body has both Message and message');
  if (body.Code !== undefined && body.Code !== type) problems.push(`Code '${String(body.Code)}' differs from __type '${type}'`);
  // Validation errors come from the Coral layer: lower-case `message`, no Code (AWS-BEHAVIOUR §1.3).
  if (type === 'ValidationException' && ('Code' in body || !('message' in body))) problems.push('ValidationException body is not {"__type","message"}');

  if (emulator) {
    const expected = type === 'InternalServerError' || type === 'ThrottlingException' ? 500 : type === 'NotImplementedException' ? 501 : type === 'RequestEntityTooLargeException' ? 413 : 400;
    if (res.status !== expected) problems.push(`status ${res.status} for ${type}, expected ${expected}`);
    if (res.headers['x-amzn-errortype'] !== type) problems.push(`x-amzn-ErrorType is '${res.headers['x-amzn-errortype']}', expected '${type}'`);
  } else {
    // Throttling is documented as a 5xx but other AWS services send it as a 400: accept both.
    const ok = type === 'InternalServerError' ? res.status >= 500 : type === 'ThrottlingException' ? res.status >= 400 : res.status >= 400 && res.status < 500;
    if (!ok) problems.push(`status ${res.status} for ${type}`);
  }
  return problems;
}
