/**
 * The web console's cost to the API: DetectFaces p50 over HTTP (a 640x480 photo with one face, the
 * analysis cache cleared before each call) with no console open, then with a console open — a
 * client polling the requests log, one logged call's bodies and the collections every 250 ms, more
 * often than the page does — the two alternating call by call. Also what recording one call in the
 * requests log costs (the only work the console adds to every call), and what IndexFaces' face
 * thumbnails cost.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { serve } from '../server/http';
import { createEmulator } from '../src/emulator';
import { RequestLog } from '../src/console/request-log';
import { faceThumbnail } from '../src/faces/thumbnail';
import { Logger } from '../src/runtime/logger';
import { ModelsClient } from '../models/client';

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];

export async function benchConsole(rounds = Number(process.env.BENCH_CONSOLE_ROUNDS) || 20): Promise<void> {
  // The record itself: a DetectFaces request with 1 MB of image bytes, and its answer.
  const log = new RequestLog();
  const request = { Image: { Bytes: 'A'.repeat(1 << 20) }, Attributes: ['ALL'] };
  const response = JSON.stringify({ FaceDetails: [{ BoundingBox: { Width: 0.2, Height: 0.3, Left: 0.4, Top: 0.1 }, Confidence: 99.9 }] }).repeat(20);
  const n = 20_000;
  const r0 = performance.now();
  for (let i = 0; i < n; i++) log.record({ time: i, operation: 'DetectFaces', account: '000000000000', region: 'us-east-1', requestId: 'id', status: 200, latencyMs: 1, request, response });
  console.log(`recording one call in the requests log: ${(((performance.now() - r0) / n) * 1000).toFixed(2)} µs`);

  // IndexFaces' other addition: one thumbnail per indexed face, cut from the decoded photo.
  for (const [width, height] of [[640, 480], [4000, 3000]]) {
    const rgb = { data: Buffer.alloc(width * height * 3, 120), width, height, channels: 3 as const };
    const face = { Left: 0.4, Top: 0.3, Width: 0.2, Height: 0.3 };
    await faceThumbnail(rgb, face);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await faceThumbnail(rgb, face);
    console.log(`one face thumbnail from a ${width}x${height} photo: ${((performance.now() - t0) / 20).toFixed(1)} ms`);
  }

  const pool = new ModelsClient();
  await pool.broadcast('faces.warmup');
  const emulator = createEmulator({}, { inference: pool, runtime: { log: new Logger('warn') } });
  const server = await serve(emulator, { port: 0 });
  const photo = await sharp(readFileSync(fileURLToPath(new URL('../fixtures/celebrities/barack_obama/3.jpg', import.meta.url))))
    .resize(640, 480, { fit: 'cover' })
    .jpeg({ quality: 90 })
    .toBuffer();
  const body = JSON.stringify({ Image: { Bytes: photo.toString('base64') } });
  const detect = async () => {
    const res = await fetch(`${server.endpoint}/`, { method: 'POST', headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'RekognitionService.DetectFaces' }, body });
    if (res.status !== 200) throw new Error(`DetectFaces failed: ${await res.text()}`);
    await res.arrayBuffer();
  };
  // Calls with and without the console alternate, so the machine's drift touches both alike.
  let consoleOpen = false;
  let polls = 0;
  let running = true;
  const consoleUrl = `${server.endpoint}/_rekognition/console/api/`;
  const poller = (async () => {
    while (running) {
      if (consoleOpen) {
        const { requests } = (await (await fetch(`${consoleUrl}requests`)).json()) as { requests: { seq: number }[] };
        if (requests[0]) await (await fetch(`${consoleUrl}requests/${requests[0].seq}`)).arrayBuffer();
        await (await fetch(`${consoleUrl}state/collections`)).arrayBuffer();
        polls++;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  await detect();
  const without: number[] = [];
  const withConsole: number[] = [];
  for (let i = 0; i < 2 * rounds; i++) {
    consoleOpen = i % 2 === 1;
    // Let the poller notice the change before the call.
    await new Promise((resolve) => setTimeout(resolve, 300));
    emulator.control.reset();
    const t0 = performance.now();
    await detect();
    (consoleOpen ? withConsole : without).push(performance.now() - t0);
  }
  running = false;
  await poller;
  const line = (label: string, wall: number[]) => console.log(`DetectFaces over HTTP, ${label}: p50 ${percentile(wall, 50).toFixed(1)} ms, p90 ${percentile(wall, 90).toFixed(1)} ms (${rounds} calls)`);
  line('no console open', without);
  line(`a console open (${polls} polls in all)`, withConsole);
  await server.close();
  await pool.close();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchConsole();
