/**
 * Start-up: spawn to the ready line, spawn to every model loaded (GET /_rekognition/ready), and
 * the first DetectFaces, DetectLabels and DetectText after that signal. `STARTUP_ROOT` points at
 * another checkout to measure it the same way (one without the ready endpoint is polled on its
 * health list instead: every model the warm-up loads shows `ready`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = process.env.STARTUP_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const image = readFileSync(fileURLToPath(new URL('../fixtures/images/astronaut.png', import.meta.url))).toString('base64');

async function call(endpoint: string, operation: string, body: unknown): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `RekognitionService.${operation}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${operation} answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
  return performance.now() - t0;
}

/** Polls until the models are loaded: the ready endpoint where there is one, else the health list. */
async function modelsReady(endpoint: string): Promise<void> {
  for (;;) {
    const ready = await fetch(`${endpoint}/_rekognition/ready?wait=30`);
    if (ready.status === 200) return;
    if (ready.status === 404) {
      const health = (await (await fetch(`${endpoint}/_rekognition/health`)).json()) as { models: { state: string }[] };
      // Before the ready signal existed, start-up loaded the face and image models only.
      if (health.models.filter((m) => m.state === 'ready').length >= 7) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Spawn to the ready line with lazy models: what the entry point itself costs. */
async function toReadyLine(args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...args, '--port', '0', '--host', '127.0.0.1', '--lazy-models', '--log-level', 'warn'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready on') && resolve());
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    return performance.now() - t0;
  } finally {
    child.kill('SIGTERM');
  }
}

/** The compiled dist/ (npm run build) against the TypeScript sources through tsx, alternating, median of 3. */
async function benchEntryPoints(): Promise<void> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'ignore' });
  const compiled: number[] = [];
  const sources: number[] = [];
  for (let i = 0; i < 3; i++) {
    compiled.push(await toReadyLine(['--enable-source-maps', 'dist/main.js']));
    sources.push(await toReadyLine(['--import', 'tsx', 'server/main.ts']));
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[1];
  console.log(`spawn to ready line (lazy models), median of 3: compiled dist/ ${(median(compiled) / 1000).toFixed(2)} s, sources through tsx ${(median(sources) / 1000).toFixed(2)} s`);
}

export async function benchStartup(): Promise<void> {
  if (!process.env.STARTUP_ROOT) await benchEntryPoints();
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--host', '127.0.0.1'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /ready on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const ready = performance.now() - t0;
    await modelsReady(endpoint);
    const models = performance.now() - t0;
    const calls = async () => [
      await call(endpoint, 'DetectFaces', { Image: { Bytes: image }, Attributes: ['ALL'] }),
      await call(endpoint, 'DetectLabels', { Image: { Bytes: image } }),
      await call(endpoint, 'DetectText', { Image: { Bytes: image } }),
    ];
    const first = await calls();
    // The same calls again: what a warm server takes, to compare the first ones with.
    const again = await calls();
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const list = (t: number[]) => `DetectFaces ${s(t[0])}, DetectLabels ${s(t[1])}, DetectText ${s(t[2])}`;
    console.log(`spawn to ready line ${s(ready)}, to models ready ${s(models)}`);
    console.log(`first calls after it: ${list(first)}; the same calls again: ${list(again)}`);
  } finally {
    child.kill('SIGTERM');
  }
}
