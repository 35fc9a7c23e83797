import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labelChecksum, VectorIndex } from '../../src/store/vector-index';
import { photoOf, rng, unitVector } from './synthetic';

function clustered(n: number, seed: number) {
  const random = rng(seed);
  const ids = Array.from({ length: Math.ceil(n / 4) }, () => unitVector(random));
  return { random, ids, vectors: Array.from({ length: n }, (_, i) => photoOf(ids[i % ids.length], random)) };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('VectorIndex, exact engine', () => {
  it('returns the same neighbours as a reference scan, nearest first', () => {
    const { random, vectors } = clustered(300, 1);
    const index = new VectorIndex();
    vectors.forEach((v, i) => index.add(i + 10, v));
    expect(index.engine).toBe('exact');
    for (let q = 0; q < 20; q++) {
      const query = unitVector(random);
      const got = index.search(query, 5);
      const want = index.searchExactReference(query, 5);
      expect(got.map((n) => n.label)).toEqual(want.map((n) => n.label));
      for (let i = 1; i < got.length; i++) expect(got[i].distance).toBeGreaterThanOrEqual(got[i - 1].distance);
    }
  });

  it('forgets removed vectors, replaces re-added labels and grows past its first capacity', () => {
    const { vectors } = clustered(200, 2);
    const index = new VectorIndex();
    vectors.forEach((v, i) => index.add(i, v));
    expect(index.size).toBe(200);
    expect(index.search(vectors[7], 1)[0].label).toBe(7);
    expect(index.remove(7)).toBe(true);
    expect(index.remove(7)).toBe(false);
    expect(index.search(vectors[7], 200).map((n) => n.label)).not.toContain(7);
    index.add(8, vectors[100]);
    expect(index.size).toBe(199);
    expect(index.search(vectors[100], 2).map((n) => n.label).sort()).toEqual([100, 8].sort());
    expect(index.search(vectors[0], 0)).toEqual([]);
    expect(index.search(vectors[0], 10_000)).toHaveLength(199);
  });

  it('rejects labels hnswlib cannot hold and vectors of the wrong size', () => {
    const index = new VectorIndex();
    expect(() => index.add(-1, new Array(128).fill(0))).toThrow();
    expect(() => index.add(2 ** 32, new Array(128).fill(0))).toThrow();
    expect(() => index.add(1, [1, 2, 3])).toThrow();
  });
});

describe('VectorIndex, HNSW engine', () => {
  it('builds a graph in the background past the cut-off and keeps recall', async () => {
    const { random, ids, vectors } = clustered(1200, 3);
    const index = new VectorIndex({ exactSearchMax: 500 });
    vectors.forEach((v, i) => index.add(i, v));
    // While the graph builds, exact search answers.
    expect(index.engine).toBe('exact');
    await index.whenIdle();
    expect(index.engine).toBe('hnsw');
    let hits = 0;
    for (let q = 0; q < 100; q++) {
      const query = photoOf(ids[Math.floor(random() * ids.length)], random);
      if (index.search(query, 1)[0].label === index.searchExactReference(query, 1)[0].label) hits++;
    }
    expect(hits).toBeGreaterThanOrEqual(99);
    // Deletions are honoured by the graph, additions join it.
    index.remove(0);
    expect(index.search(vectors[0], 10).map((n) => n.label)).not.toContain(0);
    index.add(5000, vectors[0]);
    expect(index.search(vectors[0], 1)[0].label).toBe(5000);
  });
});

describe('VectorIndex persistence', () => {
  async function built(n: number) {
    const data = clustered(n, 4);
    const index = new VectorIndex({ exactSearchMax: 100 });
    data.vectors.forEach((v, i) => index.add(i, v));
    await index.whenIdle();
    return { ...data, index };
  }

  function fresh(vectors: number[][], labels: number[]) {
    const index = new VectorIndex({ exactSearchMax: 100 });
    index.addMany(labels.map((label) => ({ label, vector: vectors[label] })));
    return index;
  }

  it('adopts a graph whose labels match, patches a small drift, rebuilds a large one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vi-'));
    dirs.push(dir);
    const file = join(dir, 'c.hnsw');
    const { index, vectors } = await built(400);
    expect(index.save(file)).toBe(true);
    const all = vectors.map((_, i) => i);

    const same = fresh(vectors, all);
    expect(same.load(file)).toBe('adopted');
    expect(same.engine).toBe('hnsw');
    expect(same.search(vectors[3], 1)[0].label).toBe(3);

    // The truth lost face 3 and gained 400 after the file was written (a crash before the next save).
    const extra = [...vectors, vectors[3].map((x) => x + 1e-3)];
    const drifted = fresh(extra, [...all.filter((l) => l !== 3), 400]);
    expect(drifted.load(file)).toBe('patched');
    const near3 = drifted.search(vectors[3], 5).map((n) => n.label);
    expect(near3).not.toContain(3);
    expect(near3[0]).toBe(400);

    const mostlyGone = fresh(vectors, all.slice(0, 150));
    expect(mostlyGone.load(file)).toBe('rebuilt');
    await mostlyGone.whenIdle();
    expect(mostlyGone.search(vectors[200], 10).every((n) => n.label < 150)).toBe(true);
  });

  it('rebuilds from the vectors when the file is missing or unreadable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vi-'));
    dirs.push(dir);
    const file = join(dir, 'c.hnsw');
    const { vectors } = await built(300);
    const missing = fresh(vectors, vectors.map((_, i) => i));
    expect(missing.load(file)).toBe('rebuilt');
    writeFileSync(file, 'not an index');
    writeFileSync(`${file}.json`, '{"format":1,"dimensions":128,"m":16,"efConstruction":100,"count":300,"checksum":"x"}');
    const corrupt = fresh(vectors, vectors.map((_, i) => i));
    expect(corrupt.load(file)).toBe('rebuilt');
    await corrupt.whenIdle();
    expect(corrupt.search(vectors[42], 1)[0].label).toBe(42);
  });

  it('checksums label sets independently of order', () => {
    expect(labelChecksum([1, 2, 3])).toBe(labelChecksum([3, 1, 2]));
    expect(labelChecksum([1, 2, 3])).not.toBe(labelChecksum([1, 2, 4]));
  });
});
