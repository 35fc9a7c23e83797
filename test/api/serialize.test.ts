import { describe, expect, it } from 'vitest';
import { formatFloat, serializeOutput } from '../../src/api/serialize';

describe('serializeOutput', () => {
  it('prints floats as float32 widened to double, keeping .0', () => {
    expect(formatFloat(100)).toBe('100.0');
    expect(formatFloat(99.9934)).toBe('99.99340057373047');
    expect(formatFloat(0.521631)).toBe('0.5216310024261475');
    expect(formatFloat(Number.NaN)).toBe('0.0');
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
