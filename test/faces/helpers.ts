/** Test images and folders for the face tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export const tempDir = () => mkdtempSync(join(tmpdir(), 'faces-'));

/** A distinct small PNG per seed: the fake models client knows each by its pixels. */
export async function pngBytes(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 120, height: 100, channels: 3, background: { r: seed % 256, g: Math.floor(seed / 256) % 256, b: (seed * 13) % 256 } } })
    .png()
    .toBuffer();
}
