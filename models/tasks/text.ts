/**
 * Text reading in a pool worker: PP-OCRv4 inference and all its per-pixel pre/post-processing
 * (models/text/) stay off the server's event loop. Returns recognised lines as plain data;
 * src/analysis/text-results.ts turns them into DetectText's LINEs and WORDs.
 */
import { readText, type OcrLine, type ReadTextOptions } from '../text/read';
import { loadOcrModels } from '../ocr';
import type { Task } from './index';

export interface TextPayload {
  /** 8-bit RGB pixels, row-major (transferred). */
  pixels: ArrayBuffer;
  width: number;
  height: number;
  options?: ReadTextOptions;
}

export const textTasks = {
  'text.read': async (payload: TextPayload, ctx): Promise<OcrLine[]> => {
    await loadOcrModels(ctx.reportModelState);
    return readText({ data: new Uint8Array(payload.pixels), width: payload.width, height: payload.height }, payload.options);
  },
  'text.warmup': async (_payload: unknown, ctx) => {
    await loadOcrModels(ctx.reportModelState);
    return true;
  },
} satisfies Record<string, Task>;
