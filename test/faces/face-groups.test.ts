/**
 * Several faces per photo, with the real models: the six group photos that ship inside the
 * installed @vladmandic/face-api package (demo/sample1-6.jpg, MIT-licensed package; 22 women,
 * counted by eye). The run’s shared models client (test/support/models.ts).
 */
import { SdkClients } from '../../src/runtime/sdk-clients';
import { MemoryBudget } from '../../src/runtime/memory-budget';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectFaces } from '../../src/analysis/faces';
import { loadImage } from '../../src/media/image';
import { defaultConfig } from '../../src/runtime/config';
import type { ModelsClient } from '../../models/client';
import { sharedModels } from '../support/models';
import { packageDir } from '../../models/runtime/tfjs';

const FACES_PER_PHOTO = [3, 3, 3, 4, 5, 4];
const photo = (i: number) => readFileSync(join(packageDir('@vladmandic/face-api'), 'demo', `sample${i}.jpg`));

let pool: ModelsClient;
beforeAll(() => {
  pool = sharedModels();
});

describe('group photos', () => {
  it('finds every face, largest first, with distinct boxes, and tells their gender', { timeout: 300_000 }, async () => {
    let women = 0;
    let total = 0;
    for (const [k, expected] of FACES_PER_PHOTO.entries()) {
      const image = await loadImage({ Bytes: photo(k + 1) }, { config: defaultConfig, clients: new SdkClients(), decodes: new MemoryBudget(1 << 30), region: 'us-east-1' });
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
});
