/**
 * How the page talks to its emulator: the console's JSON routes and the control plane, with the
 * control token when one was given (in the page's address, kept for the tab's session), and API
 * calls through the console's call route in the account and region picked in the header.
 */
const BASE = new URL('.', location.href).pathname; // /_rekognition/console/
const CONTROL = BASE.replace(/console\/$/, ''); // /_rekognition/

const fromAddress = new URLSearchParams(location.search).get('token');
if (fromAddress) {
  sessionStorage.setItem('rekognition-local-token', fromAddress);
  // The token leaves the address bar (and the history) once kept.
  history.replaceState(null, '', location.pathname + location.hash);
}
const token = () => sessionStorage.getItem('rekognition-local-token');

export const scope = { account: '', region: '' };

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

function scoped(path: string): string {
  const q = new URLSearchParams();
  if (scope.account) q.set('account', scope.account);
  if (scope.region) q.set('region', scope.region);
  return `${path}${path.includes('?') ? '&' : '?'}${q}`;
}

async function answer<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** GET a console route (api/...), in the picked account and region. */
export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(scoped(`${BASE}api/${path}`), { headers: headers() }));
}

/** An image of a console route as an object URL (an <img> cannot send the token itself). */
export async function imageUrl(path: string): Promise<string | undefined> {
  const res = await fetch(scoped(`${BASE}api/${path}`), { headers: headers() });
  return res.ok ? URL.createObjectURL(await res.blob()) : undefined;
}

/** A control-plane route (pins, faults, reset). */
export async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  return answer<T>(await fetch(`${CONTROL}${path}`, init));
}

export interface CallResult {
  status: number;
  requestId: string | null;
  body: Record<string, unknown>;
  ms: number;
}

/** One Rekognition API call, as the SDKs send it (JSON 1.1, X-Amz-Target). */
export async function call(operation: string, input: unknown): Promise<CallResult> {
  const started = performance.now();
  const res = await fetch(scoped(`${BASE}api/call`), {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `RekognitionService.${operation}` }),
    body: JSON.stringify(input),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, requestId: res.headers.get('x-amzn-RequestId'), body, ms: performance.now() - started };
}
