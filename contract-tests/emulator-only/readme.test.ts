/**
 * The README's "Use it" section, run as written: its environment block, then the CLI, JavaScript
 * and Python snippets, against the suite's emulator (README's localhost:4599 replaced by its
 * endpoint). The photo's DetectFaces answer is pinned through the control plane, so this checks
 * the snippets' wiring (endpoint, region, credentials, printing), not the models.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorEndpoint, isEmulator } from '../support/client';
import { repoRoot } from '../support/target';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Use it'), readme.indexOf('In-process, from your own tests'));
/** The fenced blocks of one language in the "Use it" section, in order. */
const blocks = (lang: string) => [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);

/** `export A=1 B=2` lines of the README's environment block, with the endpoint pointed at the suite's emulator. */
function readmeEnv(endpoint: string): Record<string, string> {
  const block = blocks('sh').find((b) => b.includes('AWS_ENDPOINT_URL_REKOGNITION'));
  if (!block) throw new Error('README has no environment block in "Use it"');
  const vars: Record<string, string> = {};
  for (const line of block.split('\n')) {
    if (!line.startsWith('export ')) continue;
    for (const pair of line.slice(7).split('#')[0].trim().split(/\s+/)) {
      const [name, value] = pair.split('=');
      vars[name] = value.replace('http://localhost:4599', endpoint);
    }
  }
  return vars;
}

/** The machine's environment without any AWS setting, plus the README's. */
function cleanEnv(readmeVars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  return { ...env, AWS_CONFIG_FILE: '/nonexistent/aws-config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials', AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '', ...readmeVars };
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }));
  });
}

const hasPython = async () => (await run('python3', ['-c', 'import boto3'], repoRoot, process.env)).code === 0;

describe.skipIf(!isEmulator).concurrent('README', () => {
  // Inside the repository, so the JavaScript snippet resolves @aws-sdk/client-rekognition.
  const dir = join(repoRoot, '.cache', `readme-${randomBytes(4).toString('hex')}`);
  const box = { Width: 0.25, Height: 0.375, Left: 0.125, Top: 0.0625 };
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    // A photo no other test sends, whose DetectFaces answer is pinned.
    const [r, g, b] = randomBytes(3);
    const photo = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();
    writeFileSync(join(dir, 'photo.jpg'), photo);
    const sha256 = createHash('sha256').update(photo).digest('hex');
    const pinned = await fetch(`${emulatorEndpoint()}/_rekognition/pins`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'DetectFaces', sha256, response: { FaceDetails: [{ BoundingBox: box, Confidence: 99.5 }] } }),
    });
    expect(pinned.status).toBe(200);
    env = cleanEnv(readmeEnv(emulatorEndpoint()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sets both region variables in its environment block', () => {
    const vars = readmeEnv('http://x');
    expect(vars.AWS_REGION).toBeTruthy();
    expect(vars.AWS_DEFAULT_REGION).toBe(vars.AWS_REGION);
  });

  it('the JavaScript SDK v3 snippet prints the faces', async () => {
    const [snippet] = blocks('js');
    writeFileSync(join(dir, 'detect-faces.mjs'), snippet);
    const res = await run(process.execPath, ['detect-faces.mjs'], dir, env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`1 face(s) ${JSON.stringify([box])}`);
  });

  it('the AWS CLI command runs with the environment alone', async () => {
    const line = blocks('sh')
      .flatMap((b) => b.split('\n'))
      .find((l) => l.startsWith('aws rekognition detect-faces'));
    expect(line).toBeDefined();
    const res = await run('aws', [...line!.split(/\s+/).slice(1), '--output', 'json'], dir, env);
    expect(res.code, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as { FaceDetails: unknown[] }).FaceDetails).toEqual([{ BoundingBox: box, Confidence: 99.5 }]);
  });

  it('the boto3 snippet prints the faces', async (ctx) => {
    if (!(await hasPython())) return ctx.skip();
    const [snippet] = blocks('python');
    writeFileSync(join(dir, 'detect_faces.py'), snippet);
    const res = await run('python3', ['detect_faces.py'], dir, env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('1 face(s)');
    expect(res.stdout).toContain("'Width': 0.25");
  });
});
