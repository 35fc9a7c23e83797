/**
 * The JSON 1.1 protocol layer of the emulator: dispatch, body parsing, error envelopes, request
 * ids, body limits, the 501 of unimplemented operations, and namespacing by the signing key and
 * region. Emulator only: AWS's answers to most of these are not documented exactly.
 */
import { CreateCollectionCommand, ListCollectionsCommand } from '@aws-sdk/client-rekognition';
import { describe, expect, it } from 'vitest';
import { operations, type OperationName } from '../../src/api/generated/model';
import { validateInput } from '../../src/api/validate';
import { servedOperations } from '../../scripts/coverage';
import { isEmulator, rekognitionClient, uniqueName } from '../support/client';
import { emulatorFetch, post, type HttpResult } from '../support/emulator';
import { validValue } from '../support/shape-values';
import { checkWireResponse, isCompactJson, JSON_11 } from '../support/wire-check';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MAX_BODY = 16 * 1024 * 1024;

/** The error as the emulator must send it: status, headers and the exact body. */
function expectError(res: HttpResult, status: number, body: Record<string, string>): void {
  expect(res.status, res.body).toBe(status);
  expect(res.json).toEqual(body);
  expect(Object.keys(res.json!)).toEqual(Object.keys(body));
  expect(res.headers['content-type']).toBe(JSON_11);
  expect(res.headers['x-amzn-errortype']).toBe(body.__type);
  expect(res.headers['x-amzn-requestid']).toMatch(UUID_V4);
}

/** What the emulator serves: its providers' operations and those still in the legacy registry. */
const served = servedOperations();
const unimplemented = (Object.keys(operations) as OperationName[]).filter((op) => !served.has(op));

