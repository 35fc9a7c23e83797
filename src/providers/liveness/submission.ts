/**
 * Media submission for Face Liveness: what real AWS does on its streaming endpoint
 * (StartFaceLivenessSession, not part of this API model), receiving the selfie video. Offline, the
 * video (or a few frames) arrives through the emulator-only control plane,
 * `POST /_rekognition/liveness/<SessionId>` (server/control-plane.ts), which calls the provider's
 * `submitMedia`. Analysis: src/analysis/liveness.ts. Documentation: docs/LIVENESS.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { RekognitionError } from '../../api/errors';
import type { BoundingBox, CreateFaceLivenessSessionRequestSettings, LivenessSessionStatus } from '../../api/generated/types';
import { countedFaces, judgeSession, LIVENESS_MAX_SIDE, measureFrame, type FrameMeasurement, type SessionJudgement } from '../../analysis/liveness';
import { ControlError } from '../../control/errors';
import { readFrames } from '../../media/frames';
import { fitRgb, loadImage } from '../../media/image';
import { probeVideo, UnsupportedVideoError } from '../../media/probe';
import { S3WriteError, writeS3Object } from '../../media/s3';
import type { LivenessSessionRow } from '../../store/liveness-sessions';
import type { ProviderDeps } from '../deps';
import { currentStatus, type StoredImage } from './sessions';

/** AuditImagesLimit when absent: 0 (API reference). */
const DEFAULT_AUDIT_IMAGES = 0;
/** Most frames one submission may carry, and most frames sampled from a video (our choice: a selfie check lasts a few seconds). */
export const MAX_SUBMITTED_FRAMES = 30;
export const MAX_VIDEO_FRAMES = 15;
/** LivenessImageBlob's maximum in the model: reference and audit images are JPEGs at most this large. */
const MAX_IMAGE_BYTES = 204_800;

/** A refused submission: `status` is the control plane's HTTP status. */
export class LivenessSubmissionError extends ControlError {
  override name = 'LivenessSubmissionError';
}

export interface LivenessMedia {
  /** JPEG or PNG frames, in time order. */
  frames?: Buffer[];
  /** An H.264 MP4 (or MOV) selfie video. */
  video?: Buffer;
}

/** What the control plane answers: the session's outcome and how each frame was judged. */
export interface LivenessReport {
  SessionId: string;
  Status: LivenessSessionStatus;
  Confidence?: number;
  /** Why the session FAILED. */
  reason?: string;
  frames: {
    index: number;
    timestampMs?: number;
    width: number;
    height: number;
    usable: boolean;
    problem?: string;
    faces: number;
    real?: number;
    live?: number;
    boundingBox?: BoundingBox;
  }[];
  referenceFrame?: number;
  auditFrames: number[];
}

interface DecodedFrame {
  rgb: { data: Buffer; width: number; height: number };
  timestampMs?: number;
}

/** The frame scaled to at most LIVENESS_MAX_SIDE on its longer side. */
async function fit(rgb: { data: Buffer; width: number; height: number }): Promise<DecodedFrame['rgb']> {
  const { data, width, height } = await fitRgb(rgb, LIVENESS_MAX_SIDE);
  return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), width, height };
}

async function decodeImages(frames: Buffer[], deps: ProviderDeps): Promise<DecodedFrame[]> {
  const decoded: DecodedFrame[] = [];
  for (const [i, bytes] of frames.entries()) {
    try {
      // The control plane already bounded the body; the image limits are DetectFaces' (80 px minimum).
      const image = await loadImage({ Bytes: bytes }, { config: deps.runtime.config, clients: deps.runtime.clients, decodes: deps.runtime.decodes, region: deps.runtime.config.defaultRegion }, { maxBytes: Infinity });
      decoded.push({ rgb: await fit(await image.rgb()) });
    } catch (err) {
      const why = err instanceof RekognitionError ? `${err.type}: ${err.message}` : (err as Error).message;
      throw new LivenessSubmissionError(422, `frame ${i} is not a usable JPEG or PNG image (${why})`);
    }
  }
  return decoded;
}

