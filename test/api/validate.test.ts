import { describe, expect, it } from 'vitest';
import { RekognitionError } from '../../src/api/errors';
import { validateInput } from '../../src/api/validate';

function failure(body: unknown, shape: string): RekognitionError {
  try {
    validateInput(body, shape);
  } catch (err) {
    if (err instanceof RekognitionError) return err;
    throw err;
  }
  throw new Error('expected a validation failure');
}

describe('validateInput', () => {
  it('reports a pattern violation in AWS wording', () => {
    const err = failure({ CollectionId: 'bad id!' }, 'CreateCollectionRequest');
    expect(err.type).toBe('ValidationException');
    expect(err.toBody()).toEqual({
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value 'bad id!' at 'collectionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-]+",
    });
  });

  it('lists several violations in member order, missing members as null', () => {
    const err = failure({ FaceId: 'zz', MaxFaces: 0 }, 'SearchFacesRequest');
    expect(err.message).toBe(
      "3 validation errors detected: Value null at 'collectionId' failed to satisfy constraint: Member must not be null; " +
        "Value 'zz' at 'faceId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}; " +
        "Value '0' at 'maxFaces' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  it('prints blobs as Java buffers and checks their length', () => {
    const err = failure({ Image: { Bytes: '' } }, 'DetectFacesRequest');
    expect(err.message).toBe(
      "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'image.bytes' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('names list members with their 1-based index', () => {
    const err = failure({ Image: { Bytes: 'AAAA' }, Attributes: ['ALL', 'NOPE'] }, 'DetectFacesRequest');
    expect(err.message).toContain("Value 'NOPE' at 'attributes.2.member' failed to satisfy constraint: Member must satisfy enum value set: [");
  });

  it('stops at ten violations', () => {
    const tags = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`aws:k${i}`, 'v']));
    const err = failure({ ResourceArn: 'arn:aws:rekognition:us-east-1:000000000000:collection/x', Tags: tags }, 'TagResourceRequest');
    expect(err.message.startsWith('10 validation errors detected: ')).toBe(true);
  });

  it('reads numbers into integer members as Coral does: fractions dropped, out-of-range values stopped at the Java type’s end', () => {
    expect(validateInput({ CollectionId: 'ok', FaceId: '11111111-2222-3333-4444-555555555555', MaxFaces: 1.9 }, 'SearchFacesRequest').MaxFaces).toBe(1);
    // JSON.parse reads 1e400 as Infinity.
    for (const huge of [1e308, Infinity]) {
      expect(failure({ CollectionId: 'ok', FaceId: '11111111-2222-3333-4444-555555555555', MaxFaces: huge }, 'SearchFacesRequest').message).toBe(
        "1 validation error detected: Value '2147483647' at 'maxFaces' failed to satisfy constraint: Member must have value less than or equal to 4096",
      );
    }
    expect(failure({ CollectionId: 'ok', FaceId: '11111111-2222-3333-4444-555555555555', MaxFaces: -Infinity }, 'SearchFacesRequest').message).toBe(
      "1 validation error detected: Value '-2147483648' at 'maxFaces' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  it('rejects wrong JSON types as SerializationException before constraints', () => {
    const err = failure({ CollectionId: 'ok', MaxFaces: 'x' }, 'SearchFacesRequest');
    expect(err.type).toBe('SerializationException');
    expect(err.message).toBe('class java.lang.String can not be converted to an Integer');
    expect(failure({ CollectionId: 5 }, 'CreateCollectionRequest').message).toBe('class java.lang.Integer can not be converted to an String');
    expect(failure({ CollectionId: ['a'] }, 'CreateCollectionRequest').message).toBe('Start of list found where not expected');
  });

  it('decodes blobs and refuses bad base64 as an image encoding error', () => {
    const input = validateInput({ Image: { Bytes: Buffer.from('hello').toString('base64') } }, 'DetectFacesRequest') as { Image: { Bytes: Buffer } };
    expect(input.Image.Bytes.toString()).toBe('hello');
    const err = failure({ Image: { Bytes: 'not base64!' } }, 'DetectFacesRequest');
    expect(err.type).toBe('InvalidImageFormatException');
    expect(err.message).toBe('Invalid image encoding');
  });

  it('drops unknown members so newer SDKs keep working', () => {
    expect(validateInput({ CollectionId: 'a', SomeFutureMember: 1 }, 'CreateCollectionRequest')).toEqual({ CollectionId: 'a' });
  });

  it('accepts Unicode letters where the model allows them', () => {
    expect(validateInput({ CollectionId: 'c', Tags: { 'clé': 'valeur é' } }, 'CreateCollectionRequest')).toEqual({ CollectionId: 'c', Tags: { clé: 'valeur é' } });
  });
});
