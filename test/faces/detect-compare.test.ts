/** DetectFaces and CompareFaces through dispatch, with synthetic faces shown by a fake models client. */
import { afterAll, describe, expect, it } from 'vitest';
import { testEmulator } from '../support/emulator';
import { FakeFaceModels, goodQuality, syntheticFace, type SyntheticFace } from './fake-models';
import { pngBytes } from './helpers';
import { photoOf, rng, unitVector } from './synthetic';
import { YAW_GAIN } from '../../src/analysis/faces';

const models = new FakeFaceModels();
const t = testEmulator({}, { inference: models.pool });
afterAll(() => t.close());

let seed = 5000;
async function image(faces: SyntheticFace[]): Promise<{ Bytes: string }> {
  const bytes = await pngBytes(seed++);
  await models.show(bytes, faces);
  return { Bytes: bytes.toString('base64') };
}

const random = rng(21);
const box = (size: number, left = 0.1) => ({ Width: size, Height: size, Left: left, Top: 0.1 });

describe('DetectFaces', () => {
  it('describes every face, largest first, and analyses an image once', async () => {
    const img = await image([syntheticFace(undefined, box(0.5)), syntheticFace(undefined, box(0.2, 0.7), { ...goodQuality, pose: { roll: 10, yaw: -20, pitch: 5 } })]);
    const before = models.runs;
    const out = await t.call('DetectFaces', { Image: img });
    expect(out.FaceDetails.map((f: { BoundingBox: { Width: number } }) => f.BoundingBox.Width)).toEqual([Math.fround(0.5), Math.fround(0.2)]);
    expect(Object.keys(out.FaceDetails[0])).toEqual(['BoundingBox', 'Landmarks', 'Pose', 'Quality', 'Confidence']);
    expect(out.FaceDetails[1].Pose.Roll).toBeCloseTo(10, 3);
    // the mesh's yaw reads about half the turn: Pose.Yaw is it times YAW_GAIN
    expect(out.FaceDetails[1].Pose.Yaw).toBeCloseTo(-20 * YAW_GAIN, 3);
    await t.call('DetectFaces', { Image: img });
    expect(models.runs).toBe(before + 1);
  });
});

describe('CompareFaces', () => {
  it('matches the source face among the target faces, by similarity', async () => {
    const person = unitVector(random);
    const source = await image([syntheticFace(photoOf(person, random, 0.01), box(0.4))]);
    const target = await image([syntheticFace(unitVector(random), box(0.4)), syntheticFace(photoOf(person, random, 0.01), box(0.3, 0.5))]);
    const out = await t.call('CompareFaces', { SourceImage: source, TargetImage: target });
    expect(Object.keys(out)).toEqual(['SourceImageFace', 'FaceMatches', 'UnmatchedFaces']);
    expect(out.FaceMatches).toHaveLength(1);
    expect(out.FaceMatches[0].Similarity).toBeGreaterThan(95);
    expect(out.FaceMatches[0].Face.BoundingBox.Width).toBe(Math.fround(0.3));
    expect(out.UnmatchedFaces.map((f: { BoundingBox: { Width: number } }) => f.BoundingBox.Width)).toEqual([Math.fround(0.4)]);
  });

  it('refuses a source or a target without a face', async () => {
    const face = await image([syntheticFace(unitVector(random), box(0.4))]);
    const none = await image([]);
    await expect(t.call('CompareFaces', { SourceImage: none, TargetImage: face })).rejects.toMatchObject({ type: 'InvalidParameterException' });
    await expect(t.call('CompareFaces', { SourceImage: face, TargetImage: none })).rejects.toMatchObject({ type: 'InvalidParameterException' });
  });
});
