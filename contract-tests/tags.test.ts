/**
 * Tagging (TagResource, UntagResource, ListTagsForResource, and Tags in CreateCollection), on
 * collections, on both targets.
 */
import {
  CreateCollectionCommand,
  DeleteCollectionCommand,
  DescribeCollectionCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectServiceError, isEmulator, rawRequest, rekognitionClient, uniqueName } from './support/client';

let client: RekognitionClient;
const created = new Set<string>();

/** Creates a collection and returns its ARN as TagResource wants it (DescribeCollection's, with `arn:`). */
async function collection(tags?: Record<string, string>): Promise<{ id: string; arn: string }> {
  const id = uniqueName('tags');
  await client.send(new CreateCollectionCommand({ CollectionId: id, Tags: tags }));
  created.add(id);
  const { CollectionARN } = await client.send(new DescribeCollectionCommand({ CollectionId: id }));
  return { id, arn: CollectionARN! };
}

const tagsOf = async (arn: string) => (await client.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags;

const manyTags = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `v${i}`]));

beforeAll(() => {
  client = rekognitionClient();
});

afterAll(async () => {
  for (const id of created) await client.send(new DeleteCollectionCommand({ CollectionId: id })).catch(() => undefined);
  client.destroy();
});

describe('tags on collections', () => {
  it('keeps the Tags given to CreateCollection', async () => {
    const { arn } = await collection({ team: 'vision', env: 'test' });
    expect(await tagsOf(arn)).toEqual({ team: 'vision', env: 'test' });
  });

  it('lists no tags for an untagged collection as an empty map', async () => {
    const { arn } = await collection();
    expect(await tagsOf(arn)).toEqual({});
  });

  it('adds and overwrites with TagResource, removes with UntagResource', async () => {
    const { arn } = await collection({ team: 'vision', env: 'test' });
    const tagged = await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: { env: 'prod', owner: 'me@example.com' } }));
    expect(tagged.$metadata.httpStatusCode).toBe(200);
    expect(await tagsOf(arn)).toEqual({ team: 'vision', env: 'prod', owner: 'me@example.com' });

    // Keys that are not there are ignored.
    await client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['team', 'not-there'] }));
    expect(await tagsOf(arn)).toEqual({ env: 'prod', owner: 'me@example.com' });

    await client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['env', 'owner'] }));
    expect(await tagsOf(arn)).toEqual({});
  });

  it('keeps tag keys that are JavaScript property names', async () => {
    const { arn } = await collection();
    // Raw JSON: a JavaScript object literal could not carry a `__proto__` key through the SDK.
    const tagged = await rawRequest('TagResource', `{"ResourceArn":${JSON.stringify(arn)},"Tags":{"__proto__":"p","constructor":"c","toString":"t"}}`);
    expect(tagged.status).toBe(200);
    const listed = await rawRequest('ListTagsForResource', { ResourceArn: arn });
    expect(listed.status).toBe(200);
    expect(Object.entries(listed.json.Tags as object).sort()).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['toString', 't'],
    ]);
  });

  it('keeps an empty tag value', async () => {
    const { arn } = await collection();
    await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: { flag: '' } }));
    expect(await tagsOf(arn)).toEqual({ flag: '' });
  });

  it('drops the tags with the collection: the same id created again has none', async () => {
    const { id, arn } = await collection({ gone: 'soon' });
    await client.send(new DeleteCollectionCommand({ CollectionId: id }));
    await client.send(new CreateCollectionCommand({ CollectionId: id }));
    expect(await tagsOf(arn)).toEqual({});
  });
});

describe('unknown resources', () => {
  it('answers ResourceNotFoundException to all three operations for the ARN of a missing collection', async () => {
    const { id, arn } = await collection();
    const missing = arn.replace(new RegExp(`${id}$`), uniqueName('absent'));
    const expected = isEmulator ? { status: 400, message: `The resource ${missing} does not exist.` } : { status: 400 };
    await expectServiceError(client.send(new ListTagsForResourceCommand({ ResourceArn: missing })), 'ResourceNotFoundException', expected);
    await expectServiceError(client.send(new TagResourceCommand({ ResourceArn: missing, Tags: { a: 'b' } })), 'ResourceNotFoundException', expected);
    await expectServiceError(client.send(new UntagResourceCommand({ ResourceArn: missing, TagKeys: ['a'] })), 'ResourceNotFoundException', expected);
  });
});

describe('the limit of 50 tags per resource', () => {
  it('accepts exactly 50 tags', async () => {
    const { arn } = await collection(manyTags(50));
    expect(Object.keys((await tagsOf(arn))!)).toHaveLength(50);
  });

  it('refuses a CreateCollection with 51 tags, creating nothing', async () => {
    const id = uniqueName('toomany');
    const err = await expectServiceError(
      client.send(new CreateCollectionCommand({ CollectionId: id, Tags: manyTags(51) })).finally(() => created.add(id)),
      isEmulator ? 'ServiceQuotaExceededException' : null,
      isEmulator ? { status: 400, message: 'The number of tags on the resource exceeds the limit of 50.' } : {},
    );
    expect(err.$metadata?.httpStatusCode).toBe(400);
    if (isEmulator) await expectServiceError(client.send(new DescribeCollectionCommand({ CollectionId: id })), 'ResourceNotFoundException');
  });

  it('refuses a TagResource that would take a resource past 50 tags, changing nothing', async () => {
    const { arn } = await collection(manyTags(30, 'a'));
    const err = await expectServiceError(
      client.send(new TagResourceCommand({ ResourceArn: arn, Tags: manyTags(21, 'b') })),
      isEmulator ? 'ServiceQuotaExceededException' : null,
      isEmulator ? { status: 400, message: 'The number of tags on the resource exceeds the limit of 50.' } : {},
    );
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(await tagsOf(arn)).toEqual(manyTags(30, 'a'));
  });

  it('counts overwritten keys once: 30 tags plus 20 new and 10 existing keys is 50', async () => {
    const { arn } = await collection(manyTags(30, 'a'));
    await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: { ...manyTags(20, 'b'), ...manyTags(10, 'a') } }));
    expect(Object.keys((await tagsOf(arn))!)).toHaveLength(50);
  });
});

describe('validation', () => {
  it('refuses a tag key starting with aws:', async () => {
    const { arn } = await collection();
    await expectServiceError(client.send(new TagResourceCommand({ ResourceArn: arn, Tags: { 'aws:owner': 'x' } })), 'ValidationException', {
      status: 400,
      ...(isEmulator
        ? {
            message:
              "1 validation error detected: Value 'aws:owner' at 'tags.aws:owner.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$",
          }
        : {}),
    });
    expect(await tagsOf(arn)).toEqual({});
  });

  it('refuses more than 200 tags in one request on the model limit', async () => {
    const { arn } = await collection();
    await expectServiceError(client.send(new TagResourceCommand({ ResourceArn: arn, Tags: manyTags(201) })), 'ValidationException', { status: 400 });
  });
});
