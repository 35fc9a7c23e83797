/**
 * Detector plugins (docs/MODEL-PLUGINS.md): the config, the decoding of YOLO-style outputs
 * (layouts, objectness, box formats, letterbox, NMS), the merge with the built-in objects, and a
 * server started with --model-config answering DetectLabels and GetLabelDetection. The models are
 * built by the test (test/support/onnx.ts): their scores follow the image's mean brightness, so
 * what comes back depends on the image.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectWithPlugin, type DetectorPlugin } from '../../models/plugins';
import { objectConfidence } from '../../src/analysis/calibration';
import { buildLabels } from '../../src/analysis/labels';
import { loadModelConfig, parseModelConfig } from '../../src/analysis/model-config';
import { cocoClassNames, rekognitionNameForCoco } from '../../src/analysis/taxonomy';
import { ffmpegPath } from '../../src/media/probe';
import { testEmulator } from '../support/emulator';
import { scriptedModels, type TaskScript } from '../support/scripted-models';
import { brightnessDetector } from '../support/onnx';
import { call, startServer, type RunningServer } from '../support/spawn-server';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'detector-plugins-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 32x32 input; 3 classes (Car, Person, an unmapped one); 8 proposals, so the longer side holds the boxes. */
const SIZE = 32;
const zeros = [0, 0, 0, 0, 0, 0, 0];
/** With pixels scaled to 0-1, m is the input's mean: the image letterboxed into grey 114. */
const ROWS = [
  // A car in the middle of the input (x 8-24, y 12-20), scoring the brightness m...
  { base: [16, 16, 16, 8, 0, 0, 0], slope: [0, 0, 0, 0, 1, 0, 0] },
  // ...found again a pixel to the right at 0.9 m: NMS drops it.
  { base: [17, 16, 16, 8, 0, 0, 0], slope: [0, 0, 0, 0, 0.9, 0, 0] },
  // A person on the left (x 4-12, y 8-24) scoring 0.9 - m: the darker the image, the surer.
  { base: [8, 16, 8, 16, 0, 0.9, 0], slope: [0, 0, 0, 0, 0, -1, 0] },
  // A sure box of the unmapped class 2.
  { base: [16, 16, 30, 30, 0, 0, 0.95], slope: zeros },
  ...Array.from({ length: 4 }, () => ({ base: zeros, slope: zeros })),
];

const rowsModel = path.join(tmp, 'rows.onnx');
/** The same detections as [1, values, boxes], with an objectness column and corner boxes in 0-1 of the input. */
const columnsModel = path.join(tmp, 'columns.onnx');
writeFileSync(rowsModel, brightnessDetector({ size: SIZE, rows: ROWS }));
writeFileSync(
  columnsModel,
  brightnessDetector({
    size: SIZE,
    columns: true,
    rows: [
      { base: [0.25, 0.375, 0.75, 0.625, 0, 1, 0], slope: [0, 0, 0, 0, 1, 0, 0] },
      { base: [0.125, 0.25, 0.375, 0.75, 0.9, 0, 1], slope: [0, 0, 0, 0, -1, 0, 0] },
      ...Array.from({ length: 6 }, () => ({ base: zeros, slope: zeros })),
    ],
  }),
);

const detectorConfig = (override: Record<string, unknown> = {}) => ({
  name: 'brightness-yolo',
  capability: 'detector',
  path: rowsModel,
  input: { width: SIZE, height: SIZE },
  output: { labels: { 0: 'Car', 1: 'Person' } },
  ...override,
});
const detector = (override: Record<string, unknown> = {}) => parseModelConfig({ models: [detectorConfig(override)] }, tmp).plugins[0] as DetectorPlugin;

/** A 2:1 image of one colour: letterboxed into the 32x32 input it fills rows 8-24. */
async function flat(colour: string, width = 64, height = 32) {
  const { data, info } = await sharp({ create: { width, height, channels: 3, background: colour } }).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}
const GREY = 114 / 255;
const CENTRE = { Left: 0.25, Top: 0.25, Width: 0.5, Height: 0.5 };

