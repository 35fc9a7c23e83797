/**
 * Invalid inputs generated from an operation's input shape, for the fuzz test: each is a minimal
 * valid body with one mutation, and carries the error the emulator must answer with.
 */
import { shapes } from '../../src/api/generated/model';
import { memberShapeName, type ModelShape } from '../../src/api/model-types';
import { distinctKeys, lowerFirst, patternRegExp, validString, validValue } from './shape-values';

type PathElement = string | number;

export interface FuzzCase {
  label: string;
  /** The JSON body, or raw text when a string is given with `raw`. */
  body: unknown;
  raw?: boolean;
  type: string;
  /** Text the error message must contain (exact when `exact`). */
  message?: string;
  exact?: boolean;
}

const MAX_DEPTH = 5;
/** Strings and lists longer than this are not generated (none in the model is; blobs may reach 5 MB). */
const MAX_GENERATED = 1_100_000;
const MAX_REPORTED = 10;
const IMAGE_BLOBS = new Set(['ImageBlob', 'LivenessImageBlob']);

const VIOLATING_CANDIDATES = ['bad value!', '!', ' ', '\u0001', '€', '-', '{', 'aws:x', '\t'];

/** The minimal valid body with the value at `path` replaced (intermediate members created valid). */
export function bodyWith(inputShape: string, path: PathElement[], value: unknown): Record<string, unknown> {
  const root = validValue(inputShape) as Record<string, unknown>;
  let node = root as Record<PathElement, unknown>;
  let shape = shapes[inputShape];
  path.forEach((key, i) => {
    const child = shape.type === 'structure' ? memberShapeName(shape.members![key as string]) : shape.type === 'list' ? shape.member! : shape.value!;
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    if (node[key] === undefined || node[key] === null) node[key] = validValue(child);
    node = node[key] as Record<PathElement, unknown>;
    shape = shapes[child];
  });
  return root;
}

const javaBuffer = (n: number) => `java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`;

function constraint(coralPath: string, text: string): string {
  return `at '${coralPath}' failed to satisfy constraint: ${text}`;
}

function wrongTypes(shape: ModelShape): unknown[] {
  switch (shape.type) {
    case 'string':
      return [12345, { a: 1 }, true];
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return ['12', [1]];
    case 'boolean':
      return ['true', 1];
    case 'blob':
      return [12345, ['AAAA']];
    case 'timestamp':
      return ['not a date', true, { a: 1 }];
    case 'structure':
      return ['abc', [], 7];
    case 'list':
      return ['abc', {}];
    case 'map':
      return ['abc', [], 3];
  }
}

/** A string of `length` characters that keeps to the shape's pattern where repeating its valid value can. */
function stringOfLength(shape: ModelShape, length: number): string {
  const seed = validString(shape) ?? 'a';
  return seed.repeat(Math.ceil(length / Math.max(1, seed.length)) + 1).slice(0, length);
}

