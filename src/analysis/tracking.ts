/**
 * Links detections across sampled frames into tracks (person tracking, face search), in two steps.
 * Within a shot, each frame's boxes are matched to the open tracks' predicted boxes (constant
 * velocity) by minimum total cost, mostly 1 - IoU with a centre-distance term (Hungarian
 * assignment); a detection whose face or colours clearly differ from the track's cannot continue
 * it, a cut closes every track, and a track unseen for too long closes. Then the pieces are joined
 * into people by appearance: pieces never seen in the same frame whose faces match (identity
 * embeddings), or, where a face is missing, whose colours match closely, are one person. A person
 * seen only once is dropped as noise; the rest are numbered 0, 1, … by first appearance (left to
 * right among people who appear together), so a person keeps one Index for the whole video.
 */

import type { RatioBox } from '../../models/evidence';
import { histogramSimilarity, meanHistogram } from './appearance';
import { similarity } from './faces';

export type Box = RatioBox;

/** What a detection looks like, for telling people apart when boxes alone cannot (./appearance.ts). */
export interface Appearance {
  /** Identity embedding of the face in the box, when one was found. */
  face?: number[];
  /** Colour histogram of the middle of the box. */
  colours?: number[];
}

export interface Detection<T = unknown> {
  box: Box;
  confidence: number;
  /** Anything to carry along (a face, keypoints). */
  data?: T;
  appearance?: Appearance;
}

export interface TrackedFrame<T = unknown> {
  timestamp: number;
  detections: Detection<T>[];
  /** The frame starts a new shot: no track continues across it. */
  cut?: boolean;
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
  /** People with fewer detections are dropped as noise. */
  minHits?: number;
  /** Faces at least this similar (CompareFaces' Similarity) are one person. */
  sameFace?: number;
  /** Within a shot, a face less similar than this to the track's faces does not continue it. */
  differentFace?: number;
  /** Without faces to decide, pieces whose colours are at least this similar (Bhattacharyya) are one person. */
  sameColours?: number;
  /** Within a shot, colours less similar than this do not continue a track. */
  differentColours?: number;
}

/**
 * Defaults. Faces: Similarity 80 is where same and different people separate on the development
 * pairs (docs/FACES.md); 45 (face-api's distance 0.65) is below all but a handful of same-person
 * pairs there, and one face in consecutive samples of a shot scores far higher. Colours: the middle of one person's box in
 * consecutive samples of a shot stays above 0.8 (the test clips; a walk past changing light lowers
 * it), while two people in different clothes fall well below 0.9.
 */
const DEFAULTS = { minIou: 0.2, maxGapMs: 2000, minHits: 2, sameFace: 80, differentFace: 45, sameColours: 0.9, differentColours: 0.5 };

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
  /** Face embeddings seen so far, and the colours at the last match. */
  faces: number[][];
  colours?: number[];
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

/** Whether appearance rules out that a detection continues a track (within one shot). */
function looksDifferent(d: Appearance | undefined, track: Track, o: typeof DEFAULTS): boolean {
  if (d?.face && track.faces.length && Math.max(...track.faces.map((f) => similarity(f, d.face!))) < o.differentFace) return true;
  return Boolean(d?.colours && track.colours && histogramSimilarity(d.colours, track.colours) < o.differentColours);
}

/** A track's detections, and what they looked like, for joining tracks into people. */
interface Piece {
  track: number;
  first: { timestamp: number; box: Box };
  timestamps: Set<number>;
  /** Mean face embedding, when the track saw a face. */
  face?: number[];
  colours?: number[];
}

function meanVector(vectors: readonly (readonly number[])[]): number[] {
  const mean = new Array<number>(vectors[0].length).fill(0);
  for (const v of vectors) for (let i = 0; i < mean.length; i++) mean[i] += v[i] / vectors.length;
  return mean;
}

/**
 * Joins tracks into people, in order of first appearance: a track joins the earlier person whose
 * face is most similar to its own, at least `sameFace`, or, when either has no face, whose colours match
 * within `sameColours`; never a person seen in one of its frames. Returns track -> person.
 */
