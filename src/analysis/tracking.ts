/**
 * Links detections across sampled frames into tracks (person tracking): each frame's boxes are
 * matched to the tracks' predicted boxes (constant velocity) by minimum total cost, mostly 1 - IoU
 * with a centre-distance term (Hungarian assignment), a box with
 * no match opens a track, and a track unseen for too long closes. Tracks seen only once are
 * dropped as noise; the rest are numbered 0, 1, … by first appearance (left to right among tracks
 * that appear together), so Index is stable.
 */

import type { RatioBox } from '../../models/evidence';

export type Box = RatioBox;

export interface Detection<T = unknown> {
  box: Box;
  confidence: number;
  /** Anything to carry along (a face, keypoints). */
  data?: T;
}

export interface TrackedDetection<T = unknown> extends Detection<T> {
  /** Track number, 0-based by first appearance. */
  index: number;
  timestamp: number;
}

export interface TrackerOptions {
  /** Below this IoU with a track's predicted box a detection continues it only if its centre is within one box size. */
  minIou?: number;
  /** A track not matched for this long (ms) is closed. */
  maxGapMs?: number;
  /** Tracks with fewer detections are dropped as noise. */
  minHits?: number;
}

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.Left, b.Left);
  const y1 = Math.max(a.Top, b.Top);
  const x2 = Math.min(a.Left + a.Width, b.Left + b.Width);
  const y2 = Math.min(a.Top + a.Height, b.Top + b.Height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.Width * a.Height + b.Width * b.Height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Minimum-cost assignment of rows to columns (Hungarian algorithm, O(n^3)); `cost` is rows x
 * columns, either may be larger. Returns for each row its column, or -1.
 */
export function hungarian(cost: number[][]): number[] {
  const rows = cost.length;
  const cols = rows ? cost[0].length : 0;
  const n = Math.max(rows, cols);
  if (n === 0) return [];
  const big = Math.max(1, ...cost.flat().map(Math.abs)) * 10;
  const a = (i: number, j: number) => (i < rows && j < cols ? cost[i][j] : big);
  // Potentials u (rows) and v (columns), 1-based with a dummy column 0 (e-maxx formulation).
  const u = new Array<number>(n + 1).fill(0);
  const v = new Array<number>(n + 1).fill(0);
  const p = new Array<number>(n + 1).fill(0);
  const way = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Array<number>(n + 1).fill(Infinity);
    const used = new Array<boolean>(n + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const result = new Array<number>(rows).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j] - 1 < rows && j - 1 < cols) result[p[j] - 1] = j - 1;
  return result;
}

interface Track {
  id: number;
  box: Box;
  /** Box motion per ms, from the last two matches. */
  velocity: { x: number; y: number };
  lastSeen: number;
  hits: number;
}

/** Centre distance in box sizes: fast sideways motion at 5 fps can leave a narrow box with no overlap. */
function centreDistance(a: Box, b: Box): number {
  const dx = a.Left + a.Width / 2 - (b.Left + b.Width / 2);
  const dy = a.Top + a.Height / 2 - (b.Top + b.Height / 2);
  return Math.hypot(dx, dy) / Math.max(a.Width, a.Height, b.Width, b.Height, 1e-6);
}

function sameSize(a: Box, b: Box): boolean {
  const r = (a.Width * a.Height) / Math.max(1e-9, b.Width * b.Height);
  return r > 0.5 && r < 2;
}

/** Lower is better; Infinity when the detection cannot continue the track. */
function matchCost(d: Box, p: Box, minIou: number): number {
  const overlap = iou(d, p);
  const distance = centreDistance(d, p);
  if (overlap < minIou && !(distance <= 1 && sameSize(d, p))) return Infinity;
  return 1 - overlap + 0.5 * Math.min(1, distance);
}

function predict(track: Track, timestamp: number): Box {
  const dt = timestamp - track.lastSeen;
  return { ...track.box, Left: track.box.Left + track.velocity.x * dt, Top: track.box.Top + track.velocity.y * dt };
}

/** Tracks detections given frame by frame, in time order; returns every kept detection with its track Index. */
export function trackDetections<T>(frames: { timestamp: number; detections: Detection<T>[] }[], options: TrackerOptions = {}): TrackedDetection<T>[] {
  const minIou = options.minIou ?? 0.2;
  const maxGapMs = options.maxGapMs ?? 2000;
  const minHits = options.minHits ?? 2;
  let open: Track[] = [];
  let nextId = 0;
  const hits = new Map<number, number>();
  const out: (Detection<T> & { track: number; timestamp: number })[] = [];

  for (const { timestamp, detections } of frames) {
    open = open.filter((t) => timestamp - t.lastSeen <= maxGapMs);
    const predicted = open.map((t) => predict(t, timestamp));
    const costs = detections.map((d) => predicted.map((p) => matchCost(d.box, p, minIou)));
    // Impossible pairs get a cost no real pair reaches, and are refused after the assignment.
    const assignment = hungarian(costs.map((row) => row.map((c) => (Number.isFinite(c) ? c : 1000))));
    detections.forEach((d, k) => {
      const j = assignment[k];
      let track = j >= 0 && Number.isFinite(costs[k][j]) ? open[j] : undefined;
      if (track) {
        const dt = timestamp - track.lastSeen;
        if (dt > 0) track.velocity = { x: (d.box.Left - track.box.Left) / dt, y: (d.box.Top - track.box.Top) / dt };
        track.box = d.box;
        track.lastSeen = timestamp;
        track.hits++;
      } else {
        track = { id: nextId++, box: d.box, velocity: { x: 0, y: 0 }, lastSeen: timestamp, hits: 1 };
        open.push(track);
      }
      hits.set(track.id, track.hits);
      out.push({ ...d, track: track.id, timestamp });
    });
  }
  // Renumber the kept tracks by first appearance; tracks born together, left to right.
  const first = new Map<number, { timestamp: number; box: Box }>();
  for (const d of out) if (!first.has(d.track)) first.set(d.track, { timestamp: d.timestamp, box: d.box });
  const order = [...first.entries()]
    .filter(([track]) => (hits.get(track) ?? 0) >= minHits)
    .sort(([, a], [, b]) => a.timestamp - b.timestamp || a.box.Left - b.box.Left || a.box.Top - b.box.Top)
    .map(([track]) => track);
  const index = new Map(order.map((track, i) => [track, i]));
  const kept: TrackedDetection<T>[] = [];
  for (const d of out) {
    const i = index.get(d.track);
    if (i !== undefined) kept.push({ box: d.box, confidence: d.confidence, data: d.data, index: i, timestamp: d.timestamp });
  }
  return kept;
}
