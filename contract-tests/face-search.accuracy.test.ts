/**
 * SearchFacesByImage on a collection of the identity photos (fixtures/faces/ground-truth.json):
 * one photo of each person is indexed, every other photo of them is searched, and the top match at
 * the default FaceMatchThreshold must name the right person for at least 95% of searches.
 */
import {
  CreateCollectionCommand,
  DeleteCollectionCommand,
  IndexFacesCommand,
  SearchFacesByImageCommand,
  type RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes, rekognitionClient, uniqueName } from './support/client';
import { fixturesDir, type FixtureName } from './support/target';

interface Truth {
  path: FixtureName;
  identity: string | null;
}

const truth = (JSON.parse(readFileSync(join(fixturesDir, 'faces', 'ground-truth.json'), 'utf8')) as { images: Truth[] }).images;
const byIdentity = new Map<string, FixtureName[]>();
for (const t of truth) if (t.identity) byIdentity.set(t.identity, [...(byIdentity.get(t.identity) ?? []), t.path]);
// People with at least two photos: one goes into the collection, the others are searched.
const people = [...byIdentity].filter(([, photos]) => photos.length >= 2).map(([identity, photos]) => ({ identity, photos: [...photos].sort() }));

let client: RekognitionClient;
const collectionId = uniqueName('face-search');

beforeAll(async () => {
  client = rekognitionClient();
  await client.send(new CreateCollectionCommand({ CollectionId: collectionId }));
  for (const { identity, photos } of people) {
    const indexed = await client.send(
      new IndexFacesCommand({ CollectionId: collectionId, Image: { Bytes: fixtureBytes(photos[0]) }, ExternalImageId: identity, MaxFaces: 1, QualityFilter: 'NONE' }),
    );
    expect(indexed.FaceRecords, `a face indexed from ${photos[0]}`).toHaveLength(1);
  }
}, 600_000);

afterAll(async () => {
  await client?.send(new DeleteCollectionCommand({ CollectionId: collectionId })).catch(() => undefined);
});

describe('SearchFacesByImage over the identity photos', () => {
  it('finds the right person first in at least 95% of searches at the default threshold', async () => {
    expect(people.length).toBeGreaterThanOrEqual(8);
    const misses: string[] = [];
    let searches = 0;
    for (const { identity, photos } of people) {
      for (const photo of photos.slice(1)) {
        searches++;
        const result = await client.send(new SearchFacesByImageCommand({ CollectionId: collectionId, Image: { Bytes: fixtureBytes(photo) }, MaxFaces: 5 }));
        const top = result.FaceMatches?.[0];
        if (top?.Face?.ExternalImageId !== identity) misses.push(`${photo}: ${top ? `${top.Face?.ExternalImageId} at ${top.Similarity?.toFixed(1)}` : 'no match'}`);
      }
    }
    const top1 = (searches - misses.length) / searches;
    console.log(`SearchFacesByImage top-1: ${searches - misses.length}/${searches} = ${(100 * top1).toFixed(1)}%${misses.length ? `; misses: ${misses.join('; ')}` : ''}`);
    expect(searches).toBeGreaterThanOrEqual(20);
    expect(top1).toBeGreaterThanOrEqual(0.95);
  }, 600_000);
});
