/**
 * The wire format, checked on raw signed requests on both targets — only where AWS's behaviour is
 * certain (AWS-BEHAVIOUR.md §1: compact JSON, the content type, x-amzn-RequestId, the two error
 * envelopes, HTTP 400 for client errors) — and CORS as browsers meet it (a captured Rekognition
 * preflight answered 200 with `*`, the requested headers echoed, POST, a max age, and
 * x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage and Date exposed). The emulator-only
 * details are in emulator-only/protocol.
 */
import { describe, expect, it } from 'vitest';
import { isEmulator, preflight, rawRequest, uniqueName } from './support/client';
import { checkWireResponse, isCompactJson, JSON_11 } from './support/wire-check';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('wire format', () => {
  it('answers a success as compact JSON with the JSON 1.1 content type and a request id', async () => {
    const res = await rawRequest('ListCollections', { MaxResults: 1 });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']!.startsWith(JSON_11)).toBe(true);
    expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    expect(isCompactJson(res.body)).toBe(true);
    expect(Array.isArray(res.json.CollectionIds)).toBe(true);
    expect(checkWireResponse('ListCollections', res, { emulator: isEmulator })).toEqual([]);
  });

  it('sends validation errors as {"__type":"ValidationException","message"} with status 400', async () => {
    const res = await rawRequest('CreateCollection', { CollectionId: 'bad id!' });
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    expect(Object.keys(res.json)).toEqual(['__type', 'message']);
    expect(res.json).toEqual({
      __type: 'ValidationException',
      message: "1 validation error detected: Value 'bad id!' at 'collectionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-]+",
    });
    expect(checkWireResponse('CreateCollection', res, { emulator: isEmulator })).toEqual([]);
  });

  it('sends service errors as {"__type","Code","Message"} with status 400', async () => {
    const id = uniqueName('nowhere');
    const res = await rawRequest('DeleteCollection', { CollectionId: id });
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    expect(res.json).toEqual({ __type: 'ResourceNotFoundException', Code: 'ResourceNotFoundException', Message: `The collection id: ${id} does not exist` });
    expect(Object.keys(res.json)).toEqual(['__type', 'Code', 'Message']);
    expect(checkWireResponse('DeleteCollection', res, { emulator: isEmulator })).toEqual([]);
  });

  it('keeps CreateCollection and DeleteCollection bodies in AWS key order', async () => {
    const id = uniqueName('order');
    const created = await rawRequest('CreateCollection', { CollectionId: id });
    expect(created.status).toBe(200);
    expect(Object.keys(created.json)).toEqual(['StatusCode', 'CollectionArn', 'FaceModelVersion']);
    const deleted = await rawRequest('DeleteCollection', { CollectionId: id });
    expect(deleted.body).toBe('{"StatusCode":200}');
  });
});

/** The headers @aws-sdk/client-rekognition sends from a browser, as a preflight lists them. */
const SDK_HEADERS = 'amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-security-token,x-amz-target,x-amz-user-agent';
const ORIGIN = 'https://app.example.com';
const list = (value: string | null | undefined) => (value ?? '').split(',').map((item) => item.trim().toLowerCase());

describe('CORS', () => {
  it('answers a browser preflight with 200, any origin, the SDK headers and POST allowed', async () => {
    const res = await preflight(ORIGIN, SDK_HEADERS);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(list(res.headers.get('access-control-allow-headers'))).toEqual(expect.arrayContaining(SDK_HEADERS.split(',')));
    expect(list(res.headers.get('access-control-allow-methods'))).toContain('post');
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('lets a page read the request id and error type of a signed call that fails', async () => {
    const res = await rawRequest('DeleteCollection', { CollectionId: uniqueName('cors') }, { headers: { origin: ORIGIN } });
    expect(res.status).toBe(400);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(list(res.headers['access-control-expose-headers'])).toEqual(expect.arrayContaining(['x-amzn-requestid', 'x-amzn-errortype', 'date']));
  });
});
