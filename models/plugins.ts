/**
 * Model plugins: a user points a capability at their own ONNX model with a JSON file
 * (`--model-config FILE`, REKOGNITION_LOCAL_MODEL_CONFIG). Today the `labels` capability takes
 * image classifiers: the model's class scores become DetectLabels labels. docs/MODEL-PLUGINS.md
 * describes the format; `parseModelConfig` checks it and says exactly what is wrong.
 * Sessions run on onnxruntime-node's CPU threads, so the event loop stays free.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { applyCurve, type Logistic } from '../src/analysis/calibration';
import { labelInfo } from '../src/analysis/taxonomy';
import { registerModel, setModelState } from './registry';

export type Capability = 'labels';

export interface ClassifierPlugin {
  capability: Capability;
  /** Shown by the health endpoint. */
  name: string;
  /** Absolute path of the .onnx file. */
  path: string;
  input: {
    name?: string;
    width: number;
    height: number;
    layout: 'NCHW' | 'NHWC';
    channels: 'RGB' | 'BGR';
    /** `fill` stretches to the input size; `center-crop` keeps the aspect ratio and crops. */
    resize: 'fill' | 'center-crop';
    /** Pixels are divided by `scale` (default 255), then (v - mean) / std per channel in `channels` order. */
    scale: number;
    mean: [number, number, number];
    std: [number, number, number];
  };
  output: {
    name?: string;
    /** Applied to the raw output: `softmax` for logits of exclusive classes, `sigmoid` for multi-label, `none` when already probabilities. */
    activation: 'softmax' | 'sigmoid' | 'none';
    /** Class index -> Rekognition v3 label name; unmapped classes are ignored. */
    labels: Map<number, string>;
  };
  /** Probability -> confidence; when absent, confidence = 100 * probability. */
  calibration?: Logistic;
  /** Drop the built-in evidence (objects, faces, text) for this capability and keep only this model's labels. */
  replaceBuiltIn: boolean;
}

export interface ModelConfig {
  plugins: ClassifierPlugin[];
}

class ConfigError extends Error {}

function fail(where: string, what: string): never {
  throw new ConfigError(`model config: ${where}: ${what}`);
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function triple(v: unknown, where: string, fallback: [number, number, number]): [number, number, number] {
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.length !== 3 || !v.every(isNum)) fail(where, 'must be an array of 3 numbers');
  return v as [number, number, number];
}

function oneOf<T extends string>(v: unknown, where: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) fail(where, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** Validates a parsed config; relative model paths resolve against `baseDir`. */
export function parseModelConfig(json: unknown, baseDir: string): ModelConfig {
  if (!json || typeof json !== 'object' || !Array.isArray((json as { models?: unknown }).models)) fail('top level', 'must be an object with a "models" array');
  const plugins = ((json as { models: unknown[] }).models).map((raw, i): ClassifierPlugin => {
    const at = `models[${i}]`;
    if (!raw || typeof raw !== 'object') fail(at, 'must be an object');
    const m = raw as Record<string, unknown>;
    const capability = oneOf(m.capability, `${at}.capability`, ['labels'] as const, 'labels');
    if (typeof m.path !== 'string' || !m.path) fail(`${at}.path`, 'must name an .onnx file');
    const path = isAbsolute(m.path) ? m.path : resolve(baseDir, m.path);
    const input = (m.input ?? {}) as Record<string, unknown>;
    if (!Number.isInteger(input.width) || !Number.isInteger(input.height) || (input.width as number) < 1 || (input.height as number) < 1) {
      fail(`${at}.input`, 'needs integer "width" and "height"');
    }
    const scale = input.scale === undefined ? 255 : input.scale;
    if (!isNum(scale) || scale <= 0) fail(`${at}.input.scale`, 'must be a positive number');
    const std = triple(input.std, `${at}.input.std`, [1, 1, 1]);
    if (std.some((s) => s === 0)) fail(`${at}.input.std`, 'must not contain 0');
    const output = (m.output ?? {}) as Record<string, unknown>;
    const labels = new Map<number, string>();
    const rawLabels = output.labels;
    const entries: [string, unknown][] = Array.isArray(rawLabels)
      ? rawLabels.map((name, index) => [String(index), name])
      : rawLabels && typeof rawLabels === 'object'
        ? Object.entries(rawLabels)
        : fail(`${at}.output.labels`, 'must map class indices to label names (an array, or an object of "index": "Name")');
    for (const [key, name] of entries) {
      if (name === null || name === '') continue; // a class the user does not map
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0) fail(`${at}.output.labels`, `"${key}" is not a class index`);
      if (typeof name !== 'string' || !labelInfo(name)) fail(`${at}.output.labels["${key}"]`, `"${String(name)}" is not a Rekognition v3 label name (names are case-sensitive)`);
      labels.set(index, name);
    }
    if (!labels.size) fail(`${at}.output.labels`, 'maps no class to a label');
    let calibration: Logistic | undefined;
    if (m.calibration !== undefined) {
      const c = m.calibration as Record<string, unknown>;
      if (!isNum(c.midpoint) || !isNum(c.slope) || c.slope <= 0) fail(`${at}.calibration`, 'needs numbers "midpoint" and "slope" > 0');
      calibration = { midpoint: c.midpoint, slope: c.slope, logit: c.logit === true };
    }
    return {
      capability,
      name: typeof m.name === 'string' && m.name ? m.name : `plugin-${i}`,
      path,
      input: {
        name: typeof input.name === 'string' ? input.name : undefined,
        width: input.width as number,
        height: input.height as number,
        layout: oneOf(input.layout, `${at}.input.layout`, ['NCHW', 'NHWC'] as const, 'NCHW'),
        channels: oneOf(input.channels, `${at}.input.channels`, ['RGB', 'BGR'] as const, 'RGB'),
        resize: oneOf(input.resize, `${at}.input.resize`, ['fill', 'center-crop'] as const, 'fill'),
        scale,
        mean: triple(input.mean, `${at}.input.mean`, [0, 0, 0]),
        std,
      },
      output: {
        name: typeof output.name === 'string' ? output.name : undefined,
        activation: oneOf(output.activation, `${at}.output.activation`, ['softmax', 'sigmoid', 'none'] as const, 'none'),
        labels,
      },
      calibration,
      replaceBuiltIn: m.replaceBuiltIn === true,
    };
  });
  return { plugins };
}

