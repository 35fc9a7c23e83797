import { CreateCollectionCommand, ListCollectionsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The package's own name: what a user's test setup imports.
import { createEmulator, serve, type RunningServer } from 'rekognition-local';

describe("the package's public API", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve(createEmulator({ logLevel: 'error' }), { port: 0 });
  });
  afterAll(() => server.close());

  it('serves an in-process emulator on a free port to the AWS SDK', async () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new RekognitionClient({ endpoint: server.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await client.send(new CreateCollectionCommand({ CollectionId: 'from-the-sdk' }));
    const listed = await client.send(new ListCollectionsCommand({}));
    expect(listed.CollectionIds).toEqual(['from-the-sdk']);
    client.destroy();
  });

  it('dispatches without HTTP', async () => {
    const emulator = createEmulator({ logLevel: 'error' });
    const answer = await emulator.dispatch('ListCollections', '{}', { account: '111122223333', region: 'us-east-1' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ CollectionIds: [] });
    await emulator.stop();
  });
});
