/**
 * Collects the raw model evidence behind DetectLabels and DetectModerationLabels on the COCO
 * development photos, once, so calibrations can be fitted and views compared without running the
 * models again: centernet's candidates (down to score 0.05) for several views of each photo, the
 * time each view took, nsfwjs's class scores and the skin share inside the person boxes.
 *
 * Run: `REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/labels/collect-evidence.ts out.json`
 * (about two minutes on one core). bench/labels/fit-calibration.ts reads the output.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { detectCenternet, type CenternetView } from '../../models/runtime/centernet';
import { classifyNsfw } from '../../models/runtime/nsfw';
import { skinShareOfPersons } from '../../models/skin';
import type { RgbPixels } from '../../models/evidence';
import { DATA_ENV, SPLITS, groupAnnotations, type CocoInstances } from '../labels-accuracy';

/** The views compared (name -> how centernet sees the photo). */
export const VIEWS: Record<string, CenternetView> = {
  full512: { longSide: 512 },
  flip512: { longSide: 512, flip: true },
  full384: { longSide: 384 },
  full320: { longSide: 320 },
  full256: { longSide: 256 },
  flip256: { longSide: 256, flip: true },
};

export interface RawCandidate {
  coco: string;
  score: number;
  /** Ratios of the image: [left, top, width, height]. */
  box: [number, number, number, number];
}

export interface PhotoEvidence {
  split: string;
  file: string;
  width: number;
  height: number;
  views: Record<string, { ms: number; objects: RawCandidate[] }>;
  nsfw: Record<string, number>;
  /** Skin share inside the person boxes of the full512 view at score >= 0.3 (undefined: no person). */
  personSkin?: number;
}

/** The photo as DetectLabels sees it: decoded, EXIF-rotated, at most 1024 px on the longer side. */
export async function loadPhoto(path: string): Promise<RgbPixels> {
  const { data, info } = await sharp(path).rotate().removeAlpha().toColourspace('srgb').resize(1024, 1024, { fit: 'inside', withoutEnlargement: true }).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

async function collect(root: string, out: string): Promise<void> {
  const photos: PhotoEvidence[] = [];
  for (const split of SPLITS) {
    const data = JSON.parse(readFileSync(join(root, 'coco', 'annotations', `instances_${split.folder}.json`), 'utf8')) as CocoInstances;
    for (const truth of groupAnnotations(data)) {
      const rgb = await loadPhoto(join(root, 'coco', split.folder, truth.file));
      const views: PhotoEvidence['views'] = {};
      for (const [name, view] of Object.entries(VIEWS)) {
        const t0 = performance.now();
        const found = await detectCenternet(rgb, { ...view, minScore: 0.05 });
        const ms = performance.now() - t0;
        views[name] = {
          ms,
          objects: found.map((o) => ({ coco: o.label, score: o.score, box: [o.box[0] / rgb.width, o.box[1] / rgb.height, o.box[2] / rgb.width, o.box[3] / rgb.height] })),
        };
      }
      const persons = views.full512.objects.filter((o) => o.coco === 'person' && o.score >= 0.3).map((o) => ({ Left: o.box[0], Top: o.box[1], Width: o.box[2], Height: o.box[3] }));
      const nsfw = await classifyNsfw(rgb);
      photos.push({ split: split.name, file: `${split.folder}/${truth.file}`, width: rgb.width, height: rgb.height, views, nsfw, personSkin: persons.length ? skinShareOfPersons(rgb, persons) : undefined });
      process.stdout.write('.');
    }
  }
  writeFileSync(out, JSON.stringify(photos));
  console.log(`\n${photos.length} photos -> ${out}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = process.env[DATA_ENV];
  const out = process.argv[2];
  if (!root || !existsSync(join(root, 'coco', 'annotations')) || !out) {
    console.log(`usage: ${DATA_ENV}=/path/to/data npx tsx bench/labels/collect-evidence.ts out.json`);
  } else {
    await collect(root, out);
    process.exit(0);
  }
}