describe('detector config', () => {
  it('fills the YOLO defaults', () => {
    expect(detector()).toMatchObject({
      capability: 'detector',
      input: { resize: 'letterbox', layout: 'NCHW', channels: 'RGB', scale: 255 },
      output: { layout: 'auto', objectness: false, boxFormat: 'cxcywh', boxUnits: 'pixels', activation: 'none' },
      scoreThreshold: 0.25,
      iouThreshold: 0.45,
      maxDetections: 100,
      replaceBuiltIn: false,
    });
  });

  it('reads the worked example: ultralytics\' YOLOv8 export with the 80 COCO classes named as the built-in detector names them', () => {
    const [plugin] = loadModelConfig(fileURLToPath(new URL('../../docs/examples/yolov8-coco-detector.json', import.meta.url))).plugins as DetectorPlugin[];
    expect(plugin.output).toMatchObject({ layout: 'box-per-column', objectness: false, boxFormat: 'cxcywh', boxUnits: 'pixels' });
    expect([...plugin.output.labels.values()]).toEqual(cocoClassNames().map((coco) => rekognitionNameForCoco(coco)));
  });

  it('says what is wrong', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ output: { labels: { 0: 'Car' }, layout: 'NxK' } }, /output\.layout: must be one of auto, box-per-row, box-per-column/],
      [{ output: { labels: { 0: 'Car' }, objectness: 'yes' } }, /output\.objectness: must be true or false/],
      [{ output: { labels: { 0: 'Car' }, activation: 'softmax' } }, /output\.activation: must be one of sigmoid, none/],
      [{ output: { labels: { 0: 'car' } } }, /"car" is not a Rekognition v3 label name/],
      [{ scoreThreshold: 2 }, /scoreThreshold: must be a number from 0 to 1/],
      [{ maxDetections: 0 }, /maxDetections: must be a positive integer/],
      [{ capability: 'detection' }, /capability: must be one of labels, detector/],
    ];
    for (const [override, message] of bad) expect(() => detector(override), JSON.stringify(override)).toThrow(message);
  });
});

describe('decoding a detector', () => {
  it('maps boxes back through the letterbox, keeps the best of overlapping boxes and drops unmapped classes', async () => {
    const bright = await detectWithPlugin(detector(), await flat('#ffffff'));
    const m = (1 + GREY) / 2;
    expect(bright).toEqual([{ name: 'Car', probability: expect.closeTo(m, 2), box: expect.objectContaining({}) }]);
    for (const k of ['Left', 'Top', 'Width', 'Height'] as const) expect(bright[0].box[k]).toBeCloseTo(CENTRE[k], 5);
    // In the dark the car's score falls under 0.25 and the person's rises.
    const dark = await detectWithPlugin(detector(), await flat('#000000'));
    expect(dark.map((d) => d.name)).toEqual(['Person']);
    expect(dark[0].probability).toBeCloseTo(0.9 - GREY / 2, 2);
    expect(dark[0].box).toMatchObject({ Left: expect.closeTo(0.125, 5), Top: 0, Height: 1 });
  });

  it('reads [1, values, boxes] with objectness and normalised corners', async () => {
    const plugin = detector({ path: columnsModel, output: { labels: ['Car', 'Person'], objectness: true, boxFormat: 'xyxy', boxUnits: 'normalized' } });
    const bright = await detectWithPlugin(plugin, await flat('#ffffff'));
    expect(bright.map((d) => d.name)).toEqual(['Car']);
    for (const k of ['Left', 'Top', 'Width', 'Height'] as const) expect(bright[0].box[k]).toBeCloseTo(CENTRE[k], 5);
    expect((await detectWithPlugin(plugin, await flat('#000000'))).map((d) => d.name)).toEqual(['Person']);
  });

  it('maps boxes back from a stretched input', async () => {
    const [car] = await detectWithPlugin(detector({ input: { width: SIZE, height: SIZE, resize: 'fill' } }), await flat('#ffffff'));
    expect(car.probability).toBeCloseTo(1, 2);
    expect(car.box).toMatchObject({ Left: expect.closeTo(0.25, 5), Top: expect.closeTo(0.375, 5), Width: expect.closeTo(0.5, 5), Height: expect.closeTo(0.25, 5) });
  });

  it('refuses a class the model does not have', async () => {
    await expect(detectWithPlugin(detector({ output: { labels: { 5: 'Car' } } }), await flat('#ffffff'))).rejects.toThrow('maps class 5, but the model gives 3 class scores');
  });
});

