/**
 * Input checking driven by the generated model tables, in AWS's order: JSON types first
 * (SerializationException, the first mismatch wins), then constraints (ValidationException listing
 * up to 10 violations, Coral's wording). Existence and business rules belong to the handlers.
 *
 * Unknown members are dropped so newer SDKs keep working. Blobs arrive base64 and leave as Buffers;
 * timestamps arrive as epoch seconds and leave as Dates.
 */
import { errors } from './errors';
import { shapes } from './generated/model';
import { memberShapeName, type ModelShape } from './model-types';

const MAX_REPORTED = 10;
const patternCache = new Map<string, RegExp>();

function patternFor(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    // The model's patterns are Java regular expressions; those Rekognition uses (\p{L} classes
    // included) are valid JavaScript in Unicode mode.
    re = new RegExp(`^(?:${pattern})$`, 'su');
    patternCache.set(pattern, re);
  }
  return re;
}

function javaNumberClass(n: number): string {
  if (!Number.isInteger(n)) return 'java.lang.Double';
  if (n >= -2147483648 && n <= 2147483647) return 'java.lang.Integer';
  return 'java.lang.Long';
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

function wrongStart(value: unknown): never {
  throw errors.serialization(Array.isArray(value) ? 'Start of list found where not expected' : 'Start of structure or map found where not expected.');
}

const javaTypeName: Record<string, string> = { integer: 'Integer', long: 'Long', float: 'Float', double: 'Double', string: 'String', boolean: 'Boolean' };

/** Java's range for each integer type (a long's ends are as near as a double gets). */
const INTEGER_RANGE = { integer: [-2147483648, 2147483647], long: [-(2 ** 63), 2 ** 63] } as const;

/**
 * A JSON number read into an integer member as Coral reads it (its TruncatingBigNumber, which the
 * dynalite reference emulator follows too): the fraction is dropped and values beyond the Java type,
 * 1e308 or a 1e400 that parses to Infinity included, stop at its end. So 1.5 is 1, and a huge
 * number is refused by the member's range constraint with the Java value in the message, never
 * passed on as a huge or infinite number.
 */
function javaInteger(value: number, type: 'integer' | 'long'): number {
  const [min, max] = INTEGER_RANGE[type];
  return Math.min(max, Math.max(min, Math.trunc(value)));
}

/** Converts JSON into handler values, throwing SerializationException on a type mismatch. */
function coerce(value: unknown, shapeName: string): unknown {
  if (value === null || value === undefined) return undefined;
  const shape = shapes[shapeName];
  const kind = jsonKind(value);
  switch (shape.type) {
    case 'structure': {
      if (kind !== 'object') throw errors.serialization(kind === 'list' ? 'Start of list found where not expected' : 'Expected null');
      const out: Record<string, unknown> = {};
      const input = value as Record<string, unknown>;
      for (const [member, ref] of Object.entries(shape.members ?? {})) {
        if (!(member in input)) continue;
        const coerced = typeof ref === 'object' && ref.jsonvalue ? coerceJsonValue(input[member]) : coerce(input[member], memberShapeName(ref));
        if (coerced !== undefined) out[member] = coerced;
      }
      return out;
    }
    case 'list':
      if (kind !== 'list') {
        if (kind === 'object') wrongStart(value);
        throw errors.serialization('Expected list or null');
      }
      return (value as unknown[]).map((item) => coerce(item, shape.member!));
    case 'map': {
      if (kind !== 'object') {
        if (kind === 'list') wrongStart(value);
        throw errors.serialization('Expected map or null');
      }
      const out: Record<string, unknown> = {};
      // defineProperty, not assignment: a key named `__proto__` (a valid tag key) must stay a key.
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        Object.defineProperty(out, k, { value: coerce(v, shape.value!), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'string':
      if (kind === 'string') return value;
      if (kind === 'object' || kind === 'list') wrongStart(value);
      throw errors.serialization(`class ${kind === 'number' ? javaNumberClass(value as number) : 'java.lang.Boolean'} can not be converted to an String`);
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      if (kind === 'number') return shape.type === 'integer' || shape.type === 'long' ? javaInteger(value as number, shape.type) : value;
      if (kind === 'object' || kind === 'list') wrongStart(value);
      throw errors.serialization(`class java.lang.${kind === 'string' ? 'String' : 'Boolean'} can not be converted to an ${javaTypeName[shape.type]}`);
    case 'boolean':
      if (kind === 'boolean') return value;
      if (kind === 'object' || kind === 'list') wrongStart(value);
      if (kind === 'string') throw errors.serialization(`'${String(value).toUpperCase()}' can not be converted to an Boolean`);
      throw errors.serialization(`class ${javaNumberClass(value as number)} can not be converted to an Boolean`);
    case 'blob': {
      if (kind === 'object' || kind === 'list') wrongStart(value);
      if (kind !== 'string') throw errors.serialization(`class ${kind === 'number' ? javaNumberClass(value as number) : 'java.lang.Boolean'} can not be converted to a Blob`);
      return decodeBase64(value as string, shapeName);
    }
    case 'timestamp':
      if (kind === 'number') return new Date((value as number) * 1000);
      if (kind === 'string' && !Number.isNaN(Date.parse(value as string))) return new Date(value as string);
      if (kind === 'object' || kind === 'list') wrongStart(value);
      throw errors.serialization(`class java.lang.${kind === 'string' ? 'String' : 'Boolean'} can not be converted to a Date`);
    default:
      return value;
  }
}

function coerceJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') throw errors.serialization('Expected a JSON document encoded as a string');
  return value;
}

/** Blob shapes holding images. */
const IMAGE_BLOBS = new Set(['ImageBlob', 'LivenessImageBlob']);

/**
 * Strict base64, as the service reads it: in an image, anything else is not an image it can
 * decode (InvalidImageFormatException). In other blobs (UpdateDatasetEntries' GroundTruth, whose
 * modelled errors include no image error) it is a body that cannot be read: SerializationException
 * (a choice; no capture shows it). Node's decoder skips characters outside the alphabet, so a short
 * result (or URL-safe characters) reveals bad input without scanning megabytes with a regular expression.
 */
function decodeBase64(text: string, shapeName: string): Buffer {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const decoded = text.length % 4 === 0 ? Buffer.from(text, 'base64') : undefined;
  if (!decoded || decoded.length !== (text.length / 4) * 3 - padding || text.includes('-') || text.includes('_')) {
    if (!IMAGE_BLOBS.has(shapeName)) throw errors.serialization('Base64 encoded data is not valid');
    throw errors.invalidImageFormat('Invalid image encoding');
  }
  return decoded;
}

/** How Coral prints a value inside a validation message. */
function printValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Buffer.isBuffer(value)) return `'java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]'`;
  if (Array.isArray(value)) return `'[${value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')}]'`;
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (typeof value === 'object') return `'${JSON.stringify(value)}'`;
  return `'${String(value)}'`;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function sizeOf(value: unknown): number {
  if (typeof value === 'string') return [...value].length;
  if (Buffer.isBuffer(value) || Array.isArray(value)) return value.length;
  return Object.keys(value as object).length;
}

function checkConstraints(value: unknown, shape: ModelShape, path: string, found: string[]): void {
  const fail = (constraint: string) => {
    if (found.length < MAX_REPORTED) found.push(`Value ${printValue(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  };
  if (['string', 'blob', 'list', 'map'].includes(shape.type)) {
    const size = sizeOf(value);
    if (shape.min !== undefined && size < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && size > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
  } else if (typeof value === 'number') {
    if (shape.min !== undefined && value < shape.min) fail(`Member must have value greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && value > shape.max) fail(`Member must have value less than or equal to ${shape.max}`);
  }
  if (shape.type === 'string') {
    if (shape.enum && !shape.enum.includes(value as string)) fail(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
    if (shape.pattern && !patternFor(shape.pattern).test(value as string)) fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  }
}

function collectViolations(value: unknown, shapeName: string, path: string, found: string[]): void {
  const shape = shapes[shapeName];
  // A JSON null inside a list or map (structure members that are null count as absent).
  if (value === undefined) {
    if (found.length < MAX_REPORTED) found.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
    return;
  }
  if (path) checkConstraints(value, shape, path, found);
  if (shape.type === 'structure') {
    const input = value as Record<string, unknown>;
    const required = new Set(shape.required ?? []);
    for (const [member, ref] of Object.entries(shape.members ?? {})) {
      const memberPath = path ? `${path}.${lowerFirst(member)}` : lowerFirst(member);
      const memberValue = input[member];
      if (memberValue === undefined) {
        if (required.has(member) && found.length < MAX_REPORTED) {
          found.push(`Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`);
        }
        continue;
      }
      if (typeof ref === 'object' && ref.jsonvalue) continue;
      collectViolations(memberValue, memberShapeName(ref), memberPath, found);
    }
  } else if (shape.type === 'list') {
    (value as unknown[]).forEach((item, i) => collectViolations(item, shape.member!, `${path}.${i + 1}.member`, found));
  } else if (shape.type === 'map') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      collectViolations(k, shape.key!, `${path}.${k}.key`, found);
      collectViolations(v, shape.value!, `${path}.${k}.value`, found);
    }
  }
}

/** Checks a parsed JSON body against an operation's input shape and returns the handler's input. */
export function validateInput(body: unknown, inputShape: string): Record<string, unknown> {
  const input = (coerce(body ?? {}, inputShape) ?? {}) as Record<string, unknown>;
  const found: string[] = [];
  collectViolations(input, inputShape, '', found);
  if (found.length) {
    throw errors.validation(`${found.length} validation error${found.length > 1 ? 's' : ''} detected: ${found.join('; ')}`);
  }
  return input;
}
