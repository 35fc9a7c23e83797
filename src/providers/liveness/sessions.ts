/**
 * Face Liveness sessions: CreateFaceLivenessSession and GetFaceLivenessSessionResults. Sessions live
 * in SQLite (src/store/liveness-sessions.ts), namespaced by account and region.
 *
 * Lifecycle: CREATED -> (media arrives, submission.ts) IN_PROGRESS -> SUCCEEDED | FAILED. A session
 * that got no media within 3 minutes of its creation is EXPIRED (AWS: "a SessionId expires 3
 * minutes after it's sent"). A session is single-use: media for a session that already has some
 * is refused.
 */
import { errors } from '../../api/errors';
import type {
  AuditImage,
  BoundingBox,
  Challenge,
  ChallengePreference,
  CreateFaceLivenessSessionRequest,
  CreateFaceLivenessSessionRequestSettings,
  CreateFaceLivenessSessionResponse,
  GetFaceLivenessSessionResultsRequest,
  GetFaceLivenessSessionResultsResponse,
  LivenessSessionStatus,
} from '../../api/generated/types';
import type { RequestContext } from '../../runtime/context';
import type { LivenessSessionRow, LivenessSessionStore } from '../../store/liveness-sessions';
import type { ProviderDeps } from '../deps';

/** A session that received no media this long after its creation is EXPIRED (AWS's rule, API_CreateFaceLivenessSession). */
export const SESSION_TTL_MS = 3 * 60 * 1000;

/**
 * The challenges this emulator offers, in AWS's order of preference when the request states none
 * (AWS's default is FaceMovementAndLightChallenge). Only version 1.0.0 of each exists here.
 */
const CHALLENGES: Challenge[] = [
  { Type: 'FaceMovementAndLightChallenge', Version: '1.0.0' },
  { Type: 'FaceMovementChallenge', Version: '1.0.0' },
];

/** Message not captured from AWS (AWS-BEHAVIOUR §6); styled after the collection message. */
const sessionNotFound = (id: string) => errors.sessionNotFound(`The session id: ${id} does not exist`);

/** An AuditImage as stored: Bytes as base64 text. */
export interface StoredImage {
  Bytes?: string;
  S3Object?: { Bucket: string; Name: string };
  BoundingBox: BoundingBox;
}

function versionKey(version: string): number {
  const [a, b, c] = version.split('.').map(Number);
  return a * 1e6 + b * 1e3 + c;
}

/** The first preferred challenge (in the caller's order) this emulator offers within the version range. */
export function chooseChallenge(preferences: ChallengePreference[] | undefined): Challenge {
  if (!preferences?.length) return CHALLENGES[0];
  for (const preference of preferences) {
    const offered = CHALLENGES.find((c) => c.Type === preference.Type);
    if (!offered) continue;
    const v = versionKey(offered.Version);
    const min = preference.Versions?.Minimum, max = preference.Versions?.Maximum;
    if ((min === undefined || versionKey(min) <= v) && (max === undefined || v <= versionKey(max))) return offered;
  }
  // Which error AWS gives when no preference can be met is not known: our choice.
  throw errors.invalidParameter('None of the ChallengePreferences can be met: rekognition-local offers FaceMovementAndLightChallenge and FaceMovementChallenge, version 1.0.0.');
}

/**
 * The status as of now, written back when it changed: CREATED past its 3 minutes is EXPIRED; an
 * IN_PROGRESS session whose analysis began before this server started was interrupted: FAILED.
 */
export function currentStatus(sessions: LivenessSessionStore, row: LivenessSessionRow, startedAt: Date, now = Date.now()): LivenessSessionStatus {
  let status = row.status;
  if (status === 'CREATED' && now - row.created_ms >= SESSION_TTL_MS) status = 'EXPIRED';
  else if (status === 'IN_PROGRESS' && (row.started_ms ?? 0) < startedAt.getTime()) status = 'FAILED';
  if (status !== row.status) {
    sessions.lapse(row, status, status === 'FAILED' ? 'INTERRUPTED' : null, now);
    row.status = status;
  }
  return status;
}

const toAuditImage = (image: StoredImage): AuditImage => ({
  ...(image.Bytes !== undefined ? { Bytes: Buffer.from(image.Bytes, 'base64') } : {}),
  ...(image.S3Object ? { S3Object: image.S3Object } : {}),
  BoundingBox: image.BoundingBox,
});

export function createSession(deps: ProviderDeps, input: CreateFaceLivenessSessionRequest, ctx: RequestContext): CreateFaceLivenessSessionResponse {
  return deps.stores.idempotency.in(ctx).once(ctx.operation, input, () => {
    const settings: CreateFaceLivenessSessionRequestSettings = input.Settings ?? {};
    const challenge = chooseChallenge(settings.ChallengePreferences);
    const sessionId = deps.runtime.ids.uuid();
    deps.stores.livenessSessions.in(ctx).create({ sessionId, settings: JSON.stringify(settings), kmsKeyId: input.KmsKeyId, challenge: JSON.stringify(challenge), createdMs: Date.now() });
    return { SessionId: sessionId };
  });
}

export function sessionResults(deps: ProviderDeps, input: GetFaceLivenessSessionResultsRequest, ctx: RequestContext): GetFaceLivenessSessionResultsResponse {
  const row = deps.stores.livenessSessions.in(ctx).find(input.SessionId);
  if (!row) throw sessionNotFound(input.SessionId);
  const status = currentStatus(deps.stores.livenessSessions, row, deps.runtime.startedAt);
  const output: GetFaceLivenessSessionResultsResponse = { SessionId: row.session_id, Status: status };
  if (status === 'SUCCEEDED') {
    if (row.confidence !== null) output.Confidence = row.confidence;
    if (row.reference) output.ReferenceImage = toAuditImage(JSON.parse(row.reference) as StoredImage);
    output.AuditImages = (JSON.parse(row.audits ?? '[]') as StoredImage[]).map(toAuditImage);
  }
  if (status !== 'CREATED' && status !== 'EXPIRED') output.Challenge = JSON.parse(row.challenge) as Challenge;
  return output;
}
