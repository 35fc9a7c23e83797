/**
 * Model plugins: the config checks, the input tensor, and the worked example of
 * docs/MODEL-PLUGINS.md (PP-OCR's direction classifier as a `labels` plugin) through the server.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyWithPlugin, inputTensor, type ClassifierPlugin } from '../../models/plugins';
import { loadModelConfig, parseModelConfig, pluginConfidence } from '../../src/analysis/model-config';
import { call, startServer, type RunningServer } from '../support/spawn-server';

const example = new URL('../../docs/examples/text-orientation-plugin.json', import.meta.url).pathname;
const page = readFileSync(new URL('../../fixtures/images/page.png', import.meta.url));

/** "Region-based", the start of the page's heading, at 384x80: one line of text, as the classifier was trained on. */
const heading = async (rotate = 0) => {
  const line = await sharp(page).extract({ left: 0, top: 0, width: 192, height: 40 }).resize(384, 80).png().toBuffer();
  return sharp(line).rotate(rotate).png().toBuffer();
};

const minimal = (override: Record<string, unknown> = {}) => ({
  models: [{ path: 'm.onnx', input: { width: 2, height: 1 }, output: { labels: ['Cat', 'Dog'] }, ...override }],
});

describe('model config', () => {
  it('fills defaults and resolves the model path against the config folder', () => {
    const [plugin] = parseModelConfig(minimal(), '/configs').plugins;
    expect(plugin).toMatchObject({
      capability: 'labels',
      path: '/configs/m.onnx',
      input: { layout: 'NCHW', channels: 'RGB', resize: 'fill', scale: 255, mean: [0, 0, 0], std: [1, 1, 1] },
      output: { activation: 'none' },
      replaceBuiltIn: false,
    });
    expect([...plugin.output.labels]).toEqual([
      [0, 'Cat'],
      [1, 'Dog'],
    ]);
  });

  it('says what is wrong', () => {
    const bad: [unknown, RegExp][] = [
      [{}, /"models" array/],
      [minimal({ path: '' }), /models\[0\]\.path/],
      [minimal({ input: { width: 2 } }), /integer "width" and "height"/],
      [minimal({ input: { width: 2, height: 1, layout: 'CHW' } }), /layout: must be one of NCHW, NHWC/],
      [minimal({ input: { width: 2, height: 1, std: [1, 0, 1] } }), /std: must not contain 0/],
      [minimal({ output: { labels: { 0: 'cat' } } }), /"cat" is not a Rekognition v3 label name/],
      [minimal({ output: { labels: { x: 'Cat' } } }), /"x" is not a class index/],
      [minimal({ output: { labels: { 0: null } } }), /maps no class/],
      [minimal({ capability: 'faces' }), /capability: must be one of labels/],
    ];
    for (const [config, message] of bad) expect(() => parseModelConfig(config, '/'), JSON.stringify(config)).toThrow(message);
  });
});

describe('input tensor', () => {
  const rgb = { data: new Uint8Array([255, 0, 0, 0, 0, 255]), width: 2, height: 1 };
  const plugin = (input: Partial<ClassifierPlugin['input']>) => {
    const p = parseModelConfig(minimal(), '/').plugins[0] as ClassifierPlugin;
    return { ...p, input: { ...p.input, ...input } };
  };

  it('lays out NCHW planes in RGB or BGR order and normalises per channel', async () => {
    expect(Array.from(await inputTensor(plugin({}), rgb))).toEqual([1, 0, 0, 0, 0, 1]);
    expect(Array.from(await inputTensor(plugin({ channels: 'BGR' }), rgb))).toEqual([0, 1, 0, 0, 1, 0]);
    const normalised = await inputTensor(plugin({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }), rgb);
    expect(Array.from(normalised)).toEqual([1, -1, -1, -1, -1, 1]);
  });

  it('letterboxes into grey 114 or crops the middle, keeping the aspect ratio', async () => {
    const red = { data: new Uint8Array(4 * 2 * 3).map((_, i) => (i % 3 === 0 ? 255 : 0)), width: 4, height: 2 };
    const g = 114 / 255;
    const square = { width: 2, height: 2 };
    expect(Array.from(await inputTensor(plugin({ ...square, resize: 'letterbox' }), red))).toEqual([1, 1, g, g, 0, 0, g, g, 0, 0, g, g].map((v) => expect.closeTo(v, 5)));
    // Left half red, right half blue: the middle two columns are one of each.
    const halves = { data: new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]), width: 4, height: 2 };
    expect(Array.from(await inputTensor(plugin({ ...square, resize: 'center-crop' }), halves))).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
  });

  it('interleaves channels for NHWC', async () => {
    expect(Array.from(await inputTensor(plugin({ layout: 'NHWC' }), rgb))).toEqual([1, 0, 0, 0, 0, 1]);
    expect(Array.from(await inputTensor(plugin({ layout: 'NHWC', channels: 'BGR' }), rgb))).toEqual([0, 0, 1, 1, 0, 0]);
  });
});

describe('worked example: the PP-OCR direction classifier as a labels plugin', () => {
  it('scores an upright text line high and the same line upside down low', async () => {
    const plugin = loadModelConfig(example).plugins[0] as ClassifierPlugin;
    const score = async (png: Buffer) => {
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const scores = await classifyWithPlugin(plugin, { data, width: info.width, height: info.height });
      return scores.map((s) => ({ name: s.name, confidence: pluginConfidence(plugin, s.probability) }));
    };
    const [upright] = await score(await heading());
    const [flipped] = await score(await heading(180));
    expect(upright.name).toBe('Text');
    expect(upright.confidence).toBeGreaterThan(90);
    expect(flipped.confidence).toBeLessThan(10);
  });

  describe('through DetectLabels on a server started with --model-config', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer(['--model-config', example]);
    });
    afterAll(() => server?.stop());

    it('answers with the plugin label alone (replaceBuiltIn), and health lists the model', async () => {
      const upright = await call(server.endpoint, 'DetectLabels', { Image: { Bytes: (await heading()).toString('base64') } });
      expect(upright.status).toBe(200);
      expect(upright.body).toMatchObject({ Labels: [{ Name: 'Text', Instances: [], Parents: [], Aliases: [], Categories: [{ Name: 'Text and Documents' }] }], LabelModelVersion: '3.0' });
      const flipped = await call(server.endpoint, 'DetectLabels', { Image: { Bytes: (await heading(180)).toString('base64') } });
      expect(flipped.body).toEqual({ Labels: [], LabelModelVersion: '3.0' });
      const health = (await (await fetch(`${server.endpoint}/_rekognition/health`)).json()) as { models: { name: string; state: string }[] };
      expect(health.models.find((m) => m.name === 'pp-ocr-direction-classifier')?.state).toBe('ready');
    });
  });
});
