/**
 * DetectModerationLabels' analysis of an image, shared by DetectModerationLabels, the frames of
 * StartContentModeration and the lines of media analysis jobs: nsfwjs's class scores mapped by
 * moderation.ts to ModerationLabels and ContentTypes.
 */
import { errors } from '../api/errors';
import type { ContentType, DetectModerationLabelsRequest, DetectModerationLabelsResponse, ModerationLabel } from '../api/generated/types';
import type { ModelsClient } from '../../models/client';
import type { RgbPixels } from '../../models/evidence';
import { loadImage, type ImageContext } from '../media/image';
import { applyCurve } from './calibration';
import { contentTypes, DEFAULT_MIN_CONFIDENCE, MODERATION_MODEL_VERSION, moderationLabels, SUGGESTIVE_CURVE } from './moderation';

/** DetectModerationLabels (and DetectLabels) refuse larger sides [SEEN 2023]. */
const MODERATION_IMAGE_LIMITS = { maxSide: 10000 };

export interface ModerationAnalysis {
  labels: ModerationLabel[];
  contentTypes: ContentType[];
}

/** The moderation labels and content types of an image at `minConfidence` (default 50). */
export async function analyseModeration(models: ModelsClient, rgb: RgbPixels, minConfidence = DEFAULT_MIN_CONFIDENCE): Promise<ModerationAnalysis> {
  // The client resizes to the model's input.
  const scores = await models.run('vision.nsfw', { image: rgb });
  // Swimwear or Underwear needs bare skin on the persons; measured only when the label could pass.
  const suggestive = applyCurve(SUGGESTIVE_CURVE, scores.Sexy) >= minConfidence;
  const evidence = suggestive ? { torsoSkin: await models.run('vision.torsoSkin', { image: rgb }) } : {};
  return { labels: moderationLabels(scores, minConfidence, evidence), contentTypes: contentTypes(scores, minConfidence) };
}

/**
 * DetectModerationLabels' answer to `request`, without the human loop: the image loaded with the
 * operation's limits (errors as the operation gives them), then analysed.
 */
export async function moderateImage(
  models: ModelsClient,
  media: ImageContext,
  request: Pick<DetectModerationLabelsRequest, 'Image' | 'MinConfidence' | 'ProjectVersion'>,
): Promise<DetectModerationLabelsResponse> {
  // No moderation adapters exist here, so any ProjectVersion is unknown (message wording is our guess).
  if (request.ProjectVersion !== undefined) throw errors.resourceNotFound(`The project version ${request.ProjectVersion} does not exist.`);
  const image = await loadImage(request.Image, media, MODERATION_IMAGE_LIMITS);
  const { labels, contentTypes } = await analyseModeration(models, await image.rgb(), request.MinConfidence);
  return { ModerationLabels: labels, ModerationModelVersion: MODERATION_MODEL_VERSION, ContentTypes: contentTypes };
}
