/**
 * Nearest-neighbour search over one collection's face vectors, by euclidean (L2) distance, the
 * distance the face similarity is calibrated on.
 *
 * Small indexes are searched exactly (hnswlib's brute-force search, native code); from
 * EXACT_SEARCH_MAX vectors on, an HNSW graph takes over once it has been built in the background,
 * time-sliced so the event loop keeps serving (exact search answers meanwhile). Vectors are also kept
 * in a dense Float32Array so results can be re-scored and the native structures rebuilt.
 *
 * Labels are unsigned 32-bit integers chosen by the caller and never reused, so a persisted graph
 * can be reconciled with the source of truth by label sets alone.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import hnswlib from 'hnswlib-node';

const { BruteforceSearch, HierarchicalNSW } = hnswlib;
type Bruteforce = InstanceType<typeof BruteforceSearch>;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

export const FACE_VECTOR_DIMENSIONS = 128;

/**
 * Up to this many vectors, exact search. Measured on this 2-core machine under load, index only,
 * face-like vectors (bench/search.ts's generator): exact p50 0.15 ms at 5k, 0.3-0.5 ms at 10-20k,
 * 3-7 ms at 100k; HNSW at ef 100 answers in 0.1-0.4 ms at any of these sizes, so the two cross near
 * 10k. Exact is perfect and needs no graph (building one costs ~1 ms per vector at 100k).
 */
export const EXACT_SEARCH_MAX = 10_000;
/**
 * HNSW search breadth. The library default (10) gives poor recall; measured recall@1 on face-like
 * vectors at 100k: 0.95 at ef 20, 0.997 at ef 40, 1.0 at ef 80. 100 leaves headroom. Vectors with
 * no neighbour structure (uniform on the sphere) reach only 0.56 at 100k; face embeddings cluster by person.
 */
export const HNSW_EF_SEARCH = 100;
export const HNSW_M = 16;
export const HNSW_EF_CONSTRUCTION = 100;
/** Longest stretch the background build holds the event loop, in ms. */
const BUILD_SLICE_MS = 15;
/** Persisted graphs whose label set differs from the truth by more than this share are rebuilt, not patched. */
const MAX_PATCH_SHARE = 0.25;
const FILE_FORMAT = 1;

export interface Neighbor {
  label: number;
  /** Squared euclidean distance. */
  distance: number;
}

export interface VectorIndexOptions {
  dimensions?: number;
  exactSearchMax?: number;
  efSearch?: number;
  m?: number;
  efConstruction?: number;
  /** Called after changes that a persisted copy would miss (adds, removals, a finished build). */
  onChange?: () => void;
}

interface IndexMeta {
  format: number;
  dimensions: number;
  m: number;
  efConstruction: number;
  count: number;
  checksum: string;
}

/** Order-independent checksum of a label set, so a persisted graph can be validated cheaply. */
export function labelChecksum(labels: Iterable<number>): string {
  let sum = 0;
  let mix = 0;
  let count = 0;
  for (const label of labels) {
    sum = (sum + label) % 2 ** 48;
    let h = Math.imul(label ^ (label >>> 16), 0x45d9f3b);
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
    mix = (mix ^ (h ^ (h >>> 16))) >>> 0;
    count++;
  }
  return `${count}:${sum}:${mix}`;
}

export class VectorIndex {
  readonly dimensions: number;
  readonly exactSearchMax: number;
  readonly efSearch: number;
  private readonly m: number;
  private readonly efConstruction: number;
  private readonly onChange?: () => void;

  /** Dense storage: slot i holds labels[i]'s vector at [i*dim, (i+1)*dim). */
  private data: Float32Array;
  private labels: number[] = [];
  private slots = new Map<number, number>();

  private exact?: Bruteforce;
  private hnsw?: Hnsw;
  /** Labels live in the HNSW graph (deleted ones are only marked there). */
  private inGraph = new Set<number>();
  private graphReady = false;
  private building?: Promise<void>;
  /** Labels the running build still has to add (removed ones are skipped when reached). */
  private buildQueue: number[] = [];
  private disposed = false;
  private bulk = false;

  constructor(options: VectorIndexOptions = {}) {
    this.dimensions = options.dimensions ?? FACE_VECTOR_DIMENSIONS;
    this.exactSearchMax = options.exactSearchMax ?? EXACT_SEARCH_MAX;
    this.efSearch = options.efSearch ?? HNSW_EF_SEARCH;
    this.m = options.m ?? HNSW_M;
    this.efConstruction = options.efConstruction ?? HNSW_EF_CONSTRUCTION;
    this.onChange = options.onChange;
    this.data = new Float32Array(this.dimensions * 64);
  }

  get size(): number {
    return this.labels.length;
  }

  /** Which search answers now. */
  get engine(): 'exact' | 'hnsw' {
    return this.useGraph() ? 'hnsw' : 'exact';
  }

  has(label: number): boolean {
    return this.slots.has(label);
  }

