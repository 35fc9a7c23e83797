/** Serves an emulator over HTTP: listens, then starts the emulator's background work. */
import type { AddressInfo } from 'node:net';
import type { Emulator } from '../src/emulator';
import { createApp } from './app';
import { clientErrorHandler } from './client-errors';

export interface ServeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningServer {
  /** `http://HOST:PORT`, with `localhost` for a wildcard address. */
  endpoint: string;
  port: number;
  /** Stops listening, then stops the emulator. */
  close(): Promise<void>;
}

export async function serve(emulator: Emulator, { port = 0, host = '127.0.0.1' }: ServeOptions = {}): Promise<RunningServer> {
  const server = createApp(emulator).listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', clientErrorHandler(emulator));
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  await emulator.start();
  return {
    endpoint: `http://${shownHost}:${bound}`,
    port: bound,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await emulator.stop();
    },
  };
}
