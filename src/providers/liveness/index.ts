/**
 * Face Liveness: CreateFaceLivenessSession and GetFaceLivenessSessionResults (sessions.ts), and the
 * selfie media the control plane submits for a session (submission.ts), which real AWS receives on
 * its streaming endpoint. Documentation: docs/LIVENESS.md.
 */
import type { ApiProvider } from '../../api/handlers';
import type { ProviderDeps } from '../deps';
import { createSession, sessionResults } from './sessions';
import { submitLivenessMedia, type LivenessMedia, type LivenessReport } from './submission';

export type { LivenessMedia, LivenessReport } from './submission';

export interface LivenessProvider extends ApiProvider {
  /** The control plane's POST /_rekognition/liveness/<SessionId>: analyses the session's media. */
  submitMedia(sessionId: string, media: LivenessMedia): Promise<LivenessReport>;
}

export function createLivenessProvider(deps: ProviderDeps): LivenessProvider {
  return {
    name: 'liveness',
    handlers: {
      CreateFaceLivenessSession: {
        handle: (input, ctx) => createSession(deps, input, ctx),
        notes:
          'Sessions expire 3 minutes after creation when no video arrived. The selfie video (H.264 MP4) or 1-30 JPEG/PNG frames arrive through the emulator-only POST /_rekognition/liveness/<SessionId> (AWS streams it through StartFaceLivenessSession); reference and audit images go to OutputConfig (S3) or come back as bytes. KmsKeyId is accepted and not used. ClientRequestToken returns the first session again.',
      },
      GetFaceLivenessSessionResults: {
        handle: (input, ctx) => sessionResults(deps, input, ctx),
        notes:
          "Confidence from human's antispoof and liveness nets on the face crop of every usable frame (one frontal face, large enough, inside the frame); FAILED when no frame has a usable face. The light challenge is not verified. Results stay available after the session ends; unknown ids are SessionNotFoundException.",
      },
    },
    submitMedia: (sessionId, media) => submitLivenessMedia(deps, sessionId, media),
  };
}
