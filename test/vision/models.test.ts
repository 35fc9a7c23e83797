/**
 * The image models in this process (no server): centernet run at the image's aspect ratio against
 * human's own way of running it, nsfwjs's calibration on photos that make it fire, its weight
 * cache, and PPE on the astronaut with a face mask or hard hat drawn on. The fixture
 * photos themselves go through the server in contract-tests/vision.test.ts.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { contentTypes, moderationLabels } from '../../src/analysis/moderation';
import { detectCenternet, inputSize } from '../../models/runtime/centernet';
import { getHuman } from '../../models/runtime/human';
import { NSFW_INPUT_SIZE } from '../../models/catalog';
import { classifyNsfw, decodedNsfwModel } from '../../models/runtime/nsfw';
import { tf } from '../../models/runtime/tfjs';
import { overlay, ppe } from '../../scripts/measure-ppe';

const fixture = (name: string) => new URL(`../../fixtures/images/${name}`, import.meta.url).pathname;

async function rgbOf(file: string, size?: number) {
  let s = sharp(file).rotate().removeAlpha().toColourspace('srgb');
  s = size ? s.resize(size, size, { fit: 'fill' }) : s.resize(1024, 1024, { fit: 'inside', withoutEnlargement: true });
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('centernet', () => {
  it('keeps the aspect ratio, long side 512, sides multiples of 32', () => {
    expect(inputSize(640, 480)).toEqual({ width: 512, height: 384 });
    expect(inputSize(480, 640)).toEqual({ width: 384, height: 512 });
    expect(inputSize(1000, 1000)).toEqual({ width: 512, height: 512 });
    expect(inputSize(10000, 80)).toEqual({ width: 512, height: 64 });
  });

  it('decodes as the graph itself does: on a square image it finds what human finds', async () => {
    const rgb = await rgbOf(fixture('astronaut.png'), 512);
    const human = await getHuman();
    const tensor = human.tf.tensor3d(rgb.data, [512, 512, 3], 'int32');
    const theirs = await human.detect(tensor, { face: { enabled: false }, object: { enabled: true, modelPath: 'centernet.json', maxDetected: 100, minConfidence: 0.1 } });
    human.tf.dispose(tensor);
    const expected = (theirs.object as { label: string; score: number; box: number[] }[]).map((o) => ({ label: o.label, score: o.score, box: o.box }));
    const ours = await detectCenternet(rgb);
    // Once loaded, a call leaves no tensor behind.
    const tensors = tf.memory().numTensors;
    await detectCenternet(rgb);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(expected.length).toBeGreaterThan(0);
    expect(ours.map((o) => [o.label, o.score])).toEqual(expected.map((o) => [o.label, o.score]));
    ours.forEach((o, i) => o.box.forEach((v, k) => expect(Math.abs(v - expected[i].box[k])).toBeLessThanOrEqual(1)));
  });
});

describe('nsfwjs', () => {
  const cache = mkdtempSync(join(tmpdir(), 'nsfw-cache-'));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it('decodes its bundled weights once into the cache folder', () => {
    const before = process.env.REKOGNITION_LOCAL_CACHE_DIR;
    process.env.REKOGNITION_LOCAL_CACHE_DIR = cache;
    try {
      const path = decodedNsfwModel();
      expect(path.startsWith(cache)).toBe(true);
      const weights = join(path, '..', 'weights.bin');
      // MobileNetV2 quantised to uint8: about 2.6 MB of weights.
      expect(statSync(weights).size).toBeGreaterThan(2_000_000);
      const written = statSync(weights).mtimeMs;
      expect(decodedNsfwModel()).toBe(path);
      expect(statSync(weights).mtimeMs).toBe(written);
    } finally {
      if (before === undefined) delete process.env.REKOGNITION_LOCAL_CACHE_DIR;
      else process.env.REKOGNITION_LOCAL_CACHE_DIR = before;
    }
  });

  it('flags none of the clothed party photos that make its Porn and Sexy classes fire', async () => {
    const samples = [1, 2, 3, 4, 5, 6].map((i) => new URL(`../../node_modules/@vladmandic/face-api/demo/sample${i}.jpg`, import.meta.url).pathname);
    let strongest = 0;
    for (const file of samples.filter((f) => existsSync(f))) {
      const scores = await classifyNsfw(await rgbOf(file, NSFW_INPUT_SIZE));
      strongest = Math.max(strongest, scores.Porn + scores.Hentai, scores.Sexy);
      expect(moderationLabels(scores), file).toEqual([]);
      expect(contentTypes(scores), file).toEqual([]);
    }
    // The photos do push the classes up: the calibration, not the model, keeps them clean.
    expect(strongest).toBeGreaterThan(0.4);
  });
});

describe('PPE on drawn-on equipment', () => {
  it('finds a face mask over nose and mouth and a hard hat on the astronaut, and neither without them', async () => {
    const astronaut = await rgbOf(fixture('astronaut.png'));
    const types = (persons: Awaited<ReturnType<typeof ppe>>) => persons.flatMap((p) => p.BodyParts!.flatMap((b) => b.EquipmentDetections!.map((e) => [b.Name, e.Type, e.CoversBodyPart!.Value])));
    expect(types(await ppe(astronaut))).toEqual([]);
    expect(types(await ppe((await overlay(astronaut, 'mask', '#a8c8e8'))!))).toEqual([['FACE', 'FACE_COVER', true]]);
    expect(types(await ppe((await overlay(astronaut, 'hat', '#f5c518'))!))).toEqual([['HEAD', 'HEAD_COVER', true]]);
  });
});