  /** The stored vector (a view: do not modify). */
  vector(label: number): Float32Array | undefined {
    const slot = this.slots.get(label);
    return slot === undefined ? undefined : this.data.subarray(slot * this.dimensions, (slot + 1) * this.dimensions);
  }

  /** Live labels, in no particular order. */
  allLabels(): number[] {
    return [...this.labels];
  }

  add(label: number, vector: ArrayLike<number>): void {
    this.checkLabel(label);
    if (vector.length !== this.dimensions) throw new Error(`vector has ${vector.length} dimensions, expected ${this.dimensions}`);
    if (this.slots.has(label)) this.remove(label);
    const slot = this.labels.length;
    if ((slot + 1) * this.dimensions > this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(vector, slot * this.dimensions);
    this.labels.push(label);
    this.slots.set(label, slot);
    if (this.exact) {
      if (this.exact.getCurrentCount() >= this.exact.getMaxElements()) this.exact = undefined;
      else this.exact.addPoint(Array.from(this.vector(label)!), label);
    }
    if (this.building) this.buildQueue.push(label);
    else if (this.hnsw) this.addToGraph(label);
    if (this.bulk) return;
    this.maybeBuildGraph();
    this.onChange?.();
  }

  /**
   * Adds many vectors (loading from the store) without starting a graph build or notifying;
   * follow with `load(file)` or `buildIfNeeded()`.
   */
  addMany(items: Iterable<{ label: number; vector: ArrayLike<number> }>): void {
    this.bulk = true;
    try {
      for (const { label, vector } of items) this.add(label, vector);
    } finally {
      this.bulk = false;
    }
  }

  /** Starts the background graph build if the index has outgrown exact search. */
  buildIfNeeded(): void {
    this.maybeBuildGraph();
  }

  remove(label: number): boolean {
    const slot = this.slots.get(label);
    if (slot === undefined) return false;
    const last = this.labels.length - 1;
    if (slot !== last) {
      const moved = this.labels[last];
      this.data.copyWithin(slot * this.dimensions, last * this.dimensions, (last + 1) * this.dimensions);
      this.labels[slot] = moved;
      this.slots.set(moved, slot);
    }
    this.labels.pop();
    this.slots.delete(label);
    this.exact?.removePoint(label);
    if (this.inGraph.delete(label)) this.hnsw!.markDelete(label);
    this.onChange?.();
    return true;
  }

  /** The k nearest live vectors, nearest first. */
  search(query: ArrayLike<number>, k: number): Neighbor[] {
    if (query.length !== this.dimensions) throw new Error(`query has ${query.length} dimensions, expected ${this.dimensions}`);
    const n = Math.min(Math.floor(k), this.size);
    if (n <= 0) return [];
    const q = Array.from(query);
    let result: { distances: number[]; neighbors: number[] };
    if (this.useGraph()) {
      this.hnsw!.setEf(Math.max(this.efSearch, n));
      result = this.hnsw!.searchKnn(q, n);
    } else {
      result = this.exactIndex().searchKnn(q, n);
    }
    const out: Neighbor[] = [];
    for (let i = 0; i < result.neighbors.length; i++) {
      // The graph only marks deletions; the dense store is the authority on what is live.
      if (this.slots.has(result.neighbors[i])) out.push({ label: result.neighbors[i], distance: result.distances[i] });
    }
    return out.sort((a, b) => a.distance - b.distance || a.label - b.label);
  }

  /** Exact k nearest by a scan of the dense store in JS; the reference the other engines are measured against. */
  searchExactReference(query: ArrayLike<number>, k: number): Neighbor[] {
    const best: Neighbor[] = [];
    const dim = this.dimensions;
    for (let slot = 0; slot < this.labels.length; slot++) {
      let d = 0;
      const o = slot * dim;
      for (let j = 0; j < dim; j++) {
        const x = this.data[o + j] - query[j];
        d += x * x;
      }
      if (best.length < k || d < best[best.length - 1].distance) {
        best.push({ label: this.labels[slot], distance: d });
        best.sort((a, b) => a.distance - b.distance);
        if (best.length > k) best.pop();
      }
    }
    return best;
  }

  /** Resolves once no graph build is running (immediately when none is needed). */
  async whenIdle(): Promise<void> {
    while (this.building) await this.building;
  }

  /** Frees the native structures; the index must not be used afterwards. */
  dispose(): void {
    this.disposed = true;
    this.exact = undefined;
    this.hnsw = undefined;
    this.inGraph.clear();
    this.labels = [];
    this.slots.clear();
    this.data = new Float32Array(0);
  }

  /** Writes the HNSW graph (when there is a finished one) and its metadata; atomic by rename. */
  save(file: string): boolean {
    if (!this.hnsw || !this.graphReady || this.building) return false;
    const meta: IndexMeta = {
      format: FILE_FORMAT,
      dimensions: this.dimensions,
      m: this.m,
      efConstruction: this.efConstruction,
      count: this.inGraph.size,
      checksum: labelChecksum(this.inGraph),
    };
    this.hnsw.writeIndexSync(`${file}.tmp`);
    renameSync(`${file}.tmp`, file);
    writeFileSync(`${file}.json.tmp`, JSON.stringify(meta));
    renameSync(`${file}.json.tmp`, `${file}.json`);
    return true;
  }

  /**
   * Adopts a persisted graph for the vectors already added: when its label set matches (count and
   * checksum) it is used as is; a small difference is patched (missing labels added, extra ones
   * marked deleted); anything else (missing, unreadable, other parameters, large drift) is
   * discarded and the graph is rebuilt in the background when the size calls for one.
   */
  load(file: string): 'adopted' | 'patched' | 'rebuilt' | 'none' {
    if (this.hnsw) return 'none';
    const rebuild = () => {
      removeIndexFiles(file);
      this.maybeBuildGraph();
      return this.building ? 'rebuilt' : 'none';
    };
    if (!existsSync(file) || !existsSync(`${file}.json`)) return rebuild();
    let meta: IndexMeta;
    let graph: Hnsw;
    try {
      meta = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as IndexMeta;
      if (meta.format !== FILE_FORMAT || meta.dimensions !== this.dimensions || meta.m !== this.m || meta.efConstruction !== this.efConstruction) {
        return rebuild();
      }
      graph = new HierarchicalNSW('l2', this.dimensions);
      graph.readIndexSync(file, true);
    } catch {
      return rebuild();
    }
    const truth = this.slots;
    if (meta.count === truth.size && meta.checksum === labelChecksum(truth.keys())) {
      this.adoptGraph(graph, new Set(truth.keys()));
      return 'adopted';
    }
    const stored = graph.getIdsList();
    const storedSet = new Set(stored);
    const extra = stored.filter((l) => !truth.has(l));
    const missing = [...truth.keys()].filter((l) => !storedSet.has(l));
    if (extra.length + missing.length > MAX_PATCH_SHARE * Math.max(truth.size, 1)) return rebuild();
    for (const label of extra) {
      try {
        graph.markDelete(label);
      } catch {
        // already marked deleted in the file
      }
    }
    this.adoptGraph(graph, new Set([...truth.keys()].filter((l) => storedSet.has(l))));
    for (const label of missing) this.addToGraph(label);
    return 'patched';
  }

  private adoptGraph(graph: Hnsw, live: Set<number>): void {
    this.hnsw = graph;
    this.inGraph = live;
    this.graphReady = true;
  }

  private checkLabel(label: number): void {
    if (!Number.isInteger(label) || label < 0 || label > 0xffffffff) throw new Error(`label ${label} is not an unsigned 32-bit integer`);
  }

  private useGraph(): boolean {
    return this.graphReady && !this.building && this.size > this.exactSearchMax;
  }

  private exactIndex(): Bruteforce {
    if (!this.exact) {
      const index = new BruteforceSearch('l2', this.dimensions);
      index.initIndex(Math.max(64, this.size * 2));
      for (let slot = 0; slot < this.labels.length; slot++) {
        index.addPoint(Array.from(this.data.subarray(slot * this.dimensions, (slot + 1) * this.dimensions)), this.labels[slot]);
      }
      this.exact = index;
    }
    return this.exact;
  }

  private addToGraph(label: number): void {
    const graph = this.hnsw!;
    if (graph.getCurrentCount() >= graph.getMaxElements()) graph.resizeIndex(graph.getMaxElements() * 2);
    graph.addPoint(Array.from(this.vector(label)!), label, true);
    this.inGraph.add(label);
  }

  /** Starts the background graph build once the index outgrows exact search. */
  private maybeBuildGraph(): void {
    if (this.hnsw || this.building || this.size <= this.exactSearchMax) return;
    const graph = new HierarchicalNSW('l2', this.dimensions);
    graph.initIndex({ maxElements: Math.ceil(this.size * 1.25) + 1024, m: this.m, efConstruction: this.efConstruction, randomSeed: 100, allowReplaceDeleted: true });
    this.hnsw = graph;
    this.inGraph = new Set();
    this.graphReady = false;
    this.buildQueue = [...this.labels];
    this.building = new Promise<void>((resolve) => {
      let next = 0;
      const step = () => {
        if (this.disposed || this.hnsw !== graph) return resolve();
        const until = performance.now() + BUILD_SLICE_MS;
        while (next < this.buildQueue.length && performance.now() <= until) {
          const label = this.buildQueue[next++];
          if (this.slots.has(label) && !this.inGraph.has(label)) this.addToGraph(label);
        }
        if (next < this.buildQueue.length) return void setImmediate(step);
        this.buildQueue = [];
        this.graphReady = true;
        this.building = undefined;
        // The graph answers from now on; the brute-force copy would only cost memory.
        if (this.size > this.exactSearchMax) this.exact = undefined;
        this.onChange?.();
        resolve();
      };
      setImmediate(step);
    });
  }
}

export function removeIndexFiles(file: string): void {
  for (const f of [file, `${file}.json`, `${file}.tmp`, `${file}.json.tmp`]) rmSync(f, { force: true });
}
