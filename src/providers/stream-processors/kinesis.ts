/**
 * Face search records to the processor's Output.KinesisDataStream, through a Kinesis-compatible
 * endpoint (--kinesis-endpoint, else AWS_ENDPOINT_URL_KINESIS): LocalStack, kinesis-mock,
 * kinesalite... With no endpoint the records are only kept in memory (the control plane's
 * /_rekognition/stream-processors/<name>/results), and a warning says so once per session.
 *
 * One PutRecord per analysed frame, in frame order (a frame's record waits for the previous one),
 * so a consumer reads them in the order the frames were analysed. Which call AWS makes, and with
 * which partition key, is not documented. Our choices: PutRecord, StreamName taken from the ARN
 * (the form every Kinesis emulator accepts), PartitionKey the stream processor's name (one
 * processor's records stay on one shard, in order). A failed put is logged and counted; it never
 * stops the processor.
 */
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
// The Kinesis client speaks HTTP/2 by default (for SubscribeToShard); most Kinesis emulators speak
// HTTP/1.1 only, so records go out through the HTTP/1.1 handler every AWS client installs with it.
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../../runtime/config';
import type { Runtime } from '../../runtime/context';
import type { SdkClients } from '../../runtime/sdk-clients';

export interface KinesisTarget {
  /** arn:aws:kinesis:<region>:<account>:stream/<name> */
  streamArn: string;
  partitionKey: string;
}

export interface DeliveryCounts {
  sent: number;
  failed: number;
  lastError?: string;
}

function clientFor(clients: SdkClients, endpoint: string, region: string): KinesisClient {
  return clients.get('kinesis', endpoint, region, (base) => new KinesisClient({ ...base, maxAttempts: 3, requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 10_000 }) }));
}

/** The endpoint records go to, if any (server/cli.ts already falls back to AWS_ENDPOINT_URL_KINESIS). */
export function kinesisEndpoint(config: Pick<Config, 'kinesisEndpoint'>): string | undefined {
  return config.kinesisEndpoint || undefined;
}

/** arn:aws:kinesis:us-east-1:111122223333:stream/name -> { region, name }. */
export function parseStreamArn(arn: string): { region: string; name: string } | undefined {
  const m = /^arn:[a-z\d-]+:kinesis:([a-z\d-]+):\d{12}:stream\/(.+)$/.exec(arn);
  return m ? { region: m[1], name: m[2] } : undefined;
}

/**
 * Delivers records to one data stream in order. `put` resolves once this record has been
 * delivered (or has failed); callers may also just wait for `idle()`.
 */
export class KinesisSender {
  readonly counts: DeliveryCounts = { sent: 0, failed: 0 };
  private chain: Promise<void> = Promise.resolve();
  private warned = false;

  constructor(
    private readonly runtime: Pick<Runtime, 'config' | 'clients' | 'log'>,
    private readonly target: KinesisTarget,
  ) {}

  /** Whether records leave the process at all. */
  get endpoint(): string | undefined {
    return kinesisEndpoint(this.runtime.config);
  }

  put(data: string): Promise<void> {
    const endpoint = this.endpoint;
    if (!endpoint) {
      if (!this.warned) {
        this.warned = true;
        this.runtime.log.warn('stream processor records kept in memory only: no Kinesis endpoint (set --kinesis-endpoint or AWS_ENDPOINT_URL_KINESIS)', { stream: this.target.streamArn });
      }
      return Promise.resolve();
    }
    const parsed = parseStreamArn(this.target.streamArn);
    const send = async () => {
      if (!parsed) throw new Error(`not a Kinesis data stream ARN: ${this.target.streamArn}`);
      await clientFor(this.runtime.clients, endpoint, parsed.region).send(new PutRecordCommand({ StreamName: parsed.name, PartitionKey: this.target.partitionKey, Data: Buffer.from(data, 'utf8') }));
    };
    this.chain = this.chain.then(send).then(
      () => {
        this.counts.sent++;
      },
      (err: Error) => {
        this.counts.failed++;
        this.counts.lastError = `${err.name ?? 'Error'}: ${err.message ?? String(err)}`;
        this.runtime.log.warn('Kinesis PutRecord failed', { stream: this.target.streamArn, endpoint, error: this.counts.lastError });
      },
    );
    return this.chain;
  }

  idle(): Promise<void> {
    return this.chain;
  }
}
