/** The console's requests log: a bounded ring of the last calls, image bytes elided, and its place in dispatch. */
import { describe, expect, it } from 'vitest';
import { elideBytes, elideBytesInText, MAX_REQUEST_CHARS, MAX_RESPONSE_CHARS, RequestLog } from '../../src/console/request-log';
import { TEST_CALLER, testEmulator } from '../support/emulator';

const call = (n: number, extra: Partial<Parameters<RequestLog['record']>[0]> = {}) => ({
  time: 1000 + n,
  operation: `Op${n}`,
  account: '123456789012',
  region: 'us-east-1',
  requestId: `id-${n}`,
  status: 200,
  latencyMs: n,
  request: { n },
  response: JSON.stringify({ n }),
  ...extra,
});

describe('RequestLog', () => {
  it('keeps the last `size` calls, newest first, and forgets older ones', () => {
    const log = new RequestLog(3);
    expect(log.list()).toEqual([]);
    for (let n = 1; n <= 5; n++) log.record(call(n));
    expect(log.list().map((e) => e.operation)).toEqual(['Op5', 'Op4', 'Op3']);
    expect(log.get(2)).toBeUndefined();
    expect(log.get(6)).toBeUndefined();
    expect(log.get(3)).toMatchObject({ seq: 3, operation: 'Op3', request: { n: 3 }, requestCut: false, response: { n: 3 }, responseCut: false });
  });

  it('lists without bodies', () => {
    const log = new RequestLog(2);
    log.record(call(1, { status: 400, error: 'InvalidParameterException' }));
    expect(log.list()[0]).toEqual({ seq: 1, time: 1001, operation: 'Op1', account: '123456789012', region: 'us-east-1', requestId: 'id-1', status: 400, latencyMs: 1, error: 'InvalidParameterException' });
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new RequestLog(0)).toThrow(/positive size/);
  });

  it('elides image bytes from requests and responses, and cuts long responses', () => {
    const log = new RequestLog(5);
    const bytes = 'A'.repeat(10_000);
    log.record(call(1, { request: { Image: { Bytes: bytes }, Attributes: ['ALL'] } }));
    log.record(call(2, { response: JSON.stringify({ ReferenceImage: { Bytes: bytes } }) }));
    log.record(call(3, { response: JSON.stringify({ Big: 'x'.repeat(MAX_RESPONSE_CHARS) }) }));
    log.record(call(4, { request: '{not json' }));
    expect(log.get(1)!.request).toEqual({ Image: { Bytes: '<image bytes: 10000 characters elided>' }, Attributes: ['ALL'] });
    expect(log.get(2)!.response).toEqual({ ReferenceImage: { Bytes: '<image bytes: 10000 characters elided>' } });
    const cut = log.get(3)!;
    expect(cut.responseCut).toBe(true);
    expect(typeof cut.response).toBe('string');
    expect((cut.response as string).length).toBe(MAX_RESPONSE_CHARS);
    expect(log.get(4)!.request).toBe('{not json');
    // A request too long to keep whole (no Bytes in it: many ids) is kept cut, as text.
    log.record(call(5, { request: { FaceIds: Array.from({ length: 3000 }, (_, i) => `face-${i}-${'0'.repeat(20)}`) } }));
    const long = log.get(5)!;
    expect(long.requestCut).toBe(true);
    expect(typeof long.request).toBe('string');
    expect((long.request as string).length).toBe(MAX_REQUEST_CHARS);
  });

  it('elides Buffers and very long strings, and a Bytes value cut in the middle of the text', () => {
    expect(elideBytes({ a: [{ Bytes: Buffer.alloc(7) }], s: 'y'.repeat(5000) })).toEqual({ a: [{ Bytes: '<image bytes: 7 characters elided>' }], s: '<long string: 5000 characters elided>' });
    expect(elideBytesInText('{"x":{"Bytes":"QUJD')).toBe('{"x":{"Bytes":"<image bytes: 4 characters elided>');
  });
});

describe('the log in dispatch', () => {
  it('records each call with its caller, status, error and latency, bytes elided', async () => {
    const t = testEmulator();
    try {
      await t.call('ListCollections', {}, { account: '111122223333', region: 'eu-west-1' });
      await expect(t.call('DescribeCollection', { CollectionId: 'nope' })).rejects.toThrow();
      await t.emulator.dispatch('DetectFaces', '{"Image": {"Bytes": "' + 'QUJD'.repeat(100) + '"}', TEST_CALLER);
      const [bad, missing, listed] = t.emulator.console.requests.list();
      expect(listed).toMatchObject({ operation: 'ListCollections', account: '111122223333', region: 'eu-west-1', status: 200 });
      expect(listed.error).toBeUndefined();
      expect(listed.latencyMs).toBeGreaterThanOrEqual(0);
      expect(missing).toMatchObject({ operation: 'DescribeCollection', status: 400, error: 'ResourceNotFoundException' });
      expect(t.emulator.console.requests.get(missing.seq)!.response).toMatchObject({ __type: 'ResourceNotFoundException' });
      // A body that does not parse is kept as text.
      expect(bad).toMatchObject({ operation: 'DetectFaces', error: 'SerializationException' });
      expect(t.emulator.console.requests.get(bad.seq)!.request).toMatch(/^\{"Image"/);
    } finally {
      await t.close();
    }
  });
});