/** Up to MAX_VIDEO_FRAMES frames spread over the video (at most 5 per second). */
async function decodeVideo(video: Buffer): Promise<DecodedFrame[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rekognition-local-liveness-'));
  try {
    const file = path.join(dir, 'selfie.mp4');
    await writeFile(file, video);
    const info = await probeVideo(file);
    const seconds = Math.max(0.2, (info.metadata.DurationMillis ?? 1000) / 1000);
    const fps = Math.min(5, Math.max(0.2, MAX_VIDEO_FRAMES / seconds));
    const frames: DecodedFrame[] = [];
    for await (const frame of readFrames(file, info, { mode: 'sample', fps, maxWidth: LIVENESS_MAX_SIDE })) {
      frames.push({ rgb: { data: frame.data, width: frame.width, height: frame.height }, timestampMs: frame.timestampMs });
      if (frames.length >= MAX_VIDEO_FRAMES) break;
    }
    if (frames.length === 0) throw new UnsupportedVideoError('no frames decoded');
    return frames;
  } catch (err) {
    if (err instanceof UnsupportedVideoError) throw new LivenessSubmissionError(422, `the video cannot be used: ${err.reason} (H.264 in MP4 or MOV is expected)`);
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A JPEG of the frame no larger than LivenessImageBlob allows (quality first, then size, goes down). */
export async function encodeJpeg(rgb: DecodedFrame['rgb']): Promise<Buffer> {
  let width = rgb.width;
  for (;;) {
    for (const quality of [90, 80, 70, 60]) {
      let image = sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } });
      if (width !== rgb.width) image = image.resize({ width });
      const jpeg = await image.jpeg({ quality, mozjpeg: false }).toBuffer();
      if (jpeg.length <= MAX_IMAGE_BYTES) return jpeg;
    }
    width = Math.max(16, Math.floor(width * 0.75));
  }
}

/** `<prefix>/<SessionId>/<name>`; the prefix is used as given, with a `/` added when it lacks one. */
export function livenessObjectKey(prefix: string | undefined, sessionId: string, name: string): string {
  const base = prefix ? (prefix.endsWith('/') ? prefix : `${prefix}/`) : '';
  return `${base}${sessionId}/${name}`;
}

/** Stores the session's images: as S3 objects under OutputConfig, else as bytes for the response. */
async function storeImages(
  row: LivenessSessionRow,
  settings: CreateFaceLivenessSessionRequestSettings,
  frames: DecodedFrame[],
  judgement: SessionJudgement,
  deps: ProviderDeps,
): Promise<{ reference?: StoredImage; audits: StoredImage[] }> {
  const output = settings.OutputConfig;
  const one = async (index: number, name: string): Promise<StoredImage> => {
    const box = judgement.frames[index].face?.box ?? {};
    const jpeg = await encodeJpeg(frames[index].rgb);
    if (!output) return { Bytes: jpeg.toString('base64'), BoundingBox: box };
    const key = livenessObjectKey(output.S3KeyPrefix, row.session_id, name);
    await writeS3Object(output.S3Bucket, key, jpeg, { config: deps.runtime.config, clients: deps.runtime.clients, region: row.region }, 'image/jpeg');
    return { S3Object: { Bucket: output.S3Bucket, Name: key }, BoundingBox: box };
  };
  const reference = judgement.reference !== undefined ? await one(judgement.reference, 'reference.jpg') : undefined;
  const audits: StoredImage[] = [];
  for (const [n, index] of judgement.audits.entries()) audits.push(await one(index, `audit_images/${n + 1}.jpg`));
  return { reference, audits };
}

/** Runs `work` on each item, at most `limit` at a time, keeping the order of results. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}

const PROBLEM_TEXT: Record<string, string> = {
  NO_FACE: 'no face was found on any frame',
  MULTIPLE_FACES: 'more than one face was in view',
  FACE_TOO_SMALL: 'the face was too small in the frame (move closer)',
  FACE_NOT_FRONTAL: 'the face was turned too far from the camera',
  FACE_CUT_OFF: 'the face was cut off by the frame edge',
  OUTPUT_WRITE_FAILED: 'the reference and audit images could not be written to OutputConfig',
  INTERRUPTED: 'the server stopped during the analysis',
  INTERNAL_ERROR: 'the analysis failed',
};

/**
 * Takes the selfie media for a session and analyses it: the emulator's stand-in for AWS's
 * streaming endpoint. Refused (LivenessSubmissionError) for an unknown, expired or already used
 * session and for media that cannot be decoded; those leave the session as it was.
 */