describe.skipIf(!isEmulator)('protocol', () => {
  describe('dispatch by X-Amz-Target', () => {
    it('answers an unknown operation with UnknownOperationException', async () => {
      expectError(await post('DescribeEverything', {}), 400, {
        __type: 'UnknownOperationException',
        Message: 'Operation RekognitionService.DescribeEverything is not supported by this service.',
      });
    });

    it("answers another service's target with UnknownOperationException", async () => {
      expectError(await post('', {}, { target: 'DynamoDB_20120810.ListTables' }), 400, {
        __type: 'UnknownOperationException',
        Message: 'Operation DynamoDB_20120810.ListTables is not supported by this service.',
      });
    });

    it('answers a missing X-Amz-Target with UnknownOperationException', async () => {
      expectError(await post('', {}, { target: null }), 400, { __type: 'UnknownOperationException', Message: 'Missing X-Amz-Target header.' });
    });

    it('is case-sensitive about operation names', async () => {
      expect((await post('listCollections', {})).json?.__type).toBe('UnknownOperationException');
    });
  });

  describe('body parsing', () => {
    it('answers malformed JSON with SerializationException', async () => {
      expectError(await post('CreateCollection', '{"CollectionId": "a"'), 400, { __type: 'SerializationException', Message: 'Unexpected token received from parser' });
    });

    it('answers a body that is not an object with SerializationException', async () => {
      for (const body of ['[]', '"text"', '12', 'null']) {
        expectError(await post('ListCollections', body), 400, { __type: 'SerializationException', Message: 'Start of structure or map found where not expected.' });
      }
    });

    it('answers members of the wrong JSON type with SerializationException, naming the Java types', async () => {
      expectError(await post('CreateCollection', { CollectionId: 5 }), 400, {
        __type: 'SerializationException',
        Message: 'class java.lang.Integer can not be converted to an String',
      });
      expectError(await post('ListCollections', { MaxResults: '5' }), 400, {
        __type: 'SerializationException',
        Message: 'class java.lang.String can not be converted to an Integer',
      });
      expectError(await post('CreateCollection', { CollectionId: 'a', Tags: ['x'] }), 400, {
        __type: 'SerializationException',
        Message: 'Start of list found where not expected',
      });
    });

    it('reads an empty body as {}', async () => {
      const res = await post('ListCollections', '');
      expect(res.status).toBe(200);
      expect(Object.keys(res.json!)).toEqual(['CollectionIds', 'FaceModelVersions']);
    });

    it('ignores members the model does not define (newer SDKs keep working)', async () => {
      const id = uniqueName('extra');
      const res = await post('CreateCollection', { CollectionId: id, SomethingNew: { a: 1 } });
      expect(res.status).toBe(200);
      expect(res.json?.CollectionArn).toBe(`aws:rekognition:us-east-1:000000000000:collection/${id}`);
      await post('DeleteCollection', { CollectionId: id });
    });

    it('reports several violations in one ValidationException, in member order', async () => {
      expectError(await post('TagResource', { ResourceArn: 'short', Tags: { 'aws:x': 'v' } }), 400, {
        __type: 'ValidationException',
        message:
          "2 validation errors detected: Value 'short' at 'resourceArn' failed to satisfy constraint: Member must have length greater than or equal to 20; " +
          "Value 'aws:x' at 'tags.aws:x.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$",
      });
    });

    it('answers empty image bytes with the message AWS sends', async () => {
      expectError(await post('DetectLabels', { Image: { Bytes: '' } }), 400, {
        __type: 'ValidationException',
        message:
          "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'image.bytes' failed to satisfy constraint: Member must have length greater than or equal to 1",
      });
    });
  });

  describe('body size limit', () => {
    it('answers a body over 16 MiB with 413 and a JSON error, not HTML', async () => {
      const res = await post('CreateCollection', 'x'.repeat(MAX_BODY + 1));
      expectError(res, 413, {
        __type: 'RequestEntityTooLargeException',
        Message: `Request body is larger than the ${MAX_BODY} bytes this endpoint accepts.`,
      });
    });

    it('reads a body of exactly 16 MiB', async () => {
      const res = await post('CreateCollection', 'x'.repeat(MAX_BODY));
      expectError(res, 400, { __type: 'SerializationException', Message: 'Unexpected token received from parser' });
    });
  });

  describe('other methods and paths', () => {
    it('answers GET / with a JSON UnknownOperationException, not HTML', async () => {
      expectError(await emulatorFetch('/'), 400, { __type: 'UnknownOperationException', Message: 'Missing X-Amz-Target header.' });
    });

    it('answers other paths and methods the same way', async () => {
      expectError(await emulatorFetch('/some/path', { method: 'PUT' }), 400, { __type: 'UnknownOperationException', Message: 'Missing X-Amz-Target header.' });
      expectError(await emulatorFetch('/', { method: 'DELETE', headers: { 'X-Amz-Target': 'RekognitionService.ListCollections' } }), 400, {
        __type: 'UnknownOperationException',
        Message: 'Operation RekognitionService.ListCollections is not supported by this service.',
      });
    });
  });

  describe('response envelope', () => {
    it('puts a distinct x-amzn-RequestId on every response', async () => {
      const responses = [
        await post('ListCollections', {}),
        await post('CreateCollection', { CollectionId: 'bad id!' }),
        await post('CreateCollection', '{'),
        await post('Nope', {}),
        await post('DescribeCollection', { CollectionId: uniqueName('none') }),
        await emulatorFetch('/'),
        await post('CreateCollection', 'x'.repeat(MAX_BODY + 1)),
        ...(unimplemented.length ? [await post(unimplemented[0], validValue(operations[unimplemented[0]].input!) as Record<string, unknown>)] : []),
      ];
      const ids = responses.map((r) => r.headers['x-amzn-requestid']);
      for (const id of ids) expect(id).toMatch(UUID_V4);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('sends successes as compact JSON with Content-Type application/x-amz-json-1.1 and no charset', async () => {
      const id = uniqueName('compact');
      const res = await post('CreateCollection', { CollectionId: id, Tags: { a: 'b' } });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(JSON_11);
      expect(res.body).toBe(`{"StatusCode":200,"CollectionArn":"aws:rekognition:us-east-1:000000000000:collection/${id}","FaceModelVersion":"7.0"}`);
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
      expect(isCompactJson(res.body)).toBe(true);
      await post('DeleteCollection', { CollectionId: id });
    });
  });

  describe('operations not implemented yet', () => {
    it('lists them consistently with the model', () => {
      expect(unimplemented.length + served.size).toBe(75);
    });

    it.skipIf(unimplemented.length === 0)('answers each with HTTP 501 NotImplementedException naming it, after validating the input', async () => {
      const failures: string[] = [];
      for (const op of unimplemented) {
        const inputShape = operations[op].input!;
        const body = validValue(inputShape) as Record<string, unknown>;
        validateInput(JSON.parse(JSON.stringify(body)), inputShape);
        const res = await post(op, body);
        const expected = { __type: 'NotImplementedException', Code: 'NotImplementedException', Message: `The operation ${op} is not implemented by rekognition-local yet.` };
        if (res.status !== 501 || JSON.stringify(res.json) !== JSON.stringify(expected)) failures.push(`${op}: ${res.status} ${res.body}`);
        const problems = checkWireResponse(op, { status: res.status, headers: res.headers, body: res.body }, { emulator: true });
        if (problems.length) failures.push(`${op}: ${problems.join('; ')}`);
      }
      expect(failures).toEqual([]);
    });
  });

  describe('state is namespaced by the signing key and region', () => {
    it('keeps collections of different accounts (12-digit keys) and regions apart', async () => {
      const id = uniqueName('ns');
      const credentials = (account: string) => ({ accessKeyId: account, secretAccessKey: 'secret' });
      const a = rekognitionClient({ credentials: credentials('111111111111') });
      const b = rekognitionClient({ credentials: credentials('222222222222') });
      const eu = rekognitionClient({ credentials: credentials('111111111111'), region: 'eu-west-1' });
      try {
        const created = await a.send(new CreateCollectionCommand({ CollectionId: id }));
        expect(created.CollectionArn).toBe(`aws:rekognition:us-east-1:111111111111:collection/${id}`);
        expect((await a.send(new ListCollectionsCommand({}))).CollectionIds).toContain(id);
        expect((await b.send(new ListCollectionsCommand({}))).CollectionIds).not.toContain(id);
        expect((await eu.send(new ListCollectionsCommand({}))).CollectionIds).not.toContain(id);
        const inEu = await eu.send(new CreateCollectionCommand({ CollectionId: id }));
        expect(inEu.CollectionArn).toBe(`aws:rekognition:eu-west-1:111111111111:collection/${id}`);
      } finally {
        a.destroy();
        b.destroy();
        eu.destroy();
      }
    });
  });
});
