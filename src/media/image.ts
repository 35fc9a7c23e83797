/**
 * The `Image` input of every image operation: bytes or an S3 object, checked against the
 * operation's limits in AWS's order, decoded with sharp, EXIF orientation applied.
 * Limits and messages: AWS-BEHAVIOUR.md §2 and §5.
 */
import { createHash } from 'node:crypto';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { errors } from '../api/errors';
import type { Image } from '../api/generated/types';
import { readS3Object, type MediaContext } from './s3';
import { MemoryBudgetTimeout, type MemoryBudget } from '../runtime/memory-budget';
import type { RgbPixels } from '../../models/evidence';

export type { RgbPixels };

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_S3_BYTES = 15 * 1024 * 1024;
export const DEFAULT_MIN_SIDE = 80;
/**
 * The most pixels any operation decodes: 10000 x 10000. AWS documents a side limit only for
 * DetectLabels and DetectModerationLabels (10000) and PPE (4096); for the other operations it
 * documents none, so this bound is ours: the area of AWS's largest documented image, which keeps
 * one decode under about 1 GB, while a long panorama (say 20000 x 4000) still passes. It is checked
 * on the header's declared size before anything is decoded, and given to sharp as its pixel limit.
 */
export const MAX_PIXELS = 10_000 * 10_000;

/** Where images come from, and the budget their decodes share. */
export type ImageContext = MediaContext & { decodes: MemoryBudget };

export interface ImageLimits {
  /** Largest `Bytes`: 5 MB by default; PPE and custom labels take 4 MB. */
  maxBytes?: number;
  /** Largest S3 object: 15 MB by default. */
  maxS3Bytes?: number;
  /** Shortest accepted side in pixels: 80 by default; PPE takes 64. */
  minSide?: number;
  /** Longest accepted side in pixels (10000 for labels and moderation, 4096 for PPE); unchecked when absent. */
  maxSide?: number;
}

export interface LoadImageOptions extends ImageLimits {
  /** Where the image sits in the request, for validation messages: `image`, `sourceImage`, `targetImage`. */
  memberPath?: string;
}

export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
}

export interface LoadedImage {
  /** The bytes as received or read from S3. */
  bytes: Buffer;
  format: 'jpeg' | 'png';
  /** Size after EXIF orientation, i.e. as a viewer shows the image. */
  width: number;
  height: number;
  /** EXIF orientation, 1 to 8 (1 when absent). */
  orientation: number;
  /** Hex SHA-256 of `bytes`. */
  sha256: string;
  /** Raw 8-bit RGB pixels after EXIF orientation, decoded on first call and cached. */
  rgb(): Promise<RgbImage>;
}

const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function sniffFormat(bytes: Buffer): 'jpeg' | 'png' | undefined {
  if (bytes.subarray(0, JPEG_MAGIC.length).equals(JPEG_MAGIC)) return 'jpeg';
  if (bytes.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC)) return 'png';
  return undefined;
}

