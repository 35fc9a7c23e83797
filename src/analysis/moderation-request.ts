/**
 * DetectModerationLabels as a domain function: the operation's handler and media analysis jobs
 * both call it, so a job's line result is exactly what the operation answers for the image.
 */
import { errors } from '../api/errors';
import type { DetectModerationLabelsRequest, DetectModerationLabelsResponse, HumanLoopActivationOutput } from '../api/generated/types';
import { loadImage } from '../media/image';
import type { MediaContext } from '../media/s3';
import { arn, type Scope } from '../runtime/scope';
import { contentTypes, DEFAULT_MIN_CONFIDENCE, MODERATION_MODEL_VERSION, moderationLabels } from './moderation';
import type { ModelsClient } from '../../models/client';

/** DetectModerationLabels refuses larger sides [SEEN 2023], as DetectLabels does. */
const MODERATION_LIMITS = { maxSide: 10000 };

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

/** `ctx`: where the image is read from, in the caller's region and account; `models`: the inference pool. */
export async function detectModerationLabels(input: DetectModerationLabelsRequest, ctx: MediaContext & Scope, models: Pick<ModelsClient, 'run'>): Promise<DetectModerationLabelsResponse> {
  // No moderation adapters exist here, so any ProjectVersion is unknown (message wording is our guess).
  if (input.ProjectVersion !== undefined) throw errors.resourceNotFound(`The project version ${input.ProjectVersion} does not exist.`);
  const image = await loadImage(input.Image, ctx, MODERATION_LIMITS);
  const rgb = await image.rgb();
  // The client resizes to the model's input.
  const scores = await models.run('vision.nsfw', { image: rgb });
  const minConfidence = input.MinConfidence ?? DEFAULT_MIN_CONFIDENCE;
  const labels = moderationLabels(scores, minConfidence);
  const output: DetectModerationLabelsResponse = { ModerationLabels: labels, ModerationModelVersion: MODERATION_MODEL_VERSION };
  if (input.HumanLoopConfig) output.HumanLoopActivationOutput = humanLoop(ctx, input.HumanLoopConfig.HumanLoopName, labels.length, minConfidence);
  output.ContentTypes = contentTypes(scores, minConfidence);
  return output;
}
