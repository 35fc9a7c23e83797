/**
 * Stream processors: the resource's lifecycle through the SDK, and (emulator only) face search on
 * video fed through the control plane, since Kinesis Video Streams has no offline counterpart.
 *
 * Against AWS the lifecycle part needs real streams and a role: CONTRACT_KVS_ARN (a Kinesis video
 * stream), CONTRACT_KDS_ARN (a Kinesis data stream) and CONTRACT_ROLE_ARN (a role Rekognition may
 * assume to read and write them); without them it is skipped. (AWS no longer offers streaming
 * video to new customers.) Exact messages AWS is not known to give are asserted under `isEmulator`.
 */
import {
  CreateCollectionCommand,
  CreateStreamProcessorCommand,
  DeleteCollectionCommand,
  DeleteStreamProcessorCommand,
  DescribeStreamProcessorCommand,
  IndexFacesCommand,
  ListStreamProcessorsCommand,
  ListTagsForResourceCommand,
  StartStreamProcessorCommand,
  StopStreamProcessorCommand,
  type RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_ACCOUNT, EMULATOR_REGION, expectServiceError, isEmulator, rekognitionClient, s3Image, uniqueName } from './support/client';
import { controlPlane } from './support/emulator';

const ACCOUNT = isEmulator ? EMULATOR_ACCOUNT : '';
const streams = isEmulator
  ? {
      kvs: `arn:aws:kinesisvideo:${EMULATOR_REGION}:${ACCOUNT}:stream/contract-door/1700000000000`,
      kds: `arn:aws:kinesis:${EMULATOR_REGION}:${ACCOUNT}:stream/contract-door-results`,
      role: `arn:aws:iam::${ACCOUNT}:role/RekognitionStreams`,
    }
  : { kvs: process.env.CONTRACT_KVS_ARN, kds: process.env.CONTRACT_KDS_ARN, role: process.env.CONTRACT_ROLE_ARN };
const runnable = Boolean(streams.kvs && streams.kds && streams.role);
/** AWS takes seconds to start and stop a processor; the emulator half a second. */
const STATUS_TIMEOUT_MS = isEmulator ? 10_000 : 120_000;

let client: RekognitionClient;
let collection: string;
let name: string;
let faceId: string;

