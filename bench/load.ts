/**
 * Load shedding under a burst: 200 DetectFaces requests sent at once while health is polled every
 * 20 ms. Prints how many were answered and how many were shed (ThrottlingException), their
 * latencies, and health's p50/p99 during the burst. Run once with the default queue limits and
 * once with limits too high to shed anything (what the emulator did before load shedding).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { call, startServer } from '../test/support/spawn-server';

const BURST = 200;

/** Polls health every 20 ms until told to stop, then posts the latencies (ms). */
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true;
parentPort.once('message', () => (running = false));
(async () => {
  const times = [];
  while (running) {
    const t0 = performance.now();
    await fetch(workerData).then((r) => r.arrayBuffer());
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  parentPort.postMessage(times);
})();
`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const ms = (n: number) => `${Math.round(n)} ms`;
const photo = readFileSync(fileURLToPath(new URL('../fixtures/images/astronaut.png', import.meta.url)));

/**
 * The photo as a JPEG with a comment naming request `i`: the same pixels in other bytes, since the
 * emulator keeps the analyses of recent images by their hash and a repeated image costs nothing.
 */
function variant(jpeg: Buffer, i: number): string {
  const text = Buffer.from(`burst request ${i}`);
  const marker = Buffer.alloc(4);
  marker.writeUInt16BE(0xfffe, 0); // COM segment
  marker.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), marker, text, jpeg.subarray(2)]).toString('base64');
}

async function burst(label: string, args: string[]): Promise<void> {
  const server = await startServer(args);
  try {
    const jpeg = await sharp(photo).jpeg().toBuffer();
    const images = Array.from({ length: BURST + 4 }, (_, i) => variant(jpeg, i));
    // Models load on first use in the test server: warm every worker so the burst measures serving.
    await Promise.all(images.slice(BURST).map((Bytes) => call(server.endpoint, 'DetectFaces', { Image: { Bytes } })));

    // Health is timed from a worker thread, so the burst's own client work does not inflate it.
    const poller = new Worker(POLLER, { eval: true, workerData: `${server.endpoint}/_rekognition/health` });
    const healthTimes = new Promise<number[]>((resolve) => poller.once('message', resolve));

    const t0 = performance.now();
    const results = await Promise.all(
      images.slice(0, BURST).map(async (Bytes) => {
        const start = performance.now();
        const res = await call(server.endpoint, 'DetectFaces', { Image: { Bytes } });
        return { status: res.status, type: res.body.__type as string | undefined, ms: performance.now() - start };
      }),
    );
    const wall = performance.now() - t0;
    poller.postMessage('stop');
    const times = await healthTimes;
    await poller.terminate();

    const served = results.filter((r) => r.status === 200);
    const shed = results.filter((r) => r.type === 'ThrottlingException');
    const other = results.length - served.length - shed.length;
    console.log(`${label}: ${BURST} at once -> ${served.length} served, ${shed.length} shed (ThrottlingException)${other ? `, ${other} other errors` : ''}; burst over in ${ms(wall)}`);
    console.log(`  served latency p50 ${ms(percentile(served.map((r) => r.ms), 50))}, max ${ms(Math.max(...served.map((r) => r.ms)))}; shed answered in p50 ${ms(percentile(shed.map((r) => r.ms), 50))}, max ${ms(Math.max(0, ...shed.map((r) => r.ms)))}`);
    console.log(`  health during the burst: p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}, max ${ms(Math.max(...times))} over ${times.length} polls`);
  } finally {
    await server.stop();
  }
}

export async function benchLoad(): Promise<void> {
  await burst('default queue limits (16 image, 256 other)', []);
  await burst('no shedding (--queue-limits 1000,1000, as before load shedding)', ['--queue-limits', '1000,1000']);
}
