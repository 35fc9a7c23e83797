/** Platform numbers: time to ready, and protocol + validation overhead per request. */
import { performance } from 'node:perf_hooks';
import { validateInput } from '../src/api/validate';
import { serializeOutput } from '../src/api/serialize';
import { call, startServer } from '../test/support/spawn-server';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const ms = (n: number) => `${n.toFixed(3)} ms`;

export async function benchPlatform(): Promise<void> {
  // Start to health 200, over a few starts.
  const readyTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const server = await startServer();
    const health = await fetch(`${server.endpoint}/_rekognition/health`);
    readyTimes.push(performance.now() - t0);
    if (health.status !== 200) throw new Error(`health answered ${health.status}`);
    await server.stop();
  }
  console.log(`ready (spawn to health 200): p50 ${ms(percentile(readyTimes, 50))}, max ${ms(Math.max(...readyTimes))}`);

  const server = await startServer();
  try {
    const rounds = 2000;
    const timed = async (label: string, op: string, body: unknown) => {
      const times: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now();
        await call(server.endpoint, op, body);
        times.push(performance.now() - t0);
      }
      console.log(`${label}: p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))} over ${rounds} requests (HTTP round trip included)`);
    };
    await call(server.endpoint, 'CreateCollection', { CollectionId: 'bench' });
    await timed('DescribeCollection', 'DescribeCollection', { CollectionId: 'bench' });
    await timed('validation failure', 'SearchFaces', { CollectionId: 'bad id!', FaceId: 'x' });
  } finally {
    await server.stop();
  }

  // The protocol's own work without HTTP: validating a 1 MB image request and serialising a face result.
  const body = { Image: { Bytes: Buffer.alloc(1024 * 1024, 7).toString('base64') }, Attributes: ['ALL'] };
  const face = { BoundingBox: { Width: 0.2, Height: 0.3, Left: 0.1, Top: 0.1 }, Confidence: 99.9, Landmarks: Array.from({ length: 30 }, () => ({ Type: 'eyeLeft', X: 0.3, Y: 0.4 })) };
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    validateInput(body, 'DetectFacesRequest');
    serializeOutput({ FaceDetails: Array.from({ length: 10 }, () => face) }, 'DetectFacesResponse');
    times.push(performance.now() - t0);
  }
  console.log(`validate 1 MB image request + serialise 10 faces (in process): p50 ${ms(percentile(times, 50))}`);
}