export async function submitLivenessMedia(deps: ProviderDeps, sessionId: string, media: LivenessMedia): Promise<LivenessReport> {
  const sessions = deps.stores.livenessSessions;
  const row = sessions.byId(sessionId);
  if (!row) throw new LivenessSubmissionError(404, `no Face Liveness session ${sessionId} (create one with CreateFaceLivenessSession)`);
  const status = currentStatus(sessions, row, deps.runtime.startedAt);
  if (status === 'EXPIRED') throw new LivenessSubmissionError(409, `session ${sessionId} has EXPIRED: media must arrive within 3 minutes of CreateFaceLivenessSession`);
  if (status !== 'CREATED') throw new LivenessSubmissionError(409, `session ${sessionId} is ${status}: a session takes one video; create a new session for another check`);

  const hasFrames = media.frames !== undefined, hasVideo = media.video !== undefined;
  if (hasFrames === hasVideo) throw new LivenessSubmissionError(400, `send either 'frames' (1-${MAX_SUBMITTED_FRAMES} base64 JPEG/PNG images) or 'video' (a base64 H.264 MP4)`);
  if (hasFrames && (media.frames!.length === 0 || media.frames!.length > MAX_SUBMITTED_FRAMES)) {
    throw new LivenessSubmissionError(400, `'frames' must hold 1 to ${MAX_SUBMITTED_FRAMES} images, not ${media.frames!.length}`);
  }
  if (hasVideo && media.video!.length === 0) throw new LivenessSubmissionError(400, `'video' is empty`);
  const frames = hasVideo ? await decodeVideo(media.video!) : await decodeImages(media.frames!, deps);

  // Only one submission wins the session; it stays IN_PROGRESS while the models run.
  if (!sessions.claim(sessionId, Date.now())) throw new LivenessSubmissionError(409, `session ${sessionId} is no longer CREATED: a session takes one video`);

  const settings = JSON.parse(row.settings) as CreateFaceLivenessSessionRequestSettings;
  const finish = (fields: { status: LivenessSessionStatus; confidence?: number; reference?: StoredImage; audits?: StoredImage[]; problem?: string }) =>
    sessions.finish(
      sessionId,
      {
        status: fields.status,
        confidence: fields.confidence,
        reference: fields.reference ? JSON.stringify(fields.reference) : undefined,
        audits: JSON.stringify(fields.audits ?? []),
        problem: fields.problem,
      },
      Date.now(),
    );

  let measured: FrameMeasurement[];
  let judgement: SessionJudgement;
  try {
    measured = await mapLimited(frames, 2, (f) => measureFrame(f.rgb, deps.models));
    judgement = judgeSession(measured, settings.AuditImagesLimit ?? DEFAULT_AUDIT_IMAGES);
  } catch (err) {
    finish({ status: 'FAILED', problem: 'INTERNAL_ERROR' });
    throw err;
  }

  let outcome: { status: LivenessSessionStatus; confidence?: number; problem?: string } = {
    status: judgement.status,
    confidence: judgement.confidence,
    problem: judgement.problem,
  };
  let images: { reference?: StoredImage; audits: StoredImage[] } = { audits: [] };
  let writeError: string | undefined;
  if (judgement.status === 'SUCCEEDED') {
    try {
      images = await storeImages(row, settings, frames, judgement, deps);
    } catch (err) {
      if (!(err instanceof S3WriteError)) {
        finish({ status: 'FAILED', problem: 'INTERNAL_ERROR' });
        throw err;
      }
      // AWS needs s3:PutObject on the bucket; without it the check cannot deliver its images (our choice: FAILED).
      outcome = { status: 'FAILED', problem: 'OUTPUT_WRITE_FAILED' };
      writeError = err.message;
    }
  }
  finish({ ...outcome, ...images });

  return {
    SessionId: sessionId,
    Status: outcome.status,
    ...(outcome.status === 'SUCCEEDED' ? { Confidence: outcome.confidence } : {}),
    ...(outcome.problem ? { reason: `${PROBLEM_TEXT[outcome.problem] ?? outcome.problem}${writeError ? `: ${writeError}` : ''}` } : {}),
    frames: judgement.frames.map((j, index) => ({
      index,
      ...(frames[index].timestampMs !== undefined ? { timestampMs: frames[index].timestampMs } : {}),
      width: measured[index].width,
      height: measured[index].height,
      usable: j.usable,
      ...(j.problem ? { problem: j.problem } : {}),
      faces: countedFaces(measured[index].faces).length,
      ...(j.face ? { real: j.face.real, live: j.face.live, boundingBox: j.face.box } : {}),
    })),
    ...(outcome.status === 'SUCCEEDED' ? { referenceFrame: judgement.reference } : {}),
    auditFrames: outcome.status === 'SUCCEEDED' ? judgement.audits : [],
  };
}
