/** loadImage from Bytes: AWS's checks in order, formats, sizes, EXIF orientation, RGB pixels. */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePeakBytes, isGreyscale, loadImage, MAX_PIXELS, tinted } from '../../src/media/image';
import { MemoryBudget } from '../../src/runtime/memory-budget';
import { pngBomb } from '../support/png-bomb';
import { expectError, fixture, mediaCtx } from './helpers';

// No S3 source: these tests only use Bytes.
const ctx = mediaCtx({});

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 100, b: 50 } } });

/** A PNG whose header claims `width` x `height` but holds no pixels: a cheap "huge" image. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, default compression, filter, no interlace
  const idat = Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]); // an empty zlib stream
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** A small real JPEG whose frame header (SOF) is rewritten to claim `width` x `height`. */
async function lyingJpeg(width: number, height: number): Promise<Buffer> {
  const jpeg = await solid(120, 90).jpeg().toBuffer();
  for (let i = 2; i < jpeg.length - 9; ) {
    const marker = jpeg[i + 1];
    if (marker === 0xc0 || marker === 0xc2) {
      jpeg.writeUInt16BE(height, i + 5);
      jpeg.writeUInt16BE(width, i + 7);
      return jpeg;
    }
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error('no SOF marker');
}

describe('which input', () => {
  const message = 'Requested image should either contain bytes or s3 object.';

  it('refuses an Image with neither Bytes nor S3Object', async () => {
    await expectError(loadImage({}, ctx), 'InvalidParameterException', message);
    await expectError(loadImage(undefined, ctx), 'InvalidParameterException', message);
  });

  it('refuses an Image with both Bytes and S3Object', async () => {
    await expectError(loadImage({ Bytes: fixture('coffee.png'), S3Object: { Bucket: 'b', Name: 'k' } }, ctx), 'InvalidParameterException', message);
  });
});

describe('byte limits', () => {
  const tooBig = (size: number, limit: number, member = 'image') =>
    `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${size} cap=${size}]' at '${member}.bytes' failed to satisfy constraint: Member must have length less than or equal to ${limit}`;

  it('refuses Bytes over 5 MB by default with the Coral validation message', async () => {
    const bytes = Buffer.alloc(5242881);
    await expectError(loadImage({ Bytes: bytes }, ctx), 'ValidationException', tooBig(5242881, 5242880));
  });

  it('uses the operation limit (4 MB for PPE) and member path', async () => {
    const bytes = Buffer.alloc(4194305);
    const err = await expectError(loadImage({ Bytes: bytes }, ctx, { maxBytes: 4194304, memberPath: 'sourceImage' }), 'ValidationException');
    expect(err.message).toBe(tooBig(4194305, 4194304, 'sourceImage'));
    expect(err.toBody()).toEqual({ __type: 'ValidationException', message: tooBig(4194305, 4194304, 'sourceImage') });
  });

  it('checks size before format: an oversize non-image is a ValidationException', async () => {
    await expectError(loadImage({ Bytes: Buffer.alloc(4194305, 7) }, ctx, { maxBytes: 4194304 }), 'ValidationException');
  });

  it('accepts an image of exactly the limit', async () => {
    const png = fixture('coffee.png');
    const image = await loadImage({ Bytes: png }, ctx, { maxBytes: png.length });
    expect(image.bytes.length).toBe(png.length);
  });
});

describe('formats', () => {
  it('loads a real PNG photo', async () => {
    const png = fixture('chelsea.png');
    const image = await loadImage({ Bytes: png }, ctx);
    expect(image).toMatchObject({ format: 'png', width: 451, height: 300, orientation: 1 });
    expect(image.bytes).toBe(png);
    expect(image.sha256).toBe(createHash('sha256').update(png).digest('hex'));
  });

  it('loads a JPEG', async () => {
    const jpeg = await sharp(fixture('coffee.png')).jpeg().toBuffer();
    const image = await loadImage({ Bytes: jpeg }, ctx);
    expect(image).toMatchObject({ format: 'jpeg', width: 600, height: 400 });
  });

  it.each([
    ['GIF', () => solid(100, 100).gif().toBuffer()],
    ['WebP', () => solid(100, 100).webp().toBuffer()],
    ['TIFF', () => solid(100, 100).tiff().toBuffer()],
    ['text', async () => Buffer.from('definitely not an image')],
    ['one byte', async () => Buffer.from([0xff])],
  ])('refuses %s with InvalidImageFormatException', async (_name, make) => {
    await expectError(loadImage({ Bytes: await make() }, ctx), 'InvalidImageFormatException', 'Request has invalid image format');
  });

  it('refuses PNG or JPEG magic followed by garbage', async () => {
    const png = Buffer.concat([fixture('coffee.png').subarray(0, 8), Buffer.alloc(200, 0x41)]);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(200, 0x41)]);
    await expectError(loadImage({ Bytes: png }, ctx), 'InvalidImageFormatException');
    await expectError(loadImage({ Bytes: jpeg }, ctx), 'InvalidImageFormatException');
  });

  it('refuses a truncated JPEG when it is decoded, never with a raw sharp error', async () => {
    const jpeg = await sharp(fixture('coffee.png')).jpeg().toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    await expectError(
      loadImage({ Bytes: truncated }, ctx).then((image) => image.rgb()),
      'InvalidImageFormatException',
      'Request has invalid image format',
    );
  });
});

