/** DetectText: LINEs and WORDs read by PP-OCRv4 in the models' workers (src/analysis/read-text.ts). */
import type { ApiProvider, Handler } from '../../api/handlers';
import { analyseText, TEXT_MODEL_VERSION } from '../../analysis/read-text';
import { regionPolygons } from '../../analysis/text-results';
import { loadImage } from '../../media/image';
import type { ProviderDeps } from '../deps';

export function createTextProvider(deps: ProviderDeps): ApiProvider {
  const detectText: Handler<'DetectText'> = async (input, ctx) => {
    // Bad regions fail before the image is read, as parameter checks come before the work.
    regionPolygons(input.Filters);
    const image = await loadImage(input.Image, { config: deps.runtime.config, clients: deps.runtime.clients, decodes: deps.runtime.decodes, region: ctx.region });
    return { TextDetections: await analyseText(deps.models, await image.rgb(), input.Filters), TextModelVersion: TEXT_MODEL_VERSION };
  };

  return {
    name: 'text',
    handlers: {
      DetectText: {
        handle: detectText,
        notes:
          'PP-OCRv4 (detection + recognition ONNX) reads Latin-script text; WORDs are split from LINEs at spaces, including those ' +
          "the recogniser leaves blank (found from its space evidence and the gaps in the line's ink), each with its own ink box and polygon. " +
          'WordFilter (per word), RegionsOfInterest and the 100-word limit apply.',
      },
    },
  };
}
