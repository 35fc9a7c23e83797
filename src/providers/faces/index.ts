/** DetectFaces and CompareFaces: faces found and described by src/analysis/faces.ts. */
import { similarity, type DetectedFace, type FaceAnalysis } from '../../analysis/faces';
import { errors } from '../../api/errors';
import type { CompareFacesMatch, ComparedFace, QualityFilter } from '../../api/generated/types';
import type { ApiProvider, Handler } from '../../api/handlers';
import { qualityReasons } from '../../faces/quality';
import { loadImage } from '../../media/image';
import type { ProviderDeps } from '../deps';

/** CompareFaces' default SimilarityThreshold (AWS-BEHAVIOUR.md §5). */
export const DEFAULT_SIMILARITY_THRESHOLD = 80;
/** CompareFaces compares the source face with the target's 100 largest faces. */
const MAX_TARGET_FACES = 100;

/** A face as CompareFaces reports it: BoundingBox, Confidence, the 5 default landmarks, Pose, Quality. */
function comparedFace(face: DetectedFace): ComparedFace {
  const d = face.detail;
  return { BoundingBox: d.BoundingBox, Confidence: d.Confidence, Landmarks: d.Landmarks?.slice(0, 5), Pose: d.Pose, Quality: d.Quality };
}

/** Faces that clear the QualityFilter's bar (NONE keeps all); faces without an embedding cannot be compared. */
function usable(faces: DetectedFace[], filter: QualityFilter): DetectedFace[] {
  return faces.filter((f) => f.embedding?.length && qualityReasons(f.quality, filter).length === 0);
}

/** `analysis`: the face analysis shared by every face operation (one cache of recent images). */
export function createFacesProvider({ runtime }: ProviderDeps, analysis: FaceAnalysis): ApiProvider {

  const detectFaces: Handler<'DetectFaces'> = async (input, ctx) => {
    const image = await loadImage(input.Image, { ...runtime, region: ctx.region });
    const faces = await analysis.detect(image, { attributes: input.Attributes });
    return { FaceDetails: faces.map((f) => f.detail) };
  };

  const compareFaces: Handler<'CompareFaces'> = async (input, ctx) => {
    const filter = input.QualityFilter ?? 'NONE';
    const threshold = input.SimilarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD;
    const media = { ...runtime, region: ctx.region };
    const [source, target] = await Promise.all([
      loadImage(input.SourceImage, media, { memberPath: 'sourceImage' }),
      loadImage(input.TargetImage, media, { memberPath: 'targetImage' }),
    ]);
    const [sourceFaces, targetFaces] = await Promise.all([
      analysis.detect(source, { embeddings: true }),
      analysis.detect(target, { embeddings: true, maxFaces: MAX_TARGET_FACES }),
    ]);
    // AWS refuses a source or a target without a face (AWS-BEHAVIOUR.md §2, §5)
    const [sourceFace] = usable(sourceFaces, filter);
    if (!sourceFace?.embedding || !targetFaces.length) throw errors.invalidParameter();

    const matches: CompareFacesMatch[] = [];
    const unmatched: ComparedFace[] = [];
    for (const face of usable(targetFaces, filter)) {
      const score = similarity(sourceFace.embedding, face.embedding!);
      if (score >= threshold) matches.push({ Similarity: score, Face: comparedFace(face) });
      else unmatched.push(comparedFace(face));
    }
    matches.sort((a, b) => (b.Similarity ?? 0) - (a.Similarity ?? 0));
    return {
      SourceImageFace: { BoundingBox: sourceFace.detail.BoundingBox, Confidence: sourceFace.detail.Confidence },
      FaceMatches: matches,
      UnmatchedFaces: unmatched,
    };
  };

  return {
    name: 'faces',
    handlers: {
      DetectFaces: {
        handle: detectFaces,
        notes:
          'human (blazeface, 478-point face mesh with iris, emotion and age/gender nets) finds up to 100 faces; landmarks, pose and ' +
          'quality come from the mesh and the face pixels; beard, mustache, glasses, eyes/mouth open and occlusion are measured from ' +
          'mesh geometry and pixel statistics (docs/FACES.md gives each method and its accuracy).',
      },
      CompareFaces: {
        handle: compareFaces,
        notes:
          "The source image's largest face is compared with up to 100 target faces by the euclidean distance of their identity " +
          "descriptors: face-api's 128-d embedding (dlib ResNet on dlib-aligned chips) joined with a 512-d ArcFace-style one, each averaged with " +
          'its mirror image, mapped to Similarity by a logistic curve: distance 0.86 is 80, identical faces 100. QualityFilter uses the same bars as IndexFaces.',
      },
    },
    reset() {
      analysis.clear();
    },
  };
}
