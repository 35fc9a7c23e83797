/** Settings the server cannot start with are refused up front, each with one line saying what to do. */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/runtime/config';
import { checkConfig, ConfigError } from '../../src/runtime/preflight';

const dir = mkdtempSync(join(tmpdir(), 'preflight-'));
const file = join(dir, 'a-file');
writeFileSync(file, '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (config: Partial<Config>): string => {
  try {
    checkConfig({ ...defaultConfig, ...config });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('checkConfig', () => {
  it('accepts the defaults', () => expect(() => checkConfig(defaultConfig)).not.toThrow());

  it('creates a missing data dir, parents included', () => {
    const dataDir = join(dir, 'new', 'state');
    checkConfig({ ...defaultConfig, dataDir });
    expect(existsSync(dataDir)).toBe(true);
  });

  it('refuses a data dir that is a file, or sits under one', () => {
    expect(refusal({ dataDir: file })).toMatch(/--data-dir .* is a file, not a folder/);
    expect(refusal({ dataDir: join(file, 'below') })).toMatch(/is a file, not a folder/);
  });

  it('refuses a data dir that cannot be created, at once (a recursive mkdir under /proc spins)', () => {
    expect(refusal({ dataDir: '/proc/nope/state' })).toMatch(/--data-dir \/proc\/nope\/state cannot be created/);
  });

  it.skipIf(process.getuid?.() === 0)('refuses a data dir it cannot write to', () => {
    const readOnly = join(dir, 'read-only');
    checkConfig({ ...defaultConfig, dataDir: readOnly });
    chmodSync(readOnly, 0o555);
    expect(refusal({ dataDir: readOnly })).toMatch(/is not writable/);
  });

  it('refuses an S3 folder or celebrity gallery that is missing or a file', () => {
    expect(refusal({ s3Dir: join(dir, 'nope') })).toMatch(/--s3-dir .* does not exist: create the folder/);
    expect(refusal({ s3Dir: file })).toMatch(/--s3-dir .* is a file, not a folder/);
    expect(refusal({ celebritiesDir: join(dir, 'nope') })).toMatch(/--celebrities-dir .* does not exist/);
  });

  it('refuses --strict-auth without credentials', () => {
    expect(refusal({ strictAuth: true })).toMatch(/--strict-auth needs the accepted keys: add --credentials/);
    expect(() => checkConfig({ ...defaultConfig, strictAuth: true, credentials: [{ accessKeyId: 'a', secretAccessKey: 'b' }] })).not.toThrow();
  });
});
