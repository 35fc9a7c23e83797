/**
 * Temporary: src/operations/video.ts (being converted separately) still imports DetectText's
 * reading from here. Delete this file once video calls src/analysis/read-text.ts itself.
 */
import type { ModelsClient } from '../../models/client';
import { readTextLines } from '../analysis/read-text';
import type { OcrLine } from '../analysis/text-results';
import type { RgbImage } from '../media/image';

export { TEXT_MODEL_VERSION } from '../analysis/read-text';

export const readTextInPool: (models: ModelsClient, rgb: RgbImage) => Promise<OcrLine[]> = readTextLines;
