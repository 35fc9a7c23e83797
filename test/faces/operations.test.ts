/**
 * The face and user operations end to end through dispatch, with a fake models client that shows
 * synthetic faces and vectors (this suite tests storage, search and the AWS rules, not models).
 */
import { existsSync, rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { indexFile, quantiseBoundingBox } from '../../src/store/faces';
import { createStores } from '../../src/store';
import { TEST_CALLER, testEmulator, type TestEmulator } from '../support/emulator';
import { FakeFaceModels, goodQuality, syntheticFace, type SyntheticFace } from './fake-models';
import { pngBytes, tempDir } from './helpers';
import { PHOTO_SIGMA, photoOf, rng, unitVector } from './synthetic';
import { FACEAPI_DIMENSIONS, IDENTITY_DIMENSIONS } from '../../src/analysis/faces';

const models = new FakeFaceModels();

let seed = 1000;
/** A new image whose detections are `faces` (largest first, as the analysis promises). */
async function image(faces: SyntheticFace[]): Promise<{ Bytes: string }> {
  const bytes = await pngBytes(seed++);
  await models.show(bytes, faces);
  return { Bytes: bytes.toString('base64') };
}

const random = rng(99);
const box = (size: number, left = 0.1) => ({ Width: size, Height: size * 1.2, Left: left, Top: 0.123456789 });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let t: TestEmulator;
const call = (operation: string, input: Record<string, unknown>) => t.call(operation, input);
beforeEach(async () => {
  t = testEmulator({}, { inference: models.pool });
  await call('CreateCollection', { CollectionId: 'c' });
});
afterEach(() => t.close());

async function indexOne(embedding: number[], extra: Record<string, unknown> = {}) {
  const out = await call('IndexFaces', { CollectionId: 'c', Image: await image([syntheticFace(embedding, box(0.3))]), ...extra });
  return out.FaceRecords[0].Face.FaceId as string;
}

describe('IndexFaces', () => {
  it('returns raw values, stores quantised ones, one ImageId per image, wire key order', async () => {
    const faces = [syntheticFace(unitVector(random), box(0.3123456789), { ...goodQuality, confidence: 99.99340812345 }), syntheticFace(unitVector(random), box(0.2, 0.6))];
    const out = await call('IndexFaces', { CollectionId: 'c', Image: await image(faces), ExternalImageId: 'group.jpg' });
    expect(Object.keys(out)).toEqual(['FaceRecords', 'FaceModelVersion', 'UnindexedFaces']);
    expect(out.UnindexedFaces).toEqual([]);
    const [a, b] = out.FaceRecords;
    expect(Object.keys(a.Face)).toEqual(['FaceId', 'BoundingBox', 'ImageId', 'ExternalImageId', 'Confidence', 'IndexFacesModelVersion']);
    expect(a.Face.FaceId).toMatch(UUID);
    expect(a.Face.ImageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-/);
    expect(b.Face.ImageId).toBe(a.Face.ImageId);
    expect(a.Face.Confidence).toBe(Math.fround(99.99340812345));
    expect(a.Face.BoundingBox.Width).toBe(Math.fround(0.3123456789));

    const listed = await call('ListFaces', { CollectionId: 'c' });
    const stored = listed.Faces.find((f: { FaceId: string }) => f.FaceId === a.Face.FaceId);
    expect(Object.keys(stored)).toEqual(['FaceId', 'BoundingBox', 'ImageId', 'ExternalImageId', 'Confidence', 'IndexFacesModelVersion']);
    expect(stored.Confidence).toBe(Math.fround(99.9934));
    expect(stored.BoundingBox).toEqual({ Width: Math.fround(0.312346), Height: Math.fround(0.374815), Left: Math.fround(0.1), Top: Math.fround(0.123457) });
    expect((await call('DescribeCollection', { CollectionId: 'c' })).FaceCount).toBe(2);
  });

  it('keeps no duplicates for the same image and ExternalImageId, but does for another ExternalImageId', async () => {
    const img = await image([syntheticFace(unitVector(random), box(0.3))]);
    const first = await call('IndexFaces', { CollectionId: 'c', Image: img, ExternalImageId: 'x' });
    const again = await call('IndexFaces', { CollectionId: 'c', Image: img, ExternalImageId: 'x' });
    expect(again.FaceRecords[0].Face.FaceId).toBe(first.FaceRecords[0].Face.FaceId);
    expect(again.FaceRecords[0].Face.ImageId).toBe(first.FaceRecords[0].Face.ImageId);
    const other = await call('IndexFaces', { CollectionId: 'c', Image: img, ExternalImageId: 'y' });
    expect(other.FaceRecords[0].Face.FaceId).not.toBe(first.FaceRecords[0].Face.FaceId);
    expect(other.FaceRecords[0].Face.ImageId).not.toBe(first.FaceRecords[0].Face.ImageId);
    expect((await call('ListFaces', { CollectionId: 'c' })).Faces).toHaveLength(2);
  });

  it('reports faces left out by MaxFaces, the quality filter or a missing embedding', async () => {
    const blurry = { ...goodQuality, sharpness: 1 };
    const faces = [
      syntheticFace(unitVector(random), box(0.4), blurry),
      syntheticFace(unitVector(random), box(0.3)),
      syntheticFace(unitVector(random), box(0.2)),
      syntheticFace(undefined, box(0.1)),
    ];
    const out = await call('IndexFaces', { CollectionId: 'c', Image: await image(faces), MaxFaces: 1, QualityFilter: 'HIGH' });
    expect(out.FaceRecords.map((r: { FaceDetail: { BoundingBox: { Width: number } } }) => r.FaceDetail.BoundingBox.Width)).toEqual([Math.fround(0.3)]);
    expect(out.UnindexedFaces.map((u: { Reasons: string[] }) => u.Reasons)).toEqual([['LOW_SHARPNESS'], ['EXCEEDS_MAX_FACES'], ['LOW_FACE_QUALITY']]);
    const none = await call('IndexFaces', { CollectionId: 'c', Image: await image([]) });
    expect(none).toEqual({ FaceRecords: [], FaceModelVersion: '7.0', UnindexedFaces: [] });
  });

  it('needs an existing collection', async () => {
    await expect(call('IndexFaces', { CollectionId: 'nope', Image: await image([]) })).rejects.toMatchObject({
      type: 'ResourceNotFoundException',
      message: 'The collection id: nope does not exist',
    });
  });
});

describe('ListFaces', () => {
  it('pages by FaceId ascending and filters by FaceIds and UserId', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await indexOne(unitVector(random)));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await call('ListFaces', { CollectionId: 'c', MaxResults: 3, NextToken: token });
      expect(page.Faces.length).toBeLessThanOrEqual(3);
      seen.push(...page.Faces.map((f: { FaceId: string }) => f.FaceId));
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual([...ids].sort());
    const some = await call('ListFaces', { CollectionId: 'c', FaceIds: [ids[3], ids[1], '00000000-0000-4000-8000-000000000000'] });
    expect(some.Faces.map((f: { FaceId: string }) => f.FaceId)).toEqual([ids[1], ids[3]].sort());
    await call('CreateUser', { CollectionId: 'c', UserId: 'u' });
    await call('AssociateFaces', { CollectionId: 'c', UserId: 'u', FaceIds: [ids[2]], UserMatchThreshold: 0 });
    const mine = await call('ListFaces', { CollectionId: 'c', UserId: 'u' });
    expect(mine.Faces.map((f: { FaceId: string; UserId: string }) => [f.FaceId, f.UserId])).toEqual([[ids[2], 'u']]);
  });

  it('refuses a token from another collection or operation', async () => {
    await call('CreateCollection', { CollectionId: 'd' });
    for (let i = 0; i < 3; i++) await indexOne(unitVector(random));
    const page = await call('ListFaces', { CollectionId: 'c', MaxResults: 1 });
    await expect(call('ListFaces', { CollectionId: 'd', NextToken: page.NextToken })).rejects.toMatchObject({ type: 'InvalidPaginationTokenException' });
    await expect(call('ListUsers', { CollectionId: 'c', NextToken: page.NextToken })).rejects.toMatchObject({ type: 'InvalidPaginationTokenException' });
  });
});

