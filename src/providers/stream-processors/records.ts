/**
 * What stream processors send, in AWS's documented formats, and the Kinesis Video Streams timing
 * they refer to. Pure functions: no models, no I/O.
 *
 * Face search (DG "Reading streaming video analysis results", "Understanding the Kinesis face
 * recognition JSON frame record"): one JSON record per analysed frame, put to the output Kinesis
 * data stream:
 *   {"InputInformation":{"KinesisVideo":{"StreamArn","FragmentNumber","ServerTimestamp","ProducerTimestamp","FrameOffsetInSeconds"}},
 *    "StreamProcessorInformation":{"Status":"RUNNING"},
 *    "FaceSearchResponse":[{"DetectedFace":{BoundingBox,Confidence,Landmarks,Pose,Quality},"MatchedFaces":[{"Similarity","Face":{...}}]}]}
 * Key order is the DG example's. Face numbers are printed as float32 values in shortest form
 * (the example's `0.40833333`, `99.975174`), timestamps as epoch seconds with milliseconds.
 *
 * Connected home (DG "Calling label detection operations for streaming video events"): an SNS
 * message the first time each label class is seen (eventNamespace.type LABEL_DETECTED) and one at
 * the end of the session (STREAM_PROCESSING_COMPLETE), with the subject "Rekognition Stream
 * Processing Event". Members and nesting are the DG's; values that the DG leaves open (ids, URIs,
 * the completion message text, the echo of the Start request) are our choices, named below.
 */
import type { BoundingBox, Face, FaceDetail, RegionsOfInterest } from '../../api/generated/types';
import { fractionInside, type Point } from '../../../models/text/geometry';
import { ratioBoxCorners, regionPolygons } from '../../analysis/text-results';

// ---------------------------------------------------------------------------------------------
// Numbers

