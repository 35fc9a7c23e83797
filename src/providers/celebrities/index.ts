/**
 * RecognizeCelebrities and GetCelebrityInfo against the local gallery (--celebrities-dir,
 * src/faces/celebrities.ts). The gallery opens at start (or at its first use) and is kept: its
 * photos are embedded once, in the background, and recognition waits for them.
 */
import type { FaceAnalysis } from '../../analysis/faces';
import { errors } from '../../api/errors';
import type { Celebrity, ComparedFace, FaceDetail } from '../../api/generated/types';
import type { ApiProvider, Handler } from '../../api/handlers';
import { bestCelebrity, type Gallery } from '../../faces/celebrities';
import { largestFirst } from '../../faces/quality';
import { loadImage } from '../../media/image';
import type { ProviderDeps } from '../deps';

/** RecognizeCelebrities looks at the 64 largest faces (API_RecognizeCelebrities). */
export const MAX_CELEBRITY_FACES = 64;

/** The face as RecognizeCelebrities shows it: BoundingBox, Confidence, Landmarks, Pose, Quality, Emotions, Smile. */
function comparedFace(detail: FaceDetail): ComparedFace {
  return {
    BoundingBox: detail.BoundingBox,
    Confidence: detail.Confidence,
    Landmarks: detail.Landmarks,
    Pose: detail.Pose,
    Quality: detail.Quality,
    Emotions: detail.Emotions,
    Smile: detail.Smile,
  };
}

/**
 * `analysis`: the face analysis shared by every face operation; `theGallery`: the celebrity
 * gallery, shared with stored video's celebrity recognition.
 */
export function createCelebritiesProvider({ runtime }: ProviderDeps, analysis: FaceAnalysis, theGallery: () => Gallery): ApiProvider {

  const recognizeCelebrities: Handler<'RecognizeCelebrities'> = async (input, ctx) => {
    const image = await loadImage(input.Image, { ...runtime, region: ctx.region });
    const indexed = await theGallery().ready;
    const faces = largestFirst(await analysis.detect(image, { attributes: ['DEFAULT', 'EMOTIONS', 'SMILE'], embeddings: true })).slice(0, MAX_CELEBRITY_FACES);
    const celebrities: Celebrity[] = [];
    const unrecognized: ComparedFace[] = [];
    for (const face of faces) {
      const match = face.embedding?.length ? bestCelebrity(indexed, face.embedding) : undefined;
      if (!match) {
        unrecognized.push(comparedFace(face.detail));
        continue;
      }
      // Wire order from a 2024 capture: Urls, Name, Id, Face, MatchConfidence, KnownGender (AWS-BEHAVIOUR §3.11).
      celebrities.push({
        Urls: match.entry.urls,
        Name: match.entry.name,
        Id: match.entry.id,
        Face: comparedFace(face.detail),
        MatchConfidence: match.similarity,
        KnownGender: match.entry.knownGender ? { Type: match.entry.knownGender } : undefined,
      });
    }
    return { CelebrityFaces: celebrities, UnrecognizedFaces: unrecognized };
  };

  const getCelebrityInfo: Handler<'GetCelebrityInfo'> = async (input) => {
    const entry = (await theGallery().byId).get(input.Id);
    // Message not captured from AWS; our wording.
    if (!entry) throw errors.resourceNotFound(`The celebrity id: ${input.Id} does not exist`);
    return { Urls: entry.urls, Name: entry.name, KnownGender: entry.knownGender ? { Type: entry.knownGender } : undefined };
  };

  return {
    name: 'celebrities',
    handlers: {
      RecognizeCelebrities: { handle: recognizeCelebrities },
      GetCelebrityInfo: { handle: getCelebrityInfo },
    },
    start() {
      // The gallery's photos are embedded in the background; RecognizeCelebrities waits for them.
      theGallery();
    },
  };
}
