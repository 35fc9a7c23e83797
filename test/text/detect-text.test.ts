/** DetectText through the emulator's dispatch (validation, handler, wire JSON) with a real worker pool. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelsClient } from '../../models/client';
import { sharedModels } from '../support/models';
import { ApiError, testEmulator, type TestEmulator } from '../support/emulator';
import { GLUED_PAGE, iou, renderPage, wordsOf } from './pages';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/images/${name}`, import.meta.url)));

let pool: ModelsClient;
let emulator: TestEmulator;
const detectText = (input: Record<string, unknown>) => emulator.call('DetectText', input);

const bytes = (name: string) => ({ Bytes: fixture(name).toString('base64') });

describe('DetectText handler', () => {
  beforeAll(() => {
    pool = sharedModels();
    emulator = testEmulator({}, { inference: pool });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('answers LINEs then WORDs in wire order with TextModelVersion 3.0', async () => {
    const out = await detectText({ Image: bytes('scene-sign.jpg') });
    expect(Object.keys(out)).toEqual(['TextDetections', 'TextModelVersion']);
    expect(out.TextModelVersion).toBe('3.0');
    const lines = out.TextDetections.filter((d: { Type: string }) => d.Type === 'LINE');
    expect(lines.map((l: { DetectedText: string }) => l.DetectedText)).toEqual(expect.arrayContaining(['Maple Ave', 'ANY TIME', 'Fresh Coffee']));
    const maple = lines.find((l: { DetectedText: string }) => l.DetectedText === 'Maple Ave');
    const words = out.TextDetections.filter((d: { ParentId?: number }) => d.ParentId === maple.Id);
    expect(words.map((w: { DetectedText: string }) => w.DetectedText)).toEqual(['Maple', 'Ave']);
    expect(Object.keys(words[0])).toEqual(['DetectedText', 'Type', 'Id', 'ParentId', 'Confidence', 'Geometry']);
    // The sign is in the upper left of the photo and tilted up to the right by 6 degrees.
    const b = maple.Geometry.BoundingBox;
    expect(b.Left).toBeGreaterThan(0.08);
    expect(b.Left + b.Width).toBeLessThan(0.47);
    expect(b.Top + b.Height).toBeLessThan(0.3);
    const [tl, tr] = maple.Geometry.Polygon;
    expect(tr.Y).toBeLessThan(tl.Y);
    expect(pool.states().find((m) => m.name === 'pp-ocrv4')?.state).toBe('ready');
  });

  it('applies RegionsOfInterest and WordFilter', async () => {
    const out = await detectText({
      Image: bytes('scene-sign.jpg'),
      Filters: { RegionsOfInterest: [{ BoundingBox: { Left: 0.6, Top: 0, Width: 0.4, Height: 0.5 } }], WordFilter: { MinBoundingBoxHeight: 0.05 } },
    });
    const words = out.TextDetections.filter((d: { Type: string }) => d.Type === 'WORD').map((d: { DetectedText: string }) => d.DetectedText);
    // Only the no-parking sign is in the region; its "ANY TIME" line is under 5% of the height.
    expect(words).toEqual(['NO', 'PARKING']);
  });

  it('finds each word of a rendered page on its own, with its own box', async () => {
    // Words with digits the recogniser reads without spaces ("alpha30bravo31..."), mono and bold type, punctuation.
    const page = await renderPage(GLUED_PAGE);
    const out = await detectText({ Image: { Bytes: page.png.toString('base64') } });
    const found = wordsOf(out.TextDetections, page.width, page.height);
    expect(found.map((w) => w.text)).toEqual(page.words.map((w) => w.text));
    page.words.forEach((truth, i) => expect(iou(truth, found[i]), truth.text).toBeGreaterThanOrEqual(0.5));
  });

  it('answers an empty list for an image without text', async () => {
    const blank = await sharp({ create: { width: 200, height: 120, channels: 3, background: '#7a9' } }).png().toBuffer();
    const out = await detectText({ Image: { Bytes: blank.toString('base64') } });
    expect(out).toEqual({ TextDetections: [], TextModelVersion: '3.0' });
  });

  it('refuses a polygon region with fewer than 3 points before reading the image', async () => {
    const err = await detectText({ Image: { Bytes: Buffer.from('not an image').toString('base64') }, Filters: { RegionsOfInterest: [{ Polygon: [{ X: 0, Y: 0 }] }] } }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.type).toBe('InvalidParameterException');
  });
});