function joinPieces(pieces: Piece[], o: typeof DEFAULTS): Map<number, number> {
  const people: Piece[][] = [];
  const personOf = new Map<number, number>();
  const sorted = [...pieces].sort((a, b) => a.first.timestamp - b.first.timestamp || a.first.box.Left - b.first.box.Left);
  for (const piece of sorted) {
    let best = -1;
    let bestScore = Infinity;
    people.forEach((members, p) => {
      if (members.some((m) => [...piece.timestamps].some((t) => m.timestamps.has(t)))) return;
      const faces = members.filter((m) => m.face);
      let score = Infinity;
      if (piece.face && faces.length) {
        // Faces decide when both sides have one.
        const closest = Math.max(...faces.map((m) => similarity(m.face!, piece.face!)));
        if (closest >= o.sameFace) score = (100 - closest) / 100;
      } else if (piece.colours) {
        const colours = members.filter((m) => m.colours).map((m) => histogramSimilarity(m.colours!, piece.colours!));
        // After every face match: colours are the weaker evidence.
        if (colours.length && Math.max(...colours) >= o.sameColours) score = 1 + (1 - Math.max(...colours));
      }
      if (score < bestScore) {
        bestScore = score;
        best = p;
      }
    });
    if (best < 0) {
      best = people.length;
      people.push([]);
    }
    people[best].push(piece);
    personOf.set(piece.track, best);
  }
  return personOf;
}

/** Tracks detections given frame by frame, in time order; returns every kept detection with its person's Index. */
export function trackDetections<T>(frames: TrackedFrame<T>[], options: TrackerOptions = {}): TrackedDetection<T>[] {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS;
  let open: Track[] = [];
  const all: Track[] = [];
  const out: (Detection<T> & { track: number; timestamp: number })[] = [];
  const colours = new Map<number, number[][]>();

  for (const { timestamp, detections, cut } of frames) {
    open = cut ? [] : open.filter((t) => timestamp - t.lastSeen <= o.maxGapMs);
    const predicted = open.map((t) => predict(t, timestamp));
    const costs = detections.map((d) => predicted.map((p, j) => (looksDifferent(d.appearance, open[j], o) ? Infinity : matchCost(d.box, p, o.minIou))));
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
        track = { id: all.length, box: d.box, velocity: { x: 0, y: 0 }, lastSeen: timestamp, hits: 1, faces: [] };
        open.push(track);
        all.push(track);
        colours.set(track.id, []);
      }
      if (d.appearance?.face) track.faces.push(d.appearance.face);
      if (d.appearance?.colours) {
        track.colours = d.appearance.colours;
        colours.get(track.id)!.push(d.appearance.colours);
      }
      out.push({ ...d, track: track.id, timestamp });
    });
  }

  const pieces = new Map<number, Piece>();
  for (const d of out) {
    const piece = pieces.get(d.track);
    if (piece) piece.timestamps.add(d.timestamp);
    else pieces.set(d.track, { track: d.track, first: { timestamp: d.timestamp, box: d.box }, timestamps: new Set([d.timestamp]) });
  }
  for (const track of all) {
    const piece = pieces.get(track.id)!;
    if (track.faces.length) piece.face = meanVector(track.faces);
    const seen = colours.get(track.id)!;
    if (seen.length) piece.colours = meanHistogram(seen);
  }
  const personOf = joinPieces([...pieces.values()], o);

  // Number the kept people by first appearance; people who appear together, left to right.
  const first = new Map<number, { timestamp: number; box: Box }>();
  const hits = new Map<number, number>();
  for (const d of out) {
    const person = personOf.get(d.track)!;
    if (!first.has(person)) first.set(person, { timestamp: d.timestamp, box: d.box });
    hits.set(person, (hits.get(person) ?? 0) + 1);
  }
  const order = [...first.entries()]
    .filter(([person]) => (hits.get(person) ?? 0) >= o.minHits)
    .sort(([, a], [, b]) => a.timestamp - b.timestamp || a.box.Left - b.box.Left || a.box.Top - b.box.Top)
    .map(([person]) => person);
  const index = new Map(order.map((person, i) => [person, i]));
  const kept: TrackedDetection<T>[] = [];
  for (const d of out) {
    const i = index.get(personOf.get(d.track)!);
    if (i !== undefined) kept.push({ box: d.box, confidence: d.confidence, data: d.data, index: i, timestamp: d.timestamp });
  }
  return kept;
}
