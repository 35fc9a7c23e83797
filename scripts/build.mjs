/* global URL, console */
// `npm run build` (and `npm pack`, through prepack): compiles the server, the package entry and the
// inference worker to dist/ as bundled JavaScript with source maps, so `rekognition-local` starts
// without compiling TypeScript. Dependencies stay external (native modules, model weights).
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');

// Code that finds files next to itself (taxonomy tables, the package.json, the model cache) keeps
// finding them: in the bundle, its import.meta.url is its source file's URL, seen from dist/.
// models/pool.ts is the exception: bundled, it starts the bundled worker beside it.
const sourceUrls = {
  name: 'source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      if (!args.path.endsWith(path.join('models', 'pool.ts')) && contents.includes('import.meta.url')) {
        const relative = path.relative(dist, args.path).split(path.sep).join('/');
        contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`);
      }
      return { contents, loader: 'ts' };
    });
  },
};

await rm(dist, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'server/main.ts', index: 'index.ts', worker: 'models/worker.ts' },
  outdir: dist,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [sourceUrls],
});
// The web console's page script, for installs without esbuild (server/console.ts bundles it itself when esbuild is there).
await build({
  absWorkingDir: root,
  entryPoints: { console: 'console/main.ts' },
  outdir: dist,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
});
console.log('built dist/main.js, dist/index.js, dist/worker.js, dist/console.js');
