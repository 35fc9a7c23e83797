/**
 * Face Liveness: turns what the liveness task measures on each frame of a selfie session
 * (models/tasks/liveness.ts: the face mesh, human's `antispoof` and `liveness` scores) into the
 * session's outcome: which frames are usable, the liveness Confidence, the reference frame and the
 * audit frames. Nothing here knows HTTP or S3. The rules and their reasons are in docs/LIVENESS.md.
 *
 * - A frame is usable when it holds exactly one face (mesh confidence >= MIN_FACE_SCORE), large
 *   enough (shorter side of the mesh box >= 10% of the frame's shorter side and >= 64 px: the
 *   anti-spoofing net looks at a 128 px crop; AWS's oval makes a real user fill far more), frontal
 *   enough (|yaw| and |pitch| <= 30 degrees) and not cut by the frame edge.
 * - Each usable frame's evidence is the geometric mean of the two model scores, sqrt(real * live):
 *   both nets have to agree that the face is live. Frames that are not usable give no evidence.
 * - Confidence = 100 * (sum of evidence) / (frames analysed): a session where the face keeps
 *   leaving the frame scores lower than one where it stays.
 * - No usable frame at all: the session FAILED (no Confidence, no images).
 * - Reference image: the usable frame with the best face for comparison (sharp, frontal, clearly
 *   a face). Audit images: up to AuditImagesLimit usable frames spread evenly over the session.
 *
 * The light challenge (colours flashed on the face) cannot be checked from uploaded frames, and
 * no open model here tells a screen or print replay apart reliably: the two nets give a signal,
 * not AWS's accuracy.
 */
import { fitRgb, type RgbPixels } from '../media/image';
import type { BoundingBox } from '../api/generated/types';
import type { ModelsClient } from '../../models/client';
import type { LivenessRawFace } from '../../models/tasks/liveness';
import { buildFace, MIN_FACE_SCORE, resolveAttributes } from './faces';

/** The checks a frame must pass to count; see the header. Kept together so they are easy to change. */
export const LIVENESS_RULES = {
  /** Mesh confidence (0-1) below which a detection is not a face (the same cut as DetectFaces). */
  minFaceScore: MIN_FACE_SCORE,
  /** Shortest accepted face box side as a fraction of the frame's shorter side, and in pixels. */
  minFaceFraction: 0.1,
  minFacePixels: 64,
  maxYawDegrees: 30,
  maxPitchDegrees: 30,
  /** Largest share of the face oval that may lie outside the frame. */
  maxOutside: 0.1,
} as const;

/** Frames are analysed at most this large on their longer side. */
export const LIVENESS_MAX_SIDE = 1280;

/** One face on one frame, as the rules need it. */
export interface FaceMeasurement {
  /** Ratios of the frame, as Rekognition reports boxes (built exactly as DetectFaces builds them). */
  box: BoundingBox;
  /** Degrees. */
  pose: { roll: number; yaw: number; pitch: number };
  /** FaceDetail Quality.Sharpness and Quality.Brightness, and FaceDetail.Confidence (0-100). */
  sharpness: number;
  brightness: number;
  confidence: number;
  /** human's mesh confidence, 0-1. */
  faceScore: number;
  /** The model scores, 0-1. */
  real: number;
  live: number;
  /** Shorter box side over the frame's shorter side, and in pixels. */
  sizeFraction: number;
  sizePixels: number;
  /** Share of the face oval outside the frame. */
  outside: number;
}

export interface FrameMeasurement {
  width: number;
  height: number;
  /** Every detection the task returned, most confident first (not yet filtered). */
  faces: FaceMeasurement[];
}

export type FrameProblem = 'NO_FACE' | 'MULTIPLE_FACES' | 'FACE_TOO_SMALL' | 'FACE_NOT_FRONTAL' | 'FACE_CUT_OFF';

export interface FrameJudgement {
  usable: boolean;
  problem?: FrameProblem;
  /** The session's face on this frame (the largest one when there are several). */
  face?: FaceMeasurement;
  /** Liveness evidence 0-1: sqrt(real * live) on a usable frame, else 0. */
  evidence: number;
  /** How good the face is as a reference image (0-1); 0 when the frame is not usable. */
  quality: number;
}

export interface SessionJudgement {
  status: 'SUCCEEDED' | 'FAILED';
  /** 0-100; only when SUCCEEDED. */
  confidence?: number;
  /** Index of the reference frame; only when SUCCEEDED. */
  reference?: number;
  /** Indexes of the audit frames, in time order. */
  audits: number[];
  frames: FrameJudgement[];
  /** Why the session FAILED: the most frequent frame problem. */
  problem?: FrameProblem;
}

const radians = (deg: number) => (deg * Math.PI) / 180;

/** True when a's box lies mostly (> 50% of the smaller box) inside b's: one face found twice. */
function sameFace(a: BoundingBox, b: BoundingBox): boolean {
  const ax1 = (a.Left ?? 0) + (a.Width ?? 0), ay1 = (a.Top ?? 0) + (a.Height ?? 0);
  const bx1 = (b.Left ?? 0) + (b.Width ?? 0), by1 = (b.Top ?? 0) + (b.Height ?? 0);
  const iw = Math.max(0, Math.min(ax1, bx1) - Math.max(a.Left ?? 0, b.Left ?? 0));
  const ih = Math.max(0, Math.min(ay1, by1) - Math.max(a.Top ?? 0, b.Top ?? 0));
  const smaller = Math.min((a.Width ?? 0) * (a.Height ?? 0), (b.Width ?? 0) * (b.Height ?? 0));
  return smaller > 0 && (iw * ih) / smaller > 0.5;
}

