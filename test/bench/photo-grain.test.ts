import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../bench/draw-sunglasses';
import { randomGrain, shrunkCopy, withGrain } from '../../bench/photo-grain';

const grey = (level: number, width = 64, height = 48) => ({ data: new Uint8Array(width * height * 3).fill(level), width, height });

/** Mean and standard deviation of the grey level (the mean of the three colours) over the image. */
function luma({ data }: { data: Uint8Array }): { mean: number; std: number } {
  const values: number[] = [];
  for (let i = 0; i < data.length; i += 3) values.push((data[i] + data[i + 1] + data[i + 2]) / 3);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length) };
}

describe('photo grain', () => {
  it('adds noise of about the asked strength around the same brightness, and more for a larger sigma', async () => {
    const weak = luma(await withGrain(grey(128), { sigma: 4, quality: 90 }, seededRandom(1)));
    const strong = luma(await withGrain(grey(128), { sigma: 12, quality: 90 }, seededRandom(1)));
    expect(Math.abs(weak.mean - 128)).toBeLessThan(2);
    expect(Math.abs(strong.mean - 128)).toBeLessThan(2);
    // JPEG smooths part of it away; the colour noise averages out in the grey level
    expect(weak.std).toBeGreaterThan(2);
    expect(weak.std).toBeLessThan(6);
    expect(strong.std).toBeGreaterThan(2.5 * weak.std);
  });

  it('is the same for the same seed and differs for another', async () => {
    const a = await randomGrain(grey(100), seededRandom(7));
    const b = await randomGrain(grey(100), seededRandom(7));
    const c = await randomGrain(grey(100), seededRandom(8));
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Buffer.from(a.data).equals(Buffer.from(c.data))).toBe(false);
    expect([a.width, a.height]).toEqual([64, 48]);
  });

  it('shrinks a photo into one at least the asked size, with its content where scale and offset put it', async () => {
    // a white square at x 200-299, y 100-199 on a black 400x300 photo
    const width = 400, height = 300;
    const data = new Uint8Array(width * height * 3);
    for (let y = 100; y < 200; y++) for (let x = 200; x < 300; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
    const shrunk = await shrunkCopy({ data, width, height }, 0.25, 192, seededRandom(3));
    expect([shrunk.rgb.width, shrunk.rgb.height]).toEqual([192, 192]);
    expect(shrunk.offset).toEqual([46, 58]);
    const at = (x: number, y: number) => shrunk.rgb.data[(Math.round(y) * shrunk.rgb.width + Math.round(x)) * 3];
    const [ox, oy] = shrunk.offset;
    // the square's centre and a point well outside it, mapped into the copy
    expect(at(250 * 0.25 + ox, 150 * 0.25 + oy)).toBeGreaterThan(200);
    expect(at(100 * 0.25 + ox, 250 * 0.25 + oy)).toBeLessThan(40);
  });
});
