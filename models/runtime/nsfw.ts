/**
 * nsfwjs MobileNetV2 (classes Drawing, Hentai, Neutral, Porn, Sexy) on the worker's tfjs engine.
 * nsfwjs ships its weights as base64 inside a 3.5 MB CommonJS file whose `require` takes 5-40 s;
 * the first start decodes it once into `model.json` + `weights.bin` in a cache folder, and every
 * later load reads those (0.3 s, identical output).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NSFW_INPUT_SIZE } from '../catalog';
import { packageDir } from './package-dir';
import { initTfjs, require, tf } from './tfjs';
import type { RgbPixels } from '../evidence';

export const NSFW_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;
export type NsfwClass = (typeof NSFW_CLASSES)[number];
export type NsfwScores = Record<NsfwClass, number>;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where decoded models live: REKOGNITION_LOCAL_CACHE_DIR, else `.cache/` in the project, else the OS temp folder. */
export function cacheRoot(): string {
  const configured = process.env.REKOGNITION_LOCAL_CACHE_DIR;
  const candidates = configured ? [configured] : [join(repoRoot, '.cache'), join(tmpdir(), 'rekognition-local-cache')];
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch {
      // read-only install: try the next place
    }
  }
  throw new Error(`no writable cache folder among ${candidates.join(', ')}`);
}

/** Writes through a temporary name so a concurrent worker never reads half a file. */
function writeAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Decodes the bundled MobileNetV2 into the cache (once per nsfwjs version) and returns its model.json path. */
export function decodedNsfwModel(): string {
  const pkg = packageDir('nsfwjs');
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const source = join(pkg, 'dist', 'models', 'mobilenet_v2');
  const shardFile = join(source, 'group1-shard1of1.min.js');
  const dir = join(cacheRoot(), `nsfwjs-${version}-mobilenet_v2`);
  const modelJson = join(dir, 'model.json');
  if (existsSync(modelJson)) return modelJson;

  mkdirSync(dir, { recursive: true });
  // The shard is `...h.exports="<base64>"...`: slicing the literal out avoids parsing 3.5 MB of JS.
  const text = readFileSync(shardFile, 'latin1');
  const start = text.indexOf('exports="');
  const end = start < 0 ? -1 : text.indexOf('"', start + 9);
  if (start < 0 || end < 0) throw new Error(`unexpected layout of ${shardFile}`);
  const weights = Buffer.from(text.slice(start + 9, end), 'base64');
  const model = require(join(source, 'model.min.js')) as { modelTopology: unknown; weightsManifest: { paths: string[]; weights: { name: string }[] }[] };
  const expected = statSync(shardFile).size;
  if (weights.length < expected / 2) throw new Error(`decoded nsfwjs weights are ${weights.length} bytes from a ${expected}-byte bundle`);
  writeAtomic(join(dir, 'weights.bin'), weights);
  const manifest = model.weightsManifest.map((group) => ({ ...group, paths: ['weights.bin'] }));
  writeAtomic(modelJson, JSON.stringify({ format: 'layers-model', modelTopology: model.modelTopology, weightsManifest: manifest }));
  return modelJson;
}

interface NsfwModel {
  classify(img: unknown, topk?: number): Promise<{ className: NsfwClass; probability: number }[]>;
}

let model: Promise<NsfwModel> | undefined;

export function getNsfw(): Promise<NsfwModel> {
  model ??= (async () => {
    await initTfjs();
    const path = decodedNsfwModel();
    const nsfwjs = require('nsfwjs') as { load(url: string, options: { size: number; type?: string }): Promise<NsfwModel> };
    return nsfwjs.load(pathToFileURL(path).href, { size: NSFW_INPUT_SIZE });
  })();
  model.catch(() => (model = undefined));
  return model;
}

/** Class probabilities (summing to 1) for an RGB image; nsfwjs resizes it to 224x224 itself. */
export async function classifyNsfw(rgb: RgbPixels): Promise<NsfwScores> {
  const net = await getNsfw();
  const input = tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'int32');
  try {
    const top = await net.classify(input, NSFW_CLASSES.length);
    const scores = Object.fromEntries(NSFW_CLASSES.map((c) => [c, 0])) as NsfwScores;
    for (const { className, probability } of top) scores[className] = probability;
    return scores;
  } finally {
    input.dispose();
  }
}
