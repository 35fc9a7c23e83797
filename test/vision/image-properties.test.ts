import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dominantColors as colorShares, kmeans, nearestCssColor, rgbToLab, sampleLab } from '../../models/colors';
import { imageProperties as measureProperties, instanceColors as instanceShares, luma, quality, type RgbPixels } from '../../models/image-properties';
import { simplifiedColor } from '../../src/analysis/colors';
import { dominantColors as toDominantColors, toImageProperties } from '../../src/analysis/image-properties';

// The worker's measurements (models/) as the API shows them (src/analysis/).
const dominantColors = (...args: Parameters<typeof colorShares>) => toDominantColors(colorShares(...args));
const instanceColors = (...args: Parameters<typeof instanceShares>) => toDominantColors(instanceShares(...args));
const imageProperties = (...args: Parameters<typeof measureProperties>) => toImageProperties(measureProperties(...args));
import { cssColors } from '../../src/analysis/taxonomy';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/images/${name}`, import.meta.url));

/** An image filled by `paint(x, y)`. */
function image(width: number, height: number, paint: (x: number, y: number) => [number, number, number]): RgbPixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 3);
  return { data, width, height };
}

async function decode(file: string, blur = 0): Promise<RgbPixels> {
  let s = sharp(fixture(file)).removeAlpha();
  if (blur) s = s.blur(blur);
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const all = (img: RgbPixels) => ({ x0: 0, y0: 0, x1: img.width, y1: img.height });

describe('colour names', () => {
  it('converts sRGB to CIELAB (D65)', () => {
    const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 1));
    close(rgbToLab(255, 255, 255), [100, 0, 0]);
    close(rgbToLab(0, 0, 0), [0, 0, 0]);
    close(rgbToLab(255, 0, 0), [53.24, 80.09, 67.2]);
  });

  it('snaps every CSS colour to itself', () => {
    for (const c of cssColors) expect(nearestCssColor(rgbToLab(...c.rgb)).name).toBe(c.name);
  });

  it('simplifies the colours seen in real responses as AWS did', () => {
    const rgb = (name: string) => cssColors.find((c) => c.name === name)!.rgb;
    expect(simplifiedColor(rgb('darkslategrey'))).toBe('grey');
    expect(simplifiedColor(rgb('darkolivegreen'))).toBe('green');
    expect(simplifiedColor(rgb('gray'))).toBe('grey');
    expect(simplifiedColor(rgb('dimgrey'))).toBe('grey');
    expect(simplifiedColor(rgb('black'))).toBe('black');
    const basic = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'white', 'teal', 'brown', 'maroon', 'navy'];
    expect(basic.map((n) => simplifiedColor(rgb(n)))).toEqual(['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'white', 'teal', 'brown', 'brown', 'blue']);
  });
});

describe('dominant colours', () => {
  const flag = image(100, 50, (x) => (x < 70 ? [255, 0, 0] : [0, 0, 128]));

  it('reports each region of flat colour with its share of the pixels', () => {
    const colors = dominantColors(sampleLab(flag, all(flag), 5000), 10);
    expect(colors.map((c) => [c.CSSColor, c.SimplifiedColor, c.HexCode])).toEqual([
      ['red', 'red', '#ff0000'],
      ['navy', 'blue', '#000080'],
    ]);
    expect(colors[0].PixelPercent).toBeCloseTo(70, 0);
    expect(colors[1].PixelPercent).toBeCloseTo(30, 0);
    expect(colors[0]).toEqual({ Red: 255, Blue: 0, Green: 0, HexCode: '#ff0000', CSSColor: 'red', SimplifiedColor: 'red', PixelPercent: colors[0].PixelPercent });
  });

  it('is repeatable and honours the maximum', async () => {
    const photo = await decode('coffee.png');
    const a = dominantColors(sampleLab(photo, all(photo), 4000), 5);
    const b = dominantColors(sampleLab(photo, all(photo), 4000), 5);
    expect(a).toEqual(b);
    expect(a).toHaveLength(5);
    expect(dominantColors(sampleLab(photo, all(photo), 4000), 0)).toEqual([]);
    expect(a.reduce((s, c) => s + c.PixelPercent!, 0)).toBeLessThanOrEqual(100.0001);
  });

  it('clusters into at most k groups whose sizes add up', () => {
    const samples = sampleLab(flag, all(flag), 5000);
    const clusters = kmeans(samples, 4);
    expect(clusters.k).toBeLessThanOrEqual(4);
    expect(clusters.assign.length).toBe(samples.count);
  });

  it('lists at most 3 colours per instance, each covering 10% of its box', () => {
    const colors = instanceColors(flag, { Left: 0.5, Top: 0, Width: 0.5, Height: 1 }, 10);
    expect(colors.map((c) => c.CSSColor)).toEqual(['navy', 'red']);
    expect(colors[0].PixelPercent).toBeCloseTo(60, 0);
  });
});

describe('quality', () => {
  it('measures brightness and contrast from luma', () => {
    const grey = quality(luma(image(64, 64, () => [128, 128, 128])))!;
    expect(grey.Brightness).toBeCloseTo((100 * 128) / 255, 3);
    expect(grey.Contrast).toBe(0);
    expect(grey.Sharpness).toBe(0);
    const halves = quality(luma(image(64, 64, (x) => (x < 32 ? [0, 0, 0] : [255, 255, 255]))))!;
    expect(halves.Brightness).toBeCloseTo(50, 3);
    expect(halves.Contrast).toBe(100);
  });

  it('puts in-focus photos high and a 3 px blur of them under 40', async () => {
    for (const file of ['coffee.png', 'astronaut.png', 'motorcycle_left.png']) {
      const sharpness = quality(luma(await decode(file)))!.Sharpness;
      const blurred = quality(luma(await decode(file, 3)))!.Sharpness;
      expect(sharpness, file).toBeGreaterThan(80);
      expect(blurred, file).toBeLessThan(40);
    }
  });

  it('does not depend on the resolution much', async () => {
    // The same photo at full size (measured at half size: box average) and shrunk to half by sharp.
    const full = quality(luma(await decode('motorcycle_left.png')))!.Sharpness;
    const { data, info } = await sharp(fixture('motorcycle_left.png')).removeAlpha().resize(370).raw().toBuffer({ resolveWithObject: true });
    const half = quality(luma({ data, width: info.width, height: info.height }))!.Sharpness;
    expect(Math.abs(full - half)).toBeLessThan(10);
  });
});

describe('image properties', () => {
  it('splits foreground and background by the instance boxes', () => {
    const img = image(100, 100, (x) => (x < 50 ? [255, 0, 0] : [0, 0, 255]));
    const props = imageProperties(img, { maxColors: 10, foreground: [{ Left: 0, Top: 0, Width: 0.5, Height: 1 }] });
    expect(props.DominantColors!.map((c) => c.CSSColor)).toEqual(['blue', 'red']);
    expect(props.Foreground!.DominantColors!.map((c) => [c.CSSColor, Math.round(c.PixelPercent!)])).toEqual([['red', 100]]);
    expect(props.Background!.DominantColors!.map((c) => [c.CSSColor, Math.round(c.PixelPercent!)])).toEqual([['blue', 100]]);
    expect(Object.keys(props.Foreground!.Quality!)).toEqual(['Brightness', 'Sharpness']);
    expect(Object.keys(props.Quality!)).toEqual(['Brightness', 'Sharpness', 'Contrast']);
  });

  it('has no foreground or background without instances', () => {
    const props = imageProperties(image(32, 32, () => [10, 10, 10]), { maxColors: 10, foreground: [] });
    expect(props).not.toHaveProperty('Foreground');
    expect(props.DominantColors!.map((c) => c.CSSColor)).toEqual(['black']);
  });
});
