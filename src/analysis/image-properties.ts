/**
 * DetectLabels' ImageProperties from the worker's pixel statistics (models/image-properties.ts):
 * the API's member order, and DominantColors from colour shares.
 */
import type { DetectLabelsImageProperties, DominantColor } from '../api/generated/types';
import type { ColorShare } from '../../models/colors';
import type { ImagePropertiesEvidence } from '../../models/image-properties';
import { dominantColor } from './colors';

export const dominantColors = (shares: ColorShare[]): DominantColor[] => shares.map(dominantColor);

export function toImageProperties(e: ImagePropertiesEvidence): DetectLabelsImageProperties {
  const result: DetectLabelsImageProperties = {
    Quality: { Brightness: e.quality.Brightness, Sharpness: e.quality.Sharpness, Contrast: e.quality.Contrast },
    DominantColors: dominantColors(e.colors),
  };
  for (const [key, region] of [['Foreground', e.foreground], ['Background', e.background]] as const) {
    if (region) result[key] = { Quality: { Brightness: region.quality.Brightness, Sharpness: region.quality.Sharpness }, DominantColors: dominantColors(region.colors) };
  }
  return result;
}
