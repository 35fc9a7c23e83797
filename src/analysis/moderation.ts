/**
 * DetectModerationLabels from nsfwjs's five classes (Drawing, Hentai, Neutral, Porn, Sexy), mapped
 * onto the v7 taxonomy (src/analysis/taxonomy/moderation_labels_v7.csv):
 *
 * - Porn + Hentai (their summed probability: the classes are exclusive) -> L2 `Explicit Nudity`
 *   under L1 `Explicit`. The model cannot tell which L3 (which body part), so none is claimed.
 * - Sexy -> L1 `Swimwear or Underwear` (the class is trained on swimwear, lingerie and revealing
 *   clothes; the model cannot tell the wearer's sex, which the L2 labels need).
 * - ContentTypes: `Illustrated` from Drawing + Hentai, `Animated` from Hentai (anime-style).
 * - Neutral maps to nothing. Violence, drugs, alcohol, gestures, gambling and hate symbols have no
 *   open model here: they are never reported.
 *
 * Calibration (calibration.ts curves on the class probability's logit). The classes fire on
 * ordinary photos: clothed party photos (face-api's demo samples) reach Porn 0.50, Porn + Hentai
 * 0.64 and Sexy 0.53; the rocket photo is "Drawing" 0.79; Megamind's 3-D frames reach Porn 0.15.
 * The midpoints sit above all of them, so none of those photos gets a label or content type at the
 * default MinConfidence 50 (test/vision/moderation.test.ts and the contract tests check the
 * development photos): Porn + Hentai 0.64 -> 20, Sexy 0.53 -> 18, Drawing 0.79 -> 21. A label
 * needs Porn + Hentai >= 0.85, Sexy >= 0.8, Drawing + Hentai >= 0.9. The price is recall: a
 * swimwear photo the model scores 0.7 Sexy is not flagged.
 */
import type { ContentType, ModerationLabel } from '../api/generated/types';
import { applyCurve, type Logistic } from './calibration';
import { moderationChain } from './taxonomy';

export const MODERATION_MODEL_VERSION = '7.0';
export const DEFAULT_MIN_CONFIDENCE = 50;

export type NsfwScores = Record<'Drawing' | 'Hentai' | 'Neutral' | 'Porn' | 'Sexy', number>;

interface Mapping {
  /** The deepest label claimed; its ancestors follow with the same confidence. */
  label: string;
  evidence: (s: NsfwScores) => number;
  curve: Logistic;
  /** A second piece of evidence the label needs (0-1, multiplies the confidence), when measured. */
  support?: (e: ModerationEvidence) => number | undefined;
}

/** Measurements beside nsfwjs's scores. */
export interface ModerationEvidence {
  /** Skin share of the persons' torso bands (models/skin.ts), measured when Swimwear or Underwear could be reported. */
  torsoSkin?: number;
}

/**
 * Swimwear and underwear leave the torso and thighs bare. nsfwjs's Sexy class also fires on sports
 * kit and summer clothes: on the COCO development photos a softball uniform scored Sexy 0.97 with
 * 10% skin in the torso band and a tennis dress 0.97 with 21%. The label keeps its full confidence
 * from 35% skin and none under 15%.
 */
export const TORSO_SKIN_NONE = 0.15;
export const TORSO_SKIN_FULL = 0.35;
export const skinSupport = (skin: number) => Math.min(1, Math.max(0, (skin - TORSO_SKIN_NONE) / (TORSO_SKIN_FULL - TORSO_SKIN_NONE)));

export const EXPLICIT_CURVE: Logistic = { midpoint: 0.85, slope: 1.2, logit: true };
export const SUGGESTIVE_CURVE: Logistic = { midpoint: 0.9, slope: 1.2, logit: true };
export const ILLUSTRATED_CURVE: Logistic = { midpoint: 0.9, slope: 1.5, logit: true };
export const ANIMATED_CURVE: Logistic = { midpoint: 0.85, slope: 1.2, logit: true };

export const MAPPINGS: readonly Mapping[] = [
  { label: 'Explicit Nudity', evidence: (s) => s.Porn + s.Hentai, curve: EXPLICIT_CURVE },
  { label: 'Swimwear or Underwear', evidence: (s) => s.Sexy, curve: SUGGESTIVE_CURVE, support: (e) => (e.torsoSkin === undefined ? undefined : skinSupport(e.torsoSkin)) },
];

const CONTENT_TYPES: readonly { name: string; evidence: (s: NsfwScores) => number; curve: Logistic }[] = [
  { name: 'Illustrated', evidence: (s) => s.Drawing + s.Hentai, curve: ILLUSTRATED_CURVE },
  { name: 'Animated', evidence: (s) => s.Hentai, curve: ANIMATED_CURVE },
];

/**
 * Labels at or above `minConfidence`, each chain child first (L3, L2, L1) with one confidence, as
 * AWS lists them (AWS-BEHAVIOUR §3.9); chains ordered by confidence, highest first.
 */
export function moderationLabels(scores: NsfwScores, minConfidence = DEFAULT_MIN_CONFIDENCE, evidence: ModerationEvidence = {}): ModerationLabel[] {
  const chains = MAPPINGS.map((m) => ({ confidence: applyCurve(m.curve, m.evidence(scores)) * (m.support?.(evidence) ?? 1), chain: moderationChain(m.label) }))
    .filter((c) => c.confidence >= minConfidence && c.chain.length)
    .sort((a, b) => b.confidence - a.confidence);
  const out: ModerationLabel[] = [];
  const seen = new Set<string>();
  for (const { confidence, chain } of chains) {
    for (const info of chain) {
      if (seen.has(info.name)) continue;
      seen.add(info.name);
      out.push({ Confidence: confidence, Name: info.name, ParentName: info.parent, TaxonomyLevel: info.level });
    }
  }
  return out;
}

/** ContentTypes at or above `minConfidence` (our choice: the same threshold as labels). */
export function contentTypes(scores: NsfwScores, minConfidence = DEFAULT_MIN_CONFIDENCE): ContentType[] {
  return CONTENT_TYPES.map((c) => ({ Confidence: applyCurve(c.curve, c.evidence(scores)), Name: c.name }))
    .filter((c) => c.Confidence >= minConfidence)
    .sort((a, b) => b.Confidence - a.Confidence);
}
