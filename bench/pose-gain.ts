/**
 * How much of a head's turn and nod the mesh reads (YAW_GAIN, PITCH_GAIN and PITCH_LEVEL in
 * src/analysis/faces.ts): the first photos of each identity in the development data's `faces/`,
 * turned and nodded by known angles (bench/head-turn.ts), read back by the face task.
 *
 *   REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/pose-gain.ts [photos per identity, default 4]
 *
 * Prints, per angle, the median change of the mesh's reading from the untouched face's, the
 * least-squares gain over all angles, and the median pitch of the untouched faces (people facing
 * the camera). Faces whose mesh reads more than 16 degrees of yaw untouched are left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { detectFacesTask, warmupFacesTask, type HeadAngles } from '../models/tasks/faces';
import { detectionSettings } from '../src/analysis/faces';
import { percentile } from './faces-scoring';
import { turnHead, type Rgb } from './head-turn';

const ANGLES = [-30, -20, -10, 10, 20, 30];
const MAX_YAW = 16;
const ctx = { reportModelState: () => undefined };

const degrees = (rad: number) => (rad * 180) / Math.PI;
const median = (values: number[]) => percentile(values, 50);

async function anglesOf(rgb: Rgb): Promise<{ angles: HeadAngles; mesh: number[] } | undefined> {
  const pixels = rgb.data.slice().buffer;
  const { faces } = await detectFacesTask({ pixels, width: rgb.width, height: rgb.height, ...detectionSettings() }, ctx);
  return faces.length === 1 ? { angles: faces[0].angles, mesh: faces[0].mesh } : undefined;
}

async function benchPoseGain(): Promise<void> {
  const dir = process.env.REKOGNITION_DEV_DATA;
  if (!dir) throw new Error('set REKOGNITION_DEV_DATA to the development-data folder (bench/labels/README.md)');
  const perIdentity = Number(process.argv[2] ?? 4);
  await warmupFacesTask({}, ctx);
  const root = join(dir, 'faces');
  const files = ['fr', 'johns', 'bbt'].flatMap((set) =>
    readdirSync(join(root, set)).sort().flatMap((person) => readdirSync(join(root, set, person)).sort().slice(0, perIdentity).map((f) => join(root, set, person, f))),
  );
  const changes = { yaw: new Map<number, number[]>(), pitch: new Map<number, number[]>() };
  const level: number[] = [];
  for (const file of files) {
    const { data, info } = await sharp(readFileSync(file)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const rgb = { data: new Uint8Array(data), width: info.width, height: info.height };
    const face = await anglesOf(rgb);
    if (!face || Math.abs(degrees(face.angles.yaw)) > MAX_YAW) continue;
    level.push(degrees(face.angles.pitch));
    for (const [axis, key] of [['vertical', 'yaw'], ['horizontal', 'pitch']] as const) {
      for (const angle of ANGLES) {
        const turned = await anglesOf(await turnHead(rgb, face.mesh, angle, axis));
        if (!turned) continue;
        const list = changes[key].get(angle) ?? [];
        list.push(degrees(turned.angles[key] - face.angles[key]));
        changes[key].set(angle, list);
      }
    }
  }
  console.log(`${level.length} faces; untouched pitch, median ${median(level).toFixed(1)} degrees`);
  for (const key of ['yaw', 'pitch'] as const) {
    // the reading's slope on the angle, through the origin; its sign is the two conventions' match
    let num = 0, den = 0;
    for (const [angle, list] of changes[key]) {
      for (const c of list) {
        num += angle * c;
        den += angle * angle;
      }
    }
    const row = ANGLES.map((a) => `${a}: ${median(changes[key].get(a) ?? []).toFixed(1)} (${changes[key].get(a)?.length ?? 0})`).join(', ');
    console.log(`${key}: median reading per angle ${row}; least-squares gain ${(den / Math.abs(num)).toFixed(2)}`);
  }
}

await benchPoseGain();
process.exit(0);
