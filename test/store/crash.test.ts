/**
 * Crash safety: with --data-dir, every write the server acknowledged survives a kill -9 that lands
 * in the middle of a stream of writes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, startServer } from '../support/spawn-server';

const dataDir = mkdtempSync(join(tmpdir(), 'rekognition-local-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('persistence across kill -9', () => {
  it('keeps every acknowledged collection and tag', async () => {
    const server = await startServer(['--data-dir', dataDir]);
    const acknowledged: string[] = [];
    let running = true;
    // Four writers in parallel, each creating collections with a tag until the process dies.
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; running; i++) {
        const id = `crash-${w}-${i}`;
        try {
          const res = await call(server.endpoint, 'CreateCollection', { CollectionId: id, Tags: { writer: String(w) } });
          if (res.status === 200) acknowledged.push(id);
        } catch {
          return; // connection cut by the kill
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    await server.stop('SIGKILL');
    running = false;
    await Promise.all(writers);
    expect(acknowledged.length).toBeGreaterThan(20);

    const restarted = await startServer(['--data-dir', dataDir]);
    try {
      const stored = new Set<string>();
      let token: string | undefined;
      do {
        const res = await call(restarted.endpoint, 'ListCollections', token ? { NextToken: token } : {});
        expect(res.status).toBe(200);
        for (const id of res.body.CollectionIds as string[]) stored.add(id);
        token = res.body.NextToken as string | undefined;
      } while (token);
      const lost = acknowledged.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      const sample = acknowledged[acknowledged.length - 1];
      const tags = await call(restarted.endpoint, 'ListTagsForResource', { ResourceArn: `arn:aws:rekognition:us-east-1:000000000000:collection/${sample}` });
      expect(tags.body).toEqual({ Tags: { writer: sample.split('-')[1] } });
    } finally {
      await restarted.stop();
    }
  });
});