describe('SearchFaces, SearchFacesByImage, DeleteFaces', () => {
  it('finds the same person, not the searched face itself, not strangers', async () => {
    const person = unitVector(random);
    const a = await indexOne(photoOf(person, random));
    const b = await indexOne(photoOf(person, random));
    const stranger = await indexOne(unitVector(random));
    const out = await call('SearchFaces', { CollectionId: 'c', FaceId: a, FaceMatchThreshold: 20 });
    expect(Object.keys(out)).toEqual(['SearchedFaceId', 'FaceMatches', 'FaceModelVersion']);
    expect(out.SearchedFaceId).toBe(a);
    expect(out.FaceMatches.map((m: { Face: { FaceId: string } }) => m.Face.FaceId)).toEqual([b]);
    expect(Object.keys(out.FaceMatches[0])).toEqual(['Similarity', 'Face']);
    const all = await call('SearchFaces', { CollectionId: 'c', FaceId: a, FaceMatchThreshold: 0, MaxFaces: 1 });
    expect(all.FaceMatches).toHaveLength(1);
    expect((await call('SearchFaces', { CollectionId: 'c', FaceId: stranger })).FaceMatches).toEqual([]);
  });

  it("keeps a collection of face-api's descriptors alone searchable: new faces and queries are cut to them", async () => {
    const person = unitVector(random);
    const older = await indexOne(photoOf(person, random, PHOTO_SIGMA / 2));
    const arcface = unitVector(random, IDENTITY_DIMENSIONS - FACEAPI_DIMENSIONS);
    const newer = await call('IndexFaces', { CollectionId: 'c', Image: await image([{ ...syntheticFace(photoOf(person, random, PHOTO_SIGMA / 2), box(0.3)), arcface }]) });
    expect(newer.FaceRecords).toHaveLength(1);
    const query = await image([{ ...syntheticFace(photoOf(person, random, PHOTO_SIGMA / 2), box(0.3)), arcface }]);
    const found = await call('SearchFacesByImage', { CollectionId: 'c', Image: query });
    expect(found.FaceMatches.map((m: { Face: { FaceId: string } }) => m.Face.FaceId).sort()).toEqual([older, newer.FaceRecords[0].Face.FaceId].sort());
    expect(found.FaceMatches[0].Similarity).toBeGreaterThan(90);
    expect(t.emulator.stores.faces.in(TEST_CALLER).index('c').dimensions).toBe(FACEAPI_DIMENSIONS);
  });

  it('a new collection holds combined descriptors', async () => {
    await call('CreateCollection', { CollectionId: 'n' });
    const person = unitVector(random);
    const arcface = unitVector(random, IDENTITY_DIMENSIONS - FACEAPI_DIMENSIONS);
    const face = () => ({ ...syntheticFace(photoOf(person, random, PHOTO_SIGMA / 2), box(0.3)), arcface });
    const indexed = await call('IndexFaces', { CollectionId: 'n', Image: await image([face()]) });
    const found = await call('SearchFacesByImage', { CollectionId: 'n', Image: await image([face()]) });
    expect(found.FaceMatches.map((m: { Face: { FaceId: string } }) => m.Face.FaceId)).toEqual([indexed.FaceRecords[0].Face.FaceId]);
    expect(t.emulator.stores.faces.in(TEST_CALLER).index('n').dimensions).toBe(IDENTITY_DIMENSIONS);
  });

  it('SearchFaces: unknown face id is InvalidParameterException', async () => {
    await expect(call('SearchFaces', { CollectionId: 'c', FaceId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({
      type: 'InvalidParameterException',
      message: 'faceId was not found in the collection.',
    });
  });

  it('SearchFacesByImage searches the largest face; no face is an error', async () => {
    const person = unitVector(random);
    const stored = await indexOne(photoOf(person, random));
    const query = await image([syntheticFace(photoOf(person, random), box(0.5)), syntheticFace(unitVector(random), box(0.1))]);
    const out = await call('SearchFacesByImage', { CollectionId: 'c', Image: query, FaceMatchThreshold: 20 });
    expect(Object.keys(out)).toEqual(['SearchedFaceBoundingBox', 'SearchedFaceConfidence', 'FaceMatches', 'FaceModelVersion']);
    expect(out.SearchedFaceBoundingBox.Width).toBe(Math.fround(0.5));
    expect(out.FaceMatches.map((m: { Face: { FaceId: string } }) => m.Face.FaceId)).toEqual([stored]);
    await expect(call('SearchFacesByImage', { CollectionId: 'c', Image: await image([]) })).rejects.toMatchObject({
      type: 'InvalidParameterException',
      message: 'There are no faces in the image. Should be at least 1.',
    });
  });

  it('DeleteFaces removes faces from storage and search, and refuses faces of users', async () => {
    const person = unitVector(random);
    const a = await indexOne(photoOf(person, random));
    const b = await indexOne(photoOf(person, random));
    const c = await indexOne(photoOf(person, random));
    await call('CreateUser', { CollectionId: 'c', UserId: 'owner' });
    await call('AssociateFaces', { CollectionId: 'c', UserId: 'owner', FaceIds: [c] });
    const missing = '00000000-0000-4000-8000-000000000000';
    const out = await call('DeleteFaces', { CollectionId: 'c', FaceIds: [b, missing, c, b] });
    expect(out).toEqual({
      DeletedFaces: [b],
      UnsuccessfulFaceDeletions: [
        { FaceId: missing, Reasons: ['FACE_NOT_FOUND'] },
        { FaceId: c, UserId: 'owner', Reasons: ['ASSOCIATED_TO_AN_EXISTING_USER'] },
      ],
    });
    const found = await call('SearchFaces', { CollectionId: 'c', FaceId: a, FaceMatchThreshold: 0 });
    expect(found.FaceMatches.map((m: { Face: { FaceId: string } }) => m.Face.FaceId)).toEqual([c]);
  });

  it('DeleteCollection drops faces, users and the index; the same id starts empty', async () => {
    const id = await indexOne(unitVector(random));
    await call('CreateUser', { CollectionId: 'c', UserId: 'u' });
    await call('DeleteCollection', { CollectionId: 'c' });
    await call('CreateCollection', { CollectionId: 'c' });
    expect(await call('DescribeCollection', { CollectionId: 'c' })).toMatchObject({ FaceCount: 0, UserCount: 0 });
    await expect(call('SearchFaces', { CollectionId: 'c', FaceId: id })).rejects.toMatchObject({ type: 'InvalidParameterException' });
    expect((await call('ListUsers', { CollectionId: 'c' })).Users).toEqual([]);
  });
});

describe('users', () => {
  it('CreateUser: idempotent by token, mismatch and conflict errors; ListUsers pages by internal id', async () => {
    expect(await call('CreateUser', { CollectionId: 'c', UserId: 'a', ClientRequestToken: 't1' })).toEqual({});
    expect(await call('CreateUser', { CollectionId: 'c', UserId: 'a', ClientRequestToken: 't1' })).toEqual({});
    await expect(call('CreateUser', { CollectionId: 'c', UserId: 'b', ClientRequestToken: 't1' })).rejects.toMatchObject({
      type: 'IdempotentParameterMismatchException',
      message: 'The ClientRequestToken: t1 you have supplied is already in use.',
    });
    await expect(call('CreateUser', { CollectionId: 'c', UserId: 'a', ClientRequestToken: 't2' })).rejects.toMatchObject({ type: 'ConflictException' });
    for (const u of ['b', 'c', 'd', 'e']) await call('CreateUser', { CollectionId: 'c', UserId: u });
    const users: string[] = [];
    let token: string | undefined;
    do {
      const page = await call('ListUsers', { CollectionId: 'c', MaxResults: 2, NextToken: token });
      users.push(...page.Users.map((u: { UserId: string; UserStatus: string }) => (expect(u.UserStatus).toBe('CREATED'), u.UserId)));
      token = page.NextToken;
    } while (token);
    expect(users.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await call('DescribeCollection', { CollectionId: 'c' })).UserCount).toBe(5);
  });

  it('AssociateFaces: reasons, ignored repeats, threshold, status; DisassociateFaces and DeleteUser', async () => {
    const alice = unitVector(random);
    const [a1, a2, a3] = [await indexOne(photoOf(alice, random)), await indexOne(photoOf(alice, random)), await indexOne(photoOf(alice, random))];
    const stranger = await indexOne(unitVector(random));
    await call('CreateUser', { CollectionId: 'c', UserId: 'alice' });
    await call('CreateUser', { CollectionId: 'c', UserId: 'bob' });

    const first = await call('AssociateFaces', { CollectionId: 'c', UserId: 'alice', FaceIds: [a1] });
    expect(first).toEqual({ AssociatedFaces: [{ FaceId: a1 }], UnsuccessfulFaceAssociations: [], UserStatus: 'UPDATING' });

    const missing = '00000000-0000-4000-8000-000000000000';
    const second = await call('AssociateFaces', { CollectionId: 'c', UserId: 'alice', FaceIds: [a1, a2, stranger, missing], UserMatchThreshold: 20 });
    expect(second.AssociatedFaces).toEqual([{ FaceId: a2 }]);
    const [low, notFound] = second.UnsuccessfulFaceAssociations;
    // As the API reference's example: no UserId beside LOW_MATCH_CONFIDENCE or FACE_NOT_FOUND.
    expect(Object.keys(low)).toEqual(['FaceId', 'Confidence', 'Reasons']);
    expect(low).toMatchObject({ FaceId: stranger, Reasons: ['LOW_MATCH_CONFIDENCE'] });
    expect(low.Confidence).toBeLessThan(20);
    expect(notFound).toEqual({ FaceId: missing, Reasons: ['FACE_NOT_FOUND'] });

    const taken = await call('AssociateFaces', { CollectionId: 'c', UserId: 'bob', FaceIds: [a1] });
    expect(taken.UnsuccessfulFaceAssociations).toEqual([{ FaceId: a1, UserId: 'alice', Reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] }]);
    expect(taken.UserStatus).toBe('CREATED');

    const dis = await call('DisassociateFaces', { CollectionId: 'c', UserId: 'bob', FaceIds: [a1, a3] });
    expect(dis).toEqual({
      DisassociatedFaces: [],
      UnsuccessfulFaceDisassociations: [{ FaceId: a1, UserId: 'alice', Reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] }],
      UserStatus: 'CREATED',
    });
    const mine = await call('DisassociateFaces', { CollectionId: 'c', UserId: 'alice', FaceIds: [a2] });
    expect(mine.DisassociatedFaces).toEqual([{ FaceId: a2 }]);
    expect(mine.UserStatus).toBe('UPDATING');

    expect(await call('DeleteUser', { CollectionId: 'c', UserId: 'alice' })).toEqual({});
    expect((await call('ListFaces', { CollectionId: 'c', FaceIds: [a1] })).Faces[0].UserId).toBeUndefined();
    await expect(call('DeleteUser', { CollectionId: 'c', UserId: 'alice' })).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
    await expect(call('AssociateFaces', { CollectionId: 'c', UserId: 'alice', FaceIds: [a1] })).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
  });

  it('AssociateFaces: a repeated token returns the first answer without redoing the work', async () => {
    const f = await indexOne(unitVector(random));
    await call('CreateUser', { CollectionId: 'c', UserId: 'u' });
    const input = { CollectionId: 'c', UserId: 'u', FaceIds: [f], ClientRequestToken: 'tok' };
    const first = await call('AssociateFaces', input);
    expect(await call('AssociateFaces', input)).toEqual(first);
    await expect(call('AssociateFaces', { ...input, UserMatchThreshold: 10 })).rejects.toMatchObject({ type: 'IdempotentParameterMismatchException' });
  });

  it('AssociateFaces: at most 100 faces per user', async () => {
    const person = unitVector(random);
    const ids: string[] = [];
    for (let i = 0; i < 102; i++) ids.push(await indexOne(photoOf(person, random, 0.001)));
    await call('CreateUser', { CollectionId: 'c', UserId: 'u' });
    await call('AssociateFaces', { CollectionId: 'c', UserId: 'u', FaceIds: ids.slice(0, 99) });
    const over = await call('AssociateFaces', { CollectionId: 'c', UserId: 'u', FaceIds: ids.slice(99, 101) });
    expect(over.AssociatedFaces).toEqual([{ FaceId: ids[99] }]);
    expect(over.UnsuccessfulFaceAssociations).toEqual([{ FaceId: ids[100] }]);
    await expect(call('AssociateFaces', { CollectionId: 'c', UserId: 'u', FaceIds: [ids[101]] })).rejects.toMatchObject({
      type: 'ServiceQuotaExceededException',
    });
  });

  it('SearchUsers by FaceId and by UserId; SearchUsersByImage with and without a face', async () => {
    const alice = unitVector(random);
    const bob = unitVector(random);
    const a = [await indexOne(photoOf(alice, random)), await indexOne(photoOf(alice, random))];
    const b = await indexOne(photoOf(bob, random));
    const loose = await indexOne(photoOf(alice, random));
    await call('CreateUser', { CollectionId: 'c', UserId: 'alice' });
    await call('CreateUser', { CollectionId: 'c', UserId: 'alice2' });
    await call('CreateUser', { CollectionId: 'c', UserId: 'bob' });
    await call('AssociateFaces', { CollectionId: 'c', UserId: 'alice', FaceIds: [a[0]] });
    await call('AssociateFaces', { CollectionId: 'c', UserId: 'alice2', FaceIds: [a[1]] });
    await call('AssociateFaces', { CollectionId: 'c', UserId: 'bob', FaceIds: [b] });

    const byFace = await call('SearchUsers', { CollectionId: 'c', FaceId: loose, UserMatchThreshold: 20 });
    expect(Object.keys(byFace)).toEqual(['UserMatches', 'FaceModelVersion', 'SearchedFace']);
    expect(byFace.UserMatches.map((m: { User: { UserId: string } }) => m.User.UserId).sort()).toEqual(['alice', 'alice2']);
    expect(byFace.UserMatches[0].User.UserStatus).toBe('ACTIVE');
    expect(byFace.SearchedFace).toEqual({ FaceId: loose });

    const byUser = await call('SearchUsers', { CollectionId: 'c', UserId: 'alice', UserMatchThreshold: 20 });
    expect(byUser.UserMatches.map((m: { User: { UserId: string } }) => m.User.UserId)).toEqual(['alice2']);
    expect(byUser.SearchedUser).toEqual({ UserId: 'alice' });

    await expect(call('SearchUsers', { CollectionId: 'c' })).rejects.toMatchObject({ type: 'InvalidParameterException' });
    await expect(call('SearchUsers', { CollectionId: 'c', UserId: 'ghost' })).rejects.toMatchObject({ type: 'ResourceNotFoundException' });

    const img = await image([syntheticFace(photoOf(bob, random), box(0.4)), syntheticFace(unitVector(random), box(0.2))]);
    const byImage = await call('SearchUsersByImage', { CollectionId: 'c', Image: img, UserMatchThreshold: 20 });
    expect(Object.keys(byImage)).toEqual(['UserMatches', 'FaceModelVersion', 'SearchedFace', 'UnsearchedFaces']);
    expect(byImage.UserMatches.map((m: { User: { UserId: string } }) => m.User.UserId)).toEqual(['bob']);
    expect(byImage.SearchedFace.FaceDetail.BoundingBox.Width).toBe(Math.fround(0.4));
    expect(byImage.UnsearchedFaces.map((u: { Reasons: string[] }) => u.Reasons)).toEqual([['FACE_NOT_LARGEST']]);

    const noFace = await call('SearchUsersByImage', { CollectionId: 'c', Image: await image([]) });
    expect(noFace).toEqual({ UserMatches: [], FaceModelVersion: '7.0', UnsearchedFaces: [] });
  });
});

