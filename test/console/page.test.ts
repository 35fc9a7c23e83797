/** The console page's pure parts: what it draws for each answer, its copyable snippets, and the video timeline's tracks. */
import { describe, expect, it } from 'vitest';
import { listedFor, shapesFor } from '../../console/overlay';
import { progressText } from '../../console/progress';
import { awsCli, boto3 } from '../../console/snippets';
import { tracksOf } from '../../console/timeline';

const box = (Left: number, Top = 0.1) => ({ Left, Top, Width: 0.2, Height: 0.3 });

describe('shapes drawn over the image', () => {
  it('DetectFaces: the API boxes and landmarks, captioned', () => {
    const shapes = shapesFor('DetectFaces', { FaceDetails: [{ BoundingBox: box(0.1), Confidence: 99.5, Landmarks: [{ Type: 'eyeLeft', X: 0.15, Y: 0.2 }] }] });
    expect(shapes).toEqual([
      { kind: 'box', box: box(0.1), kindClass: 'face', caption: 'face 1 99.5%', image: 0 },
      { kind: 'point', X: 0.15, Y: 0.2, kindClass: 'landmark', caption: 'eyeLeft', image: 0 },
    ]);
  });

  it('labels with instances, text polygons for lines and words, PPE parts and covers', () => {
    expect(shapesFor('DetectLabels', { Labels: [{ Name: 'Car', Instances: [{ BoundingBox: box(0.3), Confidence: 90 }] }, { Name: 'Road', Instances: [] }] })).toEqual([
      { kind: 'box', box: box(0.3), kindClass: 'label', caption: 'Car 90.0%', image: 0 },
    ]);
    const polygon = [{ X: 0.1, Y: 0.1 }, { X: 0.2, Y: 0.1 }, { X: 0.2, Y: 0.2 }, { X: 0.1, Y: 0.2 }];
    const text = shapesFor('DetectText', { TextDetections: [{ Type: 'LINE', DetectedText: 'STOP HERE', Geometry: { Polygon: polygon } }, { Type: 'WORD', DetectedText: 'STOP', Geometry: { Polygon: polygon } }] });
    expect(text.map((s) => [s.kindClass, s.caption])).toEqual([['line', 'STOP HERE'], ['word', undefined]]);
    const ppe = shapesFor('DetectProtectiveEquipment', {
      Persons: [{ Id: 0, BoundingBox: box(0), Confidence: 99, BodyParts: [{ Name: 'FACE', EquipmentDetections: [{ Type: 'FACE_COVER', BoundingBox: box(0.05), CoversBodyPart: { Value: false } }] }] }],
    });
    expect(ppe.map((s) => [s.kindClass, s.caption])).toEqual([['person', 'person 0 99.0%'], ['equipment uncovered', 'FACE_COVER on FACE (does not cover)']]);
  });

  it('CompareFaces: the source face on the first image, matches and others on the second', () => {
    const shapes = shapesFor('CompareFaces', { SourceImageFace: { BoundingBox: box(0.1), Confidence: 99 }, FaceMatches: [{ Similarity: 98.5, Face: { BoundingBox: box(0.5) } }], UnmatchedFaces: [{ BoundingBox: box(0.7) }] });
    expect(shapes.map((s) => [s.image, s.kindClass, s.caption])).toEqual([[0, 'face', 'source face 99.0%'], [1, 'match', 'match 98.5%'], [1, 'unmatched', 'no match']]);
  });

  it('lists what has no place on the image', () => {
    expect(listedFor('DetectModerationLabels', { ModerationLabels: [{ Name: 'Smoking', ParentName: 'Drugs & Tobacco', Confidence: 80 }] })).toEqual(['Drugs & Tobacco › Smoking 80.0%']);
    expect(listedFor('DetectProtectiveEquipment', { Summary: { PersonsWithRequiredEquipment: [], PersonsWithoutRequiredEquipment: [0, 2], PersonsIndeterminate: [1] } })).toEqual([
      'with the required equipment: none',
      'without it: person 0, person 2',
      'indeterminate: person 1',
    ]);
    expect(listedFor('DetectFaces', { FaceDetails: [{ AgeRange: { Low: 20, High: 28 }, Smile: { Value: true } }] })).toEqual(['face 1: age 20–28 · Smile']);
  });
});

