/**
 * Face thumbnails for the console: made by IndexFaces, bounded, removed with their face, never in
 * an API answer. A fake models client shows synthetic faces (this is about storage, not models).
 */
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { THUMBNAIL_SIDE, thumbnailRegion } from '../../src/faces/thumbnail';
import { MAX_THUMBNAIL_BYTES } from '../../src/store/face-thumbnails';
import { TEST_CALLER, testEmulator, type TestEmulator } from '../support/emulator';
import { FakeFaceModels, syntheticFace } from '../faces/fake-models';
import { pngBytes } from '../faces/helpers';
import { unitVector, rng } from '../faces/synthetic';

const models = new FakeFaceModels();
const random = rng(7);
let seed = 5000;

let t: TestEmulator;
beforeEach(async () => {
  t = testEmulator({}, { inference: models.pool });
  await t.call('CreateCollection', { CollectionId: 'c' });
});
afterEach(() => t.close());

async function indexTwo(): Promise<string[]> {
  const bytes = await pngBytes(seed++);
  await models.show(bytes, [
    syntheticFace(unitVector(random), { Width: 0.3, Height: 0.4, Left: 0.1, Top: 0.1 }),
    syntheticFace(unitVector(random), { Width: 0.2, Height: 0.3, Left: 0.6, Top: 0.5 }),
  ]);
  const out = await t.call('IndexFaces', { CollectionId: 'c', Image: { Bytes: bytes.toString('base64') } });
  return out.FaceRecords.map((r: { Face: { FaceId: string } }) => r.Face.FaceId);
}

describe('face thumbnails', () => {
  it('IndexFaces keeps a small JPEG of each indexed face, which no API answer carries', async () => {
    const [a, b] = await indexTwo();
    const state = t.emulator.console.state;
    for (const id of [a, b]) {
      const jpeg = state.thumbnail(TEST_CALLER, 'c', id)!;
      expect(jpeg.length).toBeLessThanOrEqual(MAX_THUMBNAIL_BYTES);
      const meta = await sharp(jpeg).metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(THUMBNAIL_SIDE);
    }
    expect(state.collection(TEST_CALLER, 'c')!.Faces).toEqual(expect.arrayContaining([expect.objectContaining({ FaceId: a, HasThumbnail: true })]));
    const listed = JSON.stringify(await t.call('ListFaces', { CollectionId: 'c' }));
    expect(listed).not.toMatch(/thumbnail|jpeg/i);
    // Another account sees none of them.
    expect(state.thumbnail({ ...TEST_CALLER, account: '999999999999' }, 'c', a)).toBeUndefined();
  });

  it('goes with its face: DeleteFaces, DeleteCollection and reset remove it', async () => {
    const [a, b] = await indexTwo();
    const thumbnails = t.emulator.stores.faceThumbnails.in(TEST_CALLER);
    expect(thumbnails.count()).toBe(2);
    await t.call('DeleteFaces', { CollectionId: 'c', FaceIds: [a] });
    expect(thumbnails.get('c', a)).toBeUndefined();
    expect(thumbnails.get('c', b)).toBeDefined();
    await t.call('DeleteCollection', { CollectionId: 'c' });
    expect(thumbnails.count()).toBe(0);

    await t.call('CreateCollection', { CollectionId: 'c' });
    await indexTwo();
    expect(thumbnails.count()).toBe(2);
    t.emulator.control.reset();
    expect(thumbnails.count()).toBe(0);
  });

  it('refuses to keep a thumbnail over the size bound', () => {
    const thumbnails = t.emulator.stores.faceThumbnails.in(TEST_CALLER);
    expect(thumbnails.put(1, Buffer.alloc(MAX_THUMBNAIL_BYTES + 1))).toBe(false);
    expect(thumbnails.count()).toBe(0);
  });

  it('crops the face with a margin, clipped to the image', () => {
    expect(thumbnailRegion({ Left: 0.5, Top: 0.5, Width: 0.2, Height: 0.2 }, 100, 100)).toEqual({ left: 47, top: 47, width: 26, height: 26 });
    expect(thumbnailRegion({ Left: -0.1, Top: 0.9, Width: 0.3, Height: 0.3 }, 100, 100)).toEqual({ left: 0, top: 85, width: 25, height: 15 });
    expect(thumbnailRegion({ Left: 1.5, Top: 0, Width: 0.1, Height: 0.1 }, 100, 100)).toBeUndefined();
  });
});
