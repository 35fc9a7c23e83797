/** `npm run bench`: every benchmark, printing its numbers. Pass names to run some: `npm run bench -- platform faces`. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Bench {
  name: string;
  file: string;
  fn: string;
}

const benches: Bench[] = [
  { name: 'platform', file: './platform.ts', fn: 'benchPlatform' },
  { name: 'startup', file: './startup.ts', fn: 'benchStartup' },
  { name: 'load', file: './load.ts', fn: 'benchLoad' },
  { name: 'faces', file: './faces.ts', fn: 'benchFaces' },
  { name: 'faces-accuracy', file: './faces-accuracy.ts', fn: 'benchFacesAccuracy' },
  { name: 'faces-mosaics', file: './faces-mosaics.ts', fn: 'benchFacesMosaics' },
  { name: 'faces-similarity', file: './faces-similarity.ts', fn: 'benchFacesSimilarity' },
  { name: 'search', file: './search.ts', fn: 'benchSearch' },
  { name: 'vision', file: './vision.ts', fn: 'benchVision' },
  { name: 'text', file: './text.ts', fn: 'benchText' },
  { name: 'text-words', file: './text-words.ts', fn: 'benchTextWords' },
  { name: 'video', file: './video.ts', fn: 'benchVideo' },
  { name: 'image-bombs', file: './image-bombs.ts', fn: 'benchImageBombs' },
  { name: 'labels-accuracy', file: './labels-accuracy.ts', fn: 'benchLabelsAccuracy' },
  { name: 'plugins', file: './plugins.ts', fn: 'benchPlugins' },
  { name: 'console', file: './console.ts', fn: 'benchConsole' },
];

const wanted = process.argv.slice(2);
for (const bench of benches) {
  if (wanted.length && !wanted.includes(bench.name)) continue;
  if (!existsSync(fileURLToPath(new URL(bench.file, import.meta.url)))) continue;
  console.log(`\n== ${bench.name} ==`);
  const mod = (await import(bench.file)) as Record<string, () => Promise<void>>;
  await mod[bench.fn]();
}
process.exit(0);