export function casesFor(inputShape: string): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const root = shapes[inputShape];

  const required = Object.keys(root.members ?? {}).filter((m) => root.required?.includes(m));
  if (required.length) {
    const shown = required.slice(0, MAX_REPORTED);
    const n = shown.length;
    cases.push({
      label: 'empty body',
      body: {},
      type: 'ValidationException',
      message: `${n} validation error${n > 1 ? 's' : ''} detected: ${shown.map((m) => `Value null at '${lowerFirst(m)}' failed to satisfy constraint: Member must not be null`).join('; ')}`,
      exact: true,
    });
  }
  cases.push({ label: 'body is a JSON list', body: '[]', raw: true, type: 'SerializationException' });
  cases.push({ label: 'body is not JSON', body: '{"a":', raw: true, type: 'SerializationException' });

  const visit = (shapeName: string, path: PathElement[], coral: string, depth: number): void => {
    const shape = shapes[shapeName];
    const add = (label: string, value: unknown, type: string, message?: string) =>
      cases.push({ label: `${coral}: ${label}`, body: bodyWith(inputShape, path, value), type, message });
    const invalid = (label: string, value: unknown, text: string, printed?: string) =>
      add(label, value, 'ValidationException', printed ? `Value ${printed} ${constraint(coral, text)}` : constraint(coral, text));

    for (const wrong of wrongTypes(shape)) add(`wrong type ${JSON.stringify(wrong)}`, wrong, 'SerializationException');

    switch (shape.type) {
      case 'string': {
        if (shape.enum) {
          invalid('bad enum value', 'NOT_A_VALID_VALUE', `Member must satisfy enum value set: [${shape.enum.join(', ')}]`, "'NOT_A_VALID_VALUE'");
          break;
        }
        if (shape.max !== undefined && shape.max + 1 <= MAX_GENERATED) invalid(`length ${shape.max + 1}`, stringOfLength(shape, shape.max + 1), `Member must have length less than or equal to ${shape.max}`);
        if (shape.min) invalid(`length ${shape.min - 1}`, stringOfLength(shape, shape.min - 1), `Member must have length greater than or equal to ${shape.min}`);
        if (shape.pattern) {
          const re = patternRegExp(shape.pattern);
          const bad = VIOLATING_CANDIDATES.map((c) => c.repeat(Math.max(1, Math.ceil((shape.min ?? 0) / c.length))))
            .filter((c) => c.length <= (shape.max ?? Infinity))
            .find((c) => !re.test(c));
          if (bad !== undefined) invalid(`pattern ${JSON.stringify(bad)}`, bad, `Member must satisfy regular expression pattern: ${shape.pattern}`, `'${bad}'`);
        }
        break;
      }
      case 'integer':
      case 'long':
      case 'float':
      case 'double':
        if (shape.min !== undefined) invalid(`value ${shape.min - 1}`, shape.min - 1, `Member must have value greater than or equal to ${shape.min}`);
        if (shape.max !== undefined) invalid(`value ${shape.max + 1}`, shape.max + 1, `Member must have value less than or equal to ${shape.max}`);
        break;
      case 'blob': {
        const notBase64 = IMAGE_BLOBS.has(shapeName) ? 'InvalidImageFormatException' : 'SerializationException';
        add('garbage base64 "not base64!"', 'not base64!', notBase64, notBase64 === 'InvalidImageFormatException' ? 'Invalid image encoding' : undefined);
        add('garbage base64 "!!!!"', '!!!!', notBase64);
        add('URL-safe base64 "AB-_"', 'AB-_', notBase64);
        if (shape.max !== undefined && shape.max + 1 <= 6 * 1024 * 1024) {
          invalid(`${shape.max + 1} bytes`, Buffer.alloc(shape.max + 1, 1).toString('base64'), `Member must have length less than or equal to ${shape.max}`, `'${javaBuffer(shape.max + 1)}'`);
        }
        if (shape.min) invalid(`${shape.min - 1} bytes`, Buffer.alloc(shape.min - 1, 1).toString('base64'), `Member must have length greater than or equal to ${shape.min}`, `'${javaBuffer(shape.min - 1)}'`);
        break;
      }
      case 'list': {
        const item = validValue(shape.member!);
        if (shape.max !== undefined && shape.max + 1 <= 10_000) invalid(`${shape.max + 1} items`, Array.from({ length: shape.max + 1 }, () => item), `Member must have length less than or equal to ${shape.max}`);
        if (shape.min) invalid(`${shape.min - 1} items`, Array.from({ length: shape.min - 1 }, () => item), `Member must have length greater than or equal to ${shape.min}`);
        add('null item', [null], 'ValidationException', `Value null ${constraint(`${coral}.1.member`, 'Member must not be null')}`);
        if (depth < MAX_DEPTH) visit(shape.member!, [...path, 0], `${coral}.1.member`, depth + 1);
        break;
      }
      case 'map': {
        const value = validValue(shape.value!);
        const [key] = distinctKeys(shape.key!, 1);
        if (shape.max !== undefined && shape.max + 1 <= 10_000) {
          const keys = distinctKeys(shape.key!, shape.max + 1);
          if (keys.length === shape.max + 1) invalid(`${shape.max + 1} entries`, Object.fromEntries(keys.map((k) => [k, value])), `Member must have length less than or equal to ${shape.max}`);
        }
        if (key !== undefined) {
          add('null value', { [key]: null }, 'ValidationException', `Value null ${constraint(`${coral}.${key}.value`, 'Member must not be null')}`);
          const keyShape = shapes[shape.key!];
          if (keyShape.pattern) {
            const re = patternRegExp(keyShape.pattern);
            const bad = VIOLATING_CANDIDATES.find((c) => !re.test(c) && c.length >= (keyShape.min ?? 0));
            if (bad !== undefined) {
              invalid(`key pattern ${JSON.stringify(bad)}`, { [bad]: value }, `Member must satisfy regular expression pattern: ${keyShape.pattern}`);
              cases[cases.length - 1].message = `Value '${bad}' ${constraint(`${coral}.${bad}.key`, `Member must satisfy regular expression pattern: ${keyShape.pattern}`)}`;
            }
          }
          if (depth < MAX_DEPTH) visit(shape.value!, [...path, key], `${coral}.${key}.value`, depth + 1);
        }
        break;
      }
      case 'structure':
        if (depth < MAX_DEPTH) {
          for (const [member, ref] of Object.entries(shape.members ?? {})) {
            if (typeof ref === 'object' && ref.jsonvalue) continue;
            visit(memberShapeName(ref), [...path, member], coral ? `${coral}.${lowerFirst(member)}` : lowerFirst(member), depth + 1);
          }
        }
        break;
      default:
        break;
    }
  };

  for (const [member, ref] of Object.entries(root.members ?? {})) {
    if (typeof ref === 'object' && ref.jsonvalue) continue;
    visit(memberShapeName(ref), [member], lowerFirst(member), 1);
  }
  return cases;
}