const configs = new Map<string, ModelConfig>();

/** Reads and checks a config file once per path. */
export function loadModelConfig(file: string): ModelConfig {
  let config = configs.get(file);
  if (!config) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`model config: cannot read ${file}: ${(err as Error).message}`);
    }
    config = parseModelConfig(json, dirname(resolve(file)));
    for (const p of config.plugins) registerModel(p.name, p.path, `user model plugin (${p.capability})`);
    configs.set(file, config);
  }
  return config;
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(plugin: ClassifierPlugin): Promise<ort.InferenceSession> {
  let s = sessions.get(plugin.path);
  if (!s) {
    setModelState(plugin.name, 'loading');
    s = ort.InferenceSession.create(plugin.path, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 }).then(
      (created) => {
        setModelState(plugin.name, 'ready');
        return created;
      },
      (err: Error) => {
        sessions.delete(plugin.path);
        setModelState(plugin.name, 'failed', err.message);
        throw err;
      },
    );
    sessions.set(plugin.path, s);
  }
  return s;
}

/** The model's input tensor for an RGB image, per the plugin's size, layout, order and normalisation. */
export async function inputTensor(plugin: ClassifierPlugin, rgb: { data: Uint8Array; width: number; height: number }): Promise<Float32Array> {
  const { width, height, layout, channels, scale, mean, std } = plugin.input;
  const pixels = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(width, height, { fit: plugin.input.resize === 'fill' ? 'fill' : 'cover' })
    .raw()
    .toBuffer();
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const source = channels === 'RGB' ? c : 2 - c;
      const v = (pixels[i * 3 + source] / scale - mean[c]) / std[c];
      out[layout === 'NCHW' ? c * plane + i : i * 3 + c] = v;
    }
  }
  return out;
}

function activate(values: Float32Array, activation: ClassifierPlugin['output']['activation']): number[] {
  const v = Array.from(values);
  if (activation === 'sigmoid') return v.map((x) => 1 / (1 + Math.exp(-x)));
  if (activation === 'softmax') {
    const max = Math.max(...v);
    const e = v.map((x) => Math.exp(x - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / sum);
  }
  return v;
}

export interface PluginLabel {
  name: string;
  /** 0-100 */
  confidence: number;
}

/** Runs a classifier plugin on an image: one label per mapped class, with its confidence. */
export async function classifyWithPlugin(plugin: ClassifierPlugin, rgb: { data: Uint8Array; width: number; height: number }): Promise<PluginLabel[]> {
  const s = await session(plugin);
  const data = await inputTensor(plugin, rgb);
  const { width, height, layout } = plugin.input;
  const dims = layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3];
  const tensor = new ort.Tensor('float32', data, dims);
  const result = await s.run({ [plugin.input.name ?? s.inputNames[0]]: tensor });
  tensor.dispose();
  const output = result[plugin.output.name ?? s.outputNames[0]];
  if (!output) throw new Error(`model plugin ${plugin.name} has no output ${plugin.output.name}`);
  const probs = activate(output.data as Float32Array, plugin.output.activation);
  const labels: PluginLabel[] = [];
  for (const [index, name] of plugin.output.labels) {
    const p = probs[index];
    if (p === undefined) throw new Error(`model plugin ${plugin.name} maps class ${index}, but the model gives ${probs.length} scores`);
    labels.push({ name, confidence: plugin.calibration ? applyCurve(plugin.calibration, p) : 100 * Math.min(1, Math.max(0, p)) });
  }
  return labels;
}
