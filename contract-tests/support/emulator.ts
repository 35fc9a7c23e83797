/** Helpers for emulator-only tests: unsigned protocol requests and the /_rekognition/ control plane. */
import { targetPrefix } from '../../src/api/generated/model';
import { emulatorEndpoint } from './client';
import { JSON_11 } from './wire-check';

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

async function toResult(res: Response): Promise<HttpResult> {
  const body = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: Object.fromEntries([...res.headers].map(([k, v]) => [k.toLowerCase(), v])), body, json };
}

/** Any HTTP request to the emulator, unsigned. */
export async function emulatorFetch(path: string, init: RequestInit = {}): Promise<HttpResult> {
  return toResult(await fetch(new URL(path, emulatorEndpoint()), init));
}

/** An unsigned JSON 1.1 request; `target: null` leaves the X-Amz-Target header out. */
export async function post(operation: string, body: string | Record<string, unknown>, { target }: { target?: string | null } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { 'Content-Type': JSON_11 };
  const t = target === undefined ? `${targetPrefix}.${operation}` : target;
  if (t !== null) headers['X-Amz-Target'] = t;
  return emulatorFetch('/', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** A control-plane call: `controlPlane('PUT', 'pins', {...})`. */
export async function controlPlane(method: string, path: string, body?: unknown): Promise<HttpResult> {
  return emulatorFetch(`/_rekognition/${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
