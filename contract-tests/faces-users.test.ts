/**
 * Stored faces and users: ListFaces paging, AssociateFaces and DisassociateFaces. Runs on both
 * targets; assertions that only hold for the emulator's documented choices are marked `isEmulator`.
 */
import {
  AssociateFacesCommand,
  CreateCollectionCommand,
  CreateUserCommand,
  DeleteCollectionCommand,
  DisassociateFacesCommand,
  IndexFacesCommand,
  ListFacesCommand,
  ListUsersCommand,
  type RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEmulator, rekognitionClient, s3Image, uniqueName } from './support/client';

let client: RekognitionClient;
const created = new Set<string>();

async function createCollection(id: string) {
  await client.send(new CreateCollectionCommand({ CollectionId: id }));
  created.add(id);
}

async function indexFace(collection: string, image: Parameters<typeof s3Image>[0]): Promise<string> {
  const out = await client.send(new IndexFacesCommand({ CollectionId: collection, Image: s3Image(image), MaxFaces: 1, QualityFilter: 'NONE' }));
  return out.FaceRecords![0].Face!.FaceId!;
}

/**
 * The user's status once the service's background work on it is done: ListUsers is polled while it
 * says CREATING or UPDATING (AWS gives no duration; the emulator's contract run settles at once).
 */
async function settledStatus(collection: string, userId: string): Promise<string | undefined> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { Users } = await client.send(new ListUsersCommand({ CollectionId: collection }));
    const status = Users?.find((u) => u.UserId === userId)?.UserStatus;
    if ((status !== 'CREATING' && status !== 'UPDATING') || Date.now() > deadline) return status;
    await sleep(1000);
  }
}

beforeAll(() => {
  client = rekognitionClient();
});

afterAll(async () => {
  for (const id of created) await client.send(new DeleteCollectionCommand({ CollectionId: id })).catch(() => undefined);
  client.destroy();
});

describe('ListFaces', () => {
  it('pages a collection with a 255-character id on NextTokens of at most 255 characters', async () => {
    const collection = uniqueName('long-faces').padEnd(255, 'x');
    await createCollection(collection);
    const faceIds = [await indexFace(collection, 'face-search/joe_biden/1.jpg'), await indexFace(collection, 'face-search/rose_leslie/1.jpg'), await indexFace(collection, 'face-search/kit_harington/1.jpg')];

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListFacesCommand({ CollectionId: collection, MaxResults: 1, NextToken: token }));
      seen.push(...page.Faces!.map((f) => f.FaceId!));
      token = page.NextToken;
      if (token) expect(token.length).toBeLessThanOrEqual(255);
      expect(seen.length).toBeLessThanOrEqual(faceIds.length);
    } while (token);
    expect([...seen].sort()).toEqual([...faceIds].sort());
  });
});

describe('AssociateFaces and DisassociateFaces', () => {
  it('report refused faces as the API reference examples do', async () => {
    const collection = uniqueName('users');
    await createCollection(collection);
    const [biden, rose, kit] = [
      await indexFace(collection, 'face-search/joe_biden/1.jpg'),
      await indexFace(collection, 'face-search/rose_leslie/1.jpg'),
      await indexFace(collection, 'face-search/kit_harington/1.jpg'),
    ];
    for (const user of ['joe', 'other']) await client.send(new CreateUserCommand({ CollectionId: collection, UserId: user }));
    await client.send(new AssociateFacesCommand({ CollectionId: collection, UserId: 'joe', FaceIds: [biden] }));
    await client.send(new AssociateFacesCommand({ CollectionId: collection, UserId: 'other', FaceIds: [kit] }));

    const missing = '00000000-0000-4000-8000-000000000000';
    const out = await client.send(new AssociateFacesCommand({ CollectionId: collection, UserId: 'joe', FaceIds: [rose, kit, missing], UserMatchThreshold: 90 }));
    expect(out.AssociatedFaces).toEqual([]);
    const byFace = new Map(out.UnsuccessfulFaceAssociations!.map((u) => [u.FaceId, u]));
    // A face of someone else: LOW_MATCH_CONFIDENCE with its Confidence and no UserId.
    const low = byFace.get(rose)!;
    expect(low.Reasons).toEqual(['LOW_MATCH_CONFIDENCE']);
    expect(low.Confidence).toBeLessThan(90);
    expect(low).not.toHaveProperty('UserId');
    // A face of another user names that user.
    expect(byFace.get(kit)).toEqual({ FaceId: kit, UserId: 'other', Reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] });
    expect(byFace.get(missing)!.Reasons).toEqual(['FACE_NOT_FOUND']);
    if (isEmulator) expect(byFace.get(missing)).not.toHaveProperty('UserId');

    const dis = await client.send(new DisassociateFacesCommand({ CollectionId: collection, UserId: 'joe', FaceIds: [kit, biden] }));
    expect(dis.DisassociatedFaces).toEqual([{ FaceId: biden }]);
    expect(dis.UnsuccessfulFaceDisassociations).toEqual([{ FaceId: kit, UserId: 'other', Reasons: ['ASSOCIATED_TO_A_DIFFERENT_USER'] }]);
  });
});

describe('UserStatus', () => {
  it('is CREATED without faces, UPDATING in the answers of AssociateFaces and DisassociateFaces, ACTIVE once associated', async () => {
    const collection = uniqueName('user-status');
    await createCollection(collection);
    const face = await indexFace(collection, 'face-search/joe_biden/1.jpg');
    await client.send(new CreateUserCommand({ CollectionId: collection, UserId: 'joe' }));
    expect(await settledStatus(collection, 'joe')).toBe('CREATED');

    const associated = await client.send(new AssociateFacesCommand({ CollectionId: collection, UserId: 'joe', FaceIds: [face] }));
    expect(associated.AssociatedFaces).toEqual([{ FaceId: face }]);
    expect(associated.UserStatus).toBe('UPDATING');
    expect(await settledStatus(collection, 'joe')).toBe('ACTIVE');

    const disassociated = await client.send(new DisassociateFacesCommand({ CollectionId: collection, UserId: 'joe', FaceIds: [face] }));
    expect(disassociated.DisassociatedFaces).toEqual([{ FaceId: face }]);
    expect(disassociated.UserStatus).toBe('UPDATING');
    // What a user without faces settles in after an update is not documented; the emulator says ACTIVE.
    const after = await settledStatus(collection, 'joe');
    if (isEmulator) expect(after).toBe('ACTIVE');
    else expect(['ACTIVE', 'CREATED']).toContain(after);
  }, 240_000);
});
