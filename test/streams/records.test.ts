/** The stream processor output formats and stream timing, without models. */
import { describe, expect, it } from 'vitest';
import {
  FeedClock,
  float32,
  FragmentLedger,
  faceSearchRecord,
  inRegions,
  labelDetectedMessage,
  roiPolygons,
  sessionCompleteMessage,
  sessionKeyBase,
  startRequestEcho,
} from '../../src/providers/stream-processors/records';

describe('float32', () => {
  it('prints float32 values in their shortest form, as the DG record does', () => {
    expect(float32(0.40833333)).toBe(0.40833333);
    expect(JSON.stringify(float32(0.4083333373069763))).toBe('0.40833333');
    expect(JSON.stringify(float32(99.97517395019531))).toBe('99.975174');
    expect(float32(0.075)).toBe(0.075);
    expect(float32(80)).toBe(80);
    // Every result is the float32 the input rounds to.
    for (const x of [Math.PI, 1 / 3, 123.456789, 1e-7]) expect(Math.fround(float32(x))).toBe(Math.fround(x));
  });
});

describe('FeedClock and FragmentLedger', () => {
  const arn = 'arn:aws:kinesisvideo:us-east-1:111122223333:stream/door/1';

  it('puts frames in 2 s fragments with 47-digit fragment numbers that grow in ingestion order', () => {
    const ledger = new FragmentLedger();
    const clock = new FeedClock(ledger, arn, 1_700_000_000_000, 1_700_000_005_000);
    const a = clock.position(0);
    const b = clock.position(1000);
    const c = clock.position(2500);
    expect(a.fragmentNumber).toMatch(/^\d{47}$/);
    expect(b.fragmentNumber).toBe(a.fragmentNumber);
    expect(c.fragmentNumber > a.fragmentNumber).toBe(true);
    expect(c.fragmentNumber).toHaveLength(47);
    expect(b).toMatchObject({ fragmentProducerMs: 1_700_000_000_000, fragmentServerMs: 1_700_000_005_000, frameProducerMs: 1_700_000_001_000, offsetInFragmentMs: 1000 });
    expect(c).toMatchObject({ fragmentProducerMs: 1_700_000_002_000, fragmentServerMs: 1_700_000_007_000, frameProducerMs: 1_700_000_002_500, offsetInFragmentMs: 500 });
    // A later feed's fragments come after.
    const later = new FeedClock(ledger, arn, 1_600_000_000_000, 1_700_000_009_000).position(0);
    expect(later.fragmentNumber > c.fragmentNumber).toBe(true);
  });

  it('remembers the producer time of the fragments it issued, per stream', () => {
    const ledger = new FragmentLedger();
    const { fragmentNumber } = new FeedClock(ledger, arn, 1_700_000_000_000, 1_700_000_000_000).position(4100);
    expect(ledger.producerTimeOf(arn, fragmentNumber)).toBe(1_700_000_004_000);
    expect(ledger.producerTimeOf('arn:aws:kinesisvideo:us-east-1:111122223333:stream/other/1', fragmentNumber)).toBeUndefined();
    expect(ledger.producerTimeOf(arn, '1')).toBeUndefined();
  });
});

describe('regions of interest', () => {
  const box = { Left: 0.1, Top: 0.1, Width: 0.2, Height: 0.2 };

  it('keeps everything without regions, and a box by the share of it inside one', () => {
    expect(inRegions(box, undefined, 0.5)).toBe(true);
    const right = roiPolygons([{ BoundingBox: { Left: 0.25, Top: 0, Width: 0.75, Height: 1 } }]);
    // 25% of the box lies right of x = 0.25.
    expect(inRegions(box, right, 0.2)).toBe(true);
    expect(inRegions(box, right, 0.5)).toBe(false);
    const triangle = roiPolygons([{ Polygon: [{ X: 0, Y: 0 }, { X: 1, Y: 0 }, { X: 0, Y: 1 }] }]);
    expect(inRegions(box, triangle, 0.5)).toBe(true);
    expect(inRegions({ Left: 0.7, Top: 0.7, Width: 0.2, Height: 0.2 }, triangle, 0.2)).toBe(false);
  });

  it('refuses regions DetectText would refuse', () => {
    expect(() => roiPolygons([{ Polygon: [{ X: 0, Y: 0 }, { X: 1, Y: 1 }] }])).toThrow(/invalid parameters/);
    expect(() => roiPolygons([{}])).toThrow(/invalid parameters/);
  });
});

