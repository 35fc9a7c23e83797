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

const AUTH = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header) return undefined;
  const m = AUTH.exec(header.trim());
  if (!m) return undefined;
  return { accessKeyId: m[1], date: m[2], region: m[3], service: m[4], signedHeaders: m[5].split(';'), signature: m[6] };
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

/** Throws the error AWS gives when the request's signature cannot be verified with a configured key. */
export async function verifySignature(req: IncomingSigned, auth: ParsedAuthorization | undefined, config: Config): Promise<void> {
  if (!auth) throw errors.missingAuthentication();
  const credential = config.credentials.find((c) => c.accessKeyId === auth.accessKeyId);
  if (!credential) throw errors.unrecognizedClient();
  const date = amzDate(headerValue(req.headers['x-amz-date']));
  if (!date) throw errors.invalidSignature();

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