describe('UserStatus over time', () => {
  const DELAY_S = 1.5;
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now };
  const statuses = async (em: TestEmulator) =>
    Object.fromEntries((await em.call('ListUsers', { CollectionId: 'u' })).Users.map((u: { UserId: string; UserStatus: string }) => [u.UserId, u.UserStatus]));
  const indexInto = async (em: TestEmulator, embedding: number[]) =>
    (await em.call('IndexFaces', { CollectionId: 'u', Image: await image([syntheticFace(embedding, box(0.3))]) })).FaceRecords[0].Face.FaceId as string;

  it('CREATED, then UPDATING for the configured delay after each change of faces, then ACTIVE', async () => {
    const em = testEmulator({ userUpdateDelaySeconds: DELAY_S }, { inference: models.pool, runtime: { clock } });
    try {
      await em.call('CreateCollection', { CollectionId: 'u' });
      const carol = unitVector(random);
      const [f1, f2] = [await indexInto(em, photoOf(carol, random)), await indexInto(em, photoOf(carol, random))];
      const probe = await indexInto(em, photoOf(carol, random));
      await em.call('CreateUser', { CollectionId: 'u', UserId: 'carol' });
      await em.call('CreateUser', { CollectionId: 'u', UserId: 'dave' });
      expect(await statuses(em)).toEqual({ carol: 'CREATED', dave: 'CREATED' });

      const associated = await em.call('AssociateFaces', { CollectionId: 'u', UserId: 'carol', FaceIds: [f1, f2] });
      expect(associated.UserStatus).toBe('UPDATING');
      expect(await statuses(em)).toEqual({ carol: 'UPDATING', dave: 'CREATED' });
      const matchStatus = async () => (await em.call('SearchUsers', { CollectionId: 'u', FaceId: probe, UserMatchThreshold: 20 })).UserMatches[0].User.UserStatus;
      expect(await matchStatus()).toBe('UPDATING');
      // A call that changes nothing reports the status as it stands.
      expect((await em.call('AssociateFaces', { CollectionId: 'u', UserId: 'carol', FaceIds: [f1] })).UserStatus).toBe('UPDATING');

      now += DELAY_S * 1000 - 1;
      expect((await statuses(em)).carol).toBe('UPDATING');
      now += 1;
      expect((await statuses(em)).carol).toBe('ACTIVE');
      expect(await matchStatus()).toBe('ACTIVE');
      expect((await em.call('DisassociateFaces', { CollectionId: 'u', UserId: 'carol', FaceIds: [probe] })).UserStatus).toBe('ACTIVE');

      // Removing faces is an update too; a user whose last face is gone settles ACTIVE (our reading).
      expect((await em.call('DisassociateFaces', { CollectionId: 'u', UserId: 'carol', FaceIds: [f1, f2] })).UserStatus).toBe('UPDATING');
      expect((await statuses(em)).carol).toBe('UPDATING');
      now += DELAY_S * 1000;
      expect(await statuses(em)).toEqual({ carol: 'ACTIVE', dave: 'CREATED' });
    } finally {
      await em.close();
    }
  });

  it('keeps an update under way across a restart with --data-dir', async () => {
    const dir = tempDir();
    const options = { inference: models.pool, runtime: { clock } };
    const first = testEmulator({ dataDir: dir, userUpdateDelaySeconds: DELAY_S }, options);
    await first.call('CreateCollection', { CollectionId: 'u' });
    const face = await indexInto(first, unitVector(random));
    await first.call('CreateUser', { CollectionId: 'u', UserId: 'erin' });
    await first.call('AssociateFaces', { CollectionId: 'u', UserId: 'erin', FaceIds: [face] });
    await first.close();

    const again = testEmulator({ dataDir: dir, userUpdateDelaySeconds: DELAY_S }, options);
    try {
      expect(await statuses(again)).toEqual({ erin: 'UPDATING' });
      now += DELAY_S * 1000;
      expect(await statuses(again)).toEqual({ erin: 'ACTIVE' });
    } finally {
      await again.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('persistence with --data-dir', () => {
  it('reloads after a restart, reconciles a stale index file and never returns a deleted face', async () => {
    const dir = tempDir();
    const options = { inference: models.pool, stores: { vectorIndex: { exactSearchMax: 40 } } };
    const person = unitVector(random);
    const ids: string[] = [];
    const first = testEmulator({ dataDir: dir }, options);
    await first.call('CreateCollection', { CollectionId: 'p' });
    const indexP = async (v: number[]) =>
      (await first.call('IndexFaces', { CollectionId: 'p', Image: await image([syntheticFace(v, box(0.3))]) })).FaceRecords[0].Face.FaceId as string;
    for (let i = 0; i < 5; i++) ids.push(await indexP(photoOf(person, random)));
    for (let i = 0; i < 80; i++) await indexP(unitVector(random));
    await first.emulator.stores.faces.in(TEST_CALLER).index('p').whenIdle();
    // Stopping writes the index.
    await first.close();
    expect(existsSync(indexFile(dir, TEST_CALLER, 'p'))).toBe(true);

    // After the file was written: one face deleted straight from SQLite and one inserted, as if a
    // process died before it could save the index again.
    const crashed = createStores({ dataDir: dir });
    crashed.db.prepare('DELETE FROM faces WHERE face_id = ?').run(ids[1]);
    const late = '00000000-0000-4000-8000-00000000beef';
    crashed.faces.in(TEST_CALLER).insert('p', {
      faceId: late,
      imageId: '00000000-0000-4000-8000-000000000001',
      boundingBox: quantiseBoundingBox(box(0.3)),
      confidence: 99.9,
      indexFacesModelVersion: '7.0',
      imageSha256: 'late',
      vector: photoOf(person, random),
    });
    crashed.db.close();

    const live = testEmulator({ dataDir: dir }, options);
    try {
      const found = await live.call('SearchFaces', { CollectionId: 'p', FaceId: ids[0], FaceMatchThreshold: 20 });
      const matched = found.FaceMatches.map((m: { Face: { FaceId: string } }) => m.Face.FaceId).sort();
      expect(matched).toEqual([ids[2], ids[3], ids[4], late].sort());
      const faces = live.emulator.stores.faces.in(TEST_CALLER);
      expect(faces.indexStatus('p')).toEqual({ engine: 'hnsw', size: 85, loaded: 'patched' });
      expect(faces.byLabel('p', [1, 2, 3]).size).toBeGreaterThan(0);

      // Reset clears everything, the index files included.
      live.emulator.control.reset();
      expect(existsSync(indexFile(dir, TEST_CALLER, 'p'))).toBe(false);
      await expect(live.call('ListFaces', { CollectionId: 'p' })).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
    } finally {
      await live.close();
    }
  });
});
