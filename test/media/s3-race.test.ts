/**
 * Containment under a race: while a worker thread keeps swapping a folder on the key's path
 * between a real folder and a symlink to a folder outside --s3-dir, reads of the key must only ever
 * see the inside object (or be refused); never the outside one. Bounded in count and time.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { RekognitionError } from '../../src/api/errors';
import { readS3Object } from '../../src/media/s3';
import { mediaCtx } from './helpers';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'media-race-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Swaps BUCKET/d between the real folder (kept as d.real) and a symlink to OUTSIDE/d until told to stop. */
const SWAPPER = `
const { renameSync, symlinkSync, rmSync } = require('node:fs');
const { workerData, parentPort } = require('node:worker_threads');
const { bucket, outside, deadline } = workerData;
let stop = false;
parentPort.on('message', () => { stop = true; });
const tick = () => {
  for (let i = 0; i < 200 && !stop && Date.now() < deadline; i++) {
    renameSync(bucket + '/d', bucket + '/d.real');
    rmSync(bucket + '/d.link', { force: true });
    symlinkSync(outside + '/d', bucket + '/d.link');
    renameSync(bucket + '/d.link', bucket + '/d');
    renameSync(bucket + '/d', bucket + '/d.link');
    renameSync(bucket + '/d.real', bucket + '/d');
  }
  if (stop || Date.now() >= deadline) parentPort.postMessage('done'); else setImmediate(tick);
};
tick();
`;

describe('the folder source under a folder-swap race', () => {
  it('never reads the outside object', async () => {
    const s3Dir = path.join(tmp, 's3');
    const bucket = path.join(s3Dir, 'photos');
    const outside = path.join(tmp, 'outside');
    mkdirSync(path.join(bucket, 'd'), { recursive: true });
    mkdirSync(path.join(outside, 'd'), { recursive: true });
    writeFileSync(path.join(bucket, 'd', 'img.png'), 'inside');
    writeFileSync(path.join(outside, 'd', 'img.png'), 'outside');

    const ctx = mediaCtx({ s3Dir });
    const limit = { maxBytes: 1024, tooLarge: () => new Error('too large') as never };
    const worker = new Worker(SWAPPER, { eval: true, workerData: { bucket, outside, deadline: Date.now() + 10_000 } });
    const counts = { inside: 0, outside: 0, refused: 0 };
    const started = Date.now();
    try {
      for (let i = 0; i < 3000 && Date.now() - started < 6_000; i++) {
        try {
          const bytes = await readS3Object({ Bucket: 'photos', Name: 'd/img.png' }, ctx, limit);
          counts[bytes.toString() === 'outside' ? 'outside' : 'inside']++;
        } catch (err) {
          if (!(err instanceof RekognitionError)) throw err;
          counts.refused++;
        }
      }
    } finally {
      worker.postMessage('stop');
      await worker.terminate();
    }
    expect(counts.outside).toBe(0);
    // The race really ran: both states of the folder were met.
    expect(counts.inside).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  });
});
