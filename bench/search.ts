/**
 * SearchFaces over 10k and 100k stored faces of the combined identity descriptor's 640 values: p50/p95 latency of the call through an
 * emulator's dispatch (validation, SQLite rows, vector index, similarity, wire output) and recall@1
 * against exact search. Two kinds of random faces:
 * "face-like" (random identities shaped like combined descriptors, 4 photos each at ~0.5
 * euclidean apart, like same-person pairs of the development photos) and "isotropic" (uniform on the sphere: no neighbour structure at all, the
 * worst case for approximate search). Targets: <= 10 ms p50 at 100k, recall@1 >= 0.99.
 *
 * Run: `npm run bench -- search`, or `npx tsx bench/search.ts [sizes...]`.
 */
import { FACEAPI_DIMENSIONS, IDENTITY_DIMENSIONS as DIM, identityDescriptor, similarity } from '../src/analysis/faces';
import { createEmulator } from '../src/emulator';
import { Logger } from '../src/runtime/logger';
import type { Scope } from '../src/runtime/scope';
import { VectorIndex } from '../src/store/vector-index';
import { photoOf, rng, unitVector } from '../test/faces/synthetic';

export interface SearchBenchResult {
  size: number;
  distribution: 'face-like' | 'isotropic';
  engine: string;
  /** Seconds to build the search structure (the HNSW graph, when one is used). */
  buildSeconds: number;
  /** SearchFaces with default parameters (FaceMatchThreshold 80, no MaxFaces). */
  p50Ms: number;
  p95Ms: number;
  /** SearchFaces with FaceMatchThreshold 0 and MaxFaces 1, the recall run. */
  top1P50Ms: number;
  /** Share of queries whose top match is the exact nearest neighbour. */
  recallAt1: number;
  /** Share of the exact matches at the default threshold (80) that the default SearchFaces returned. */
  matchRecall: number;
  /** How many exact matches at the default threshold there were over all queries. */
  exactMatches: number;
  /** p50 of a native brute-force search over the same vectors, for comparison. */
  exactP50Ms: number;
}

