#!/usr/bin/env node
/* global URL, process */
// The `rekognition-local` command: the compiled server in dist/ when the package was built (a packed
// or installed package), else the TypeScript sources through tsx (a git clone after `npm ci`).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
if (existsSync(compiled)) {
  process.setSourceMapsEnabled(true);
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../server/main.ts', import.meta.url).href);
}
