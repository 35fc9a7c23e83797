/**
 * Collections: CreateCollection, DescribeCollection, ListCollections, DeleteCollection.
 * Runs on both targets; exact strings are AWS's where AWS-BEHAVIOUR.md has them, and assertions
 * that only hold for the emulator's documented choices are marked `isEmulator`.
 */
import {
  CreateCollectionCommand,
  DeleteCollectionCommand,
  DescribeCollectionCommand,
  ListCollectionsCommand,
  type RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ACCOUNT, EMULATOR_REGION, expectServiceError, isEmulator, rekognitionClient, uniqueName } from './support/client';

let client: RekognitionClient;
const created = new Set<string>();

async function createCollection(id: string) {
  const out = await client.send(new CreateCollectionCommand({ CollectionId: id }));
  created.add(id);
  return out;
}

async function deleteCollection(id: string) {
  const out = await client.send(new DeleteCollectionCommand({ CollectionId: id }));
  created.delete(id);
  return out;
}

beforeAll(() => {
  client = rekognitionClient();
});

afterAll(async () => {
  for (const id of created) await client.send(new DeleteCollectionCommand({ CollectionId: id })).catch(() => undefined);
  client.destroy();
});

describe('CreateCollection', () => {
  it('answers StatusCode 200, an ARN without the arn: prefix and face model 7.0', async () => {
    const id = uniqueName('create');
    const out = await createCollection(id);
    expect(out.StatusCode).toBe(200);
    expect(out.FaceModelVersion).toBe('7.0');
    if (isEmulator) expect(out.CollectionArn).toBe(`aws:rekognition:${EMULATOR_REGION}:${EMULATOR_ACCOUNT}:collection/${id}`);
    else expect(out.CollectionArn).toMatch(new RegExp(`^aws:rekognition:[a-z0-9-]+:\\d{12}:collection/${id.replace(/\./g, '\\.')}$`));
  });

  it('refuses an existing id with ResourceAlreadyExistsException', async () => {
    const id = uniqueName('dup');
    await createCollection(id);
    await expectServiceError(client.send(new CreateCollectionCommand({ CollectionId: id })), 'ResourceAlreadyExistsException', {
      message: `The collection id: ${id} already exists.`,
      status: 400,
    });
  });

  it('refuses an id outside the pattern with the Coral validation message', async () => {
    await expectServiceError(client.send(new CreateCollectionCommand({ CollectionId: 'bad id!' })), 'ValidationException', {
      message: "1 validation error detected: Value 'bad id!' at 'collectionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-]+",
      status: 400,
    });
  });

  it('refuses an id longer than 255 characters', async () => {
    const id = 'a'.repeat(256);
    await expectServiceError(client.send(new CreateCollectionCommand({ CollectionId: id })), 'ValidationException', {
      message: `1 validation error detected: Value '${id}' at 'collectionId' failed to satisfy constraint: Member must have length less than or equal to 255`,
      status: 400,
    });
  });
});

describe('DescribeCollection', () => {
  it('describes a new collection, its ARN with the arn: prefix', async () => {
    const id = uniqueName('describe');
    const before = Date.now();
    const { CollectionArn } = await createCollection(id);
    const out = await client.send(new DescribeCollectionCommand({ CollectionId: id }));
    expect(out.CollectionARN).toBe(`arn:${CollectionArn}`);
    expect(out.FaceCount).toBe(0);
    expect(out.UserCount).toBe(0);
    expect(out.FaceModelVersion).toBe('7.0');
    expect(out.CreationTimestamp).toBeInstanceOf(Date);
    // Clocks of the test machine and of AWS may differ a little.
    expect(Math.abs(out.CreationTimestamp!.getTime() - before)).toBeLessThan(isEmulator ? 5_000 : 300_000);
  });

  it('answers ResourceNotFoundException for an unknown collection', async () => {
    const id = uniqueName('missing');
    // Unlike the other collection operations, as a recorded AWS response shows (AWS-BEHAVIOUR §9).
    await expectServiceError(client.send(new DescribeCollectionCommand({ CollectionId: id })), 'ResourceNotFoundException', {
      status: 400,
      message: `Collection:${id} not found!`,
    });
  });
});

