/**
 * Fuzzes all 75 operations with invalid input generated from their input shapes: the empty body
 * (where members are required), wrong JSON types, strings, lists, maps and blobs past their length
 * limits, pattern-violating strings, out-of-range numbers, bad enum values, nulls inside lists and
 * maps, and garbage base64. Each mutation is applied to an otherwise minimal valid body, so the
 * answer must be the specific error for it: SerializationException for types, ValidationException
 * naming the member's path and constraint, InvalidImageFormatException for image bytes that are
 * not base64. Every answer must be a 400 with a JSON body that fits the wire contract — never a
 * 5xx, never HTML. Finally the emulator must still be healthy.
 */
import { describe, expect, it } from 'vitest';
import { operations, targetPrefix, type OperationName } from '../../src/api/generated/model';
import { emulatorEndpoint, isEmulator } from '../support/client';
import { validateInput } from '../../src/api/validate';
import { casesFor, type FuzzCase } from '../support/fuzz-cases';
import { validValue } from '../support/shape-values';
import { checkWireResponse } from '../support/wire-check';

const CONCURRENCY = 8;

interface Outcome {
  label: string;
  problems: string[];
}

async function send(operation: OperationName, c: FuzzCase): Promise<Outcome> {
  const text = c.raw ? (c.body as string) : JSON.stringify(c.body);
  const res = await fetch(emulatorEndpoint(), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `${targetPrefix}.${operation}` },
    body: text,
  });
  const body = await res.text();
  const headers = Object.fromEntries([...res.headers].map(([k, v]) => [k.toLowerCase(), v]));
  const problems = checkWireResponse(operation, { status: res.status, headers, body }, { emulator: true });
  if (res.status !== 400) problems.push(`status ${res.status}, expected 400`);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    // reported by checkWireResponse
  }
  if (json.__type !== c.type) problems.push(`__type ${String(json.__type)}, expected ${c.type}`);
  const message = String(json.message ?? json.Message ?? '');
  if (c.message !== undefined) {
    if (c.exact ? message !== c.message : !message.includes(c.message)) problems.push(`message '${message.slice(0, 600)}' does not ${c.exact ? 'equal' : 'contain'} '${c.message}'`);
  }
  return { label: c.label, problems };
}

async function runAll(operation: OperationName, cases: FuzzCase[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      outcomes.push(await send(operation, c));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return outcomes;
}

const operationNames = Object.keys(operations) as OperationName[];
let total = 0;

describe.skipIf(!isEmulator)('fuzzing every operation with invalid input', () => {
  it('covers the 75 operations of the model', () => {
    expect(operationNames).toHaveLength(75);
  });

  it('mutates bodies that are valid but for the mutation', () => {
    const invalid: string[] = [];
    for (const operation of operationNames) {
      const shape = operations[operation].input!;
      try {
        validateInput(JSON.parse(JSON.stringify(validValue(shape))), shape);
      } catch (err) {
        invalid.push(`${operation}: ${(err as Error).message}`);
      }
    }
    expect(invalid).toEqual([]);
  });

  for (const operation of operationNames) {
    it(operation, async () => {
      const cases = casesFor(operations[operation].input!);
      total += cases.length;
      const failures = (await runAll(operation, cases)).filter((o) => o.problems.length).map((o) => `${o.label}: ${o.problems.join('; ')}`);
      expect(failures).toEqual([]);
    });
  }

  it('leaves the emulator healthy', async () => {
    // 2,569 cases with the 2016-06-27 model; far fewer means the generator lost a branch.
    expect(total).toBeGreaterThan(2000);
    const res = await fetch(new URL('/_rekognition/health', emulatorEndpoint()));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
  });
});