describe('snippets', () => {
  it('the AWS CLI takes image bytes from a file and the rest as JSON or plain values', () => {
    expect(awsCli('CompareFaces', { SourceImage: { Bytes: 'x' }, TargetImage: { Bytes: 'y' }, SimilarityThreshold: 80 }, 'http://localhost:4599', 'us-east-1')).toBe(
      ['aws rekognition compare-faces', '--source-image-bytes fileb://source.jpg', '--target-image-bytes fileb://target.jpg', '--similarity-threshold 80', '--endpoint-url http://localhost:4599', '--region us-east-1'].join(' \\\n    '),
    );
    expect(awsCli('SearchFacesByImage', { CollectionId: "it's", Image: { Bytes: 'x' } }, 'http://h', 'eu-west-1')).toContain(`--collection-id 'it'\\''s'`);
    expect(awsCli('DetectFaces', { Image: { Bytes: 'x' }, Attributes: ['ALL'] }, 'http://h', 'r')).toContain(`--attributes '["ALL"]'`);
  });

  it('boto3 reads the image file and passes the rest as Python values', () => {
    const code = boto3('DetectProtectiveEquipment', { Image: { Bytes: 'x' }, SummarizationAttributes: { MinConfidence: 80, RequiredEquipmentTypes: ['FACE_COVER'] } }, 'http://localhost:4599', 'us-east-1');
    expect(code).toContain("with open('photo.jpg', 'rb') as f:\n    image_bytes = f.read()");
    expect(code).toContain('response = client.detect_protective_equipment(');
    expect(code).toContain("    Image={'Bytes': image_bytes},");
    expect(code).toContain("'RequiredEquipmentTypes': ['FACE_COVER'],");
  });
});

describe('video timeline', () => {
  it('one track per label, segment type or person, each mark at its time', () => {
    const { tracks, durationMs } = tracksOf([
      { Timestamp: 0, Label: { Name: 'Dog', Confidence: 90 } },
      { Timestamp: 500, Label: { Name: 'Dog', Confidence: 91 } },
      { Timestamp: 500, Person: { Index: 1 } },
      { Type: 'SHOT', StartTimestampMillis: 0, EndTimestampMillis: 1200, StartTimecodeSMPTE: '00:00:00:00', EndTimecodeSMPTE: '00:00:01:05', ShotSegment: { Index: 0, Confidence: 99 } },
    ]);
    expect(tracks.map((t) => [t.name, t.marks.length])).toEqual([['Dog', 2], ['person 1', 1], ['shots', 1]]);
    expect(tracks[2].marks[0]).toEqual({ startMs: 0, endMs: 1200, title: 'shots · 00:00:00:00 – 00:00:01:05 · 99.0%' });
    expect(durationMs).toBe(1200);
  });
});

describe('video job progress', () => {
  it('percent and frames while running (only a finished job shows 100%), where a failed job stopped, nothing before a frame count', () => {
    expect(progressText('IN_PROGRESS', { Fraction: 120 / 286, FramesDone: 120, FramesTotal: 286 })).toBe('42% (120/286 frames)');
    expect(progressText('IN_PROGRESS', { Fraction: 285.5 / 286, FramesDone: 285, FramesTotal: 286 })).toBe('99% (285/286 frames)');
    expect(progressText('IN_PROGRESS', { Fraction: 1, FramesDone: 286, FramesTotal: 286 })).toBe('99% (286/286 frames)');
    expect(progressText('SUCCEEDED', { Fraction: 1, FramesDone: 286, FramesTotal: 286 })).toBe('100% (286/286 frames)');
    expect(progressText('SUCCEEDED', { Fraction: 1 })).toBe('100%');
    expect(progressText('FAILED', { Fraction: 0.4, FramesDone: 40, FramesTotal: 100 })).toBe('stopped at 40% (40/100 frames)');
    expect(progressText('IN_PROGRESS', null)).toBe('');
  });
});
