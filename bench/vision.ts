/**
 * Image understanding latency: DetectLabels (GENERAL_LABELS + IMAGE_PROPERTIES),
 * DetectModerationLabels and DetectProtectiveEquipment dispatched in-process by an emulator
 * (validation, handler, serialisation, as over HTTP), on the real worker pool, with 640x480 JPEGs
 * made from the fixtures. Models are loaded on every worker first; the resident memory printed is
 * the whole process (workers are threads) with all of them loaded.
 * CPU per call counts every thread (workers, onnxruntime, libvips): steadier than wall time on a
 * busy machine, and on an idle one with two workers the wall time is roughly CPU / 2 at best.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createEmulator } from '../src/emulator';
import type { OperationName } from '../src/api/generated/model';
import { ModelsClient } from '../models/client';
import { loadOcrModels } from '../models/ocr';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/images/${name}`, import.meta.url)));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export async function benchVision(rounds = Number(process.env.BENCH_VISION_ROUNDS) || 15): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const pool = new ModelsClient();
  const t0 = performance.now();
  await Promise.all([pool.warmup(), loadOcrModels()]);
  console.log(`image models loaded on ${pool.size} workers in ${(performance.now() - t0).toFixed(0)} ms; resident memory ${mb(process.memoryUsage().rss)} (${mb(rss0)} before)`);

  const emulator = createEmulator({ logLevel: 'warn' }, { inference: pool });
  const caller = { account: '000000000000', region: 'us-east-1' };
  const photo = async (name: string) => sharp(fixture(name)).resize(640, 480, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();

  const cases: [OperationName, string, Record<string, unknown>][] = [];
  for (const [name, file] of [
    ['portrait', 'astronaut.png'],
    ['objects', 'motorcycle_left.png'],
  ] as const) {
    const Bytes = await photo(file);
    cases.push(['DetectLabels', `${name} 640x480, GENERAL_LABELS + IMAGE_PROPERTIES`, { Image: { Bytes }, Features: ['GENERAL_LABELS', 'IMAGE_PROPERTIES'] }]);
  }
  cases.push(['DetectModerationLabels', 'portrait 640x480', { Image: { Bytes: await photo('astronaut.png') } }]);
  cases.push(['DetectProtectiveEquipment', 'portrait 640x480', { Image: { Bytes: await photo('astronaut.png') } }]);
  cases.push(['DetectProtectiveEquipment', 'gloves 640x480', { Image: { Bytes: await photo('kit-harington-gloves.jpg') } }]);

  for (const [operation, label, input] of cases) {
    // Each round changes one pixel, so caches keyed by the image's hash (the faces module's) never answer.
    const variants = await Promise.all(
      Array.from({ length: rounds + 2 }, async (_, i) => {
        const bytes = (input.Image as { Bytes: Buffer }).Bytes;
        const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
        data[0] = i % 256;
        const varied = await sharp(data, { raw: info }).jpeg({ quality: 90 }).toBuffer();
        return JSON.stringify({ ...input, Image: { Bytes: varied.toString('base64') } });
      }),
    );
    const run = async (i: number) => {
      const answer = await emulator.dispatch(operation, variants[i], caller);
      if (answer.status !== 200) throw new Error(`${operation} failed: ${answer.body}`);
    };
    await run(rounds);
    await run(rounds + 1);
    const wall: number[] = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < rounds; i++) {
      const w0 = performance.now();
      await run(i);
      wall.push(performance.now() - w0);
    }
    const c = process.cpuUsage(c0);
    console.log(
      `${operation} ${label}: p50 ${percentile(wall, 50).toFixed(0)} ms, p90 ${percentile(wall, 90).toFixed(0)} ms, ` +
        `CPU ${((c.user + c.system) / 1000 / rounds).toFixed(0)} ms per call (all threads), ${rounds} rounds`,
    );
  }
  console.log(`resident memory with every image model loaded: ${mb(process.memoryUsage().rss)}`);
  await emulator.stop();
}