async function readBytes(image: Image | undefined, ctx: MediaContext, options: LoadImageOptions): Promise<Buffer> {
  const hasBytes = image?.Bytes !== undefined;
  const hasS3 = image?.S3Object !== undefined;
  // AWS's message reads as "exactly one of": both at once is refused too (our interpretation).
  if (hasBytes === hasS3) throw errors.invalidParameter('Requested image should either contain bytes or s3 object.');
  if (image?.Bytes !== undefined) {
    const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const size = image.Bytes.length;
    if (size > max) {
      const path = `${options.memberPath ?? 'image'}.bytes`;
      throw errors.validation(
        `1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=${size} cap=${size}]' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
      );
    }
    return image.Bytes;
  }
  return readS3Object(image?.S3Object, ctx, {
    maxBytes: options.maxS3Bytes ?? DEFAULT_MAX_S3_BYTES,
    tooLarge: () => errors.imageTooLarge('Image size is too large.'),
  });
}

/** Loads and checks an image input; throws the Rekognition error AWS gives for each violation. */
export async function loadImage(image: Image | undefined, ctx: ImageContext, options: LoadImageOptions = {}): Promise<LoadedImage> {
  const bytes = await readBytes(image, ctx, options);
  const format = sniffFormat(bytes);
  if (!format) throw errors.invalidImageFormat();

  let metadata: Metadata;
  try {
    // Header only (nothing is decoded); without sharp's pixel limit, so that huge images get the size error below.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw errors.invalidImageFormat();
  }
  if (metadata.format !== format) throw errors.invalidImageFormat();
  const { width, height } = metadata.autoOrient;
  if (!width || !height) throw errors.invalidImageFormat();

  const minSide = options.minSide ?? DEFAULT_MIN_SIDE;
  if (width < minSide || height < minSide) throw errors.invalidParameter();
  if (options.maxSide !== undefined && (width > options.maxSide || height > options.maxSide)) {
    throw errors.imageTooLarge(`Input image dimensions ${width} x ${height} exceed maximum dimension size of ${options.maxSide} pixels`);
  }
  if (width * height > MAX_PIXELS) throw errors.imageTooLarge(`Image dimensions: ${width} x ${height} pixels exceed the maximum limit.`);

  let pixels: Promise<RgbImage> | undefined;
  return {
    bytes,
    format,
    width,
    height,
    orientation: metadata.orientation ?? 1,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    rgb: () => (pixels ??= ctx.decodes.use(decodePeakBytes(width, height, metadata), () => decodeRgb(bytes, format)).catch((err: unknown) => {
      // The decode budget stayed full too long: the server is busy, as a throttled AWS would say.
      throw err instanceof MemoryBudgetTimeout ? errors.throttling() : err;
    })),
  };
}

/**
 * What a decode holds at its peak: the decoded image at its own depth and channels, plus the RGB
 * output (twice when EXIF orientation makes sharp rotate a copy). Bytes, as the decode budget counts them.
 */
export function decodePeakBytes(width: number, height: number, metadata: Pick<Metadata, 'channels' | 'depth' | 'orientation'>): number {
  const sample = metadata.depth === 'ushort' || metadata.depth === 'short' ? 2 : metadata.depth === 'float' || metadata.depth === 'uint' || metadata.depth === 'int' ? 4 : 1;
  const rotated = (metadata.orientation ?? 1) > 1 ? 2 : 1;
  return width * height * ((metadata.channels ?? 4) * sample + 3 * rotated);
}

async function decodeRgb(bytes: Buffer, format: 'jpeg' | 'png'): Promise<RgbImage> {
  let result: { data: Buffer; info: OutputInfo };
  try {
    // A JPEG whose data ends before its header's size (a lying header) only makes libjpeg warn
    // ("premature end") and fill the rest with grey, so JPEG warnings fail the decode (277 real
    // photos of the development set decode without one). PNG warnings are common and harmless
    // (sRGB profile notes) while missing PNG data is an error, so PNG fails on errors only. The
    // pixel limit repeats the header check, so sharp itself refuses anything larger. sRGB makes
    // greyscale 3 channels and 16-bit images 8-bit.
    result = await sharp(bytes, { failOn: format === 'jpeg' ? 'warning' : 'error', limitInputPixels: MAX_PIXELS }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch {
    throw errors.invalidImageFormat();
  }
  const { data, info } = result;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new Error(`expected 8-bit RGB from sharp, got ${info.channels} channels and ${data.length} bytes for ${info.width}x${info.height}`);
  }
  return { data, width: info.width, height: info.height, channels: 3 };
}


/**
 * Whether a photo is black and white: at most 1% of its pixels (a coloured logo, JPEG noise) have
 * channels more than `tolerance` apart. Every fourth pixel is read: enough for 1%, and quick on the
 * request's thread.
 */
export function isGreyscale(rgb: RgbPixels, tolerance = 8): boolean {
  const { data } = rgb;
  const step = 4 * 3;
  const allowed = (data.length / step) * 0.01;
  let coloured = 0;
  for (let i = 0; i < data.length; i += step) {
    const r = data[i], g = data[i + 1], b = data[i + 2];
    if (Math.max(r, g, b) - Math.min(r, g, b) > tolerance && ++coloured > allowed) return false;
  }
  return true;
}

/** The image tinted with a colour, each pixel keeping its lightness (sharp's `tint`). */
export async function tinted(rgb: RgbPixels, colour: { r: number; g: number; b: number }): Promise<RgbImage> {
  const { data, info } = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .tint(colour)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

/** The pixels shrunk to fit `maxSide` on their longer side, aspect kept; returned as they are when already small enough. */
export async function fitRgb<T extends RgbPixels>(rgb: T, maxSide: number): Promise<T | RgbImage> {
  if (Math.max(rgb.width, rgb.height) <= maxSide) return rgb;
  const { data, info } = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(maxSide, maxSide, { fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

