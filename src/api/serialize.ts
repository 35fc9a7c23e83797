/**
 * Writes an operation's output as the service does: compact JSON; each structure's members in its
 * wire order (src/api/generated/wire-order.ts: the model's member order, or the shape's wireOrder
 * patch in model-patches.json), whatever order the handler assigned them in; floats as float32
 * values widened to double and printed in shortest round-trip form with `.0` kept; timestamps as
 * epoch seconds; blobs as base64; absent members left out. Members the model does not define are
 * not sent. Map entries and list items keep the handler's order: that order is data.
 */
import { shapes } from './generated/model';
import { memberOrder } from './generated/wire-order';
import { memberShapeName } from './model-types';

/**
 * A float as AWS writes it: the float32 value widened to double, in Java's Double.toString form —
 * the shortest round-trip digits, decimal with at least one fraction digit from 1e-3 up to 1e7,
 * computerized scientific notation (`5.066394805908203E-4`, `1.0E7`) outside (AWS-BEHAVIOUR §9).
 */
export function formatFloat(value: number): string {
  const widened = Math.fround(value);
  if (!Number.isFinite(widened)) return '0.0';
  if (widened === 0) return Object.is(widened, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(widened);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(widened);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = widened.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

function write(value: unknown, shapeName: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const shape = shapes[shapeName];
  switch (shape.type) {
    case 'structure': {
      const parts: string[] = [];
      const members = shape.members ?? {};
      const object = value as Record<string, unknown>;
      for (const key of memberOrder[shapeName]) {
        if (!Object.hasOwn(object, key)) continue;
        const memberValue = object[key];
        const ref = members[key];
        const text = typeof ref === 'object' && ref.jsonvalue ? JSON.stringify(memberValue) : write(memberValue, memberShapeName(ref));
        if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
      }
      return `{${parts.join(',')}}`;
    }
    case 'list':
      return `[${(value as unknown[]).map((item) => write(item, shape.member!) ?? 'null').join(',')}]`;
    case 'map':
      return `{${Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${JSON.stringify(k)}:${write(v, shape.value!) ?? 'null'}`)
        .join(',')}}`;
    case 'float':
    case 'double':
      return formatFloat(value as number);
    case 'integer':
    case 'long':
      return String(Math.round(value as number));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'blob':
      return JSON.stringify(Buffer.from(value as Uint8Array).toString('base64'));
    case 'timestamp': {
      const ms = value instanceof Date ? value.getTime() : (value as number) * 1000;
      return String(ms / 1000);
    }
    default:
      return JSON.stringify(value);
  }
}

export function serializeOutput(output: unknown, outputShape: string | null): string {
  if (!outputShape) return '{}';
  return write(output ?? {}, outputShape) ?? '{}';
}
