/**
 * A web app calls the emulator from a real browser: headless Chromium loads a page (served here on
 * its own origin) whose script is @aws-sdk/client-rekognition bundled by esbuild; it runs
 * DetectFaces on a photo and a failing call, then posts what the SDK returned, which this test
 * reads. Cross-origin, so Chromium enforces CORS exactly as it would against AWS. Skipped when
 * chromium is not installed, except in CI (.ci/run installs Debian's package).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../server/http';
import { sharedModels } from '../support/models';
import { testEmulator } from '../support/emulator';

const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];
const browser = (process.env.PATH ?? '')
  .split(delimiter)
  .flatMap((dir) => BROWSERS.map((name) => join(dir, name)))
  .find((path) => existsSync(path));
const skip = !browser && !process.env.CI;
if (skip) console.warn('browser test skipped: no chromium on PATH (apt-get install chromium; in CI .ci/run installs it)');

const photo = readFileSync(fileURLToPath(new URL('../../fixtures/images/astronaut.png', import.meta.url)));
/** Where human's face mesh lies on that photo (test/faces/astronaut-face.json), in pixels. */
const recorded = JSON.parse(readFileSync(new URL('../faces/astronaut-face.json', import.meta.url), 'utf8')) as { width: number; height: number; face: { mesh: number[] } };

interface PageReport {
  ok: boolean;
  error?: string;
  requestId?: string;
  faces?: { BoundingBox: { Left: number; Top: number; Width: number; Height: number }; Confidence: number }[];
  failure?: { name: string; status?: number; requestId?: string };
}

/** The page's origin: its HTML, the bundled script, the photo, and where the page posts its report. */
function pageServer(script: string, endpoint: string, onReport: (report: PageReport) => void): Server {
  return createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/result') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        res.end();
        onReport(JSON.parse(body) as PageReport);
      });
      return;
    }
    const files: Record<string, [string, string | Buffer]> = {
      '/': ['text/html', '<!doctype html><title>DetectFaces from a browser</title><script src="/app.js"></script>'],
      '/app.js': ['text/javascript', script],
      '/config.json': ['application/json', JSON.stringify({ endpoint })],
      '/face.png': ['image/png', photo],
    };
    const file = files[req.url ?? ''];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': file[0] }).end(file[1]);
  });
}

describe.skipIf(skip)('a browser app calling the emulator through the JS SDK (headless Chromium)', () => {
  let emulator: RunningServer;
  let page: Server | undefined;
  let chromium: ChildProcess | undefined;
  const profile = mkdtempSync(join(tmpdir(), 'rekognition-browser-'));

  beforeAll(async () => {
    // Strict auth: the signatures Chromium's requests carry (the SDK signs in the page) must verify.
    const config = { lazyModels: true, strictAuth: true, credentials: [{ accessKeyId: 'local', secretAccessKey: 'local' }] };
    emulator = await serve(testEmulator(config, { inference: sharedModels() }).emulator, { port: 0 });
  });
  afterAll(async () => {
    if (chromium && chromium.exitCode === null && chromium.signalCode === null) {
      const exited = once(chromium, 'exit');
      chromium.kill('SIGKILL');
      await exited;
    }
    page?.close();
    await emulator?.close();
    // Chromium's helper processes may still be writing the profile for a moment; if they outlast
    // the retries, the folder stays in the temp dir rather than failing a test that passed.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10 });
    } catch {
      // Left for the OS to clear.
    }
  });

  it('detects the face and reads the request id, and a failing call gives the SDK its error', async () => {
    if (!browser) throw new Error('chromium is not on PATH: CI must install it (.ci/run installs Debian\'s chromium package)');
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./detect-faces-page.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
    });

    let browserLog = '';
    const report = await new Promise<PageReport>((resolve, reject) => {
      page = pageServer(bundle.outputFiles[0].text, emulator.endpoint, resolve);
      // localhost vs the emulator's 127.0.0.1 and another port: a cross-origin call with a preflight.
      page.listen(0, '127.0.0.1', () => {
        const url = `http://localhost:${(page!.address() as AddressInfo).port}/`;
        chromium = spawn(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', `--user-data-dir=${profile}`, url], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        chromium.stderr!.on('data', (chunk: Buffer) => (browserLog = (browserLog + chunk.toString('utf8')).slice(-4000)));
        chromium.once('error', reject);
        chromium.once('exit', (code) => reject(new Error(`chromium exited (${code}) before the page reported:\n${browserLog}`)));
      });
    });

    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.requestId).toMatch(/^[0-9a-f-]{36}$/);

    expect(report.faces).toHaveLength(1);
    const [face] = report.faces!;
    expect(face.Confidence).toBeGreaterThan(90);
    // The box's centre falls inside the face mesh's extent recorded for this photo.
    const xs = recorded.face.mesh.filter((_, i) => i % 3 === 0).map((x) => x / recorded.width);
    const ys = recorded.face.mesh.filter((_, i) => i % 3 === 1).map((y) => y / recorded.height);
    const centre = { x: face.BoundingBox.Left + face.BoundingBox.Width / 2, y: face.BoundingBox.Top + face.BoundingBox.Height / 2 };
    expect(centre.x).toBeGreaterThan(Math.min(...xs));
    expect(centre.x).toBeLessThan(Math.max(...xs));
    expect(centre.y).toBeGreaterThan(Math.min(...ys));
    expect(centre.y).toBeLessThan(Math.max(...ys));

    expect(report.failure).toEqual({ name: 'ResourceNotFoundException', status: 400, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });
});
