/** Entry point: `npm start` runs this. */
import type { AddressInfo } from 'node:net';
import '../src/operations/index';
import { openDatabase } from '../src/store/database';
import { IdGenerator } from '../src/store/ids';
import type { Services } from '../src/operations/context';
import { ModelsClient } from '../models/client';
import { loadModelConfig } from '../src/analysis/model-config';
import { startVideoJobs } from '../src/jobs/handlers';
import { startMediaAnalysisJobs } from '../src/operations/media-analysis';
import { startCelebrityGallery } from '../src/operations/celebrities';
import { flushIndexes } from '../src/store/face-store';
import { createApp } from './app';
import { parseConfig, usage } from './cli';
import { log, setLogLevel } from '../src/log';

function main(): void {
  let config;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (config === 'help') {
    process.stdout.write(usage);
    return;
  }
  setLogLevel(config.logLevel);
  let plugins;
  try {
    plugins = config.modelConfig ? loadModelConfig(config.modelConfig).plugins : [];
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }

  const services: Services = {
    config,
    db: openDatabase(config.dataDir),
    ids: new IdGenerator(),
    startedAt: new Date(),
    inference: new ModelsClient({ plugins }),
  };
  const server = createApp(services).listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    process.stdout.write(`rekognition-local ready on http://${shownHost}:${port}\n`);
    log.info('state', { persistence: config.dataDir ?? 'memory', s3: config.s3Dir ?? config.s3Endpoint ?? 'none' });
    // Video jobs a previous run left IN_PROGRESS run again (or fail) once requests are served.
    startVideoJobs(services);
    startMediaAnalysisJobs(services);
    // The celebrity gallery's photos are embedded in the background; RecognizeCelebrities waits for it.
    startCelebrityGallery(services);
    // Face models load in every worker in the background, so the first face request does not wait.
    services.inference.warmup().catch((err: Error) => log.warn('models failed to load', { error: err.message }));
  });
  server.keepAliveTimeout = 65_000;

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    server.close(() => {
      void services.inference.close().finally(() => {
        flushIndexes();
        services.db.close();
        process.exit(0);
      });
    });
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main();
