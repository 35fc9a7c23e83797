/**
 * DetectLabels' DominantColor from the workers' colour evidence (models/colors.ts: CSS colours and
 * their pixel shares): the 12 simplified colours and the API's member order.
 */
import type { DominantColor } from '../api/generated/types';
import type { ColorShare } from '../../models/colors';

/**
 * The 12 simplified colours. AWS confirms only black, green and grey (and the grey spelling);
 * the set and this hue/lightness rule are our choice (taxonomy README, gap 5). The rule keeps the
 * observed pairs: darkslategrey, dimgrey, gray -> grey; darkolivegreen -> green; black -> black.
 */
export const SIMPLIFIED_COLORS = ['black', 'white', 'grey', 'red', 'pink', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'brown'] as const;
export type SimplifiedColor = (typeof SIMPLIFIED_COLORS)[number];

export function simplifiedColor([r, g, b]: [number, number, number]): SimplifiedColor {
  const max = Math.max(r, g, b) / 255;
  const min = Math.min(r, g, b) / 255;
  const chroma = max - min;
  const light = (max + min) / 2;
  if (chroma < 0.2) return light > 0.85 ? 'white' : light < 0.13 ? 'black' : 'grey';
  if (light < 0.1) return 'black';
  if (light > 0.93) return 'white';
  let hue: number;
  if (max === r / 255) hue = (60 * ((g - b) / 255 / chroma) + 360) % 360;
  else if (max === g / 255) hue = 60 * ((b - r) / 255 / chroma) + 120;
  else hue = 60 * ((r - g) / 255 / chroma) + 240;
  const sat = chroma / (1 - Math.abs(2 * light - 1));
  if ((hue >= 290 || hue < 15) && light > 0.7) return 'pink';
  if (hue >= 345 || hue < 15) return max < 0.68 ? 'brown' : 'red';
  if (hue < 45) return max < 0.75 || (light > 0.6 && sat < 0.5) ? 'brown' : 'orange';
  if (hue < 70) return max < 0.55 ? 'green' : 'yellow';
  if (hue < 165) return 'green';
  if (hue < 195) return 'teal';
  if (hue < 255) return 'blue';
  if (hue < 315) return 'purple';
  return 'pink';
}

const hex2 = (v: number) => v.toString(16).padStart(2, '0');

/** A DominantColor from a colour share, in the member order of the API model (no real capture shows the wire order). */
export function dominantColor({ css, percent }: ColorShare): DominantColor {
  const [r, g, b] = css.rgb;
  return {
    Red: r,
    Blue: b,
    Green: g,
    HexCode: `#${hex2(r)}${hex2(g)}${hex2(b)}`,
    CSSColor: css.name,
    SimplifiedColor: simplifiedColor(css.rgb),
    PixelPercent: percent,
  };
}
