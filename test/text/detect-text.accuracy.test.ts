/**
 * DetectText on real and rendered images against hand-written ground truth: word recall (a
 * ground-truth word counts when a detected WORD equals it, ignoring case, each detection used once).
 */
import { SdkClients } from '../../src/runtime/sdk-clients';
import { MemoryBudget } from '../../src/runtime/memory-budget';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTextDetections } from '../../src/analysis/text-results';
import { readText } from '../../models/text/read';
import { loadImage } from '../../src/media/image';
import { loadOcrModels } from '../../models/ocr';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/images/${name}`, import.meta.url));

interface Truth {
  file: string;
  lines: string[];
}

/** Share of ground-truth words found among the detected words, case-insensitive. */
function wordRecall(truth: string[], found: string[]): number {
  const pool = new Map<string, number>();
  for (const w of found) pool.set(w.toLowerCase(), (pool.get(w.toLowerCase()) ?? 0) + 1);
  let hits = 0;
  for (const w of truth) {
    const n = pool.get(w.toLowerCase()) ?? 0;
    if (n > 0) {
      hits++;
      pool.set(w.toLowerCase(), n - 1);
    }
  }
  return hits / truth.length;
}

const cases = ['page', 'text-fonts', 'text-rotated', 'text-colour', 'scene-sign'];

describe('DetectText accuracy', () => {
  beforeAll(async () => {
    await loadOcrModels();
  });

  it('counts recall over a multiset of words', () => {
    expect(wordRecall(['the', 'The', 'cat'], ['THE', 'cat'])).toBeCloseTo(2 / 3);
  });

  for (const name of cases) {
    it(`reads at least 90% of the words in ${name}`, async () => {
      const truth = JSON.parse(readFileSync(fixture(`${name}.json`), 'utf8')) as Truth;
      const image = await loadImage({ Bytes: readFileSync(fixture(truth.file)) }, { config: {}, clients: new SdkClients(), decodes: new MemoryBudget(1 << 30), region: 'us-east-1' });
      const rgb = await image.rgb();
      const detections = toTextDetections(await readText(rgb), rgb.width, rgb.height);
      const words = detections.filter((d) => d.Type === 'WORD').map((d) => d.DetectedText!);
      const expected = truth.lines.flatMap((l) => l.split(/\s+/));
      const recall = wordRecall(expected, words);
      console.log(`${name}: word recall ${(100 * recall).toFixed(1)}% (${Math.round(recall * expected.length)}/${expected.length})`);
      expect(recall).toBeGreaterThanOrEqual(0.9);

      // Structure: LINEs first with Ids 0..n-1, every WORD points at a LINE and lies inside the image.
      const lines = detections.filter((d) => d.Type === 'LINE');
      expect(detections.slice(0, lines.length).every((d) => d.Type === 'LINE')).toBe(true);
      expect(lines.map((d) => d.Id)).toEqual(lines.map((_, i) => i));
      for (const d of detections) {
        expect(d.Confidence).toBeGreaterThan(0);
        expect(d.Confidence).toBeLessThanOrEqual(100);
        expect(d.Geometry!.Polygon).toHaveLength(4);
        const b = d.Geometry!.BoundingBox!;
        expect(b.Left! + b.Width!).toBeLessThanOrEqual(1 + 1e-9);
        expect(b.Top! + b.Height!).toBeLessThanOrEqual(1 + 1e-9);
        if (d.Type === 'WORD') expect(d.ParentId).toBeLessThan(lines.length);
      }
    });
  }
});
