/**
 * Several faces per photo, with the real models: the six group photos that ship inside the
 * installed @vladmandic/face-api package (demo/sample1-6.jpg, MIT-licensed package; 22 women,
 * counted by eye). The run’s shared models client (test/support/models.ts).
 */
import { SdkClients } from '../../src/runtime/sdk-clients';
import { MemoryBudget } from '../../src/runtime/memory-budget';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectFaces } from '../../src/analysis/faces';
import { loadImage } from '../../src/media/image';
import { defaultConfig } from '../../src/runtime/config';
import type { ModelsClient } from '../../models/client';
import { sharedModels } from '../support/models';
import { packageDir } from '../../models/runtime/package-dir';

const FACES_PER_PHOTO = [3, 3, 3, 4, 5, 4];
const photo = (i: number) => readFileSync(join(packageDir('@vladmandic/face-api'), 'demo', `sample${i}.jpg`));

let pool: ModelsClient;
beforeAll(() => {
  pool = sharedModels();
});

const load = (bytes: Buffer) => loadImage({ Bytes: bytes }, { config: defaultConfig, clients: new SdkClients(), decodes: new MemoryBudget(1 << 30), region: 'us-east-1' });

/** The six photos shrunk into 640x427 each (a third of their width, on grey) and laid out `across` in a row: two across make 1280x1281, three 1920x854. */
async function sixInOne(across: number): Promise<Buffer> {
  const [W, H] = [640, 427];
  const cells = await Promise.all(FACES_PER_PHOTO.map((_, k) => sharp(photo(k + 1)).resize(W, H, { fit: 'contain', background: { r: 128, g: 128, b: 128 } }).toBuffer()));
  return sharp({ create: { width: across * W, height: Math.ceil(cells.length / across) * H, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite(cells.map((input, k) => ({ input, left: (k % across) * W, top: Math.floor(k / across) * H })))
    .jpeg()
    .toBuffer();
}

describe('group photos', () => {
  it('finds every face, largest first, with distinct boxes, and tells their gender', { timeout: 300_000 }, async () => {
    let women = 0;
    let total = 0;
    for (const [k, expected] of FACES_PER_PHOTO.entries()) {
      const image = await load(photo(k + 1));
      const faces = await detectFaces(image, { inference: pool }, { attributes: ['GENDER'] });
      expect(faces, `sample${k + 1}.jpg`).toHaveLength(expected);
      const areas = faces.map((f) => f.detail.BoundingBox!.Width! * f.detail.BoundingBox!.Height!);
      expect(areas).toEqual([...areas].sort((a, b) => b - a));
      // no two boxes cover the same face
      for (let i = 0; i < faces.length; i++) {
        for (let j = i + 1; j < faces.length; j++) {
          const [a, b] = [faces[i].detail.BoundingBox!, faces[j].detail.BoundingBox!];
          const w = Math.max(0, Math.min(a.Left! + a.Width!, b.Left! + b.Width!) - Math.max(a.Left!, b.Left!));
          const h = Math.max(0, Math.min(a.Top! + a.Height!, b.Top! + b.Height!) - Math.max(a.Top!, b.Top!));
          expect(w * h).toBeLessThan(0.2 * Math.min(areas[i], areas[j]));
        }
      }
      women += faces.filter((f) => f.detail.Gender?.Value === 'Female').length;
      total += faces.length;
    }
    console.log(`group photos: ${total} faces, ${women} called Female`);
    expect(women / total).toBeGreaterThanOrEqual(0.9);
  });

  it('finds the faces of all six in one large photo, where each face is a few percent of its width', { timeout: 120_000 }, async () => {
    const faces = await detectFaces(await load(await sixInOne(2)), { inference: pool }, {});
    const widths = faces.map((f) => Math.round(f.detail.BoundingBox!.Width! * 1280));
    console.log(`six group photos in one 1280x1281 photo: ${faces.length} faces, ${Math.min(...widths)}-${Math.max(...widths)} px wide`);
    expect(faces.length).toBeGreaterThanOrEqual(21);
    expect(faces.length).toBeLessThanOrEqual(22);
  });

  it('finds them in a wide photo too, where the whole image squashes each face (1920x854)', { timeout: 120_000 }, async () => {
    // tiles as wide as the photo found 12 of the 22 faces; tiles no wider than 4:3 find them all
    const faces = await detectFaces(await load(await sixInOne(3)), { inference: pool }, {});
    console.log(`six group photos in one 1920x854 photo: ${faces.length} faces`);
    expect(faces.length).toBeGreaterThanOrEqual(20);
    expect(faces.length).toBeLessThanOrEqual(22);
  });
});
