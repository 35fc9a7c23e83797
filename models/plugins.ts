/**
 * Model plugins: a user points a capability at their own ONNX model with a JSON file
 * (`--model-config FILE`, REKOGNITION_LOCAL_MODEL_CONFIG). The `labels` capability takes image
 * classifiers (class scores become DetectLabels labels); the `detector` capability takes
 * YOLO-family detectors (boxes with class scores, NMS done here) whose detections become labels
 * with Instances. docs/MODEL-PLUGINS.md describes the format. This file is the worker side: the
 * plugins' shapes, their input tensor, and their raw output decoded into scores and boxes. Reading
 * and checking the file (label names are Rekognition's) and calibrating probabilities into
 * confidences is domain work: src/analysis/model-config.ts. Sessions run on onnxruntime-node's CPU
 * threads, in a pool worker, so the event loop stays free.
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

import { clampBox, intersectionOverUnion, type Logistic, type RatioBox, type RgbPixels } from './evidence';

export type { Logistic };

export type Capability = 'labels' | 'detector';

export interface PluginInput {
  name?: string;
  width: number;
  height: number;
  layout: 'NCHW' | 'NHWC';
  channels: 'RGB' | 'BGR';
  /**
   * `fill` stretches to the input size; `center-crop` keeps the aspect ratio and crops;
   * `letterbox` keeps the aspect ratio and pads with grey 114 (as YOLO exports expect).
   */
  resize: 'fill' | 'center-crop' | 'letterbox';
  /** Pixels are divided by `scale` (default 255), then (v - mean) / std per channel in `channels` order. */
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

interface PluginBase {
  /** Shown by the health endpoint. */
  name: string;
  /** Absolute path of the .onnx file. */
  path: string;
  input: PluginInput;
  /** Probability -> confidence; when absent, confidence = 100 * probability. */
  calibration?: Logistic;
  /** Drop the built-in evidence (objects, faces, text) and keep only the plugins' labels. */
  replaceBuiltIn: boolean;
}

export interface ClassifierPlugin extends PluginBase {
  capability: 'labels';
  output: {
    name?: string;
    /** Applied to the raw output: `softmax` for logits of exclusive classes, `sigmoid` for multi-label, `none` when already probabilities. */
    activation: 'softmax' | 'sigmoid' | 'none';
    /** Class index -> Rekognition v3 label name; unmapped classes are ignored. */
    labels: Map<number, string>;
  };
}

export interface DetectorPlugin extends PluginBase {
  capability: 'detector';
  output: {
    name?: string;
    /**
     * Where one box's values lie in the [1, A, B] output: `box-per-row` ([1, boxes, values], YOLOv5
     * and v7 exports), `box-per-column` ([1, values, boxes], ultralytics YOLOv8 and later), `auto`:
     * the smaller of A and B counts the values (detectors propose far more boxes than classes).
     */
    layout: 'auto' | 'box-per-row' | 'box-per-column';
    /** The values of a box: its 4 coordinates, an objectness score when `objectness`, then one score per class. */
    objectness: boolean;
    /** `cxcywh` (centre, width, height) or `xyxy` (corners). */
    boxFormat: 'cxcywh' | 'xyxy';
    /** `pixels` of the model input, or `normalized` to 0-1 of it. */
    boxUnits: 'pixels' | 'normalized';
    /** Applied to objectness and class scores: `sigmoid` for logits, `none` when already probabilities (YOLO exports). */
    activation: 'sigmoid' | 'none';
    labels: Map<number, string>;
  };
  /** A box's score (objectness x best class score) must reach this to be kept. */
  scoreThreshold: number;
  /** Boxes of one class overlapping a better one by more than this IoU are dropped (NMS). */
  iouThreshold: number;
  /** At most this many detections, the best first. */
  maxDetections: number;
}

export type ModelPlugin = ClassifierPlugin | DetectorPlugin;

