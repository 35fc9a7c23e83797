#!/usr/bin/env node
/* global URL, process */
// The `rekognition-local` command: the compiled server in dist/ in a packed or installed package;
// the TypeScript sources through tsx in a git clone, where a dist/ left by `npm pack` may be stale.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
const clone = existsSync(new URL('../.git', import.meta.url));
if (existsSync(compiled) && !clone) {
  process.setSourceMapsEnabled(true);
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../server/main.ts', import.meta.url).href);
}