describe('dimensions', () => {
  it('refuses a side under 80 px with InvalidParameterException', async () => {
    const narrow = await solid(79, 200).png().toBuffer();
    const short = await solid(200, 79).jpeg().toBuffer();
    await expectError(loadImage({ Bytes: narrow }, ctx), 'InvalidParameterException', 'Request has invalid parameters');
    await expectError(loadImage({ Bytes: short }, ctx), 'InvalidParameterException', 'Request has invalid parameters');
    await expect(loadImage({ Bytes: await solid(80, 80).png().toBuffer() }, ctx)).resolves.toMatchObject({ width: 80, height: 80 });
  });

  it('uses the operation minimum (64 px for PPE)', async () => {
    await expect(loadImage({ Bytes: await solid(64, 64).png().toBuffer() }, ctx, { minSide: 64 })).resolves.toMatchObject({ width: 64 });
    await expectError(loadImage({ Bytes: await solid(63, 64).png().toBuffer() }, ctx, { minSide: 64 }), 'InvalidParameterException');
  });

  it('refuses a side over maxSide with AWS message', async () => {
    const wide = await solid(4097, 100).png().toBuffer();
    await expectError(
      loadImage({ Bytes: wide }, ctx, { maxSide: 4096 }),
      'ImageTooLargeException',
      'Input image dimensions 4097 x 100 exceed maximum dimension size of 4096 pixels',
    );
    await expect(loadImage({ Bytes: wide }, ctx)).resolves.toMatchObject({ width: 4097, height: 100 });
  });

  it('reads dimensions from the header, before any decoding', async () => {
    const huge = pngHeaderOnly(10800, 5400);
    await expectError(
      loadImage({ Bytes: huge }, ctx, { maxSide: 10000 }),
      'ImageTooLargeException',
      'Input image dimensions 10800 x 5400 exceed maximum dimension size of 10000 pixels',
    );
  });

  it('refuses images too large to decode when the operation sets no maxSide', async () => {
    await expectError(
      loadImage({ Bytes: pngHeaderOnly(20000, 20000) }, ctx),
      'ImageTooLargeException',
      'Image dimensions: 20000 x 20000 pixels exceed the maximum limit.',
    );
  });
});

