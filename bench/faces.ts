/**
 * Face latency and memory: DetectFaces (default attributes, then ALL) on a 640x480 photo with one
 * face and on a 1920x1080 group photo, CompareFaces of two 640x480 photos, through an emulator's
 * dispatch and a worker pool, one request at a time, with the analysis cache cleared (a
 * control-plane reset) before each call so every call does the work.
 * Targets: DetectFaces p50 <= 200 ms on the 640x480 photo, under 1 s on the group photo; resident
 * memory with every model loaded <= 1.5 GB.
 * Reports wall-clock p50/p90 and CPU time per call (process-wide, steadier on a busy machine).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createEmulator, type Emulator } from '../src/emulator';
import { Logger } from '../src/runtime/logger';
import type { Scope } from '../src/runtime/scope';
import { ModelsClient } from '../models/client';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A 640x480 JPEG (quality 90) cropped around the middle of a fixture photo. */
const photo640 = (name: string) => sharp(fixture(name)).resize(640, 480, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();

/** face-api's demo group photo with five faces (MIT), cropped to 1920x1080 around its middle. */
const group1080 = () => sharp(fileURLToPath(new URL('../node_modules/@vladmandic/face-api/demo/sample5.jpg', import.meta.url))).resize(1920, 1080, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();

const CALLER: Scope = { account: '000000000000', region: 'us-east-1' };

/** One API call through the emulator, as a client would make it. */
async function call(emulator: Emulator, operation: string, input: unknown): Promise<Record<string, unknown[]>> {
  const answer = await emulator.dispatch(operation, JSON.stringify(input), CALLER);
  if (answer.status !== 200) throw new Error(`${operation} failed: ${answer.body}`);
  return JSON.parse(answer.body) as Record<string, unknown[]>;
}

export async function benchFaces(rounds = Number(process.env.BENCH_FACES_ROUNDS) || 15): Promise<void> {
  const pool = new ModelsClient();
  const t0 = performance.now();
  await pool.broadcast('faces.warmup');
  console.log(`${pool.size} workers up with the face models in ${(performance.now() - t0).toFixed(0)} ms`);
  const emulator = createEmulator({}, { inference: pool, runtime: { log: new Logger('warn') } });

  const obama = await photo640('celebrities/barack_obama/3.jpg');
  const one = obama.toString('base64');
  const other = (await photo640('celebrities/joe_biden/2.jpg')).toString('base64');
  const group = (await group1080()).toString('base64');
  const grey = (await sharp(obama).greyscale().jpeg({ quality: 90 }).toBuffer()).toString('base64');
  const cases: [string, string, unknown, (out: Record<string, unknown[]>) => string][] = [
    ['DetectFaces, default attributes, 640x480, 1 face', 'DetectFaces', { Image: { Bytes: one } }, (o) => `${o.FaceDetails.length} face`],
    ['DetectFaces, Attributes ALL, 640x480, 1 face', 'DetectFaces', { Image: { Bytes: one }, Attributes: ['ALL'] }, (o) => `${o.FaceDetails.length} face`],
    ['DetectFaces, default attributes, the same photo in black and white', 'DetectFaces', { Image: { Bytes: grey } }, (o) => `${o.FaceDetails.length} face`],
    ['DetectFaces, default attributes, 1920x1080 group photo', 'DetectFaces', { Image: { Bytes: group } }, (o) => `${o.FaceDetails.length} faces`],
    [
      'CompareFaces, two 640x480 photos of different people',
      'CompareFaces',
      { SourceImage: { Bytes: one }, TargetImage: { Bytes: other } },
      (o) => `${o.FaceMatches.length} match, ${o.UnmatchedFaces.length} unmatched`,
    ],
  ];
  for (const [label, operation, input, describe] of cases) {
    emulator.control.reset();
    await call(emulator, operation, input);
    const wall: number[] = [];
    const cpu: number[] = [];
    let what = '';
    for (let i = 0; i < rounds; i++) {
      emulator.control.reset();
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      what = describe(await call(emulator, operation, input));
      wall.push(performance.now() - w0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    console.log(`${label}: p50 ${percentile(wall, 50).toFixed(0)} ms, p90 ${percentile(wall, 90).toFixed(0)} ms, CPU p50 ${percentile(cpu, 50).toFixed(0)} ms (${what}; ${rounds} calls)`);
  }
  await benchIndexFaces(emulator, pool.size);
  const rss = () => (process.memoryUsage().rss / 2 ** 20).toFixed(0);
  console.log(`resident memory with the face models loaded in ${pool.size} workers: ${rss()} MB`);
  await pool.warmup();
  console.log(`resident memory with every model loaded in ${pool.size} workers: ${rss()} MB (target <= 1536 MB)`);
  await emulator.stop();
  // the emulator stops only what it made; the pool was handed to it
  await pool.close();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchFaces();

/** IndexFaces throughput over every photo of the face fixtures, one request in flight per worker. */
async function benchIndexFaces(emulator: Emulator, workers: number): Promise<void> {
  const photos = (JSON.parse(fixture('faces/ground-truth.json').toString()) as { images: { path: string }[] }).images.map((i) => fixture(i.path).toString('base64'));
  emulator.control.reset();
  await call(emulator, 'CreateCollection', { CollectionId: 'bench' });
  let next = 0;
  let faces = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < photos.length) {
        const bytes = photos[next++];
        const out = await call(emulator, 'IndexFaces', { CollectionId: 'bench', Image: { Bytes: bytes }, QualityFilter: 'NONE' });
        faces += out.FaceRecords.length;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(`IndexFaces: ${photos.length} photos (150 px crops to 2333 px portraits), ${faces} faces indexed in ${seconds.toFixed(1)} s = ${(photos.length / seconds).toFixed(1)} images/s, ${(faces / seconds).toFixed(1)} faces/s`);
}