export interface ModelConfig {
  plugins: ModelPlugin[];
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(plugin: ModelPlugin): Promise<ort.InferenceSession> {
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

/** Where the image went in the model input: input = image * scale + offset, per axis, in pixels. */
interface InputPlacement {
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
}

/** The letterbox padding of YOLO exports (ultralytics' `LetterBox`). */
const LETTERBOX_GREY = 114;

/** The image resized into the model input per `resize`, as 8-bit RGB, and where it went. */
async function placeImage(input: PluginInput, rgb: RgbPixels): Promise<{ pixels: Buffer; placement: InputPlacement }> {
  const { width, height, resize } = input;
  let image = sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } });
  if (resize === 'fill') {
    const pixels = await image.resize(width, height, { fit: 'fill' }).raw().toBuffer();
    return { pixels, placement: { scaleX: width / rgb.width, scaleY: height / rgb.height, offsetX: 0, offsetY: 0 } };
  }
  // Both keep the aspect ratio: letterbox fits the image inside the input, center-crop covers it.
  const fit = resize === 'letterbox' ? Math.min : Math.max;
  const s = fit(width / rgb.width, height / rgb.height);
  const w = resize === 'letterbox' ? Math.min(width, Math.max(1, Math.round(rgb.width * s))) : Math.max(width, Math.round(rgb.width * s));
  const h = resize === 'letterbox' ? Math.min(height, Math.max(1, Math.round(rgb.height * s))) : Math.max(height, Math.round(rgb.height * s));
  const left = Math.floor(Math.abs(width - w) / 2);
  const top = Math.floor(Math.abs(height - h) / 2);
  // A second pipeline: sharp runs resize before extract/extend whatever the call order.
  const scaled = await image.resize(w, h, { fit: 'fill' }).raw().toBuffer();
  image = sharp(scaled, { raw: { width: w, height: h, channels: 3 } });
  const pixels =
    resize === 'letterbox'
      ? await image.extend({ left, top, right: width - w - left, bottom: height - h - top, background: { r: LETTERBOX_GREY, g: LETTERBOX_GREY, b: LETTERBOX_GREY } }).raw().toBuffer()
      : await image.extract({ left, top, width, height }).raw().toBuffer();
  const sign = resize === 'letterbox' ? 1 : -1;
  return { pixels, placement: { scaleX: w / rgb.width, scaleY: h / rgb.height, offsetX: sign * left, offsetY: sign * top } };
}

/** The model's input tensor for an RGB image, per the plugin's size, resize, layout, order and normalisation. */
async function prepareInput(input: PluginInput, rgb: RgbPixels): Promise<{ data: Float32Array; placement: InputPlacement }> {
  const { width, height, layout, channels, scale, mean, std } = input;
  const { pixels, placement } = await placeImage(input, rgb);
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const source = channels === 'RGB' ? c : 2 - c;
      const v = (pixels[i * 3 + source] / scale - mean[c]) / std[c];
      data[layout === 'NCHW' ? c * plane + i : i * 3 + c] = v;
    }
  }
  return { data, placement };
}

/** The model's input tensor for an RGB image, per the plugin's size, layout, order and normalisation. */
export async function inputTensor(plugin: ModelPlugin, rgb: RgbPixels): Promise<Float32Array> {
  return (await prepareInput(plugin.input, rgb)).data;
}

/** Runs the plugin's model on an image: its output tensor, and where the image went in the input. */
async function runModel(plugin: ModelPlugin, rgb: RgbPixels): Promise<{ output: ort.Tensor; placement: InputPlacement }> {
  const s = await session(plugin);
  const { data, placement } = await prepareInput(plugin.input, rgb);
  const { width, height, layout } = plugin.input;
  const dims = layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3];
  const tensor = new ort.Tensor('float32', data, dims);
  const result = await s.run({ [plugin.input.name ?? s.inputNames[0]]: tensor });
  tensor.dispose();
  const output = result[plugin.output.name ?? s.outputNames[0]];
  if (!output) throw new Error(`model plugin ${plugin.name} has no output ${plugin.output.name}`);
  if (output.type !== 'float32') throw new Error(`model plugin ${plugin.name}: output ${plugin.output.name ?? s.outputNames[0]} is ${output.type}, not float32`);
  return { output, placement };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function activate(values: Float32Array, activation: ClassifierPlugin['output']['activation']): number[] {
  const v = Array.from(values);
  if (activation === 'sigmoid') return v.map(sigmoid);
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
  const { output } = await runModel(plugin, rgb);
  const probs = activate(output.data as Float32Array, plugin.output.activation);
  const labels: PluginScore[] = [];
  for (const [index, name] of plugin.output.labels) {
    const p = probs[index];
    if (p === undefined) throw new Error(`model plugin ${plugin.name} maps class ${index}, but the model gives ${probs.length} scores`);
    labels.push({ name, probability: p });
  }
  return labels;
}

export interface PluginDetection {
  /** The Rekognition label name the box's class maps to. */
  name: string;
  /** Objectness x class score after the plugin's activation, 0-1. */
  probability: number;
  /** Ratios of the image, clamped to it. */
  box: RatioBox;
}

