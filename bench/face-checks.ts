/**
 * The checks on blazeface's faces (VERIFY_GATE in src/analysis/faces.ts), on the hand-labelled
 * photos: every face the face task keeps, with FaceBoxes' second look and, for a doubtful face,
 * centernet's person score; which of them are labelled faces; and what the checks keep, per split.
 *
 *   REKOGNITION_DEV_DATA=/path/to/data npx tsx bench/face-checks.ts [faces.json]
 *
 * The task runs as DetectFaces runs it (gates, profiles, checks), on each labelled photo once. A
 * face is true when it matches a labelled face (bench/faces-scoring.ts), excused when it may be one
 * of a photo's counted but unlabelled faces, false otherwise. With a file name, every face and its
 * measurements are written there too, to try other rules offline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ModelsClient } from '../models/client';
import { keptFaces, FACE_GATES, PROFILE_GATE, VERIFY_GATE } from '../src/analysis/faces';
import { fitRgb, loadImage } from '../src/media/image';
import { defaultConfig } from '../src/runtime/config';
import { MemoryBudget } from '../src/runtime/memory-budget';
import { SdkClients } from '../src/runtime/sdk-clients';
import { fetchNpmPhotos, labelledPhotoPath, npmPhotoFiles, npmPhotosFolder } from './npm-photos';
import { falseDetections, isTightCrop, matchFaces, rawFaceBox, splitOf, type Box, type CountLabel, type FaceLabel } from './faces-scoring';

const readLabels = <T>(name: string): T[] => JSON.parse(readFileSync(fileURLToPath(new URL(`./labels/${name}`, import.meta.url)), 'utf8')) as T[];

interface CheckedFace {
  file: string;
  split: string;
  verdict: 'true' | 'excused' | 'false';
  box: Box;
  detector: 'blazeface' | 'faceboxes';
  boxScore: number;
  secondOpinion?: number;
  person?: number;
  kept: boolean;
}

async function checkFaces(dir: string): Promise<CheckedFace[]> {
  const sets = ['', '-npm'];
  const labels = sets.flatMap((set) => readLabels<FaceLabel>(`face-attributes${set}.json`));
  const counts = new Map(sets.flatMap((set) => readLabels<CountLabel>(`face-counts${set}.json`)).map((c) => [c.file, c]));
  const noFace = sets.flatMap((set) => readLabels<{ file: string }>(`no-face${set}.json`)).map((n) => n.file);
  const files = [...new Set([...labels.map((l) => l.file), ...counts.keys(), ...noFace])].sort();
  const npmSplit = new Set(npmPhotoFiles());
  fetchNpmPhotos(npmPhotosFolder());
  const pool = new ModelsClient();
  const ctx = { config: defaultConfig, clients: new SdkClients(), decodes: new MemoryBudget(1 << 30), region: 'us-east-1' };
  const checked: CheckedFace[] = [];
  let done = 0;
  await Promise.all(
    files.map(async (file) => {
      const image = await loadImage({ Bytes: readFileSync(labelledPhotoPath(dir, file)) }, ctx);
      const rgb = await fitRgb(await image.rgb(), 2048);
      const scale = image.width / rgb.width;
      const { faces } = await pool.run('faces.detect', { image: rgb, gates: [...FACE_GATES], profiles: { ...PROFILE_GATE }, verify: { ...VERIFY_GATE } });
      const mine = labels.filter((l) => l.file === file);
      const boxes = faces.map((f) => rawFaceBox(f, scale));
      const m = matchFaces(mine.map((l) => l.box), boxes, isTightCrop(file));
      const count = counts.get(file);
      const unmatched = m.unmatchedDetections;
      const verdict = falseDetections(unmatched.map((d) => boxes[d]), count ? count.faces + count.smallFaces - mine.length : 0);
      const excused = new Set(verdict.excused.map((i) => unmatched[i]));
      const kept = new Set(keptFaces(faces));
      faces.forEach((f, d) => {
        checked.push({
          file,
          split: npmSplit.has(file) ? 'npm' : splitOf(file),
          verdict: m.pairs.some(([, dd]) => dd === d) ? 'true' : excused.has(d) ? 'excused' : 'false',
          box: boxes[d],
          detector: f.detector ?? 'blazeface',
          boxScore: f.boxScore,
          secondOpinion: f.secondOpinion,
          person: f.person,
          kept: kept.has(f),
        });
      });
      if (++done % 100 === 0) console.log(`  ${done}/${files.length} photos`);
    }),
  );
  await pool.close();
  return checked;
}

function report(checked: CheckedFace[]): void {
  const rows = ['dev', 'held-out', 'npm'].map((split) => {
    const of = (verdict: string) => checked.filter((c) => c.split === split && c.verdict === verdict);
    const cell = (faces: CheckedFace[]) => `${faces.filter((c) => c.kept).length}/${faces.length}`;
    return { split, 'true faces kept': cell(of('true')), 'excused kept': cell(of('excused')), 'false faces kept': cell(of('false')), 'doubtful (person looked up)': checked.filter((c) => c.split === split && c.person !== undefined).length };
  });
  console.table(rows);
  const doubtful = checked.filter((c) => c.person !== undefined || (c.verdict === 'false' && c.detector === 'blazeface'));
  console.table(
    doubtful.map((c) => ({ split: c.split, verdict: c.verdict, kept: c.kept, file: c.file, 'width px': Math.round(c.box.width), detector: c.boxScore.toFixed(2), 'second look': c.secondOpinion?.toFixed(2), person: c.person?.toFixed(2) })),
  );
}

const dir = process.env.REKOGNITION_DEV_DATA;
if (!dir) {
  console.log('set REKOGNITION_DEV_DATA to the development-data folder (bench/labels/README.md)');
} else {
  const checked = await checkFaces(dir);
  report(checked);
  const out = process.argv[2];
  if (out) writeFileSync(out, JSON.stringify(checked));
}
