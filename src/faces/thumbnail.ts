/** The small picture of an indexed face that the web console shows beside its FaceId. */
import sharp from 'sharp';
import type { BoundingBox } from '../api/generated/types';
import type { RgbImage } from '../media/image';

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIDE = 64;
/** Room around the face box, as a share of its size on each side. */
const MARGIN = 0.15;

/** The pixel rectangle of `box` with its margin, inside the image; undefined when nothing of it is. */
export function thumbnailRegion(box: BoundingBox, width: number, height: number): { left: number; top: number; width: number; height: number } | undefined {
  const [w, h] = [box.Width ?? 0, box.Height ?? 0];
  const left = Math.max(0, Math.floor(((box.Left ?? 0) - w * MARGIN) * width));
  const top = Math.max(0, Math.floor(((box.Top ?? 0) - h * MARGIN) * height));
  const right = Math.min(width, Math.ceil(((box.Left ?? 0) + w * (1 + MARGIN)) * width));
  const bottom = Math.min(height, Math.ceil(((box.Top ?? 0) + h * (1 + MARGIN)) * height));
  if (right - left < 1 || bottom - top < 1) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

/** A JPEG of the face at most THUMBNAIL_SIDE on its longer side; undefined when the box lies outside the image. */
export async function faceThumbnail(rgb: RgbImage, box: BoundingBox): Promise<Buffer | undefined> {
  const region = thumbnailRegion(box, rgb.width, rgb.height);
  if (!region) return undefined;
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .extract(region)
    .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside' })
    .jpeg({ quality: 70 })
    .toBuffer();
}
