/**
 * SigV4: the Authorization header names the caller's access key and the credential scope
 * (date/region/service). By default any key is accepted and only account and region are taken from
 * it; with --strict-auth the signature is recomputed with the configured secret and compared.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { timingSafeEqual } from 'node:crypto';
import { errors } from '../src/api/errors';
import type { Config } from '../src/emulator';

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** The credential scope's service AWS requires for this API. */
export const SIGNING_SERVICE = 'rekognition';

/**
 * How far X-Amz-Date may be from the server clock. Rekognition's own answers say 5 minutes
 * ("Signature expired: ... (20190430T105909Z - 5 min.)", CompareFaces 2018, SearchFacesByImage 2019),
 * as AWS's signing guide does ("within five minutes of the time stamp in the request").
 */
export const CLOCK_SKEW_MINUTES = 5;

/**
 * The regions Rekognition's API is offered in (AWS General Reference, "Amazon Rekognition endpoints
 * and quotas", and the SDKs' endpoint data). A scope naming any other region is refused as an AWS
 * endpoint refuses a region it does not serve.
 */
export const REKOGNITION_REGIONS: ReadonlySet<string> = new Set([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-south-2', 'il-central-1',
  'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1', 'ap-southeast-2',
  'us-gov-west-1',
]);

const ALGORITHM = 'AWS4-HMAC-SHA256';

/**
 * Reads the Authorization header: undefined when there is none; an IncompleteSignatureException,
 * with AWS's wording, when it is there but not a complete SigV4 header.
 */
export function parseAuthorization(header: string | undefined, hasDate = true): ParsedAuthorization | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  const params = new Map<string, string>();
  if (text.startsWith(`${ALGORITHM} `)) {
    // AWS splits on commas and blanks, then on the first '=': `Credential=AKID /...` leaves a stray token.
    for (const item of text.slice(ALGORITHM.length).split(/[\s,]+/)) {
      if (item === '') continue;
      const eq = item.indexOf('=');
      if (eq < 0) throw errors.incompleteSignature(`'${item}' not a valid key=value pair (missing equal-sign) in Authorization header: '${text}'.`);
      params.set(item.slice(0, eq), item.slice(eq + 1));
    }
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !params.get(name));
  const problems = missing.map((name) => `Authorization header requires '${name}' parameter.`);
  if (!hasDate) problems.push(`Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.`);
  if (problems.length) throw errors.incompleteSignature(`${problems.join(' ')} Authorization=${text}`);

  const credential = params.get('Credential')!;
  const scope = credential.split('/');
  if (scope.length !== 5) {
    throw errors.incompleteSignature(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  const [accessKeyId, date, region, service] = scope;
  return { accessKeyId, date, region, service, signedHeaders: params.get('SignedHeaders')!.split(';'), signature: params.get('Signature')! };
}

/** A 12-digit access key is read as the account id (as LocalStack does); any other key maps to the default account. */
export function accountFor(accessKeyId: string | undefined, config: Config): string {
  return accessKeyId && /^\d{12}$/.test(accessKeyId) ? accessKeyId : config.defaultAccount;
}

export interface IncomingSigned {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function amzDate(text: string | undefined): Date | undefined {
  const m = text && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

/** 20190430T105909Z, as AWS prints times in its signature errors. */
const basicIso = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** The request's X-Amz-Date (or Date header), refused as AWS refuses it when it is too far from `now`. */
function requestDate(headers: IncomingSigned['headers'], now: number): Date {
  const amz = headerValue(headers['x-amz-date']);
  const date = amz !== undefined ? amzDate(amz) : parseHttpDate(headerValue(headers.date));
  if (!date) throw errors.incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${amz ?? headerValue(headers.date)}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  const skew = CLOCK_SKEW_MINUTES * 60_000;
  const signed = basicIso(date.getTime());
  if (date.getTime() < now - skew) {
    throw errors.invalidSignature(`Signature expired: ${signed} is now earlier than ${basicIso(now - skew)} (${basicIso(now)} - ${CLOCK_SKEW_MINUTES} min.)`);
  }
  if (date.getTime() > now + skew) {
    throw errors.invalidSignature(`Signature not yet current: ${signed} is still later than ${basicIso(now + skew)} (${basicIso(now)} + ${CLOCK_SKEW_MINUTES} min.)`);
  }
  return date;
}

function parseHttpDate(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * Throws the error AWS gives when the request's signature cannot be accepted: malformed header,
 * scope for another service or an unserved region, a date outside the allowed skew, an unknown
 * key, or a signature that does not match. `now` is the server clock in ms.
 */
export async function verifySignature(req: IncomingSigned, auth: ParsedAuthorization | undefined, config: Config, now: number): Promise<void> {
  if (!auth) throw errors.missingAuthentication();
  // AWS prints the trailing space in both scope messages.
  if (auth.service !== SIGNING_SERVICE) throw errors.invalidSignature(`Credential should be scoped to correct service: '${SIGNING_SERVICE}'. `);
  if (!REKOGNITION_REGIONS.has(auth.region)) throw errors.invalidSignature(`Credential should be scoped to a valid region, not '${auth.region}'. `);
  const date = requestDate(req.headers, now);
  const credential = config.credentials.find((c) => c.accessKeyId === auth.accessKeyId);
  if (!credential) throw errors.unrecognizedClient();

  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = headerValue(req.headers[name]);
    if (value !== undefined) headers[name] = value;
  }
  const [path, query = ''] = req.path.split('?');
  const signer = new SignatureV4({
    credentials: { ...credential, sessionToken: headers['x-amz-security-token'] },
    region: auth.region,
    service: auth.service,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const request = new HttpRequest({
    method: req.method,
    hostname: (headers.host ?? 'localhost').split(':')[0],
    path,
    query: Object.fromEntries(new URLSearchParams(query)),
    headers,
    body: req.body,
  });
  const signed = await signer.sign(request, { signingDate: date, signableHeaders: new Set(auth.signedHeaders) });
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const a = Buffer.from(expected);
  const b = Buffer.from(auth.signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw errors.invalidSignature();
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}