describe('EXIF orientation and pixels', () => {
  /** 160x100, left half red and right half blue, stored with EXIF orientation 6 (display rotated 90° clockwise). */
  const rotatedHalves = async () => {
    const raw = Buffer.alloc(160 * 100 * 3);
    for (let y = 0; y < 100; y++) {
      for (let x = 0; x < 160; x++) raw.set(x < 80 ? [255, 0, 0] : [0, 0, 255], (y * 160 + x) * 3);
    }
    return sharp(raw, { raw: { width: 160, height: 100, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  };
  const pixel = (rgb: { data: Buffer; width: number }, x: number, y: number) => [...rgb.data.subarray((y * rgb.width + x) * 3, (y * rgb.width + x) * 3 + 3)];

  it('reports width and height after orientation and rotates the pixels', async () => {
    const image = await loadImage({ Bytes: await rotatedHalves() }, ctx);
    expect(image).toMatchObject({ format: 'jpeg', width: 100, height: 160, orientation: 6 });
    const rgb = await image.rgb();
    expect(rgb).toMatchObject({ width: 100, height: 160, channels: 3 });
    expect(rgb.data.length).toBe(100 * 160 * 3);
    // Rotated clockwise, the left (red) half becomes the top half.
    const [r1, , b1] = pixel(rgb, 50, 20);
    const [r2, , b2] = pixel(rgb, 50, 140);
    expect(r1).toBeGreaterThan(200);
    expect(b1).toBeLessThan(60);
    expect(r2).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
  });

  it('checks limits against the oriented size', async () => {
    const tall = await solid(100, 4097).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    await expectError(
      loadImage({ Bytes: tall }, ctx, { maxSide: 4096 }),
      'ImageTooLargeException',
      'Input image dimensions 4097 x 100 exceed maximum dimension size of 4096 pixels',
    );
  });

  it('matches the real photo rotated by sharp', async () => {
    const png = fixture('chelsea.png');
    const jpeg = await sharp(png).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const rgb = await (await loadImage({ Bytes: jpeg }, ctx)).rgb();
    const expected = await sharp(png).rotate(90).removeAlpha().raw().toBuffer();
    expect([rgb.width, rgb.height]).toEqual([300, 451]);
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff += Math.abs(expected[i] - rgb.data[i]);
    expect(diff / expected.length).toBeLessThan(4); // JPEG loss only
  });

  it('decodes once and caches the pixels', async () => {
    const image = await loadImage({ Bytes: fixture('coffee.png') }, ctx);
    const first = await image.rgb();
    expect(await image.rgb()).toBe(first);
    expect(first.data.equals(await sharp(fixture('coffee.png')).raw().toBuffer())).toBe(true);
  });

  it('gives 3 channels for greyscale, grey+alpha, RGBA and 16-bit PNGs', async () => {
    const grey = await sharp(fixture('coffee.png')).toColourspace('b-w').png().toBuffer();
    const greyAlpha = await sharp(fixture('coffee.png')).toColourspace('b-w').ensureAlpha(0.5).png().toBuffer();
    const rgba = await sharp(fixture('coffee.png')).ensureAlpha(0.5).png().toBuffer();
    const deep = await sharp(fixture('coffee.png')).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    expect((await sharp(greyAlpha).metadata()).channels).toBe(2);
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    for (const bytes of [grey, greyAlpha, rgba, deep]) {
      const rgb = await (await loadImage({ Bytes: bytes }, ctx)).rgb();
      expect(rgb).toMatchObject({ width: 600, height: 400, channels: 3 });
      expect(rgb.data.length).toBe(600 * 400 * 3);
    }
    const greyPixels = (await (await loadImage({ Bytes: grey }, ctx)).rgb()).data;
    expect(greyPixels[300 * 3]).toBe(greyPixels[300 * 3 + 1]);
    expect(greyPixels[300 * 3 + 1]).toBe(greyPixels[300 * 3 + 2]);
  });
});

describe('image bombs', () => {
  it('refuses a PNG of a few KB that decodes to 16383 x 16383, from its header, with AWS error', async () => {
    const bomb = pngBomb(16383); // a few KB that decode to 16383 x 16383 pixels
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(await sharp(bomb).metadata()).toMatchObject({ width: 16383, height: 16383, format: 'png' });
    await expectError(loadImage({ Bytes: bomb }, ctx), 'ImageTooLargeException', 'Image dimensions: 16383 x 16383 pixels exceed the maximum limit.');
  });

  it('refuses a JPEG whose header claims 16000 x 16000', async () => {
    const liar = await lyingJpeg(16000, 16000);
    await expectError(loadImage({ Bytes: liar }, ctx), 'ImageTooLargeException', 'Image dimensions: 16000 x 16000 pixels exceed the maximum limit.');
  });

  it('refuses at decoding a JPEG whose header claims more pixels than its data holds', async () => {
    const liar = await lyingJpeg(4000, 3000);
    const image = await loadImage({ Bytes: liar }, ctx);
    expect(image).toMatchObject({ width: 4000, height: 3000 });
    await expectError(image.rgb(), 'InvalidImageFormatException', 'Request has invalid image format');
    const png = await loadImage({ Bytes: pngHeaderOnly(4000, 3000) }, ctx);
    await expectError(png.rgb(), 'InvalidImageFormatException', 'Request has invalid image format');
  });

  it('lets the largest image it allows through the header checks', async () => {
    const side = Math.sqrt(MAX_PIXELS);
    await expect(loadImage({ Bytes: pngHeaderOnly(side, side) }, ctx)).resolves.toMatchObject({ width: side, height: side });
    await expectError(loadImage({ Bytes: pngHeaderOnly(side, side + 1) }, ctx), 'ImageTooLargeException');
  });

  it('makes decodes wait for room in the decode budget', async () => {
    const bytes = await solid(400, 300).png().toBuffer();
    const peak = decodePeakBytes(400, 300, await sharp(bytes).metadata());
    const budget = new MemoryBudget(peak * 2);
    const small = { ...ctx, decodes: budget };
    let most = 0;
    const images = await Promise.all(Array.from({ length: 6 }, () => loadImage({ Bytes: bytes }, small)));
    const watch = setInterval(() => (most = Math.max(most, budget.inUse)), 0);
    await Promise.all(images.map((image) => image.rgb()));
    clearInterval(watch);
    expect(most).toBeLessThanOrEqual(peak * 2);
    expect(budget.inUse).toBe(0);
  });
});

describe('black-and-white photos', () => {
  const grey = (width: number, height: number, colouredPixels = 0) => {
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) data.fill(((i * 7) % 256), 3 * i, 3 * i + 3);
    // small JPEG colour noise everywhere, and a few truly coloured pixels (a logo)
    for (let i = 0; i < data.length; i += 3) data[i] = Math.min(255, data[i] + (i % 5));
    for (let i = 0; i < colouredPixels; i++) data.set([255, 0, 0], 3 * i);
    return { data, width, height };
  };

  it('isGreyscale: grey with JPEG-sized colour noise and a small coloured logo is grey; a colour photo is not', async () => {
    expect(isGreyscale(grey(100, 100))).toBe(true);
    expect(isGreyscale(grey(100, 100, 99))).toBe(true);
    expect(isGreyscale(grey(100, 100, 200))).toBe(false);
    const { data, info } = await sharp(fixture('astronaut.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(isGreyscale({ data, width: info.width, height: info.height })).toBe(false);
  });

  it('tinted keeps each pixel\'s lightness and gives it the colour', async () => {
    const out = await tinted(grey(64, 4), { r: 196, g: 144, b: 124 });
    expect([out.width, out.height, out.data.length]).toEqual([64, 4, 64 * 4 * 3]);
    const source = grey(64, 4);
    for (let i = 0; i < out.data.length; i += 3) {
      const [r, g, b] = out.data.subarray(i, i + 3);
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      const before = 0.299 * source.data[i] + 0.587 * source.data[i + 1] + 0.114 * source.data[i + 2];
      expect(Math.abs(luma - before)).toBeLessThan(4);
      if (before > 40 && before < 220) expect(r).toBeGreaterThan(b);
    }
  });
});
