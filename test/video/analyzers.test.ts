/**
 * The per-frame video analyses, through Start/Get on the emulator with the real models: a 1.2 s clip
 * of two people (the astronaut and Kit Harington fixtures) sliding across a photo of a coffee cup
 * in opposite directions, so where each one is, and where each one goes, is known.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath } from '../../src/media/probe';
import { sharedModels } from '../support/models';
import { ApiError, testEmulator } from '../support/emulator';
import { fontFile, synthVideo } from './synth';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'video-analyzers-'));
const s3Dir = path.join(tmp, 's3');
const image = (name: string) => fileURLToPath(new URL(`../../fixtures/images/${name}`, import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const PEOPLE = { S3Object: { Bucket: 'vids', Name: 'people.mp4' } };
const CUTS = { S3Object: { Bucket: 'vids', Name: 'cuts.mp4' } };
const CARD = { S3Object: { Bucket: 'vids', Name: 'card.mp4' } };

const inference = sharedModels();
const celebritiesDir = fileURLToPath(new URL('../../fixtures/celebrities', import.meta.url));
const t = testEmulator({ s3Dir, celebritiesDir }, { inference });

const call = (operation: string, input: Record<string, unknown>) => t.call(operation, input);

/** Runs a Start, waits for the job, and returns a Get for it. */
async function analyse(start: string, get: string, input: Record<string, unknown>, getInput: Record<string, unknown> = {}) {
  const { JobId } = await call(start, input);
  await t.emulator.idle();
  const out = await call(get, { JobId, ...getInput });
  expect(out.JobStatus, String(out.StatusMessage)).toBe('SUCCEEDED');
  return { JobId, out };
}

beforeAll(async () => {
  mkdirSync(path.join(s3Dir, 'vids'), { recursive: true });
  // The astronaut enters at the left moving right (120 px/s); Kit starts at the right moving left.
  await promisify(execFile)(ffmpegPath(), [
    '-v', 'error', '-y',
    '-loop', '1', '-i', image('coffee.png'), '-loop', '1', '-i', image('astronaut.png'), '-loop', '1', '-i', image('kit-harington-gloves.jpg'),
    '-filter_complex', "[0:v]scale=640:360,setsar=1[bg];[1:v]scale=200:200[a];[2:v]scale=-2:260[k];[bg][a]overlay=x='20+t*120':y=100[t1];[t1][k]overlay=x='460-t*110':y=60,format=yuv420p",
    '-r', '25', '-t', '1.2', '-c:v', 'libx264', '-preset', 'ultrafast', path.join(s3Dir, 'vids', 'people.mp4'),
  ]);
  if (fontFile) await synthVideo(path.join(s3Dir, 'vids', 'card.mp4'), [{ kind: 'card', lines: ['SLATE 42', 'OCEAN VIEW'], frames: 50, background: '0x203040' }], { width: 640, height: 360 });
  await inference.broadcast('vision.warmup');
}, 240_000);

