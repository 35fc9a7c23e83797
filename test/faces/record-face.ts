/**
 * Records the face task's raw output for fixtures/images/astronaut.png (all models, all regions)
 * into test/faces/astronaut-face.json, the input of the pure-logic tests in this folder.
 * Run after changing the task or the regions: `npx tsx test/faces/record-face.ts`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { detectFacesTask } from '../../models/tasks/faces';
import { REGIONS } from '../../models/face-regions';
import { FACE_GATES } from '../../src/analysis/faces';

const source = fileURLToPath(new URL('../../fixtures/images/astronaut.png', import.meta.url));
const { data, info } = await sharp(source).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const result = await detectFacesTask(
  { pixels: new Uint8Array(data).buffer, width: info.width, height: info.height, emotion: true, ageGender: true, embeddings: true, eyeBand: true, regions: REGIONS, gates: [...FACE_GATES] },
  { reportModelState: () => undefined },
);
const round = (x: number) => Math.round(x * 1e6) / 1e6;
const face = JSON.parse(JSON.stringify(result.faces[0], (_k, v: unknown) => (typeof v === 'number' ? round(v) : v)));
writeFileSync(fileURLToPath(new URL('./astronaut-face.json', import.meta.url)), `${JSON.stringify({ width: info.width, height: info.height, face })}\n`);
console.log('recorded', result.faces.length, 'face(s)');