async function waitFor(status: string): Promise<void> {
  const deadline = Date.now() + STATUS_TIMEOUT_MS;
  for (;;) {
    const out = await client.send(new DescribeStreamProcessorCommand({ Name: name }));
    if (out.Status === status) return;
    if (Date.now() > deadline) throw new Error(`${name} is ${out.Status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, isEmulator ? 100 : 2000));
  }
}

describe.skipIf(!runnable)('stream processors', () => {
  beforeAll(async () => {
    client = rekognitionClient();
    collection = uniqueName('streams');
    name = uniqueName('door');
    await client.send(new CreateCollectionCommand({ CollectionId: collection }));
    const indexed = await client.send(new IndexFacesCommand({ CollectionId: collection, Image: s3Image('face-search/alex_lacamoire/1.png'), ExternalImageId: 'alex' }));
    faceId = indexed.FaceRecords![0].Face!.FaceId!;
  }, 120_000);

  afterAll(async () => {
    await client.send(new StopStreamProcessorCommand({ Name: name })).catch(() => undefined);
    await waitFor('STOPPED').catch(() => undefined);
    await client.send(new DeleteStreamProcessorCommand({ Name: name })).catch(() => undefined);
    await client.send(new DeleteCollectionCommand({ CollectionId: collection })).catch(() => undefined);
    client.destroy();
  }, STATUS_TIMEOUT_MS + 30_000);

  it('creates a face search processor, STOPPED, with a threshold below 80 raised to 80', async () => {
    const created = await client.send(
      new CreateStreamProcessorCommand({
        Name: name,
        Input: { KinesisVideoStream: { Arn: streams.kvs } },
        Output: { KinesisDataStream: { Arn: streams.kds } },
        Settings: { FaceSearch: { CollectionId: collection, FaceMatchThreshold: 50 } },
        RoleArn: streams.role,
        Tags: { suite: 'contract' },
      }),
    );
    expect(created.StreamProcessorArn).toMatch(new RegExp(`^arn:aws:rekognition:[a-z0-9-]+:\\d{12}:streamprocessor/${name}$`));
    const d = await client.send(new DescribeStreamProcessorCommand({ Name: name }));
    expect(d).toMatchObject({
      Name: name,
      StreamProcessorArn: created.StreamProcessorArn,
      Status: 'STOPPED',
      Input: { KinesisVideoStream: { Arn: streams.kvs } },
      Output: { KinesisDataStream: { Arn: streams.kds } },
      RoleArn: streams.role,
      Settings: { FaceSearch: { CollectionId: collection, FaceMatchThreshold: 80 } },
    });
    expect(d.CreationTimestamp).toBeInstanceOf(Date);
    expect((await client.send(new ListTagsForResourceCommand({ ResourceArn: created.StreamProcessorArn }))).Tags).toEqual({ suite: 'contract' });
    const listed = await client.send(new ListStreamProcessorsCommand({}));
    expect(listed.StreamProcessors).toContainEqual({ Name: name, Status: 'STOPPED' });
  });

  it('refuses a second processor of the same name, and unknown names', async () => {
    await expectServiceError(
      client.send(
        new CreateStreamProcessorCommand({
          Name: name,
          Input: { KinesisVideoStream: { Arn: streams.kvs } },
          Output: { KinesisDataStream: { Arn: streams.kds } },
          Settings: { FaceSearch: { CollectionId: collection } },
          RoleArn: streams.role,
        }),
      ),
      'ResourceInUseException',
      isEmulator ? { message: 'Stream processor name already in use.', status: 400 } : { status: 400 },
    );
    await expectServiceError(client.send(new DescribeStreamProcessorCommand({ Name: `${name}-none` })), 'ResourceNotFoundException', { status: 400 });
    await expectServiceError(client.send(new StopStreamProcessorCommand({ Name: name })), 'ResourceInUseException', isEmulator ? { message: 'Stream Processor not available for stopping' } : {});
  });

  it('starts: RUNNING, not deletable while it runs', async () => {
    const started = await client.send(new StartStreamProcessorCommand({ Name: name }));
    expect(started.SessionId).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor('RUNNING');
    await expectServiceError(client.send(new DeleteStreamProcessorCommand({ Name: name })), 'ResourceInUseException', isEmulator ? { message: 'Cannot delete stream processor.' } : {});
  }, STATUS_TIMEOUT_MS + 10_000);

  it.skipIf(!isEmulator)('finds the indexed person in video fed through the control plane, one record per second', async () => {
    const fed = await controlPlane('POST', `stream-processors/${name}/video`, { s3: s3Image('video/stream-faces.mp4').S3Object, producerTimestamp: 1_700_000_000_000 });
    expect(fed.status, fed.body).toBe(200);
    expect(fed.json).toMatchObject({ name, status: 'RUNNING', framesAnalysed: 4, records: 4, facesDetected: 4, facesMatched: 2, kinesis: { sent: 0, failed: 0, endpoint: null } });
    const results = await controlPlane('GET', `stream-processors/${name}/results`);
    expect(results.status).toBe(200);
    const records = results.json!.records as { InputInformation: { KinesisVideo: { ProducerTimestamp: number } }; FaceSearchResponse: { MatchedFaces: { Similarity: number; Face: { FaceId: string } }[] }[] }[];
    expect(records.map((r) => r.InputInformation.KinesisVideo.ProducerTimestamp)).toEqual([1_700_000_000, 1_700_000_000, 1_700_000_002, 1_700_000_002]);
    expect(records.map((r) => r.FaceSearchResponse.map((f) => f.MatchedFaces.map((m) => m.Face.FaceId)))).toEqual([[[faceId]], [[faceId]], [[]], [[]]]);
    expect(records[0].FaceSearchResponse[0].MatchedFaces[0].Similarity).toBeGreaterThanOrEqual(80);
  }, 180_000);

  it('stops, then deletes', async () => {
    await client.send(new StopStreamProcessorCommand({ Name: name }));
    await waitFor('STOPPED');
    if (isEmulator) {
      const refused = await controlPlane('POST', `stream-processors/${name}/video`, { s3: s3Image('video/stream-faces.mp4').S3Object });
      expect(refused.status).toBe(409);
    }
    await client.send(new DeleteStreamProcessorCommand({ Name: name }));
    await expectServiceError(client.send(new DescribeStreamProcessorCommand({ Name: name })), 'ResourceNotFoundException', { status: 400 });
  }, STATUS_TIMEOUT_MS + 10_000);
});
