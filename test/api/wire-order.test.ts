import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readModelPatches } from '../../scripts/generate-api';
import { shapes } from '../../src/api/generated/model';
import { memberOrder } from '../../src/api/generated/wire-order';
import { serializeOutput } from '../../src/api/serialize';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'api');
const officialModel = JSON.parse(readFileSync(join(apiDir, 'service-2.json'), 'utf8')) as {
  shapes: Record<string, { type: string; members?: Record<string, unknown> }>;
};
const { wireOrder } = readModelPatches();

/** The same members, assigned in reverse order and then rotated: nothing like the wire order. */
function scrambled(object: Record<string, unknown>): Record<string, unknown> {
  const entries = Object.entries(object).reverse();
  const half = Math.floor(entries.length / 2);
  return Object.fromEntries([...entries.slice(half), ...entries.slice(0, half)]);
}

/** A valid value of a shape; structures, lists and maps empty. */
function sample(shapeName: string): unknown {
  const shape = shapes[shapeName];
  switch (shape.type) {
    case 'structure':
    case 'map':
      return {};
    case 'list':
      return [];
    case 'string':
      return shape.enum ? shape.enum[0] : 'x';
    case 'boolean':
      return true;
    case 'blob':
      return Buffer.from('x');
    case 'timestamp':
      return new Date(0);
    default:
      return 1;
  }
}

/** Every member of a structure set to a sample value, in scrambled order. */
function everyMember(shapeName: string): Record<string, unknown> {
  const members = shapes[shapeName].members ?? {};
  return scrambled(Object.fromEntries(Object.entries(members).map(([name, ref]) => [name, sample(typeof ref === 'string' ? ref : ref.shape)])));
}

