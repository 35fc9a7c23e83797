/**
 * The model-plugin config file (`--model-config FILE`, docs/MODEL-PLUGINS.md): reading it,
 * checking it (label names must be Rekognition v3 names) and saying exactly what is wrong; and
 * turning a plugin's raw probabilities (a classifier's class scores, a detector's box scores)
 * into confidences. The worker side (input tensor, inference, decoding) is models/plugins.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ClassifierPlugin, DetectorPlugin, ModelConfig, ModelPlugin, PluginInput } from '../../models/plugins';
import { applyCurve, type Logistic } from './calibration';
import { labelInfo } from './taxonomy';

export type { ClassifierPlugin, DetectorPlugin, ModelConfig, ModelPlugin };

/** Detector defaults: ultralytics' prediction threshold (`conf` 0.25), the common NMS IoU of YOLO exports. */
export const DEFAULT_SCORE_THRESHOLD = 0.25;
export const DEFAULT_IOU_THRESHOLD = 0.45;
export const DEFAULT_MAX_DETECTIONS = 100;

export class ConfigError extends Error {}

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

function labelMap(rawLabels: unknown, at: string): Map<number, string> {
  const labels = new Map<number, string>();
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
  return labels;
}

function inputOf(raw: unknown, at: string, capability: ModelPlugin['capability']): PluginInput {
  const input = (raw ?? {}) as Record<string, unknown>;
  if (!Number.isInteger(input.width) || !Number.isInteger(input.height) || (input.width as number) < 1 || (input.height as number) < 1) {
    fail(`${at}.input`, 'needs integer "width" and "height"');
  }
  const scale = input.scale === undefined ? 255 : input.scale;
  if (!isNum(scale) || scale <= 0) fail(`${at}.input.scale`, 'must be a positive number');
  const std = triple(input.std, `${at}.input.std`, [1, 1, 1]);
  if (std.some((s) => s === 0)) fail(`${at}.input.std`, 'must not contain 0');
  return {
    name: typeof input.name === 'string' ? input.name : undefined,
    width: input.width as number,
    height: input.height as number,
    layout: oneOf(input.layout, `${at}.input.layout`, ['NCHW', 'NHWC'] as const, 'NCHW'),
    channels: oneOf(input.channels, `${at}.input.channels`, ['RGB', 'BGR'] as const, 'RGB'),
    // Detectors are YOLO exports, trained on letterboxed images.
    resize: oneOf(input.resize, `${at}.input.resize`, ['fill', 'center-crop', 'letterbox'] as const, capability === 'detector' ? 'letterbox' : 'fill'),
    scale,
    mean: triple(input.mean, `${at}.input.mean`, [0, 0, 0]),
    std,
  };
}

function probability(v: unknown, where: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (!isNum(v) || v < 0 || v > 1) fail(where, 'must be a number from 0 to 1');
  return v;
}

/** Validates a parsed config; relative model paths resolve against `baseDir`. */
export function parseModelConfig(json: unknown, baseDir: string): ModelConfig {
  if (!json || typeof json !== 'object' || !Array.isArray((json as { models?: unknown }).models)) fail('top level', 'must be an object with a "models" array');
  const plugins = ((json as { models: unknown[] }).models).map((raw, i): ModelPlugin => {
    const at = `models[${i}]`;
    if (!raw || typeof raw !== 'object') fail(at, 'must be an object');
    const m = raw as Record<string, unknown>;
    const capability = oneOf(m.capability, `${at}.capability`, ['labels', 'detector'] as const, 'labels');
    if (typeof m.path !== 'string' || !m.path) fail(`${at}.path`, 'must name an .onnx file');
    const path = isAbsolute(m.path) ? m.path : resolve(baseDir, m.path);
    const input = inputOf(m.input, at, capability);
    const output = (m.output ?? {}) as Record<string, unknown>;
    const labels = labelMap(output.labels, at);
    let calibration: Logistic | undefined;
    if (m.calibration !== undefined) {
      const c = m.calibration as Record<string, unknown>;
      if (!isNum(c.midpoint) || !isNum(c.slope) || c.slope <= 0) fail(`${at}.calibration`, 'needs numbers "midpoint" and "slope" > 0');
      calibration = { midpoint: c.midpoint, slope: c.slope, logit: c.logit === true };
    }
    const common = { name: typeof m.name === 'string' && m.name ? m.name : `plugin-${i}`, path, input, calibration, replaceBuiltIn: m.replaceBuiltIn === true };
    const outputName = typeof output.name === 'string' ? output.name : undefined;
    if (capability === 'labels') {
      return {
        ...common,
        capability,
        output: { name: outputName, activation: oneOf(output.activation, `${at}.output.activation`, ['softmax', 'sigmoid', 'none'] as const, 'none'), labels },
      };
    }
    const maxDetections = m.maxDetections === undefined ? DEFAULT_MAX_DETECTIONS : m.maxDetections;
    if (!Number.isInteger(maxDetections) || (maxDetections as number) < 1) fail(`${at}.maxDetections`, 'must be a positive integer');
    if (output.objectness !== undefined && typeof output.objectness !== 'boolean') fail(`${at}.output.objectness`, 'must be true or false');
    return {
      ...common,
      capability,
      output: {
        name: outputName,
        layout: oneOf(output.layout, `${at}.output.layout`, ['auto', 'box-per-row', 'box-per-column'] as const, 'auto'),
        objectness: output.objectness === true,
        boxFormat: oneOf(output.boxFormat, `${at}.output.boxFormat`, ['cxcywh', 'xyxy'] as const, 'cxcywh'),
        boxUnits: oneOf(output.boxUnits, `${at}.output.boxUnits`, ['pixels', 'normalized'] as const, 'pixels'),
        activation: oneOf(output.activation, `${at}.output.activation`, ['sigmoid', 'none'] as const, 'none'),
        labels,
      },
      scoreThreshold: probability(m.scoreThreshold, `${at}.scoreThreshold`, DEFAULT_SCORE_THRESHOLD),
      iouThreshold: probability(m.iouThreshold, `${at}.iouThreshold`, DEFAULT_IOU_THRESHOLD),
      maxDetections: maxDetections as number,
    };
  });
  return { plugins };
}

/** Reads and checks a config file (once, at startup: the ModelsClient keeps its plugins). */
export function loadModelConfig(file: string): ModelConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`model config: cannot read ${file}: ${(err as Error).message}`);
  }
  return parseModelConfig(json, dirname(resolve(file)));
}

/** A plugin's class probability as a 0-100 confidence: its calibration curve, else 100 * probability. */
export function pluginConfidence(plugin: ModelPlugin, probability: number): number {
  return plugin.calibration ? applyCurve(plugin.calibration, probability) : 100 * Math.min(1, Math.max(0, probability));
}

