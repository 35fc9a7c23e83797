/**
 * Values generated from the API model: a minimal valid JSON value for any shape (required members
 * only, constraints met where a candidate satisfies them), and the path notation Coral uses in
 * validation messages. Used by the fuzz test and by the NotImplementedException test.
 */
import { shapes } from '../../src/api/generated/model';
import { memberShapeName, type ModelShape } from '../../src/api/model-types';

/** The model's patterns are Java regular expressions; validate.ts reads them the same way. */
export function patternRegExp(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'su');
}

const ACCOUNT = '123456789012';
/** Strings tried in order for a string shape with a pattern; the first that fits is used. */
const STRING_CANDIDATES = [
  'a',
  'abc',
  '1',
  '1.0.0',
  '{}',
  '6b1b0e35-0b7b-4a6e-9b1a-6f0a0a0a0a0a',
  `arn:aws:rekognition:us-east-1:${ACCOUNT}:project/p/1`,
  `arn:aws:rekognition:us-east-1:${ACCOUNT}:project/p/version/v/1`,
  `arn:aws:rekognition:us-east-1:${ACCOUNT}:project/p/dataset/train/1`,
  `arn:aws:rekognition:us-east-1:${ACCOUNT}:streamprocessor/s`,
  `arn:aws:rekognition:us-east-1:${ACCOUNT}:collection/c`,
  `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/s`,
  `arn:aws:kinesisvideo:us-east-1:${ACCOUNT}:stream/s/1`,
  `arn:aws:iam::${ACCOUNT}:role/r`,
  `arn:aws:sns:us-east-1:${ACCOUNT}:t`,
];

function fitsLength(s: string, shape: ModelShape): boolean {
  const n = [...s].length;
  return (shape.min === undefined || n >= shape.min) && (shape.max === undefined || n <= shape.max);
}

function fits(s: string, shape: ModelShape): boolean {
  return fitsLength(s, shape) && (!shape.pattern || patternRegExp(shape.pattern).test(s)) && (!shape.enum || shape.enum.includes(s));
}

/** A string the shape accepts, or undefined when no candidate does. */
export function validString(shape: ModelShape): string | undefined {
  if (shape.enum) return shape.enum[0];
  const min = shape.min ?? 0;
  for (const c of STRING_CANDIDATES) {
    for (const s of [c, c + 'a'.repeat(Math.max(0, min - c.length)), c + '1'.repeat(Math.max(0, min - c.length))]) if (fits(s, shape)) return s;
  }
  for (const ch of ['a', '1', 'A']) {
    const s = ch.repeat(Math.max(1, min));
    if (fits(s, shape)) return s;
  }
  return undefined;
}

function validNumber(shape: ModelShape): number {
  if (shape.min !== undefined) return shape.min;
  if (shape.max !== undefined) return Math.min(1, shape.max);
  return 1;
}

/** A minimal JSON value for the shape: required members only, lists and maps at their minimum size. */
export function validValue(shapeName: string, depth = 0): unknown {
  const shape = shapes[shapeName];
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      if (depth > 8) return out;
      for (const member of shape.required ?? []) out[member] = validValue(memberShapeName(shape.members![member]), depth + 1);
      return out;
    }
    case 'list':
      return Array.from({ length: shape.min ?? 0 }, () => validValue(shape.member!, depth + 1));
    case 'map': {
      const out: Record<string, unknown> = {};
      const keys = distinctKeys(shape.key!, shape.min ?? 0);
      for (const k of keys) out[k] = validValue(shape.value!, depth + 1);
      return out;
    }
    case 'string':
      return validString(shape) ?? 'a';
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return validNumber(shape);
    case 'boolean':
      return true;
    case 'blob':
      return Buffer.alloc(Math.max(3, shape.min ?? 0), 0x41).toString('base64');
    case 'timestamp':
      return 1_700_000_000;
  }
}

/** `n` distinct strings the key shape accepts (fewer if the model leaves no room for them). */
export function distinctKeys(keyShape: string, n: number): string[] {
  const shape = shapes[keyShape];
  const base = validString(shape) ?? 'k';
  const keys: string[] = [];
  for (let i = 0; keys.length < n && i < n * 4 + 10; i++) {
    const candidate = i === 0 ? base : `${base}${i}`;
    if (fits(candidate, shape) && !keys.includes(candidate)) keys.push(candidate);
  }
  return keys;
}

/** Coral's member path element: `collectionId`, `image.bytes`, `labels.1.member`, `tags.k.value`. */
export const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