describe('merging detections with the built-in objects', () => {
  const box = (Left: number, Top: number, Width: number, Height: number) => ({ Left, Top, Width, Height });
  const cup = { coco: 'cup', score: 0.6, box: box(0.1, 0.1, 0.3, 0.3) };

  it('one label per name: the same object keeps its more confident box, another object adds one, the label takes the best confidence', () => {
    const labels = buildLabels({
      objects: [cup],
      faces: [],
      detected: [
        { name: 'Cup', confidence: 97, box: box(0.11, 0.1, 0.3, 0.3) },
        { name: 'Cup', confidence: 70, box: box(0.6, 0.6, 0.2, 0.2) },
      ],
    });
    expect(labels.map((l) => l.Name)).toEqual(['Cup']);
    expect(labels[0].Confidence).toBe(97);
    expect(labels[0].Instances!.map((i) => [i.Confidence, i.BoundingBox!.Left])).toEqual([
      [97, 0.11],
      [70, 0.6],
    ]);
    // A less confident plugin box of the same cup leaves the built-in one.
    const [kept] = buildLabels({ objects: [cup], faces: [], detected: [{ name: 'Cup', confidence: 56, box: box(0.1, 0.11, 0.3, 0.3) }] });
    expect(kept.Instances!.map((i) => i.Confidence)).toEqual([objectConfidence(0.6)]);
  });

  it('adds the ancestors from the taxonomy, and boxes only for labels AWS boxes', () => {
    const labels = buildLabels({ objects: [], faces: [], detected: [{ name: 'Dog', confidence: 90, box: box(0, 0, 0.5, 0.5) }, { name: 'Bottle', confidence: 80, box: box(0.6, 0, 0.1, 0.3) }] });
    expect(labels.map((l) => l.Name)).toEqual(['Animal', 'Canine', 'Dog', 'Mammal', 'Pet', 'Bottle']);
    expect(labels.find((l) => l.Name === 'Dog')!.Instances).toHaveLength(1);
    expect(labels.find((l) => l.Name === 'Animal')!.Instances).toEqual([]);
    expect(labels.find((l) => l.Name === 'Bottle')!.Instances).toEqual([]);
  });

  it('counts a plugin person as the built-in one it overlaps, and a new one as another person', () => {
    const person = { coco: 'person', score: 0.6, box: box(0.1, 0.1, 0.3, 0.8) };
    const same = buildLabels({ objects: [person], faces: [], detected: [{ name: 'Person', confidence: 99, box: box(0.12, 0.1, 0.3, 0.8) }] });
    expect(same.map((l) => l.Name)).toEqual(['Person']);
    expect(same[0].Instances!.map((i) => i.Confidence)).toEqual([99]);
    const two = buildLabels({ objects: [person], faces: [], detected: [{ name: 'Person', confidence: 99, box: box(0.6, 0.1, 0.3, 0.8) }] });
    expect(two.map((l) => l.Name)).toEqual(['Person', 'People']);
  });
});

describe('DetectLabels with a detector plugin (fake models)', () => {
  const plugin = detector();
  const shares = [{ css: { name: 'red', hex: '#ff0000', rgb: [255, 0, 0] as [number, number, number] }, percent: 90 }];
  const results: TaskScript = {
    'vision.objects': (payload) => ({
      objects: [{ coco: 'car', score: 0.5, box: { Left: 0.1, Top: 0.1, Width: 0.4, Height: 0.4 } }],
      properties: payload.properties ? { quality: { Brightness: 50, Sharpness: 60, Contrast: 20 }, colors: [] } : undefined,
      instanceColors: payload.properties ? [null] : undefined,
    }),
    'vision.faces': () => [],
    'text.read': () => [],
    'vision.detector': (payload) => ({
      detections: [
        { name: 'Car', probability: 0.98, box: { Left: 0.1, Top: 0.12, Width: 0.4, Height: 0.4 } },
        { name: 'Bus', probability: 0.9, box: { Left: 0.6, Top: 0.1, Width: 0.3, Height: 0.5 } },
      ],
      colors: payload.colors ? [shares, shares] : undefined,
    }),
  };
  const { models, ran } = scriptedModels(results, [plugin]);
  const api = testEmulator({}, { inference: models });
  afterAll(() => api.close());
  let png: string;
  beforeAll(async () => {
    png = (await sharp({ create: { width: 120, height: 100, channels: 3, background: '#7a9' } }).png().toBuffer()).toString('base64');
  });

  it('runs the detector beside the built-in models and merges its boxes into their labels', async () => {
    ran.length = 0;
    const out = await api.call('DetectLabels', { Image: { Bytes: png } });
    // vision.objects twice: the built-in objects come from the image and its mirror image.
    expect(ran.map((r) => r.task).sort()).toEqual(['text.read', 'vision.detector', 'vision.faces', 'vision.objects', 'vision.objects']);
    const byName = new Map((out.Labels as { Name: string; Confidence: number; Instances: { Confidence: number }[] }[]).map((l) => [l.Name, l]));
    expect([...byName.keys()]).toEqual(['Car', 'Transportation', 'Vehicle', 'Bus']);
    expect(byName.get('Car')!.Confidence).toBeCloseTo(98, 3);
    expect(byName.get('Car')!.Instances.map((i) => i.Confidence)).toEqual([expect.closeTo(98, 3)]);
    expect(byName.get('Bus')!.Instances).toHaveLength(1);
  });

  it('asks the detector for its boxes\' colours with IMAGE_PROPERTIES', async () => {
    ran.length = 0;
    const out = await api.call('DetectLabels', { Image: { Bytes: png }, Features: ['GENERAL_LABELS', 'IMAGE_PROPERTIES'], Settings: { ImageProperties: { MaxDominantColors: 3 } } });
    expect(ran.find((r) => r.task === 'vision.detector')!.payload.colors).toEqual({ maxColors: 3 });
    const bus = (out.Labels as { Name: string; Instances: { DominantColors: { CSSColor: string }[] }[] }[]).find((l) => l.Name === 'Bus')!;
    expect(bus.Instances[0].DominantColors.map((c) => c.CSSColor)).toEqual(['red']);
  });
});

