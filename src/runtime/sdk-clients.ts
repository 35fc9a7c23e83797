/**
 * AWS SDK clients for the services this emulator writes to (S3, SNS, Kinesis), usually local
 * stand-ins: one per service, endpoint, region and credentials. Credentials come from the
 * environment, else dummy ones, which local servers accept.
 */
import { Logger } from './logger';

export interface ClientBase {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

function environmentCredentials(): ClientBase['credentials'] {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = process.env;
  if (AWS_ACCESS_KEY_ID && AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: AWS_ACCESS_KEY_ID, secretAccessKey: AWS_SECRET_ACCESS_KEY, sessionToken: AWS_SESSION_TOKEN || undefined };
  }
  return { accessKeyId: 'test', secretAccessKey: 'test' };
}

/** One emulator's clients, made on first use and kept. */
export class SdkClients {
  private readonly clients = new Map<string, unknown>();

  /** `log`: where reads through these clients (and from the S3 folder) report why they failed. */
  constructor(readonly log: Logger = new Logger('warn')) {}

  /** The client of `service` for this endpoint and region, made by `create` the first time. */
  get<T>(service: string, endpoint: string, region: string, create: (base: ClientBase) => T): T {
    const base = { endpoint, region, credentials: environmentCredentials() };
    const key = JSON.stringify([service, base]);
    let client = this.clients.get(key) as T | undefined;
    if (!client) {
      client = create(base);
      this.clients.set(key, client);
    }
    return client;
  }
}
