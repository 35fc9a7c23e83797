/** The command line's refusals as a user sees them: one line on stderr, exit code 2, no stack trace, within seconds. */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function start(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['bin/rekognition-local.mjs', '--lazy-models', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => child.once('exit', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr, ms: Date.now() - t0 }))));
}

describe('start-up refusals', () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => taken.close(resolve)));

  it.concurrent.each([
    ['a taken port', () => ['--host', '127.0.0.1', '--port', String(port)], /^rekognition-local: port \d+ is already in use: .*--port N/],
    ['a data dir that is a file', () => ['--data-dir', 'package.json'], /^rekognition-local: --data-dir package.json: .* is a file, not a folder/],
    ['npm start --port N (a bare value)', () => ['4600'], /^rekognition-local: Unexpected argument '4600'.*npm start -- --port 4600/],
  ])('%s', async (_name, args, message) => {
    const res = await start(args());
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stdout).toBe('');
  });
});