afterAll(async () => {
  await t.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('GetLabelDetection', () => {
  let JobId: unknown;
  let labels: { Timestamp: number; Label: { Name: string; Confidence: number; Instances?: unknown[] } }[];
  beforeAll(async () => {
    const result = await analyse('StartLabelDetection', 'GetLabelDetection', { Video: PEOPLE });
    JobId = result.JobId;
    labels = result.out.Labels as typeof labels;
    expect(result.out).toMatchObject({ LabelModelVersion: '3.0', GetRequestMetadata: { SortBy: 'TIMESTAMP', AggregateBy: 'TIMESTAMPS' } });
  }, 240_000);

  it('labels the people in every sample, every 500 ms or so, in time then name order', () => {
    const times = [...new Set(labels.map((l) => l.Timestamp))];
    expect(times).toEqual([0, 520, 1040]);
    for (const t of times) expect(labels.filter((l) => l.Timestamp === t).map((l) => l.Label.Name)).toEqual(expect.arrayContaining(['Person', 'Face']));
    const keys = labels.map((l) => [l.Timestamp, l.Label.Name] as const);
    expect(keys).toEqual([...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)));
    expect(labels.every((l) => l.Label.Confidence >= 50)).toBe(true);
  });

  it('gives Person boxes without DominantColors (colours come only with IMAGE_PROPERTIES)', () => {
    const boxes = labels.filter((l) => l.Label.Name === 'Person').flatMap((l) => l.Label.Instances ?? []);
    expect(boxes.length).toBeGreaterThan(0);
    for (const b of boxes) expect(b).not.toHaveProperty('DominantColors');
  });

  it('SortBy NAME groups by name, highest confidence first', async () => {
    const byName = (await call('GetLabelDetection', { JobId, SortBy: 'NAME' })).Labels as typeof labels;
    expect(byName).toHaveLength(labels.length);
    for (let i = 1; i < byName.length; i++) {
      const [a, b] = [byName[i - 1], byName[i]];
      expect(a.Label.Name <= b.Label.Name).toBe(true);
      if (a.Label.Name === b.Label.Name) expect(a.Label.Confidence).toBeGreaterThanOrEqual(b.Label.Confidence);
    }
  });

  it('AggregateBy SEGMENTS gives one run per label across the clip, without instances', async () => {
    const out = await call('GetLabelDetection', { JobId, AggregateBy: 'SEGMENTS' });
    expect(out.GetRequestMetadata).toEqual({ SortBy: 'TIMESTAMP', AggregateBy: 'SEGMENTS' });
    const segments = out.Labels as { Timestamp: number; Label: { Name: string; Instances?: unknown }; StartTimestampMillis: number; EndTimestampMillis: number; DurationMillis: number }[];
    const person = segments.filter((s) => s.Label.Name === 'Person');
    expect(person).toEqual([expect.objectContaining({ Timestamp: 0, StartTimestampMillis: 0, EndTimestampMillis: 1040, DurationMillis: 1040 })]);
    expect(segments.every((s) => s.Label.Instances === undefined)).toBe(true);
    expect(new Set(segments.map((s) => s.Label.Name))).toEqual(new Set(labels.map((l) => l.Label.Name)));
  });
});

describe('GetPersonTracking', () => {
  it('follows each person with a stable Index: one moving right, the other left', async () => {
    const { JobId, out } = await analyse('StartPersonTracking', 'GetPersonTracking', { Video: PEOPLE });
    const persons = out.Persons as { Timestamp: number; Person: { Index: number; BoundingBox: { Left: number; Width: number } } }[];
    const indexes = [...new Set(persons.map((p) => p.Person.Index))].sort();
    expect(indexes).toEqual([0, 1]);
    const centres = (i: number) => persons.filter((p) => p.Person.Index === i).map((p) => p.Person.BoundingBox.Left + p.Person.BoundingBox.Width / 2);
    // Index 0 appeared first at the left (the astronaut), 1 at the right (Kit).
    const [a, k] = [centres(0), centres(1)];
    expect(a.length).toBeGreaterThanOrEqual(5);
    expect(k.length).toBeGreaterThanOrEqual(5);
    expect(a[0]).toBeLessThan(0.5);
    expect(k[0]).toBeGreaterThan(0.5);
    expect(a[a.length - 1] - a[0]).toBeGreaterThan(0.15);
    expect(k[0] - k[k.length - 1]).toBeGreaterThan(0.15);
    const byIndex = (await call('GetPersonTracking', { JobId, SortBy: 'INDEX' })).Persons as typeof persons;
    expect(byIndex.map((p) => p.Person.Index)).toEqual([...byIndex.map((p) => p.Person.Index)].sort());
  }, 240_000);
});

describe('GetPersonTracking across cuts', () => {
  /** Obama, a cut to Rose Leslie, to Alex Lacamoire, then back to Obama in another photo; 0.4 s each (two samples at 5 fps), 320x240. */
  const SHOTS = ['celebrities/barack_obama/1.jpg', 'face-search/rose_leslie/1.jpg', 'face-search/alex_lacamoire/3.jpg', 'face-search/barack_obama/2.jpg'];
  const SHOT_MS = 400;
  beforeAll(async () => {
    const inputs = SHOTS.flatMap((shot) => ['-loop', '1', '-t', String(SHOT_MS / 1000), '-i', fixture(shot)]);
    const fit = SHOTS.map((_, i) => `[${i}:v]scale=320:240:force_original_aspect_ratio=decrease,pad=320:240:-1:-1,setsar=1,fps=10[s${i}]`).join(';');
    await promisify(execFile)(ffmpegPath(), [
      '-v', 'error', '-y', ...inputs,
      '-filter_complex', `${fit};${SHOTS.map((_, i) => `[s${i}]`).join('')}concat=n=${SHOTS.length}:v=1:a=0,format=yuv420p`,
      '-c:v', 'libx264', '-preset', 'ultrafast', path.join(s3Dir, 'vids', 'cuts.mp4'),
    ]);
  }, 60_000);

  it('gives each of three people their own Index, and the first one back their old Index', async () => {
    const { out } = await analyse('StartPersonTracking', 'GetPersonTracking', { Video: CUTS });
    const persons = out.Persons as { Timestamp: number; Person: { Index: number } }[];
    const shotOf = (ts: number) => Math.floor(ts / SHOT_MS);
    const indexesIn = (shot: number) => [...new Set(persons.filter((p) => shotOf(p.Timestamp) === shot).map((p) => p.Person.Index))];
    const shots = SHOTS.map((_, i) => indexesIn(i));
    for (const indexes of shots) expect(indexes).toHaveLength(1);
    expect(shots.map(([index]) => index)).toEqual([0, 1, 2, 0]);
  }, 240_000);
});

describe('GetFaceDetection', () => {
  it('finds both faces about every 500 ms, where they are, with every attribute for ALL but FaceOccluded and EyeDirection', async () => {
    const { out } = await analyse('StartFaceDetection', 'GetFaceDetection', { Video: PEOPLE, FaceAttributes: 'ALL' });
    const faces = out.Faces as { Timestamp: number; Face: { BoundingBox: { Left: number; Width: number }; Confidence: number } & Record<string, unknown> }[];
    const at0 = faces.filter((f) => f.Timestamp === 0).map((f) => f.Face.BoundingBox.Left + f.Face.BoundingBox.Width / 2).sort();
    expect(at0).toHaveLength(2);
    // The astronaut's face is around x 120 of 640, Kit's around x 540.
    expect(at0[0]).toBeGreaterThan(0.1);
    expect(at0[0]).toBeLessThan(0.3);
    expect(at0[1]).toBeGreaterThan(0.7);
    expect([...new Set(faces.map((f) => f.Timestamp))]).toEqual([0, 520, 1040]);
    expect(faces.every((f) => f.Face.Confidence > 90)).toBe(true);
    // AWS does not support FaceOccluded and EyeDirection in video.
    for (const { Face } of faces) {
      expect(Face).toHaveProperty('Emotions');
      expect(Face).toHaveProperty('Mustache');
      expect(Face).not.toHaveProperty('FaceOccluded');
      expect(Face).not.toHaveProperty('EyeDirection');
    }
  }, 240_000);
});

describe('GetContentModeration', () => {
  it('finds nothing to moderate in a clip of a coffee cup and two portraits', async () => {
    const { out } = await analyse('StartContentModeration', 'GetContentModeration', { Video: PEOPLE });
    expect(out).toMatchObject({ ModerationLabels: [], ModerationModelVersion: '7.0', GetRequestMetadata: { SortBy: 'TIMESTAMP', AggregateBy: 'TIMESTAMPS' } });
  }, 240_000);
});

describe.skipIf(!fontFile)('GetTextDetection', () => {
  it('reads the card once a second', async () => {
    const { out } = await analyse('StartTextDetection', 'GetTextDetection', { Video: CARD });
    const detections = out.TextDetections as { Timestamp: number; TextDetection: { DetectedText: string; Type: string } }[];
    expect([...new Set(detections.map((d) => d.Timestamp))]).toEqual([0, 1000]);
    const lines = detections.filter((d) => d.Timestamp === 0 && d.TextDetection.Type === 'LINE').map((d) => d.TextDetection.DetectedText);
    expect(lines).toEqual(['SLATE 42', 'OCEAN VIEW']);
    // Words as DetectText's: one WORD per word.
    const words = detections.filter((d) => d.Timestamp === 0 && d.TextDetection.Type === 'WORD').map((d) => d.TextDetection.DetectedText);
    expect(words).toEqual(['SLATE', '42', 'OCEAN', 'VIEW']);
    expect(out.TextModelVersion).toBe('3.0');
  }, 240_000);
});

describe('GetFaceSearch', () => {
  it('matches the indexed astronaut in every sample and lists Kit with no match', async () => {
    await call('CreateCollection', { CollectionId: 'crew' });
    const indexed = await call('IndexFaces', { CollectionId: 'crew', Image: { Bytes: readFileSync(image('astronaut.png')).toString('base64') }, ExternalImageId: 'astronaut' });
    const faceId = (indexed.FaceRecords as { Face: { FaceId: string } }[])[0].Face.FaceId;
    const { out } = await analyse('StartFaceSearch', 'GetFaceSearch', { Video: PEOPLE, CollectionId: 'crew' }, { SortBy: 'INDEX' });
    const persons = out.Persons as { Timestamp: number; Person: { Index: number; BoundingBox: { Left: number } }; FaceMatches: { Similarity: number; Face: { FaceId: string; ExternalImageId: string } }[] }[];
    // Index 0 is the astronaut (seen first, at the left); 1 is Kit.
    const astronaut = persons.filter((p) => p.Person.Index === 0);
    const kit = persons.filter((p) => p.Person.Index === 1);
    expect(astronaut.length).toBeGreaterThanOrEqual(3);
    expect(kit.length).toBeGreaterThanOrEqual(3);
    expect(astronaut[0].Person.BoundingBox.Left).toBeLessThan(0.5);
    for (const p of astronaut) expect(p.FaceMatches.map((m) => [m.Face.FaceId, m.Face.ExternalImageId])).toEqual([[faceId, 'astronaut']]);
    for (const p of astronaut) expect(p.FaceMatches[0].Similarity).toBeGreaterThanOrEqual(80);
    for (const p of kit) expect(p.FaceMatches).toEqual([]);
  }, 240_000);

  it('refuses an unknown collection at Start', async () => {
    const err = await call('StartFaceSearch', { Video: PEOPLE, CollectionId: 'nobody' }).then(
      () => undefined,
      (e: unknown) => e as ApiError,
    );
    expect([err?.type, err?.message]).toEqual(['ResourceNotFoundException', 'The collection id: nobody does not exist']);
  });
});

describe('GetCelebrityRecognition', () => {
  it('recognises Kit Harington (from another photo of him in the gallery), and not the astronaut', async () => {
    const { JobId, out } = await analyse('StartCelebrityRecognition', 'GetCelebrityRecognition', { Video: PEOPLE });
    const celebrities = out.Celebrities as { Timestamp: number; Celebrity: { Name: string; Id: string; Confidence: number; BoundingBox: { Left: number; Width: number } } }[];
    expect(celebrities.length).toBeGreaterThanOrEqual(3);
    expect(new Set(celebrities.map((c) => c.Celebrity.Name))).toEqual(new Set(['Kit Harington']));
    const first = celebrities[0];
    expect(first.Timestamp).toBe(0);
    expect(first.Celebrity.BoundingBox.Left + first.Celebrity.BoundingBox.Width / 2).toBeGreaterThan(0.7);
    expect(first.Celebrity.Confidence).toBeGreaterThanOrEqual(80);
    const byId = (await call('GetCelebrityRecognition', { JobId, SortBy: 'ID' })).Celebrities as typeof celebrities;
    expect(byId.map((c) => c.Celebrity.Id)).toEqual([...byId.map((c) => c.Celebrity.Id)].sort());
  }, 240_000);
});
