/**
 * Checks a configuration before anything starts, so a bad setting stops the process at once with
 * one line saying what is wrong and what to do, rather than a stack trace, a hang or a server that
 * refuses every request later.
 */
import { accessSync, constants, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

/** A setting the process cannot start with; the message is meant for the user as it is. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const reason = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/** An existing folder we can read: `--s3-dir`, `--celebrities-dir`. */
function readableFolder(dir: string, flag: string): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    throw new ConfigError(`${flag} ${dir} does not exist: create the folder or give an existing one`);
  }
  if (!isFolder) throw new ConfigError(`${flag} ${dir} is a file, not a folder: give a folder`);
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch {
    throw new ConfigError(`${flag} ${dir} cannot be read: fix its permissions or give another folder`);
  }
}

/**
 * The data folder, created when missing and proved writable. Missing parents are made one at a
 * time: a recursive mkdir spins forever under /proc.
 */
function writableFolder(dir: string, flag: string): void {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    try {
      if (!statSync(existing).isDirectory()) throw new ConfigError(`${flag} ${dir}: ${existing} is a file, not a folder: give a folder path`);
      break;
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      missing.unshift(existing);
      const parent = path.dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (err) {
      throw new ConfigError(`${flag} ${dir} cannot be created (${reason(err)} at ${folder}): give a folder you can write to`);
    }
  }
  const probe = path.join(absolute, `.rekognition-local-write-test-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw new ConfigError(`${flag} ${dir} is not writable (${reason(err)}): fix its permissions or give another folder`);
  }
}

/** Throws ConfigError for the first setting the process cannot start with; creates the data folder. */
export function checkConfig(config: Config): void {
  if (config.strictAuth && config.credentials.length === 0) {
    throw new ConfigError('--strict-auth needs the accepted keys: add --credentials AKID:SECRET[,AKID:SECRET...] (or REKOGNITION_LOCAL_CREDENTIALS)');
  }
  if (config.dataDir) writableFolder(config.dataDir, '--data-dir');
  if (config.s3Dir) readableFolder(config.s3Dir, '--s3-dir');
  if (config.celebritiesDir) readableFolder(config.celebritiesDir, '--celebrities-dir');
  if (config.modelConfig) {
    try {
      if (!statSync(config.modelConfig).isFile()) throw new Error('not a file');
    } catch {
      throw new ConfigError(`--model-config ${config.modelConfig} is not a file: give the path of your model configuration JSON`);
    }
  }
}
