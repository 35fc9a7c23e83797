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

const longKey = (last: string) => `${'k'.repeat(254)}${last}`;

describe('page tokens', () => {
  it('round-trips a position for the issuing operation only', () => {
    const token = encodePageToken('abc', 'ListCollections');
    expect(decodePageToken(token, 'ListCollections')).toBe('abc');
    expect(() => decodePageToken(token, 'ListFaces')).toThrow(RekognitionError);
    expect(() => decodePageToken('garbage', 'ListCollections')).toThrow('Invalid Token');
  });
  it('stay within 255 characters for the longest keys and resolve a long key among those sharing its prefix', () => {
    const keys = ['a', 'b', 'c'].map(longKey);
    const token = encodePageToken(keys[1], 'ListCollections');
    expect(token.length).toBeLessThanOrEqual(255);
    expect(decodePageToken(token, 'ListCollections', { sharingPrefix: () => keys })).toBe(keys[1]);
  });

  it('write short keys whole', () => {
    expect(decodePageToken(encodePageToken('face-1', 'ListFaces', 'c1'), 'ListFaces', { boundTo: 'c1' })).toBe('face-1');
  });

  it('restart a vanished long key at its prefix group, in either order', () => {
    const token = encodePageToken(longKey('b'), 'DescribeProjectVersions');
    const ascending = decodePageToken(token, 'DescribeProjectVersions', { sharingPrefix: () => [longKey('a')] });
    expect(longKey('a') > ascending && longKey('c') > ascending).toBe(true);
    const descending = decodePageToken(token, 'DescribeProjectVersions', { sharingPrefix: () => [], descending: true });
    expect(longKey('a') < descending && longKey('c') < descending).toBe(true);
  });

  it('refuse a token of another operation, another resource, or no token of ours', () => {
    const token = encodePageToken('face-1', 'ListFaces', 'c1');
    expect(() => decodePageToken(token, 'ListUsers', { boundTo: 'c1' })).toThrow('Invalid Token');
    expect(() => decodePageToken(token, 'ListFaces', { boundTo: 'c2' })).toThrow('Invalid Token');
    expect(() => decodePageToken('bm90LWEtdG9rZW4=', 'ListFaces')).toThrow('Invalid Token');
  });
});
