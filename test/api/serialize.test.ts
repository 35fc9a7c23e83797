import { describe, expect, it } from 'vitest';
import { formatFloat, serializeOutput } from '../../src/api/serialize';

describe('serializeOutput', () => {
  it('prints floats as float32 widened to double, keeping .0', () => {
    expect(formatFloat(100)).toBe('100.0');
    expect(formatFloat(99.9934)).toBe('99.99340057373047');
    expect(formatFloat(0.521631)).toBe('0.5216310024261475');
    expect(formatFloat(Number.NaN)).toBe('0.0');
  });

  it('writes floats as Java does: exponent form below 1e-3 and from 1e7 up', () => {
    expect(formatFloat(0.0005066394805908203)).toBe('5.066394805908203E-4');
    expect(formatFloat(-0.0005066394805908203)).toBe('-5.066394805908203E-4');
    expect(formatFloat(0.001)).toBe('0.0010000000474974513');
    expect(formatFloat(0.0009765625)).toBe('9.765625E-4');
    expect(formatFloat(1e-7)).toBe('1.0000000116860974E-7');
    expect(formatFloat(1.401298464324817e-45)).toBe('1.401298464324817E-45');
    expect(formatFloat(9999999)).toBe('9999999.0');
    expect(formatFloat(1e7)).toBe('1.0E7');
    expect(formatFloat(12345678)).toBe('1.2345678E7');
    expect(formatFloat(3.4028234663852886e38)).toBe('3.4028234663852886E38');
    expect(formatFloat(-250)).toBe('-250.0');
    expect(formatFloat(0)).toBe('0.0');
    expect(formatFloat(-0)).toBe('-0.0');
  });

  it('drops absent and unknown members, prints integers plainly', () => {
    const wire = serializeOutput(
      { StatusCode: 200, CollectionArn: 'aws:rekognition:us-east-1:1:collection/x', FaceModelVersion: '7.0', Unknown: 1, Missing: undefined },
      'CreateCollectionResponse',
    );
    expect(wire).toBe('{"StatusCode":200,"CollectionArn":"aws:rekognition:us-east-1:1:collection/x","FaceModelVersion":"7.0"}');
  });

  it('writes timestamps as epoch seconds with milliseconds', () => {
    const wire = serializeOutput({ CreationTimestamp: new Date(1569444828274) }, 'DescribeCollectionResponse');
    expect(wire).toBe('{"CreationTimestamp":1569444828.274}');
  });

  it('sends empty lists and nested float members', () => {
    expect(serializeOutput({ FaceDetails: [] }, 'DetectFacesResponse')).toBe('{"FaceDetails":[]}');
    const wire = serializeOutput({ FaceDetails: [{ BoundingBox: { Width: 0.5, Height: 1, Left: -0.1, Top: 0 }, Confidence: 100 }] }, 'DetectFacesResponse');
    expect(wire).toBe('{"FaceDetails":[{"BoundingBox":{"Width":0.5,"Height":1.0,"Left":-0.10000000149011612,"Top":0.0},"Confidence":100.0}]}');
  });
});