describe('faceSearchRecord', () => {
  it('has the DG record layout: members, order, float32 numbers and timestamps in seconds', () => {
    const ledger = new FragmentLedger();
    const kvsArn = 'arn:aws:kinesisvideo:us-west-2:111122223333:stream/stream-name/1';
    const position = new FeedClock(ledger, kvsArn, 1510552593193, 1510552593455).position(1000);
    const record = faceSearchRecord(kvsArn, position, [
      {
        detail: {
          BoundingBox: { Width: 0.05625, Height: 0.075, Left: 0.428125, Top: 0.40833333 },
          Landmarks: [{ Type: 'eyeLeft', X: 0.4452057, Y: 0.4395594 }],
          Pose: { Roll: -6.8904796, Yaw: 23.84388, Pitch: 2.9691637 },
          Quality: { Brightness: 40.592964, Sharpness: 96.09616 },
          Confidence: 99.975174,
        },
        matches: [
          {
            similarity: 88.86396026611328,
            face: { FaceId: 'ed1b560f-d6af-5158-989a-ff586c931545', BoundingBox: { Width: 0.749838, Height: 0.557692, Left: 0.103426, Top: 0.206731 }, ImageId: '70e09693-2114-57e1-807c-50b6d61fa4dc', ExternalImageId: 'matchedImage.jpeg', Confidence: 99.999201, IndexFacesModelVersion: '7.0' },
          },
        ],
      },
    ]);
    expect(JSON.stringify(record)).toBe(
      `{"InputInformation":{"KinesisVideo":{"StreamArn":"${kvsArn}","FragmentNumber":"${position.fragmentNumber}","ServerTimestamp":1510552593.455,"ProducerTimestamp":1510552593.193,"FrameOffsetInSeconds":1}},` +
        '"StreamProcessorInformation":{"Status":"RUNNING"},' +
        '"FaceSearchResponse":[{"DetectedFace":{"BoundingBox":{"Height":0.075,"Width":0.05625,"Left":0.428125,"Top":0.40833333},"Confidence":99.975174,' +
        '"Landmarks":[{"X":0.4452057,"Y":0.4395594,"Type":"eyeLeft"}],"Pose":{"Pitch":2.9691637,"Roll":-6.8904796,"Yaw":23.84388},"Quality":{"Brightness":40.592964,"Sharpness":96.09616}},' +
        '"MatchedFaces":[{"Similarity":88.86396,"Face":{"BoundingBox":{"Height":0.557692,"Width":0.749838,"Left":0.103426,"Top":0.206731},"FaceId":"ed1b560f-d6af-5158-989a-ff586c931545","Confidence":99.9992,"ImageId":"70e09693-2114-57e1-807c-50b6d61fa4dc","ExternalImageId":"matchedImage.jpeg"}}]}]}',
    );
  });

  it('keeps a frame without faces as a record with an empty FaceSearchResponse', () => {
    const position = new FeedClock(new FragmentLedger(), 'arn:aws:kinesisvideo:us-east-1:111122223333:stream/x/1', 0, 0).position(0);
    expect(faceSearchRecord('arn:aws:kinesisvideo:us-east-1:111122223333:stream/x/1', position, []).FaceSearchResponse).toEqual([]);
  });
});

describe('connected home messages', () => {
  const ctx = {
    kvsArn: 'arn:aws:kinesisvideo:us-east-1:111122223333:stream/door/1',
    sessionId: 'b5b1b0a3-0000-4000-8000-000000000001',
    tags: { team: 'home' },
    startRequest: startRequestEcho('door', { startSelector: { ProducerTimestamp: 1655930623123 }, maxDurationSeconds: 11 }),
  };

  it('echoes the Start request in lowerCamel case', () => {
    expect(ctx.startRequest).toEqual({ name: 'door', startSelector: { kvsStreamStartSelector: { producerTimestamp: 1655930623123 } }, stopSelector: { maxDurationInSeconds: 11 } });
    expect(startRequestEcho('door', {})).toEqual({ name: 'door' });
  });

  it('LABEL_DETECTED and STREAM_PROCESSING_COMPLETE have the DG members in order', () => {
    const label = {
      id: 'l1',
      name: 'PET' as const,
      frameImageUri: 's3://b/k/frame.jpg',
      croppedImageUri: 's3://b/k/cropped.jpg',
      videoMapping: { kinesisVideoMapping: { fragmentNumber: '91', serverTimestamp: 2, producerTimestamp: 1, frameOffsetMillis: 500 } },
      boundingBox: { left: 0.1, top: 0.2, height: 0.3, width: 0.4 },
    };
    const detected = labelDetectedMessage(ctx, 'e1', label);
    expect(Object.keys(detected)).toEqual(['inputInformation', 'eventNamespace', 'labels', 'eventId', 'tags', 'sessionId', 'startStreamProcessorRequest']);
    expect(detected).toMatchObject({ inputInformation: { kinesisVideo: { streamArn: ctx.kvsArn } }, eventNamespace: { type: 'LABEL_DETECTED' }, labels: [label], eventId: 'e1', tags: { team: 'home' } });
    const complete = sessionCompleteMessage(ctx, 'e2', 2000, 'done');
    expect(Object.keys(complete)).toEqual(['inputInformation', 'eventNamespace', 'streamProcessingResults', 'eventId', 'tags', 'sessionId', 'startStreamProcessorRequest']);
    expect(complete).toMatchObject({ inputInformation: { kinesisVideo: { streamArn: ctx.kvsArn, processedVideoDurationMillis: 2000 } }, eventNamespace: { type: 'STREAM_PROCESSING_COMPLETE' }, streamProcessingResults: { message: 'done' } });
  });

  it('puts S3 output under KeyPrefix/Name/SessionId', () => {
    expect(sessionKeyBase('events/', 'door', 's1')).toBe('events/door/s1');
    expect(sessionKeyBase(undefined, 'door', 's1')).toBe('door/s1');
    expect(sessionKeyBase('a/b', 'door', 's1')).toBe('a/b/door/s1');
  });
});
