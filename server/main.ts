/** Entry point: `npm start` runs this. Parses the command line, then serves one emulator over HTTP. */
import { createEmulator } from '../src/emulator';
import { parseConfig, usage } from './cli';
import { serve } from './http';

async function main(): Promise<void> {
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

  let emulator;
  try {
    emulator = createEmulator(config);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const server = await serve(emulator, { port: config.port, host: config.host });
  process.stdout.write(`rekognition-local ready on ${server.endpoint}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    emulator.runtime.log.info(`${signal}: shutting down`);
    setTimeout(() => process.exit(0), 5000).unref();
    void server.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
