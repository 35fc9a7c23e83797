import { describe, expect, it } from 'vitest';
import { RekognitionError } from '../../src/api/errors';
import { decodePageToken, encodePageToken } from '../../src/api/pagination';
import { IdGenerator } from '../../src/runtime/ids';

describe('IdGenerator', () => {
  it('makes AWS-shaped ids', () => {
    const ids = new IdGenerator();
    expect(ids.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids.hex(64)).toMatch(/^[0-9a-f]{64}$/);
    expect(ids.alnum(8)).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(ids.nameBased('image')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-/);
  });

  it('repeats the same sequence for the same seed and differs within it', () => {
    const a = new IdGenerator();
    const b = new IdGenerator();
    a.setSeed('s');
    b.setSeed('s');
    const seqA = [a.uuid(), a.hex(64), a.uuid()];
    expect([b.uuid(), b.hex(64), b.uuid()]).toEqual(seqA);
    expect(seqA[0]).not.toBe(seqA[2]);
    a.setSeed(undefined);
    expect(a.uuid()).not.toBe(seqA[0]);
  });
});

describe('page tokens', () => {
  it('round-trips a position for the issuing operation only', () => {
    const token = encodePageToken('abc', 'ListCollections');
    expect(decodePageToken(token, 'ListCollections')).toBe('abc');
    expect(() => decodePageToken(token, 'ListFaces')).toThrow(RekognitionError);
    expect(() => decodePageToken('garbage', 'ListCollections')).toThrow('Invalid Token');
  });
});
