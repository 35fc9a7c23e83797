/**
 * DetectText latency: the operation dispatched in-process by an emulator (validation, image
 * decode, then detection, recognition and WORD split in a pool worker) on the scene photo with
 * signs and on the book page, one request at a time. Reports wall-clock p50/p90, the CPU time per call (process-wide, so it includes the
 * worker; on a busy machine the steadier figure) and how late the event loop ran.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createEmulator } from '../src/emulator';
import { ocrThreads } from '../models/ocr';
import { ModelsClient } from '../models/client';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/images/${name}`, import.meta.url)));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function benchText(rounds = Number(process.env.BENCH_TEXT_ROUNDS) || 15): Promise<void> {
  const pool = new ModelsClient();
  const t0 = performance.now();
  await pool.broadcast('text.warmup');
  console.log(`${pool.size} workers up with PP-OCRv4 sessions in ${(performance.now() - t0).toFixed(0)} ms (${ocrThreads()} intra-op thread each)`);
  const emulator = createEmulator({ logLevel: 'warn' }, { inference: pool });
  const caller = { account: '000000000000', region: 'us-east-1' };

  for (const [label, file] of [
    ['scene photo with signs (1200x810 JPEG)', 'scene-sign.jpg'],
    ['book page (384x191 PNG)', 'page.png'],
  ] as const) {
    const body = JSON.stringify({ Image: { Bytes: fixture(file).toString('base64') } });
    const run = async () => {
      const answer = await emulator.dispatch('DetectText', body, caller);
      if (answer.status !== 200) throw new Error(`DetectText failed: ${answer.body}`);
      return JSON.parse(answer.body) as { TextDetections?: { Type?: string }[] };
    };
    await run();
    await run();
    const wall: number[] = [];
    const cpu: number[] = [];
    let words = 0;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    for (let i = 0; i < rounds; i++) {
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      const out = await run();
      wall.push(performance.now() - w0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      words = out.TextDetections?.filter((d) => d.Type === 'WORD').length ?? 0;
    }
    loop.disable();
    console.log(
      `DetectText ${label}: p50 ${percentile(wall, 50).toFixed(0)} ms, p90 ${percentile(wall, 90).toFixed(0)} ms, ` +
        `CPU ${percentile(cpu, 50).toFixed(0)} ms per call (p50), event loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms (max ${(loop.max / 1e6).toFixed(0)}), ` +
        `${words} words, ${rounds} rounds`,
    );
  }
  await emulator.stop();
}
