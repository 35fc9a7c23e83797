/**
 * tfjs in a worker thread: the wasm backend (the CPU backend is ~20x slower; tfjs-node cannot be
 * installed offline), with its .wasm files and every model read from local npm packages. Each
 * worker has one tfjs engine shared by human, face-api and nsfwjs.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TfCore from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { packageDir } from './package-dir';

export const require = createRequire(import.meta.url);
export const tf = require('@tensorflow/tfjs-core') as typeof TfCore;
const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };

interface WeightsManifestEntry {
  paths: string[];
  weights: TfCore.io.WeightsManifestEntry[];
}

/** A model.json as tfjs-converter writes it. */
export interface ModelJson {
  modelTopology?: unknown;
  weightsManifest: WeightsManifestEntry[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: unknown;
  userDefinedMetadata?: Record<string, object>;
  modelInitializer?: unknown;
}

/**
 * Loads a tfjs model.json and its weight shards from disk (tfjs-core only knows http); `edit` may
 * change the parsed model.json first.
 */
export function fileHandler(path: string, edit?: (json: ModelJson) => void): TfCore.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(path, 'utf8')) as ModelJson;
      edit?.(json);
      const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
      const shards = await Promise.all(json.weightsManifest.flatMap((group) => group.paths).map((p) => readFile(join(dirname(path), p))));
      const weightData = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology as TfCore.io.ModelArtifacts['modelTopology'],
        weightSpecs,
        weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        signature: json.signature as TfCore.io.ModelArtifacts['signature'],
        userDefinedMetadata: json.userDefinedMetadata,
        modelInitializer: json.modelInitializer as TfCore.io.ModelArtifacts['modelInitializer'],
      };
    },
  };
}

let ready: Promise<void> | undefined;

/** Selects the wasm backend once per worker and lets file:// model URLs load from disk. */
export function initTfjs(): Promise<void> {
  ready ??= (async () => {
    // A router answers null for URLs it does not handle; tfjs-core's type leaves that out.
    const router = (url: string | string[]) => {
      const u = Array.isArray(url) ? url[0] : url;
      return typeof u === 'string' && u.startsWith('file://') ? fileHandler(fileURLToPath(u)) : null;
    };
    tf.io.registerLoadRouter(router as Parameters<typeof tf.io.registerLoadRouter>[0]);
    wasm.setWasmPaths(`${join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist')}/`);
    await tf.setBackend('wasm');
    await tf.ready();
  })();
  return ready;
}

/**
 * A tfjs graph model from a package's model.json: `file` is its path inside the package. It loads
 * once, on the first call, and a failed load is tried again on the next call.
 */
export function graphModelLoader(packageName: string, file: string, edit?: (json: ModelJson) => void): () => Promise<GraphModel> {
  let model: Promise<GraphModel> | undefined;
  return () => {
    model ??= (async () => {
      await initTfjs();
      const { loadGraphModel } = require('@tensorflow/tfjs-converter') as typeof import('@tensorflow/tfjs-converter');
      return loadGraphModel(fileHandler(join(packageDir(packageName), file), edit));
    })().catch((err: unknown) => {
      model = undefined;
      throw err;
    });
    return model;
  };
}
