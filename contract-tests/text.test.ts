/**
 * DetectText's words on both targets. The API reference defines a word as "one or more script
 * characters that are not separated by spaces", each WORD belonging to the LINE named by its
 * ParentId; so a WORD never holds a space, a LINE reads as its WORDs, and a WORD lies inside its
 * LINE. Asserted on a rendered page of words that a recogniser easily reads as one run
 * ("alpha30bravo31...") and on the photographed book page.
 */
import { DetectTextCommand, type RekognitionClient, type TextDetection } from '@aws-sdk/client-rekognition';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes, rekognitionClient } from './support/client';

const LINES = [
  { text: 'alpha30 bravo31 charlie32 delta33', size: 34, y: 60 },
  { text: 'echo34 foxtrot35 india38 juliet39', size: 34, y: 120, family: 'DejaVu Serif' },
  { text: 'Total: $418.50 (incl. VAT)', size: 16, y: 170, family: 'DejaVu Sans Mono' },
];

async function renderedPage(): Promise<Uint8Array> {
  const texts = LINES.map((l) => `<text x="30" y="${l.y}" font-family="${l.family ?? 'DejaVu Sans'}" font-size="${l.size}" fill="#111">${l.text}</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="200"><rect width="100%" height="100%" fill="#fff"/>${texts.join('')}</svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}

const SLACK = 0.01;

/**
 * The structure every DetectText answer has; returns the WORDs by their LINE. Unfiltered, a LINE
 * also reads as its WORDs joined by spaces (with a WordFilter, what a LINE keeps is not known).
 */
function checkWords(detections: TextDetection[], filtered = false): Map<number, TextDetection[]> {
  const lines = detections.filter((d) => d.Type === 'LINE');
  const words = detections.filter((d) => d.Type === 'WORD');
  expect(lines.length + words.length).toBe(detections.length);
  const byLine = new Map<number, TextDetection[]>(lines.map((l) => [l.Id!, []]));
  for (const w of words) {
    expect(w.DetectedText, 'a WORD never holds a space').not.toMatch(/\s/);
    expect(w.DetectedText!.length).toBeGreaterThan(0);
    expect(byLine.has(w.ParentId!), `WORD ${w.Id} names a LINE`).toBe(true);
    byLine.get(w.ParentId!)!.push(w);
  }
  for (const line of lines) {
    const mine = byLine.get(line.Id!)!;
    if (!filtered) {
      expect(mine.length, `LINE "${line.DetectedText}" has WORDs`).toBeGreaterThan(0);
      expect(line.DetectedText).toBe(mine.map((w) => w.DetectedText).join(' '));
    }
    const l = line.Geometry!.BoundingBox!;
    for (const w of mine) {
      const b = w.Geometry!.BoundingBox!;
      expect(w.Geometry!.Polygon).toHaveLength(4);
      expect(b.Left!).toBeGreaterThanOrEqual(l.Left! - SLACK);
      expect(b.Top!).toBeGreaterThanOrEqual(l.Top! - SLACK);
      expect(b.Left! + b.Width!).toBeLessThanOrEqual(l.Left! + l.Width! + SLACK);
      expect(b.Top! + b.Height!).toBeLessThanOrEqual(l.Top! + l.Height! + SLACK);
    }
    // Words of a line come in reading order, each starting right of the one before.
    for (let i = 1; i < mine.length; i++) expect(mine[i].Geometry!.BoundingBox!.Left!).toBeGreaterThan(mine[i - 1].Geometry!.BoundingBox!.Left!);
  }
  return byLine;
}

let client: RekognitionClient;
let page: Uint8Array;

beforeAll(async () => {
  client = rekognitionClient();
  page = await renderedPage();
});

afterAll(() => client.destroy());

describe('DetectText words', () => {
  it('reads each word of a rendered page as a WORD of its own, inside its LINE', async () => {
    const out = await client.send(new DetectTextCommand({ Image: { Bytes: page } }));
    const byLine = checkWords(out.TextDetections!);
    const words = out.TextDetections!.filter((d) => d.Type === 'WORD').map((d) => d.DetectedText);
    expect(words).toEqual(expect.arrayContaining(LINES.slice(0, 2).flatMap((l) => l.text.split(' '))));
    expect(byLine.size).toBeGreaterThanOrEqual(2);
    // Each WORD is narrower than its LINE: no word box stands for the whole line.
    const widths = out.TextDetections!.filter((d) => d.Type === 'WORD' && d.DetectedText === 'bravo31').map((d) => d.Geometry!.BoundingBox!.Width!);
    expect(widths).toHaveLength(1);
    expect(widths[0]).toBeLessThan(0.25);
  });

  it('applies WordFilter.MinBoundingBoxHeight to each word', async () => {
    // The 34 px words stand about 0.13 of the page high, the 16 px ones under 0.07.
    const out = await client.send(new DetectTextCommand({ Image: { Bytes: page }, Filters: { WordFilter: { MinBoundingBoxHeight: 0.1 } } }));
    checkWords(out.TextDetections!, true);
    const words = out.TextDetections!.filter((d) => d.Type === 'WORD');
    expect(words.map((w) => w.DetectedText)).toEqual(expect.arrayContaining(['alpha30', 'juliet39']));
    expect(words.map((w) => w.DetectedText)).not.toContain('VAT)');
    for (const w of words) expect(w.Geometry!.BoundingBox!.Height!).toBeGreaterThanOrEqual(0.1);
  });

  it('splits the lines of a photographed page into WORDs without spaces', async () => {
    const out = await client.send(new DetectTextCommand({ Image: { Bytes: fixtureBytes('images/page.png') } }));
    const byLine = checkWords(out.TextDetections!);
    expect([...byLine.values()].some((words) => words.length >= 5)).toBe(true);
  });
});