describe('ListCollections', () => {
  it('pages with MaxResults and NextToken until every collection was listed once', async () => {
    const prefix = uniqueName('list');
    const ids = [`${prefix}-c`, `${prefix}-a`, `${prefix}-b`];
    for (const id of ids) await createCollection(id);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListCollectionsCommand({ MaxResults: 2, NextToken: token }));
      pages += 1;
      expect(page.CollectionIds!.length).toBeLessThanOrEqual(2);
      expect(page.FaceModelVersions).toHaveLength(page.CollectionIds!.length);
      seen.push(...page.CollectionIds!);
      token = page.NextToken;
      expect(pages).toBeLessThan(1000);
    } while (token);

    const ours = seen.filter((id) => id.startsWith(prefix));
    expect([...ours].sort()).toEqual([...ids].sort());
    expect(new Set(seen).size).toBe(seen.length);
    // The emulator lists by id. (Page counts are not asserted: other test files create and delete
    // collections in the same account meanwhile.)
    if (isEmulator) expect(ours).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
  });

  it('keeps NextToken within 255 characters when collection ids have the longest length', async () => {
    // 255-character ids that differ only in their last character (the API model caps NextToken at 255).
    const stem = uniqueName('long').padEnd(254, 'x');
    const ids = ['b', 'a', 'c'].map((last) => `${stem}${last}`);
    for (const id of ids) await createCollection(id);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListCollectionsCommand({ MaxResults: 1, NextToken: token }));
      pages += 1;
      seen.push(...page.CollectionIds!);
      token = page.NextToken;
      if (token) expect(token.length).toBeLessThanOrEqual(255);
      expect(pages).toBeLessThan(2000);
    } while (token);

    expect(seen.filter((id) => id.startsWith(stem)).sort()).toEqual([...ids].sort());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('gives the face model version of each collection beside its id', async () => {
    const id = uniqueName('versions');
    await createCollection(id);
    const out = await client.send(new ListCollectionsCommand({}));
    const i = out.CollectionIds!.indexOf(id);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(out.FaceModelVersions![i]).toBe('7.0');
  });

  // MaxResults may be 0 on AWS (the model's range is 0-4096); what AWS answers is not known.
  it.runIf(isEmulator)('answers MaxResults 0 with an empty page', async () => {
    const id = uniqueName('zero');
    await createCollection(id);
    const out = await client.send(new ListCollectionsCommand({ MaxResults: 0 }));
    expect(out.CollectionIds).toEqual([]);
    expect(out.FaceModelVersions).toEqual([]);
  });

  it('refuses MaxResults above 4096', async () => {
    // The wording of range violations is Coral's (AWS-BEHAVIOUR §2.1) but no Rekognition capture shows it.
    await expectServiceError(client.send(new ListCollectionsCommand({ MaxResults: 4097 })), 'ValidationException', {
      status: 400,
      ...(isEmulator
        ? { message: "1 validation error detected: Value '4097' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 4096" }
        : {}),
    });
  });

  it.runIf(isEmulator)('refuses a NextToken it did not issue with InvalidPaginationTokenException', async () => {
    await expectServiceError(client.send(new ListCollectionsCommand({ NextToken: 'bm90LWEtdG9rZW4=' })), 'InvalidPaginationTokenException', {
      message: 'Invalid Token',
      status: 400,
    });
  });
});

describe('DeleteCollection', () => {
  it('deletes: StatusCode 200, then the collection is gone everywhere', async () => {
    const id = uniqueName('delete');
    await createCollection(id);
    const out = await deleteCollection(id);
    expect(out.StatusCode).toBe(200);
    await expectServiceError(client.send(new DescribeCollectionCommand({ CollectionId: id })), 'ResourceNotFoundException');
    const list = await client.send(new ListCollectionsCommand({}));
    expect(list.CollectionIds).not.toContain(id);
  });

  it('answers ResourceNotFoundException with AWS message for an unknown collection', async () => {
    const id = uniqueName('never');
    await expectServiceError(client.send(new DeleteCollectionCommand({ CollectionId: id })), 'ResourceNotFoundException', {
      message: `The collection id: ${id} does not exist`,
      status: 400,
    });
  });

  it('lets the id be used again after deletion', async () => {
    const id = uniqueName('reuse');
    await createCollection(id);
    await deleteCollection(id);
    const again = await createCollection(id);
    expect(again.StatusCode).toBe(200);
  });
});
