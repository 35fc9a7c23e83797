/** The person tracker: Hungarian assignment, and tracks that keep their Index. */
import { describe, expect, it } from 'vitest';
import { hungarian, iou, trackDetections, type Box, type Detection } from '../../src/analysis/tracking';

const box = (Left: number, Top: number, Width = 0.1, Height = 0.3): Box => ({ Left, Top, Width, Height });

describe('hungarian', () => {
  it('finds the minimum-cost assignment, not the greedy one', () => {
    // Greedy takes (0,0)=1 first and then pays 100; the optimum is 2 + 3.
    expect(hungarian([[1, 2], [3, 100]])).toEqual([1, 0]);
    const cost = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    const a = hungarian(cost);
    expect(a.reduce((s, j, i) => s + cost[i][j], 0)).toBe(5);
    expect(new Set(a).size).toBe(3);
  });

  it('handles more rows than columns and the reverse', () => {
    expect(hungarian([[5], [1], [3]])).toEqual([-1, 0, -1]);
    expect(hungarian([[5, 1, 3]])).toEqual([1]);
    expect(hungarian([])).toEqual([]);
  });
});

describe('trackDetections', () => {
  it('keeps each of two people crossing paths on their own Index', () => {
    // A walks right, B walks left; they overlap around the middle frames.
    const frames = Array.from({ length: 11 }, (_, k) => ({
      timestamp: k * 200,
      detections: [
        { box: box(0.1 + 0.07 * k, 0.3), confidence: 90, data: 'A' },
        { box: box(0.8 - 0.07 * k, 0.32), confidence: 80, data: 'B' },
      ] as Detection<string>[],
    }));
    const tracked = trackDetections(frames);
    expect(tracked).toHaveLength(22);
    const indexOf = (who: string) => new Set(tracked.filter((t) => t.data === who).map((t) => t.index));
    expect(indexOf('A')).toEqual(new Set([0]));
    expect(indexOf('B')).toEqual(new Set([1]));
  });

  it('drops a detection seen once, and numbers the rest by first appearance', () => {
    const frames = [
      { timestamp: 0, detections: [{ box: box(0.7, 0.1), confidence: 60 }] },
      { timestamp: 200, detections: [{ box: box(0.1, 0.1), confidence: 90 }] },
      { timestamp: 400, detections: [{ box: box(0.11, 0.1), confidence: 90 }, { box: box(0.5, 0.5), confidence: 90 }] },
      { timestamp: 600, detections: [{ box: box(0.12, 0.1), confidence: 90 }, { box: box(0.5, 0.51), confidence: 90 }] },
    ];
    const tracked = trackDetections(frames);
    expect(tracked.map((t) => [t.timestamp, t.index])).toEqual([
      [200, 0],
      [400, 0],
      [400, 1],
      [600, 0],
      [600, 1],
    ]);
  });

  it('opens a new track for someone who comes back after the gap limit', () => {
    const at = (t: number) => ({ timestamp: t, detections: [{ box: box(0.4, 0.2), confidence: 90 }] });
    const tracked = trackDetections([at(0), at(200), at(5000), at(5200)], { maxGapMs: 2000 });
    expect(tracked.map((t) => t.index)).toEqual([0, 0, 1, 1]);
    expect(iou(box(0, 0, 0.2, 0.2), box(0.1, 0, 0.2, 0.2))).toBeCloseTo(1 / 3, 6);
  });

  describe('across cuts, by appearance', () => {
    // Unit-length 128-d vectors standing in for identity embeddings: distinct axes are 1.41 apart.
    const face = (axis: number, noise = 0) => Array.from({ length: 128 }, (_, i) => (i === axis ? 1 : i === axis + 1 ? noise : 0));
    const colours = (bin: number) => Array.from({ length: 64 }, (_, i) => (i === bin ? 1 : 0));
    const shot = (t0: number, who: Detection<string>, cut = true) =>
      [0, 200, 400].map((dt, k) => ({ timestamp: t0 + dt, cut: cut && k === 0, detections: [{ ...who }] }));
    const person = (name: string, appearance: Detection['appearance'], at = box(0.4, 0.2)): Detection<string> => ({ box: at, confidence: 90, data: name, appearance });
    const indexes = (tracked: { data?: string; index: number }[]) => Object.fromEntries(['A', 'B', 'C'].map((n) => [n, [...new Set(tracked.filter((t) => t.data === n).map((t) => t.index))]]));

    it('gives a new person after a cut a new Index, and one who comes back their old one, by face', () => {
      const a = person('A', { face: face(0) });
      const tracked = trackDetections([...shot(0, a, false), ...shot(600, person('B', { face: face(10) })), ...shot(1200, person('C', { face: face(20) })), ...shot(1800, { ...a, appearance: { face: face(0, 0.3) } })]);
      expect(indexes(tracked)).toEqual({ A: [0], B: [1], C: [2] });
    });

    it('tells people apart in the same place without a detected cut, when their faces differ', () => {
      const tracked = trackDetections([...shot(0, person('A', { face: face(0) }), false), ...shot(600, person('B', { face: face(10) }), false)]);
      expect(indexes(tracked)).toEqual({ A: [0], B: [1], C: [] });
    });

    it('joins by colours only when a face is missing, and never against faces that differ', () => {
      const tracked = trackDetections([
        ...shot(0, person('A', { face: face(0), colours: colours(3) }), false),
        ...shot(600, person('B', { colours: colours(40) })),
        // A seen from behind: no face, same clothes.
        ...shot(1200, person('A', { colours: colours(3) })),
        // C dressed like A, but with another face.
        ...shot(1800, person('C', { face: face(20), colours: colours(3) })),
      ]);
      expect(indexes(tracked)).toEqual({ A: [0], B: [1], C: [2] });
    });

    it('never joins two people seen in the same frame', () => {
      const frames = [0, 200, 400].map((timestamp) => ({
        timestamp,
        detections: [person('A', { face: face(0) }, box(0.1, 0.2)), person('B', { face: face(0, 0.1) }, box(0.7, 0.2))],
      }));
      expect(indexes(trackDetections(frames))).toEqual({ A: [0], B: [1], C: [] });
    });
  });
});
