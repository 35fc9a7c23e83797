/**
 * Headless Chromium driven over the DevTools protocol through a pipe (--remote-debugging-pipe:
 * commands on fd 3, answers on fd 4, NUL-separated JSON), so a test needs no WebSocket client and
 * no browser automation package. One launch serves a whole test file: navigate, evaluate, set a
 * file input, take screenshots. Found on PATH as Debian's chromium (.ci/run installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/** The browser on PATH, if any. */
export const chromiumPath: string | undefined = (process.env.PATH ?? '')
  .split(delimiter)
  .flatMap((dir) => BROWSERS.map((name) => join(dir, name)))
  .find((path) => existsSync(path));

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  method: string;
}

export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private session = '';
  private log = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const input = child.stdio[4] as Readable;
    let buffered = '';
    input.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let end: number;
      while ((end = buffered.indexOf('\0')) >= 0) {
        const message = JSON.parse(buffered.slice(0, end)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        buffered = buffered.slice(end + 1);
        const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
        if (!waiting) continue;
        this.pending.delete(message.id!);
        if (message.error) waiting.reject(new Error(`${waiting.method}: ${message.error.message}`));
        else waiting.resolve(message.result ?? {});
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.log = (this.log + chunk.toString('utf8')).slice(-4000)));
    child.once('exit', (code) => {
      for (const waiting of this.pending.values()) waiting.reject(new Error(`chromium exited (${code}):\n${this.log}`));
      this.pending.clear();
    });
  }

  /** Starts the browser with one blank page, attached and sized `width` x `height`. */
  static async launch(browser: string, { width = 1280, height = 900 } = {}): Promise<Chromium> {
    const profile = mkdtempSync(join(tmpdir(), 'rekognition-chromium-'));
    const child = spawn(
      browser,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--remote-debugging-pipe', `--user-data-dir=${profile}`, `--window-size=${width},${height}`, 'about:blank'],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const chromium = new Chromium(child, profile);
    const { targetInfos } = (await chromium.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string }[] };
    const page = targetInfos.find((t) => t.type === 'page');
    if (!page) throw new Error('chromium opened no page');
    const { sessionId } = (await chromium.send('Target.attachToTarget', { targetId: page.targetId, flatten: true })) as { sessionId: string };
    chromium.session = sessionId;
    await chromium.send('Page.enable');
    await chromium.send('Runtime.enable');
    await chromium.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    return chromium;
  }

  /** One protocol command, to the page unless `browserLevel`. */
  send(method: string, params: Record<string, unknown> = {}, browserLevel = !this.session): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const message = { id, method, params, ...(browserLevel ? {} : { sessionId: this.session }) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      (this.child.stdio[3] as Writable).write(`${JSON.stringify(message)}\0`);
    });
  }

  /** The value of a JavaScript expression in the page (promises awaited). */
  async evaluate<T>(expression: string): Promise<T> {
    const answer = (await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (answer.exceptionDetails) throw new Error(`in the page: ${answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text}`);
    return answer.result.value as T;
  }

  /** Waits until the expression is truthy in the page, and returns its value. */
  async waitFor<T>(expression: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.evaluate<T>(expression).catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async navigate(url: string): Promise<void> {
    await this.send('Page.navigate', { url });
  }

  /** Gives a file input these files, as a person picking them would (input and change events fire). */
  async setFiles(selector: string, files: string[]): Promise<void> {
    const { result } = (await this.send('Runtime.evaluate', { expression: `document.querySelector(${JSON.stringify(selector)})` })) as { result: { objectId?: string } };
    if (!result.objectId) throw new Error(`no element ${selector}`);
    await this.send('DOM.setFileInputFiles', { files, objectId: result.objectId });
  }

  /** A PNG of the whole page (up to 4000 pixels tall). */
  async screenshot(path: string): Promise<void> {
    const { cssContentSize } = (await this.send('Page.getLayoutMetrics')) as { cssContentSize: { width: number; height: number } };
    const clip = { x: 0, y: 0, width: Math.ceil(cssContentSize.width), height: Math.min(4000, Math.ceil(cssContentSize.height)), scale: 1 };
    const { data } = (await this.send('Page.captureScreenshot', { format: 'png', clip, captureBeyondViewport: true })) as { data: string };
    writeFileSync(path, Buffer.from(data, 'base64'));
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGKILL');
      await exited;
    }
    // Chromium's helper processes may still be writing the profile for a moment.
    try {
      rmSync(this.profile, { recursive: true, force: true, maxRetries: 10 });
    } catch {
      // Left in the temp dir; the OS clears it.
    }
  }
}
