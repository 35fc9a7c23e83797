/**
 * vitest globalSetup for the contract suite (registered in vitest.config.ts).
 *
 * Default target: starts rekognition-local as a child process on a free port, with a temporary
 * `--s3-dir` holding the fixtures under one bucket folder, waits for its ready line, provides the
 * endpoint to the test files and stops it afterwards. If the emulator died during the run, the
 * teardown fails the run and prints the end of its log.
 *
 * `CONTRACT_TARGET=aws`: starts nothing. The fixtures are uploaded to `CONTRACT_S3_BUCKET` (default
 * credential chain and region) under a unique prefix and deleted in teardown.
 */
import { DeleteObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { contractTarget, EMULATOR_BUCKET, fixtureBytes, FIXTURES, fixturesDir, repoRoot, type ContractContext } from './target';

const READY = /rekognition-local ready on (http:\/\/\S+)/;
const READY_TIMEOUT_MS = 90_000;
const LOG_TAIL_BYTES = 16_384;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  return contractTarget() === 'aws' ? setupAws(project, runId) : setupEmulator(project, runId);
}

async function setupEmulator(project: TestProject, runId: string): Promise<() => Promise<void>> {
  const s3Dir = mkdtempSync(join(tmpdir(), 'rekognition-contract-'));
  const prefix = 'contract/';
  for (const name of FIXTURES) {
    const target = join(s3Dir, EMULATOR_BUCKET, prefix, name);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(fixturesDir, name), target);
  }

  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--host', '127.0.0.1', '--s3-dir', s3Dir], {
    cwd: repoRoot,
    // The project's `env` (vitest.config.ts) reaches the emulator too.
    // Users settle at once unless the environment asks for a delay: the tests poll for ACTIVE as on AWS.
    env: { ...process.env, REKOGNITION_LOCAL_LOG_LEVEL: process.env.REKOGNITION_LOCAL_LOG_LEVEL ?? 'warn', REKOGNITION_LOCAL_USER_UPDATE_DELAY: process.env.REKOGNITION_LOCAL_USER_UPDATE_DELAY ?? '0', ...project.config.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logTail = '';
  const keep = (chunk: Buffer) => {
    logTail = (logTail + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
  };
  child.stderr!.on('data', keep);

  let endpoint: string;
  try {
    endpoint = await waitForReady(child, keep, () => logTail);
  } catch (err) {
    await stop(child);
    rmSync(s3Dir, { recursive: true, force: true });
    throw err;
  }

  const context: ContractContext = { target: 'emulator', endpoint, bucket: EMULATOR_BUCKET, prefix, runId, s3Dir };
  project.provide('contract', context);

  return async () => {
    const diedEarly = child.exitCode !== null || child.signalCode !== null;
    const how = diedEarly ? `exit code ${child.exitCode ?? child.signalCode}` : '';
    await stop(child);
    rmSync(s3Dir, { recursive: true, force: true });
    if (diedEarly) {
      // vitest only logs teardown errors: set the exit code so that the run fails.
      process.exitCode = 1;
      throw new Error(`the emulator stopped during the contract run (${how}); end of its log:\n${logTail}`);
    }
  };
}

function waitForReady(child: ChildProcess, keep: (chunk: Buffer) => void, tail: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error(`the emulator printed no ready line within ${READY_TIMEOUT_MS / 1000} s; its output:\n${stdout}${tail()}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      keep(chunk);
      stdout += chunk.toString('utf8');
      const m = READY.exec(stdout);
      if (m) {
        cleanup();
        resolve(m[1]);
      }
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`the emulator exited before it was ready (${code ?? signal}); its output:\n${stdout}${tail()}`));
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      // Keep draining stdout so the child never blocks on a full pipe.
      child.stdout!.on('data', keep);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', fail);
  });
}

/** SIGTERM (the server's graceful shutdown), then SIGKILL if it is still there after 10 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function setupAws(project: TestProject, runId: string): Promise<() => Promise<void>> {
  const bucket = process.env.CONTRACT_S3_BUCKET;
  if (!bucket) throw new Error('CONTRACT_TARGET=aws needs CONTRACT_S3_BUCKET: a bucket in the Rekognition region that the credentials can write to');
  const prefix = `rekognition-local-contract/${runId}/`;
  const s3 = new S3Client({});
  const uploaded: string[] = [];
  const cleanup = async () => {
    if (uploaded.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: uploaded.map((Key) => ({ Key })), Quiet: true } }));
    s3.destroy();
  };
  try {
    for (const name of FIXTURES) {
      const key = `${prefix}${name}`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: fixtureBytes(name) }));
      uploaded.push(key);
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  const context: ContractContext = { target: 'aws', bucket, prefix, runId };
  project.provide('contract', context);
  return cleanup;
}
