/**
 * What a detector plugin costs beyond its own network: the letterboxed input tensor, and decoding
 * an output shaped as ultralytics' YOLOv8 export ([1, 84, 8400]: 8400 proposals, 80 classes) with
 * NMS, on a 640x480 image, in this thread. The model is a graph the bench builds itself
 * (test/support/onnx.ts) whose output is constant, so the network's time is close to nothing
 * and what is measured is the emulator's work.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { detectWithPlugin, inputTensor, type DetectorPlugin } from '../models/plugins';
import { parseModelConfig } from '../src/analysis/model-config';
import { brightnessDetector } from '../test/support/onnx';

const PROPOSALS = 8400;
const CLASSES = 80;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(rounds: number, run: () => Promise<unknown>): Promise<{ median: number; min: number }> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return { median: median(times), min: Math.min(...times) };
}

export async function benchPlugins(rounds = 15): Promise<void> {
  // Random boxes; about 1 proposal in 300 has a class score over the 0.25 threshold, as on a busy photo.
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const rows = Array.from({ length: PROPOSALS }, () => {
    const base = [random() * 640, random() * 640, 20 + random() * 200, 20 + random() * 200];
    for (let c = 0; c < CLASSES; c++) base.push(random() < 0.003 ? 0.3 + random() * 0.6 : random() * 0.1);
    return { base, slope: base.map(() => 0) };
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-plugins-'));
  try {
    writeFileSync(path.join(dir, 'yolov8-shaped.onnx'), brightnessDetector({ size: 640, rows, columns: true }));
    const config = { models: [{ capability: 'detector', path: 'yolov8-shaped.onnx', input: { width: 640, height: 640 }, output: { labels: Array(CLASSES).fill('Car') } }] };
    const plugin = parseModelConfig(config, dir).plugins[0] as DetectorPlugin;
    const image = { data: new Uint8Array(640 * 480 * 3).fill(100), width: 640, height: 480 };
    const input = await timed(rounds, () => inputTensor(plugin, image));
    const all = await timed(rounds, () => detectWithPlugin(plugin, image));
    const kept = (await detectWithPlugin(plugin, image)).length;
    const ms = (t: { median: number; min: number }) => `median ${t.median.toFixed(1)} ms, min ${t.min.toFixed(1)} ms`;
    console.log(`detector plugin, 640x480 image into a 640x640 letterbox: input tensor ${ms(input)}`);
    console.log(`  input + run + decode of [1, ${4 + CLASSES}, ${PROPOSALS}] + NMS (${kept} kept): ${ms(all)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
