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
  type RekognitionClient,
} from '@aws-sdk/client-rekognition';
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