function vectors(size: number, distribution: SearchBenchResult['distribution'], seed: number): number[][] {
  const random = rng(seed);
  if (distribution === 'isotropic') return Array.from({ length: size }, () => unitVector(random, DIM));
  // Shaped like combined descriptors: two unit parts, the second weighted; photos of one identity ~0.5 apart (their median on the development pairs).
  const identities = Array.from({ length: Math.ceil(size / 4) }, () => identityDescriptor(unitVector(random, FACEAPI_DIMENSIONS), unitVector(random, DIM - FACEAPI_DIMENSIONS)));
  return Array.from({ length: size }, (_, i) => photoOf(identities[i % identities.length], random, 0.5 / Math.sqrt(2 * DIM)));
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const CALLER: Scope = { account: '000000000000', region: 'us-east-1' };

async function measure(size: number, distribution: SearchBenchResult['distribution'], queries: number): Promise<SearchBenchResult> {
  // No model runs here: the faces are stored straight into the store, SearchFaces reads them.
  const emulator = createEmulator({}, { runtime: { log: new Logger('warn') } });
  emulator.control.seed('bench');
  const { ids } = emulator.runtime;
  const faces = emulator.stores.faces.in(CALLER);
  const searchFaces = (input: Record<string, unknown>) => {
    const answer = emulator.dispatch('SearchFaces', JSON.stringify(input), CALLER);
    return answer.then((a) => {
      if (a.status !== 200) throw new Error(`SearchFaces failed: ${a.body}`);
      return (JSON.parse(a.body) as { FaceMatches: { Face?: { FaceId?: string } }[] }).FaceMatches;
    });
  };
  await emulator.dispatch('CreateCollection', JSON.stringify({ CollectionId: 'bench' }), CALLER);
  const data = vectors(size, distribution, size + (distribution === 'isotropic' ? 1 : 0));
  const faceIds: string[] = [];
  emulator.stores.transaction(() => {
    for (const v of data) {
      const faceId = ids.uuid();
      faceIds.push(faceId);
      faces.insert('bench', {
        faceId,
        imageId: ids.nameBased(faceId),
        boundingBox: { Width: 0.3, Height: 0.4, Left: 0.2, Top: 0.1 },
        confidence: 99.9,
        indexFacesModelVersion: '7.0',
        imageSha256: faceId,
        vector: v,
      });
    }
  });

  let start = performance.now();
  const index = faces.index('bench');
  await index.whenIdle();
  const buildSeconds = (performance.now() - start) / 1000;

  const exact = new VectorIndex({ dimensions: DIM, exactSearchMax: Number.POSITIVE_INFINITY });
  exact.addMany(index.allLabels().map((label) => ({ label, vector: index.vector(label)! })));
  exact.search(data[0], 1); // builds the brute-force structure outside the timings

  const random = rng(7);
  const times: number[] = [];
  const top1Times: number[] = [];
  const exactTimes: number[] = [];
  let hits = 0;
  let exactMatches = 0;
  let foundMatches = 0;
  for (let q = 0; q < queries; q++) {
    const faceId = faceIds[Math.floor(random() * faceIds.length)];
    const row = faces.get('bench', faceId)!;
    const query = Array.from(index.vector(row.label)!);
    start = performance.now();
    const defaults = new Set((await searchFaces({ CollectionId: 'bench', FaceId: faceId })).map((m) => m.Face?.FaceId));
    times.push(performance.now() - start);
    // Exact matches at the default threshold: the exact 64 nearest hold them all unless more than 64 pass.
    for (const n of exact.search(query, 64)) {
      if (n.label === row.label || similarity(query, Array.from(exact.vector(n.label)!)) < 80) continue;
      exactMatches++;
      if (defaults.has(faces.byLabel('bench', [n.label]).get(n.label)?.face_id)) foundMatches++;
    }
    start = performance.now();
    const [top] = await searchFaces({ CollectionId: 'bench', FaceId: faceId, FaceMatchThreshold: 0, MaxFaces: 1 });
    top1Times.push(performance.now() - start);
    start = performance.now();
    const truth = exact.search(query, 2).find((n) => n.label !== row.label);
    exactTimes.push(performance.now() - start);
    const truthRow = truth && faces.byLabel('bench', [truth.label]).get(truth.label);
    if (top?.Face?.FaceId === truthRow?.face_id) hits++;
  }
  const engine = index.engine;
  exact.dispose();
  await emulator.stop();
  for (const list of [times, top1Times, exactTimes]) list.sort((a, b) => a - b);
  return {
    size,
    distribution,
    engine,
    buildSeconds: round(buildSeconds, 1),
    p50Ms: round(percentile(times, 0.5)),
    p95Ms: round(percentile(times, 0.95)),
    top1P50Ms: round(percentile(top1Times, 0.5)),
    recallAt1: round(hits / queries, 4),
    matchRecall: exactMatches ? round(foundMatches / exactMatches, 4) : 1,
    exactMatches,
    exactP50Ms: round(percentile(exactTimes, 0.5)),
  };
}

export async function benchSearch(sizes = [10_000, 100_000], queries = 300): Promise<SearchBenchResult[]> {
  const results: SearchBenchResult[] = [];
  for (const size of sizes) {
    for (const distribution of ['face-like', 'isotropic'] as const) {
      const r = await measure(size, distribution, queries);
      results.push(r);
      console.log(
        `SearchFaces ${String(size).padStart(6)} faces, ${distribution.padEnd(9)}: engine ${r.engine}, p50 ${r.p50Ms} ms (p95 ${r.p95Ms}), ` +
          `top-1 p50 ${r.top1P50Ms} ms, recall@1 ${r.recallAt1}, recall of the ${r.exactMatches} matches >= 80: ${r.matchRecall}; ` +
          `exact search p50 ${r.exactP50Ms} ms; index ready in ${r.buildSeconds} s`,
      );
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  await benchSearch(sizes.length ? sizes : undefined);
}