/** Faces that count: confident enough, each face once. */
export function countedFaces(faces: FaceMeasurement[]): FaceMeasurement[] {
  const kept: FaceMeasurement[] = [];
  for (const face of [...faces].filter((f) => f.faceScore >= LIVENESS_RULES.minFaceScore).sort((a, b) => b.faceScore - a.faceScore)) {
    if (!kept.some((k) => sameFace(face.box, k.box))) kept.push(face);
  }
  return kept;
}

export function judgeFrame(frame: FrameMeasurement): FrameJudgement {
  const faces = countedFaces(frame.faces);
  if (faces.length === 0) return { usable: false, problem: 'NO_FACE', evidence: 0, quality: 0 };
  const face = faces.reduce((a, b) => ((b.box.Width ?? 0) * (b.box.Height ?? 0) > (a.box.Width ?? 0) * (a.box.Height ?? 0) ? b : a));
  const reject = (problem: FrameProblem): FrameJudgement => ({ usable: false, problem, face, evidence: 0, quality: 0 });
  if (faces.length > 1) return reject('MULTIPLE_FACES');
  if (face.outside > LIVENESS_RULES.maxOutside) return reject('FACE_CUT_OFF');
  if (face.sizeFraction < LIVENESS_RULES.minFaceFraction || face.sizePixels < LIVENESS_RULES.minFacePixels) return reject('FACE_TOO_SMALL');
  if (Math.abs(face.pose.yaw) > LIVENESS_RULES.maxYawDegrees || Math.abs(face.pose.pitch) > LIVENESS_RULES.maxPitchDegrees) return reject('FACE_NOT_FRONTAL');
  const evidence = Math.sqrt(Math.max(0, face.real) * Math.max(0, face.live));
  const quality = (face.sharpness / 100) * Math.cos(radians(face.pose.yaw)) * Math.cos(radians(face.pose.pitch)) * (face.confidence / 100);
  return { usable: true, face, evidence, quality };
}

/** Up to `limit` of the given frame indexes, spread evenly (first and last included when limit >= 2). */
export function spread(indexes: number[], limit: number): number[] {
  const n = Math.min(Math.max(0, Math.floor(limit)), indexes.length);
  if (n === 0) return [];
  if (n === 1) return [indexes[Math.floor((indexes.length - 1) / 2)]];
  const picked = new Set<number>();
  for (let i = 0; i < n; i++) picked.add(indexes[Math.round((i * (indexes.length - 1)) / (n - 1))]);
  return [...picked].sort((a, b) => a - b);
}

/** The session's outcome from its frames (in time order) and the audit image limit (0-4). */
export function judgeSession(frames: FrameMeasurement[], auditImagesLimit: number): SessionJudgement {
  const judged = frames.map(judgeFrame);
  const usable = judged.map((j, i) => (j.usable ? i : -1)).filter((i) => i >= 0);
  if (usable.length === 0) {
    const counts = new Map<FrameProblem, number>();
    for (const j of judged) if (j.problem) counts.set(j.problem, (counts.get(j.problem) ?? 0) + 1);
    const problem = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'NO_FACE';
    return { status: 'FAILED', audits: [], frames: judged, problem };
  }
  const confidence = (100 * usable.reduce((sum, i) => sum + judged[i].evidence, 0)) / frames.length;
  const reference = usable.reduce((best, i) => (judged[i].quality > judged[best].quality ? i : best), usable[0]);
  // Audit frames other than the reference when there are enough; AWS's limit is "best effort".
  const others = usable.filter((i) => i !== reference);
  const audits = spread(others.length >= auditImagesLimit ? others : usable, auditImagesLimit);
  return { status: 'SUCCEEDED', confidence: Math.min(100, Math.max(0, confidence)), reference, audits, frames: judged };
}

/** The face measurements of one raw face from the task, on a frame of the given size. */
export function measureFace(raw: LivenessRawFace, width: number, height: number): FaceMeasurement {
  const built = buildFace(raw, width, height, resolveAttributes(undefined));
  return {
    box: built.detail.BoundingBox ?? {},
    pose: built.quality.pose,
    sharpness: built.quality.sharpness,
    brightness: built.quality.brightness,
    confidence: built.quality.confidence,
    faceScore: raw.faceScore,
    real: raw.real,
    live: raw.live,
    sizeFraction: built.quality.sizeRatio,
    sizePixels: Math.min((built.detail.BoundingBox?.Width ?? 0) * width, (built.detail.BoundingBox?.Height ?? 0) * height),
    outside: raw.regions.face?.outside ?? 1,
  };
}

/** Runs the liveness task on one RGB frame (scaled to LIVENESS_MAX_SIDE first when larger). */
export async function measureFrame(rgb: RgbPixels, models: Pick<ModelsClient, 'run'>): Promise<FrameMeasurement> {
  const image = await fitRgb(rgb, LIVENESS_MAX_SIDE);
  const { width, height } = image;
  // the client sends a copy, so the caller's pixels stay usable (for the reference image)
  const result = await models.run('liveness.analyze', { image });
  return { width, height, faces: result.faces.map((f) => measureFace(f, width, height)) };
}