describe('wire order', () => {
  it('writes a DetectFaces FaceDetail in AWS order whatever order the handler assigned (AWS-BEHAVIOUR §3.1, §9)', () => {
    const value = { Value: true, Confidence: 99 };
    const face = scrambled({
      BoundingBox: scrambled({ Width: 0.5, Height: 0.25, Left: 0.125, Top: 0 }),
      AgeRange: scrambled({ Low: 18, High: 26 }),
      Smile: scrambled(value),
      Eyeglasses: value,
      Sunglasses: value,
      Gender: scrambled({ Value: 'Female', Confidence: 99 }),
      Beard: value,
      Mustache: value,
      EyesOpen: value,
      MouthOpen: value,
      Emotions: [scrambled({ Type: 'SAD', Confidence: 65 })],
      Landmarks: [scrambled({ Type: 'eyeLeft', X: 0.25, Y: 0.5 })],
      Pose: scrambled({ Roll: 1, Yaw: 2, Pitch: 3 }),
      Quality: scrambled({ Brightness: 96, Sharpness: 95 }),
      Confidence: 99,
      FaceOccluded: value,
      EyeDirection: scrambled({ Yaw: 1, Pitch: 2, Confidence: 99 }),
    });
    expect(serializeOutput({ FaceDetails: [face] }, 'DetectFacesResponse')).toBe(
      '{"FaceDetails":[{"BoundingBox":{"Width":0.5,"Height":0.25,"Left":0.125,"Top":0.0},"AgeRange":{"Low":18,"High":26},' +
        '"Smile":{"Value":true,"Confidence":99.0},"Eyeglasses":{"Value":true,"Confidence":99.0},"Sunglasses":{"Value":true,"Confidence":99.0},' +
        '"Gender":{"Value":"Female","Confidence":99.0},"Beard":{"Value":true,"Confidence":99.0},"Mustache":{"Value":true,"Confidence":99.0},' +
        '"EyesOpen":{"Value":true,"Confidence":99.0},"MouthOpen":{"Value":true,"Confidence":99.0},"Emotions":[{"Type":"SAD","Confidence":65.0}],' +
        '"Landmarks":[{"Type":"eyeLeft","X":0.25,"Y":0.5}],"Pose":{"Roll":1.0,"Yaw":2.0,"Pitch":3.0},"Quality":{"Brightness":96.0,"Sharpness":95.0},' +
        '"Confidence":99.0,"FaceOccluded":{"Value":true,"Confidence":99.0},"EyeDirection":{"Yaw":1.0,"Pitch":2.0,"Confidence":99.0}}]}',
    );
  });

  it('writes the GetLabelDetection envelope in the recorded order (AWS-BEHAVIOUR §3.12)', () => {
    const response = scrambled({
      JobStatus: 'SUCCEEDED',
      VideoMetadata: scrambled({ Codec: 'h264', DurationMillis: 9600, Format: 'QuickTime / MOV', FrameRate: 25, FrameHeight: 1080, FrameWidth: 1920, ColorRange: 'LIMITED' }),
      NextToken: 'token',
      Labels: [
        scrambled({
          Timestamp: 0,
          Label: scrambled({ Name: 'Boy', Confidence: 90, Instances: [], Parents: [scrambled({ Name: 'Male' })], Aliases: [], Categories: [{ Name: 'Person Description' }] }),
        }),
      ],
      LabelModelVersion: '3.0',
      JobId: 'j',
      Video: scrambled({ S3Object: scrambled({ Bucket: 'b', Name: 'v.mp4' }) }),
      GetRequestMetadata: scrambled({ SortBy: 'TIMESTAMP', AggregateBy: 'TIMESTAMPS' }),
    });
    expect(serializeOutput(response, 'GetLabelDetectionResponse')).toBe(
      '{"JobStatus":"SUCCEEDED",' +
        '"VideoMetadata":{"Codec":"h264","DurationMillis":9600,"Format":"QuickTime / MOV","FrameRate":25.0,"FrameHeight":1080,"FrameWidth":1920,"ColorRange":"LIMITED"},' +
        '"NextToken":"token",' +
        '"Labels":[{"Timestamp":0,"Label":{"Name":"Boy","Confidence":90.0,"Instances":[],"Parents":[{"Name":"Male"}],"Aliases":[],"Categories":[{"Name":"Person Description"}]}}],' +
        '"LabelModelVersion":"3.0","JobId":"j","Video":{"S3Object":{"Bucket":"b","Name":"v.mp4"}},' +
        '"GetRequestMetadata":{"SortBy":"TIMESTAMP","AggregateBy":"TIMESTAMPS"}}',
    );
  });

  it('writes a patched shape in its patched order: GetContentModeration keeps the envelope of the other Get* (NextToken before the results)', () => {
    const response = scrambled({
      JobStatus: 'SUCCEEDED',
      VideoMetadata: { Codec: 'h264' },
      ModerationLabels: [scrambled({ Timestamp: 0, ModerationLabel: scrambled({ Confidence: 90, Name: 'Smoking', ParentName: '', TaxonomyLevel: 1 }) })],
      NextToken: 'token',
      ModerationModelVersion: '7.0',
      JobId: 'j',
      GetRequestMetadata: { AggregateBy: 'TIMESTAMPS', SortBy: 'TIMESTAMP' },
    });
    expect(serializeOutput(response, 'GetContentModerationResponse')).toBe(
      '{"JobStatus":"SUCCEEDED","VideoMetadata":{"Codec":"h264"},"NextToken":"token",' +
        '"ModerationLabels":[{"Timestamp":0,"ModerationLabel":{"Confidence":90.0,"Name":"Smoking","ParentName":"","TaxonomyLevel":1}}],' +
        '"ModerationModelVersion":"7.0","JobId":"j","GetRequestMetadata":{"SortBy":"TIMESTAMP","AggregateBy":"TIMESTAMPS"}}',
    );
  });

  it('keeps the order of map entries and list items: that order is data', () => {
    const wire = serializeOutput({ Tags: { zeta: '1', alpha: '2' } }, 'ListTagsForResourceResponse');
    expect(wire).toBe('{"Tags":{"zeta":"1","alpha":"2"}}');
  });

  it('writes every structure of the model in its wire order, from members assigned in any order', () => {
    for (const [name, shape] of Object.entries(shapes)) {
      if (shape.type !== 'structure' || shape.exception) continue;
      const wire = JSON.parse(serializeOutput(everyMember(name), name)) as Record<string, unknown>;
      expect(Object.keys(wire), name).toEqual(memberOrder[name]);
    }
  });
});

describe('wire-order patches (model-patches.json wireOrder)', () => {
  it.each(wireOrder.map((patch) => [patch.shape, patch] as const))('%s names each member of an existing structure once and cites its source', (_, patch) => {
    const shape = officialModel.shapes[patch.shape];
    expect(shape?.type, `${patch.shape} is a structure of service-2.json`).toBe('structure');
    const members = Object.keys(shape.members ?? {});
    expect([...patch.order].sort()).toEqual([...members].sort());
    expect(patch.order, 'a patch that repeats the model order is noise').not.toEqual(members);
    expect(patch.source).toMatch(/AWS-BEHAVIOUR §\d|order as the emulator has sent it; no AWS capture/);
    expect(memberOrder[patch.shape]).toEqual(patch.order);
  });

  it('are applied to the serialiser from members assigned in any order', () => {
    for (const patch of wireOrder) {
      const wire = JSON.parse(serializeOutput(everyMember(patch.shape), patch.shape)) as Record<string, unknown>;
      expect(Object.keys(wire), patch.shape).toEqual(patch.order);
    }
  });
});
