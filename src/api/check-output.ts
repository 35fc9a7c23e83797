/**
 * Checks a response body (wire JSON) against an operation's output shape: only members the model
 * defines, the right JSON types, enum values and required members. Used on pinned responses and,
 * in the contract suite, on every response the suite receives.
 */
import { shapes } from './generated/model';
import { memberShapeName } from './model-types';

export function checkOutput(value: unknown, shapeName: string, path = ''): string[] {
  const problems: string[] = [];
  walk(value, shapeName, path || '$', problems);
  return problems;
}

function walk(value: unknown, shapeName: string, path: string, problems: string[]): void {
  const shape = shapes[shapeName];
  const fail = (what: string): void => {
    problems.push(`${path}: ${what}`);
  };
  if (value === null || value === undefined) return fail('is null');
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return fail(`expected ${shapeName} object`);
      const members = shape.members ?? {};
      for (const [key, memberValue] of Object.entries(value)) {
        const ref = members[key];
        if (!ref) fail(`${key} is not a member of ${shapeName}`);
        else if (!(typeof ref === 'object' && ref.jsonvalue)) walk(memberValue, memberShapeName(ref), `${path}.${key}`, problems);
      }
      for (const key of shape.required ?? []) if (!(key in value)) fail(`required member ${key} missing`);
      return;
    }
    case 'list':
      if (!Array.isArray(value)) return fail('expected a list');
      value.forEach((item, i) => walk(item, shape.member!, `${path}[${i}]`, problems));
      return;
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return fail('expected a map');
      for (const [k, v] of Object.entries(value)) walk(v, shape.value!, `${path}.${k}`, problems);
      return;
    case 'string':
      if (typeof value !== 'string') return fail('expected a string');
      if (shape.enum && !shape.enum.includes(value)) fail(`'${value}' is not one of ${shape.enum.join(', ')}`);
      return;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail('expected an integer');
      return;
    case 'float':
    case 'double':
    case 'timestamp':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('expected a number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('expected a boolean');
      return;
    case 'blob':
      if (typeof value !== 'string') fail('expected base64 text');
      return;
  }
}