/** How many boxes and values a detector's output holds; box i's value j is at `i * boxStep + j * valueStep`. */
function outputLayout(plugin: DetectorPlugin, dims: readonly number[]): { boxes: number; values: number; boxStep: number; valueStep: number } {
  const shape = dims.length === 3 && dims[0] === 1 ? dims.slice(1) : dims.length === 2 ? dims : undefined;
  if (!shape) throw new Error(`model plugin ${plugin.name}: the output is [${dims.join(', ')}]; a detector's must be [1, boxes, values] or [1, values, boxes]`);
  const [a, b] = shape;
  let layout = plugin.output.layout;
  if (layout === 'auto') {
    if (a === b) throw new Error(`model plugin ${plugin.name}: the output is [${dims.join(', ')}]; set output.layout to say which side holds the boxes`);
    layout = a > b ? 'box-per-row' : 'box-per-column';
  }
  return layout === 'box-per-row' ? { boxes: a, values: b, boxStep: b, valueStep: 1 } : { boxes: b, values: a, boxStep: 1, valueStep: b };
}

/**
 * Runs a detector plugin on an image: each box's best class (objectness x class score), kept
 * from `scoreThreshold` when that class maps to a label, then NMS per class, the best
 * `maxDetections` first. Boxes go back from the model input to ratios of the image.
 */
export async function detectWithPlugin(plugin: DetectorPlugin, rgb: RgbPixels): Promise<PluginDetection[]> {
  const { output, placement } = await runModel(plugin, rgb);
  const data = output.data as Float32Array;
  const { boxes, values, boxStep, valueStep } = outputLayout(plugin, output.dims);
  const at = (i: number, j: number) => data[i * boxStep + j * valueStep];
  const { objectness, boxFormat, boxUnits, activation, labels } = plugin.output;
  const first = 4 + (objectness ? 1 : 0);
  const classes = values - first;
  if (classes < 1) throw new Error(`model plugin ${plugin.name}: a box has ${values} values, too few for 4 coordinates${objectness ? ', objectness' : ''} and a class score`);
  for (const index of labels.keys()) {
    if (index >= classes) throw new Error(`model plugin ${plugin.name} maps class ${index}, but the model gives ${classes} class scores`);
  }
  const score = activation === 'sigmoid' ? sigmoid : (x: number) => x;
  const { width, height } = plugin.input;
  const unitX = boxUnits === 'normalized' ? width : 1;
  const unitY = boxUnits === 'normalized' ? height : 1;
  const candidates: (PluginDetection & { cls: number })[] = [];
  for (let i = 0; i < boxes; i++) {
    let cls = 0;
    let best = -Infinity;
    for (let c = 0, k = i * boxStep + first * valueStep; c < classes; c++, k += valueStep) {
      if (data[k] > best) {
        best = data[k];
        cls = c;
      }
    }
    const probability = (objectness ? score(at(i, 4)) : 1) * score(best);
    const name = labels.get(cls);
    if (!name || !(probability >= plugin.scoreThreshold)) continue;
    const [p, q, r, s] = [at(i, 0), at(i, 1), at(i, 2), at(i, 3)];
    const [x1, y1, x2, y2] = boxFormat === 'xyxy' ? [p, q, r, s] : [p - r / 2, q - s / 2, p + r / 2, q + s / 2];
    // Model input pixels -> image pixels -> ratios of the image.
    const toImageX = (x: number) => (x * unitX - placement.offsetX) / placement.scaleX / rgb.width;
    const toImageY = (y: number) => (y * unitY - placement.offsetY) / placement.scaleY / rgb.height;
    const box = clampBox({ Left: toImageX(x1), Top: toImageY(y1), Width: toImageX(x2) - toImageX(x1), Height: toImageY(y2) - toImageY(y1) });
    if (box.Width <= 0 || box.Height <= 0) continue;
    candidates.push({ name, probability, box, cls });
  }
  candidates.sort((a, b) => b.probability - a.probability);
  const kept: typeof candidates = [];
  for (const c of candidates) {
    if (kept.length >= plugin.maxDetections) break;
    if (kept.some((k) => k.cls === c.cls && intersectionOverUnion(k.box, c.box) > plugin.iouThreshold)) continue;
    kept.push(c);
  }
  return kept.map(({ name, probability, box }) => ({ name, probability, box }));
}
