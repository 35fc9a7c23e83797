/**
 * Image bombs: peak RSS of a process that loads and decodes 16 hostile images at once, each
 * scenario in a fresh child process (maxRSS only grows). The PNG bombs (16383 x 16383, a few KB)
 * are refused from their header; the largest images accepted (10000 x 10000, 100 megapixels) are
 * decoded within the decode budget, each held for 3 s as a request's analysis would;
 * the last run lifts the budget to show what it saves.
 * `npm run bench -- image-bombs`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadImage } from '../src/media/image';
import { MemoryBudget } from '../src/runtime/memory-budget';
import { SdkClients } from '../src/runtime/sdk-clients';
import { pngBomb } from '../test/support/png-bomb';

const CONCURRENT = 16;

async function child(scenario: string): Promise<void> {
  const side = scenario === 'refused' ? 16383 : 10000;
  const budgetMb = scenario === 'unbounded' ? 1 << 20 : 2048;
  const bomb = pngBomb(side);
  const ctx = { config: {}, clients: new SdkClients(), decodes: new MemoryBudget(budgetMb * 1024 * 1024, 600_000), region: 'us-east-1' };
  const started = performance.now();
  const outcomes = await Promise.all(
    // As requests do: the pixels stay held while the analysis (here 3 s, about what inference takes on two cores) runs.
    Array.from({ length: CONCURRENT }, () =>
      ctx.decodes.request(async () => {
        try {
          const image = await loadImage({ Bytes: bomb }, ctx);
          const pixels = await image.rgb();
          await new Promise((resolve) => setTimeout(resolve, 3000));
          return pixels.data.length > 0 ? 'decoded' : 'empty';
        } catch (err) {
          return (err as Error).name;
        }
      }),
    ),
  );
  const counts = outcomes.reduce<Record<string, number>>((acc, o) => ((acc[o] = (acc[o] ?? 0) + 1), acc), {});
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${scenario.padEnd(10)} ${CONCURRENT} x ${side}x${side} PNG (${(bomb.length / 1024).toFixed(0)} KB), budget ${budgetMb >= 1 << 20 ? 'none' : `${budgetMb} MiB`}: ` +
      `${JSON.stringify(counts)}, peak RSS ${peakMb.toFixed(0)} MB, ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

export async function benchImageBombs(): Promise<void> {
  for (const scenario of ['refused', 'budget', 'unbounded']) {
    const run = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), scenario], { stdio: 'inherit', timeout: 300_000 });
    if (run.status !== 0) console.log(`${scenario}: child exited with ${run.status ?? run.signal}`);
  }
}

if (process.argv[2] && process.argv[1] === fileURLToPath(import.meta.url)) await child(process.argv[2]);
