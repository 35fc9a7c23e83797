/** Ids made with node:crypto alone keep their formats and, seeded, their values. */
import { describe, expect, it } from 'vitest';
import { IdGenerator } from '../../src/runtime/ids';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('IdGenerator', () => {
  it('makes random version 4 UUIDs', () => {
    const ids = new IdGenerator();
    const a = ids.uuid();
    expect(UUID.exec(a)?.[1]).toBe('4');
    expect(ids.uuid()).not.toBe(a);
  });

  it('makes name-based version 3 UUIDs in the URL namespace, as RFC 4122 computes them', () => {
    const ids = new IdGenerator();
    ids.setSeed('readme');
    // The uuid package's v3('img:<first 8 seeded bytes>', v3.URL) for this seed.
    expect(ids.nameBased('img')).toBe('1a8ef115-a544-3883-ad34-f64e53618e01');
  });
});
