/** Shared set-up for the stream processor tests: an emulator, calls through dispatch and a capturing HTTP server. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../src/runtime/config';
import type { ModelsClient } from '../../models/client';
import { ApiError, testEmulator, type TestEmulator } from '../support/emulator';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';

/** Who calls: an emulator and the caller's account and region. */
export interface Caller {
  t: TestEmulator;
  account: string;
  region: string;
}

/** An emulator (with `inference` as its models when given) and a caller in ACCOUNT and REGION. */
export function makeEmulator(config: Partial<Config> = {}, inference?: ModelsClient): { t: TestEmulator; ctx: Caller } {
  const t = testEmulator(config, inference ? { inference } : {});
  return { t, ctx: { t, account: ACCOUNT, region: REGION } };
}

// The tests read arbitrary paths of the wire JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call(ctx: Caller, operation: string, input: Record<string, unknown>): Promise<Record<string, any>> {
  return ctx.t.call(operation, input, { account: ctx.account, region: ctx.region });
}

/** The API error a call fails with (the test fails if it succeeds). */
export async function failure(ctx: Caller, operation: string, input: Record<string, unknown>): Promise<{ type: string; message: string }> {
  try {
    await call(ctx, operation, input);
  } catch (err) {
    if (err instanceof ApiError) return { type: err.type, message: err.message };
    throw err;
  }
  throw new Error(`${operation} succeeded`);
}

/** Wire timestamps are epoch seconds; this is the epoch milliseconds. */
export const epochMs = (timestamp: unknown) => Math.round((timestamp as number) * 1000);

export const kvs = (n: string) => `arn:aws:kinesisvideo:${REGION}:${ACCOUNT}:stream/${n}/1690000000000`;
export const kds = (n: string) => `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${n}`;
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/RekognitionStreams`;
export const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:home-events`;

export function faceSearchInput(name: string, collection: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: name,
    Input: { KinesisVideoStream: { Arn: kvs(`${name}-video`) } },
    Output: { KinesisDataStream: { Arn: kds(`${name}-results`) } },
    Settings: { FaceSearch: { CollectionId: collection } },
    RoleArn: ROLE,
    ...extra,
  };
}

export function homeInput(name: string, bucket: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: name,
    Input: { KinesisVideoStream: { Arn: kvs(`${name}-video`) } },
    Output: { S3Destination: { Bucket: bucket, KeyPrefix: 'events/' } },
    Settings: { ConnectedHome: { Labels: ['PERSON', 'PET'] } },
    NotificationChannel: { SNSTopicArn: TOPIC },
    RoleArn: ROLE,
    ...extra,
  };
}

export interface Captured {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A stand-in for Kinesis (JSON 1.1, answers PutRecord) and SNS (query protocol, answers Publish)
 * that records every request it gets.
 */
export async function captureServer(): Promise<{ url: string; captured: Captured[]; close: () => Promise<void> }> {
  const captured: Captured[] = [];
  let sequence = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      captured.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (String(req.headers['x-amz-target'] ?? '').startsWith('Kinesis_20131202.')) {
        res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ ShardId: 'shardId-000000000000', SequenceNumber: String(49590338271490256608559692538361571095921575989136588898n + BigInt(++sequence)) }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>5ec0d0b4-6d0b-4f0e-9d2c-0d6c1b1b1b${String(++sequence).padStart(2, '0')}</MessageId></PublishResult><ResponseMetadata><RequestId>0f5d0e0e-1111-2222-3333-444455556666</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, captured, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
