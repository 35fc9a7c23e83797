/**
 * What contract tests use to reach the target: an SDK client whose every response is checked
 * against the API model on the wire, signed raw requests, resource names and S3 inputs valid on
 * both targets.
 */
import { RekognitionClient, type RekognitionClientConfig } from '@aws-sdk/client-rekognition';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Readable } from 'node:stream';
import { expect, inject } from 'vitest';
import type { OperationName } from '../../src/api/generated/model';
import { targetPrefix } from '../../src/api/generated/model';
import { isEmulator, type ContractContext, type FixtureName } from './target';
import { checkWireResponse, JSON_11, operationOfTarget, type WireResponse } from './wire-check';

export { fixtureBytes, isEmulator } from './target';

/** Credentials and region the suite uses against the emulator (any key is accepted there). */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const EMULATOR_REGION = 'us-east-1';
/** The account the emulator gives a non-numeric access key (src/config.ts defaultAccount). */
export const EMULATOR_ACCOUNT = '000000000000';

export function contractContext(): ContractContext {
  const ctx = inject('contract');
  if (!ctx) throw new Error('no contract context: run the suite through vitest.config.ts, whose globalSetup provides it');
  return ctx;
}

/** The emulator's base URL; only meaningful when `isEmulator`. */
export function emulatorEndpoint(): string {
  const { endpoint } = contractContext();
  if (!endpoint) throw new Error('the emulator endpoint is only available when CONTRACT_TARGET is the emulator');
  return endpoint;
}

/** A response that does not fit the API model; it fails whichever test received it. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

interface RawHttpResponse {
  statusCode: number;
  headers: Record<string, string | undefined>;
  body?: unknown;
}

async function readBody(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function lowerCaseHeaders(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * A Rekognition client for the target. Against the emulator: its endpoint, credentials test/test,
 * us-east-1, no retries (a retry would hide a 5xx). Against AWS: the default chain and region.
 * A middleware placed between the transport and the deserializer reads each raw response body,
 * checks it against the operation's model (wire-check.ts) and puts the bytes back for the SDK;
 * a response that does not fit rejects the call with a ContractViolation listing the problems.
 */
export function rekognitionClient(overrides: RekognitionClientConfig = {}): RekognitionClient {
  const client = new RekognitionClient(
    isEmulator ? { endpoint: emulatorEndpoint(), region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1, ...overrides } : { ...overrides },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const request = args.request as { headers?: Record<string, string> };
      const target = Object.entries(request.headers ?? {}).find(([k]) => k.toLowerCase() === 'x-amz-target')?.[1];
      const operation = operationOfTarget(target);
      const response = result.response as RawHttpResponse;
      const bytes = await readBody(response.body);
      response.body = bytes;
      const problems = operation
        ? checkWireResponse(operation, { status: response.statusCode, headers: lowerCaseHeaders(response.headers), body: bytes.toString('utf8') }, { emulator: isEmulator })
        : [`request target '${target}' is not an operation of the model`];
      if (problems.length) {
        const text = `${operation ?? target} answered HTTP ${response.statusCode} that does not fit the model:\n  - ${problems.join('\n  - ')}\nbody: ${bytes.toString('utf8').slice(0, 2000)}`;
        throw new ContractViolation(text);
      }
      return result;
    },
    // Low priority within the deserialize step runs inside the deserializer: it sees the raw response first.
    { step: 'deserialize', priority: 'low', name: 'contractWireCheck', override: true },
  );
  return client;
}

let counter = 0;

/** A resource name unique to this run and call (`[a-zA-Z0-9_.\-]`, ≤ 64 characters), so AWS runs never collide. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${contractContext().runId}-${process.pid.toString(36)}-${counter}`.slice(0, 64);
}

/** The fixture as an S3 image input, valid on both targets (the global setup placed it there). */
export function s3Image(name: FixtureName): { S3Object: { Bucket: string; Name: string } } {
  const { bucket, prefix } = contractContext();
  return { S3Object: { Bucket: bucket, Name: `${prefix}${name}` } };
}

export interface RawResponse extends WireResponse {
  json: Record<string, unknown>;
}

/**
 * Sends a JSON 1.1 request as written, SigV4-signed with the client's credentials (test/test on
 * the emulator), and returns the raw status, headers and body. `operation` becomes the
 * X-Amz-Target `RekognitionService.<operation>` unless `target` is given.
 */
export async function rawRequest(operation: OperationName | string, body: string | Record<string, unknown>, options: { target?: string | null; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const client = isEmulator ? undefined : new RekognitionClient({});
  try {
    const region = client ? await client.config.region() : EMULATOR_REGION;
    const credentials = client ? await client.config.credentials() : EMULATOR_CREDENTIALS;
    const url = targetUrl(region);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const target = options.target === undefined ? `${targetPrefix}.${operation}` : options.target;
    const headers: Record<string, string> = { host: url.host, 'content-type': JSON_11, ...(target === null ? {} : { 'x-amz-target': target }), ...options.headers };
    const signer = new SignatureV4({ credentials, region, service: 'rekognition', sha256: Hash.bind(null, 'sha256') });
    const signed = await signer.sign(new HttpRequest({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: '/', headers, body: text }));
    const sendHeaders = Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== 'host'));
    const res = await fetch(new URL('/', url), { method: 'POST', headers: sendHeaders, body: text });
    const resBody = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(resBody) as Record<string, unknown>;
    } catch {
      // left empty: callers assert on `body` when it is not JSON
    }
    return { status: res.status, headers: Object.fromEntries([...res.headers].map(([k, v]) => [k.toLowerCase(), v])), body: resBody, json };
  } finally {
    client?.destroy();
  }
}

function targetUrl(region: string): URL {
  return new URL(isEmulator ? emulatorEndpoint() : `https://rekognition.${region}.amazonaws.com/`);
}

/** A browser's CORS preflight (OPTIONS, unsigned, as browsers send it) to the target's endpoint. */
export async function preflight(origin: string, requestHeaders: string, path = '/'): Promise<Response> {
  const client = isEmulator ? undefined : new RekognitionClient({});
  try {
    const url = new URL(path, targetUrl(client ? await client.config.region() : EMULATOR_REGION));
    return await fetch(url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': requestHeaders } });
  } finally {
    client?.destroy();
  }
}

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Awaits a call that must fail with the named service error (any service error when `name` is
 * null) and, when given, the exact message and HTTP status. A ContractViolation fails the test
 * with its own text.
 */
export async function expectServiceError(call: Promise<unknown>, name: string | null, expected: { message?: string | RegExp; status?: number } = {}): Promise<SdkError> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  if (caught === undefined) throw new Error(`expected ${name ?? 'a service error'}, but the call succeeded`);
  if (caught instanceof ContractViolation) throw caught;
  const err = caught as SdkError;
  if (name !== null) expect(err.name, `error: ${err.message}`).toBe(name);
  else expect(err.$metadata?.httpStatusCode, `${err.name}: ${err.message} is not a service error`).toBeTypeOf('number');
  if (typeof expected.message === 'string') expect(err.message).toBe(expected.message);
  else if (expected.message) expect(err.message).toMatch(expected.message);
  if (expected.status !== undefined) expect(err.$metadata?.httpStatusCode).toBe(expected.status);
  return err;
}