describe('a server started with a detector plugin', () => {
  let server: RunningServer;
  const s3Dir = path.join(tmp, 's3');
  const png = async (colour: string) => (await sharp({ create: { width: 160, height: 80, channels: 3, background: colour } }).png().toBuffer()).toString('base64');

  beforeAll(async () => {
    // One second of white, then one of black.
    mkdirSync(path.join(s3Dir, 'clips'), { recursive: true });
    await promisify(execFile)(ffmpegPath(), [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', 'color=c=white:s=160x80:d=1:r=25', '-f', 'lavfi', '-i', 'color=c=black:s=160x80:d=1:r=25',
      '-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast',
      path.join(s3Dir, 'clips', 'white-black.mp4'),
    ]); // prettier-ignore
    const config = path.join(tmp, 'models.json');
    // Only the plugin: the server then loads none of the built-in label models.
    writeFileSync(config, JSON.stringify({ models: [detectorConfig({ path: 'rows.onnx', replaceBuiltIn: true })] }));
    server = await startServer(['--model-config', config, '--s3-dir', s3Dir]);
  }, 60_000);
  afterAll(() => server?.stop());

  it('answers DetectLabels with the detector\'s labels, their boxes and ancestors, per image', async () => {
    const white = await call(server.endpoint, 'DetectLabels', { Image: { Bytes: await png('#ffffff') } });
    expect(white.status).toBe(200);
    const labels = white.body.Labels as { Name: string; Confidence: number; Instances: { BoundingBox: Record<string, number>; Confidence: number }[]; Parents: { Name: string }[] }[];
    expect(labels.map((l) => l.Name)).toEqual(['Car', 'Transportation', 'Vehicle']);
    expect(labels[0].Confidence).toBeCloseTo((100 * (1 + GREY)) / 2, 0);
    expect(labels[0].Parents).toEqual([{ Name: 'Transportation' }, { Name: 'Vehicle' }]);
    expect(labels[0].Instances).toHaveLength(1);
    for (const k of ['Left', 'Top', 'Width', 'Height'] as const) expect(labels[0].Instances[0].BoundingBox[k]).toBeCloseTo(CENTRE[k], 4);
    const black = await call(server.endpoint, 'DetectLabels', { Image: { Bytes: await png('#000000') } });
    expect((black.body.Labels as { Name: string }[]).map((l) => l.Name)).toEqual(['Person']);
    const health = (await (await fetch(`${server.endpoint}/_rekognition/health`)).json()) as { models: { name: string; state: string; capability: string }[] };
    expect(health.models.find((m) => m.name === 'brightness-yolo')).toMatchObject({ state: 'ready', capability: 'user model plugin (detector)' });
  });

  it('runs it on video frames: a Car while the clip is white, a Person once it is black, each with its box', async () => {
    const start = await call(server.endpoint, 'StartLabelDetection', { Video: { S3Object: { Bucket: 'clips', Name: 'white-black.mp4' } } });
    expect(start.status).toBe(200);
    let out: Record<string, unknown>;
    for (;;) {
      out = (await call(server.endpoint, 'GetLabelDetection', { JobId: start.body.JobId })).body;
      if (out.JobStatus !== 'IN_PROGRESS') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(out.JobStatus).toBe('SUCCEEDED');
    const items = out.Labels as { Timestamp: number; Label: { Name: string; Instances: unknown[] } }[];
    const at = (name: string) => items.filter((i) => i.Label.Name === name).map((i) => i.Timestamp);
    expect(at('Car').length).toBeGreaterThan(0);
    expect(at('Person').length).toBeGreaterThan(0);
    expect(Math.max(...at('Car'))).toBeLessThan(1000);
    expect(Math.min(...at('Person'))).toBeGreaterThanOrEqual(900);
    for (const i of items.filter((i) => ['Car', 'Person'].includes(i.Label.Name))) expect(i.Label.Instances).toHaveLength(1);
  }, 60_000);
});