/** A float32 value in its shortest decimal form (as Java prints a float): 0.40833333, 99.975174. */
export function float32(value: number): number {
  if (!Number.isFinite(value)) return value;
  const f = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** Milliseconds as epoch seconds with three decimals (1510552593.455). */
export const seconds = (ms: number): number => Math.round(ms) / 1000;

// ---------------------------------------------------------------------------------------------
// Kinesis Video Streams timing

/**
 * Fragment length of the emulated video stream. The KVS producer SDK cuts a fragment at each key
 * frame; the DG says fragments are "typically 2–10 seconds". Our choice: 2 s of media each.
 */
export const FRAGMENT_MS = 2000;

/** Where a frame sits in the emulated Kinesis video stream. */
export interface StreamPosition {
  fragmentNumber: string;
  /** Producer time of the fragment (ms since the epoch). */
  fragmentProducerMs: number;
  /** Server (ingestion) time of the fragment (ms since the epoch). */
  fragmentServerMs: number;
  /** Producer time of the frame itself. */
  frameProducerMs: number;
  /** Offset of the frame inside its fragment (ms). */
  offsetInFragmentMs: number;
}

/**
 * KVS fragment numbers are 47-digit decimal strings that grow in ingestion order (the DG example:
 * `91343852333289682796718532614445757584843717598`). Ours: `91`, the server timestamp (13
 * digits) and a 32-digit counter, so they sort as AWS's do. The numbers given out are remembered
 * per video stream, so a StartSelector.KVSStreamStartSelector.FragmentNumber taken from a record
 * can be turned back into a position in the stream.
 */
export class FragmentLedger {
  private counter = 0n;
  private readonly known = new Map<string, Map<string, number>>();
  private static readonly REMEMBERED = 10_000;

  issue(kvsArn: string, serverMs: number, producerMs: number): string {
    this.counter += 1n;
    const number = `91${String(Math.max(0, Math.round(serverMs))).padStart(13, '0').slice(-13)}${this.counter.toString().padStart(32, '0')}`;
    let stream = this.known.get(kvsArn);
    if (!stream) this.known.set(kvsArn, (stream = new Map()));
    stream.set(number, producerMs);
    if (stream.size > FragmentLedger.REMEMBERED) stream.delete(stream.keys().next().value as string);
    return number;
  }

  /** The producer time of a fragment this emulator issued on that stream, if it did. */
  producerTimeOf(kvsArn: string, fragmentNumber: string): number | undefined {
    return this.known.get(kvsArn)?.get(fragmentNumber);
  }

  clear(): void {
    this.known.clear();
  }
}

/**
 * Positions of the frames of one video "arriving" on the stream: the video's media time t (ms)
 * maps to producer time `producerBaseMs + t` and lands in fragment floor(t / FRAGMENT_MS), which
 * the server received at `arrivalMs` plus the fragment's start (as if the upload were live).
 */
export class FeedClock {
  private readonly fragments = new Map<number, string>();

  constructor(
    private readonly ledger: FragmentLedger,
    private readonly kvsArn: string,
    readonly producerBaseMs: number,
    readonly arrivalMs: number,
  ) {}

  position(mediaMs: number): StreamPosition {
    const index = Math.floor(mediaMs / FRAGMENT_MS);
    const startMedia = index * FRAGMENT_MS;
    const fragmentProducerMs = this.producerBaseMs + startMedia;
    const fragmentServerMs = this.arrivalMs + startMedia;
    let fragmentNumber = this.fragments.get(index);
    if (!fragmentNumber) {
      fragmentNumber = this.ledger.issue(this.kvsArn, fragmentServerMs, fragmentProducerMs);
      this.fragments.set(index, fragmentNumber);
    }
    return { fragmentNumber, fragmentProducerMs, fragmentServerMs, frameProducerMs: this.producerBaseMs + mediaMs, offsetInFragmentMs: mediaMs - startMedia };
  }
}

// ---------------------------------------------------------------------------------------------
// Regions of interest

/** A region as a polygon in ratios (bounding boxes become rectangles); undefined when none are set. */
export function roiPolygons(regions: RegionsOfInterest | undefined): Point[][] | undefined {
  return regionPolygons(regions?.length ? { RegionsOfInterest: regions } : undefined);
}

/** True when no regions are set, or when more than `share` of the box lies inside one of them. */
export function inRegions(box: BoundingBox, regions: Point[][] | undefined, share: number): boolean {
  if (!regions) return true;
  const quad = ratioBoxCorners(box);
  return regions.some((region) => fractionInside(quad, region, 16) > share);
}

/** API_RegionOfInterest: "A word, face, or label is included in the region if it is more than half in that region." */
export const FACE_REGION_SHARE = 0.5;
/**
 * Connected home: "If an object is partially in a region of interest, Rekognition will tag it as
 * detected if the overlap of the object with the region-of-interest is greater than 20%"
 * (AWS::Rekognition::StreamProcessor resource schema, BoundingBoxRegionsOfInterest).
 */
export const OBJECT_REGION_SHARE = 0.2;

// ---------------------------------------------------------------------------------------------
// Face search records

export interface FaceMatchFound {
  similarity: number;
  face: Face;
}

export interface FaceFound {
  detail: FaceDetail;
  matches: FaceMatchFound[];
}

const box32 = (b: BoundingBox | undefined) => ({ Height: float32(b?.Height ?? 0), Width: float32(b?.Width ?? 0), Left: float32(b?.Left ?? 0), Top: float32(b?.Top ?? 0) });

/** DetectedFace in the record's member order: BoundingBox, Confidence, Landmarks, Pose, Quality. */
function detectedFace(detail: FaceDetail): Record<string, unknown> {
  return {
    BoundingBox: box32(detail.BoundingBox),
    Confidence: float32(detail.Confidence ?? 0),
    Landmarks: (detail.Landmarks ?? []).map((l) => ({ X: float32(l.X ?? 0), Y: float32(l.Y ?? 0), Type: l.Type })),
    Pose: { Pitch: float32(detail.Pose?.Pitch ?? 0), Roll: float32(detail.Pose?.Roll ?? 0), Yaw: float32(detail.Pose?.Yaw ?? 0) },
    Quality: { Brightness: float32(detail.Quality?.Brightness ?? 0), Sharpness: float32(detail.Quality?.Sharpness ?? 0) },
  };
}

/** A collection face as the record shows it: BoundingBox, FaceId, Confidence, ImageId, ExternalImageId (when set). */
function matchedFace(face: Face): Record<string, unknown> {
  return {
    BoundingBox: box32(face.BoundingBox),
    FaceId: face.FaceId,
    Confidence: float32(face.Confidence ?? 0),
    ImageId: face.ImageId,
    ...(face.ExternalImageId !== undefined ? { ExternalImageId: face.ExternalImageId } : {}),
  };
}

export interface FaceSearchRecord {
  InputInformation: {
    KinesisVideo: { StreamArn: string; FragmentNumber: string; ServerTimestamp: number; ProducerTimestamp: number; FrameOffsetInSeconds: number };
  };
  StreamProcessorInformation: { Status: 'RUNNING' };
  FaceSearchResponse: { DetectedFace: Record<string, unknown>; MatchedFaces: { Similarity: number; Face: Record<string, unknown> }[] }[];
}

/**
 * The record for one analysed frame. The DG: "The only possible value for the Status field is
 * RUNNING"; ServerTimestamp and ProducerTimestamp are the fragment's; FrameOffsetInSeconds is the
 * frame's offset inside the fragment.
 */
export function faceSearchRecord(kvsArn: string, position: StreamPosition, faces: FaceFound[]): FaceSearchRecord {
  return {
    InputInformation: {
      KinesisVideo: {
        StreamArn: kvsArn,
        FragmentNumber: position.fragmentNumber,
        ServerTimestamp: seconds(position.fragmentServerMs),
        ProducerTimestamp: seconds(position.fragmentProducerMs),
        FrameOffsetInSeconds: seconds(position.offsetInFragmentMs),
      },
    },
    StreamProcessorInformation: { Status: 'RUNNING' },
    FaceSearchResponse: faces.map((f) => ({
      DetectedFace: detectedFace(f.detail),
      MatchedFaces: f.matches.map((m) => ({ Similarity: float32(m.similarity), Face: matchedFace(m.face) })),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Connected home notifications

export const CONNECTED_HOME_SUBJECT = 'Rekognition Stream Processing Event';

export type HomeLabel = 'PERSON' | 'PET' | 'PACKAGE';

export interface LabelEvent {
  id: string;
  name: HomeLabel;
  frameImageUri: string;
  croppedImageUri: string;
  videoMapping: { kinesisVideoMapping: { fragmentNumber: string; serverTimestamp: number; producerTimestamp: number; frameOffsetMillis: number } };
  boundingBox: { left: number; top: number; height: number; width: number };
}

/**
 * The Start request as the notifications echo it (`startStreamProcessorRequest`). The DG types it
 * only as "object"; the AWS sample that flattens it reads a `name` member from it. Our choice:
 * the request's members in lowerCamel case.
 */
export function startRequestEcho(name: string, session: { startSelector?: { ProducerTimestamp?: number; FragmentNumber?: string }; maxDurationSeconds?: number }): Record<string, unknown> {
  const selector = session.startSelector;
  return {
    name,
    ...(selector
      ? {
          startSelector: {
            kvsStreamStartSelector: {
              ...(selector.ProducerTimestamp !== undefined ? { producerTimestamp: selector.ProducerTimestamp } : {}),
              ...(selector.FragmentNumber !== undefined ? { fragmentNumber: selector.FragmentNumber } : {}),
            },
          },
        }
      : {}),
    ...(session.maxDurationSeconds !== undefined ? { stopSelector: { maxDurationInSeconds: session.maxDurationSeconds } } : {}),
  };
}

export interface EventContext {
  kvsArn: string;
  sessionId: string;
  tags: Record<string, string>;
  startRequest: Record<string, unknown>;
}

/** The first-detection message for one label class (eventNamespace.type LABEL_DETECTED). */
export function labelDetectedMessage(ctx: EventContext, eventId: string, label: LabelEvent): Record<string, unknown> {
  return {
    inputInformation: { kinesisVideo: { streamArn: ctx.kvsArn } },
    eventNamespace: { type: 'LABEL_DETECTED' },
    labels: [label],
    eventId,
    tags: ctx.tags,
    sessionId: ctx.sessionId,
    startStreamProcessorRequest: ctx.startRequest,
  };
}

/** The end-of-session summary (eventNamespace.type STREAM_PROCESSING_COMPLETE). */
export function sessionCompleteMessage(ctx: EventContext, eventId: string, processedVideoDurationMillis: number, message: string): Record<string, unknown> {
  return {
    inputInformation: { kinesisVideo: { streamArn: ctx.kvsArn, processedVideoDurationMillis } },
    eventNamespace: { type: 'STREAM_PROCESSING_COMPLETE' },
    streamProcessingResults: { message },
    eventId,
    tags: ctx.tags,
    sessionId: ctx.sessionId,
    startStreamProcessorRequest: ctx.startRequest,
  };
}

/**
 * Where a session's S3 output goes. The DG: "ObjectKeyPrefix/StreamProcessorName/SessionId/
 * service_determined_unique_path". The part after the session id is ours: `<label id>/frame.jpg`
 * and `<label id>/cropped.jpg` for each first detection, `session-summary.json` at the end.
 */
export function sessionKeyBase(keyPrefix: string | undefined, name: string, sessionId: string): string {
  const prefix = (keyPrefix ?? '').replace(/\/+$/, '');
  return [prefix, name, sessionId].filter((p) => p !== '').join('/');
}

export const s3Uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;
