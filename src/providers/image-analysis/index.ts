/**
 * DetectLabels, DetectModerationLabels, DetectProtectiveEquipment. Each loads the image with its
 * limits (AWS-BEHAVIOUR §5), sends a copy of at most ANALYSIS_MAX_SIDE px to the models, and
 * turns what they report into the response with src/analysis.
 */
import type {
  DetectLabelsResponse,
  DetectModerationLabelsResponse,
  DetectProtectiveEquipmentResponse,
  HumanLoopActivationOutput,
} from '../../api/generated/types';
import type { ApiProvider, Handler } from '../../api/handlers';
import { analyseLabels } from '../../analysis/detect-labels';
import { faceEvidenceFromDetail, type FaceEvidence } from '../../analysis/evidence';
import { detectFaces } from '../../analysis/faces';
import { LABEL_MODEL_VERSION } from '../../analysis/labels';
import { moderateImage } from '../../analysis/moderate-image';
import { DEFAULT_MIN_CONFIDENCE as MODERATION_MIN_CONFIDENCE } from '../../analysis/moderation';
import { PPE_CURVES, summarize, toPpePersons } from '../../analysis/ppe';
import { fitRgb, loadImage, type ImageContext, type LoadedImage, type RgbImage } from '../../media/image';
import type { RequestContext } from '../../runtime/context';
import { arn, type Scope } from '../../runtime/scope';
import type { ProviderDeps } from '../deps';

/** Models see at most this many pixels on the long side (centernet works at 512, movenet at 192). */
const ANALYSIS_MAX_SIDE = 1024;
/** DetectLabels refuses larger sides [SEEN 2023], as DetectModerationLabels does (moderate-image.ts); PPE: 4 MB, 64-4096 px [DOCS]. */
const LABELS_LIMITS = { maxSide: 10000 };
const PPE_LIMITS = { maxBytes: 4 * 1024 * 1024, minSide: 64, maxSide: 4096 };
const PPE_MODEL_VERSION = '1.0';
const DEFAULT_MAX_COLORS = 10;

/** The image scaled so its longer side is at most ANALYSIS_MAX_SIDE (unchanged when smaller). */
async function scaledRgb(image: LoadedImage): Promise<RgbImage> {
  return fitRgb(await image.rgb(), ANALYSIS_MAX_SIDE);
}

/**
 * A human loop starts when any label reaches MinConfidence: the flow definition's own activation
 * conditions live in SageMaker A2I, which this emulator cannot read (our choice, docs/IMAGE-ANALYSIS.md).
 */
function humanLoop(scope: Scope, name: string, labels: number, minConfidence: number): HumanLoopActivationOutput {
  const triggered = labels > 0;
  const results = JSON.stringify({
    Conditions: [{ ConditionType: 'ModerationLabelConfidenceCheck', ConditionParameters: { ModerationLabelName: '*', ConfidenceGreaterThanEquals: minConfidence }, EvaluationResult: triggered }],
  });
  if (!triggered) return { HumanLoopActivationConditionsEvaluationResults: results };
  return {
    HumanLoopArn: arn(scope, `human-loop/${name}`).replace(':rekognition:', ':sagemaker:'),
    HumanLoopActivationReasons: ['ConditionsEvaluation'],
    HumanLoopActivationConditionsEvaluationResults: results,
  };
}

export function createImageAnalysisProvider(deps: ProviderDeps): ApiProvider {
  const { models } = deps;
  const media = (ctx: RequestContext): ImageContext => ({ config: deps.runtime.config, clients: deps.runtime.clients, decodes: deps.runtime.decodes, region: ctx.region });

  const detectLabels: Handler<'DetectLabels'> = async (input, ctx) => {
    const image = await loadImage(input.Image, media(ctx), LABELS_LIMITS);
    const features = new Set(input.Features?.length ? input.Features : ['GENERAL_LABELS']);
    const { labels, imageProperties } = await analyseLabels(models, await scaledRgb(image), {
      minConfidence: input.MinConfidence,
      maxLabels: input.MaxLabels,
      settings: input.Settings?.GeneralLabels,
      generalLabels: features.has('GENERAL_LABELS'),
      imageProperties: features.has('IMAGE_PROPERTIES') ? { maxColors: input.Settings?.ImageProperties?.MaxDominantColors ?? DEFAULT_MAX_COLORS } : undefined,
      readText: true,
      plugins: true,
    });
    const output: DetectLabelsResponse = { Labels: labels, LabelModelVersion: LABEL_MODEL_VERSION };
    if (imageProperties) output.ImageProperties = imageProperties;
    return output;
  };

  const detectModerationLabels: Handler<'DetectModerationLabels'> = async (input, ctx) => {
    const output: DetectModerationLabelsResponse = await moderateImage(models, media(ctx), input);
    if (input.HumanLoopConfig) {
      const minConfidence = input.MinConfidence ?? MODERATION_MIN_CONFIDENCE;
      output.HumanLoopActivationOutput = humanLoop(ctx, input.HumanLoopConfig.HumanLoopName, output.ModerationLabels?.length ?? 0, minConfidence);
    }
    return output;
  };

  /** Faces for PPE from the faces module (DetectFaces' landmarks); the PPE task adds faces its mesh threshold drops. */
  const moduleFaces = async (image: LoadedImage): Promise<FaceEvidence[]> => {
    const faces = await detectFaces(image, { inference: models }, { attributes: [] });
    return faces.map((f) => faceEvidenceFromDetail(f.detail)).filter((f): f is FaceEvidence => f !== undefined);
  };

  const detectProtectiveEquipment: Handler<'DetectProtectiveEquipment'> = async (input, ctx) => {
    const image = await loadImage(input.Image, media(ctx), PPE_LIMITS);
    const [rgb, faces] = await Promise.all([scaledRgb(image), moduleFaces(image)]);
    const persons = toPpePersons(await models.run('vision.ppe', { image: rgb, faces, curves: PPE_CURVES }));
    const output: DetectProtectiveEquipmentResponse = { ProtectiveEquipmentModelVersion: PPE_MODEL_VERSION, Persons: persons };
    if (input.SummarizationAttributes) output.Summary = summarize(persons, input.SummarizationAttributes);
    return output;
  };

  return {
    name: 'image-analysis',
    handlers: {
      DetectLabels: {
        handle: detectLabels,
        notes:
          "COCO-80 objects (human's centernet, run at the image's aspect ratio) with v3 names, parents, aliases, categories and instances; Person, Face, Portrait and People/Crowd labels from faces and persons, age/gender labels from face-api's age/gender net; Text from OCR; ImageProperties from pixel statistics. No scene classifier: scene labels (Outdoors, Nature, ...) are not produced.",
      },
      DetectModerationLabels: {
        handle: detectModerationLabels,
        notes:
          'nsfwjs MobileNetV2 classes mapped to taxonomy v7 (Explicit > Explicit Nudity; Swimwear or Underwear) and ContentTypes Illustrated/Animated; calibrated so ordinary photos get no labels. Violence, drugs, alcohol, gestures, gambling and hate symbols are not detected. HumanLoopConfig: a loop starts when any label is returned.',
      },
      DetectProtectiveEquipment: {
        handle: detectProtectiveEquipment,
        notes:
          'Persons from centernet, FACE/HEAD from the face detector or movenet, hands from movenet wrists; FACE_COVER, HEAD_COVER and HAND_COVER decided from skin and colour evidence in each region (no PPE model exists offline).',
      },
    },
  };
}
