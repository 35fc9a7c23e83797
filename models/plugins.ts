/**
 * Model plugins: a user points a capability at their own ONNX model with a JSON file
 * (`--model-config FILE`, REKOGNITION_LOCAL_MODEL_CONFIG). Today the `labels` capability takes
 * image classifiers: the model's class scores become DetectLabels labels. docs/MODEL-PLUGINS.md
 * describes the format. This file is the worker side: the plugin's shape, its input tensor and
 * its raw class probabilities. Reading and checking the file (label names are Rekognition's) and
 * calibrating probabilities into confidences is domain work: src/analysis/model-config.ts.
 * Sessions run on onnxruntime-node's CPU threads, in a pool worker, so the event loop stays free.
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

import type { Logistic, RgbPixels } from './evidence';

export type { Logistic };

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

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(plugin: ClassifierPlugin): Promise<ort.InferenceSession> {
  let s = sessions.get(plugin.path);
  if (!s) {
    // Load states reach the client through the task's `tracked` wrapper (models/tasks/vision.ts).
    s = ort.InferenceSession.create(plugin.path, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 }).catch((err: Error) => {
      sessions.delete(plugin.path);
      throw err;
    });
    sessions.set(plugin.path, s);
  }
  return s;
}

/** The model's input tensor for an RGB image, per the plugin's size, layout, order and normalisation. */
export async function inputTensor(plugin: ClassifierPlugin, rgb: RgbPixels): Promise<Float32Array> {
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

export interface PluginScore {
  /** The Rekognition label name the class maps to. */
  name: string;
  /** The class probability after the plugin's activation, 0-1 (not clamped). */
  probability: number;
}

/** Runs a classifier plugin on an image: one score per mapped class. */
export async function classifyWithPlugin(plugin: ClassifierPlugin, rgb: RgbPixels): Promise<PluginScore[]> {
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
  const labels: PluginScore[] = [];
  for (const [index, name] of plugin.output.labels) {
    const p = probs[index];
    if (p === undefined) throw new Error(`model plugin ${plugin.name} maps class ${index}, but the model gives ${probs.length} scores`);
    labels.push({ name, probability: p });
  }
  return labels;
}
