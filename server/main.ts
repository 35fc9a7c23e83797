/**
 * Entry point: `npm start` and the `rekognition-local` command run this. Parses the command line,
 * checks it, then serves one emulator over HTTP until SIGINT or SIGTERM. A setting it cannot
 * start with ends the process with one line on stderr and exit code 2; no stack trace.
 */
import { checkConfig, ConfigError, createEmulator, type Config, type Emulator } from '../src/emulator';
import { parseConfig, usage } from './cli';
import { serve, type RunningServer } from './http';
import { version } from './version';

/** Ends the process with one line saying what is wrong. */
function refuse(message: string, code = 2): never {
  process.stderr.write(`rekognition-local: ${message}\n`);
  process.exit(code);
}

/** What a failed listen means for the user. */
function listenProblem(err: NodeJS.ErrnoException, config: Config): string {
  const where = `${config.host}:${config.port}`;
  if (err.code === 'EADDRINUSE') return `port ${config.port} is already in use: stop what listens there or pick another with --port N (0 picks a free one)`;
  if (err.code === 'EACCES') return `not allowed to listen on ${where}: use a port above 1023 with --port N`;
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return `cannot listen on ${where}: --host ${config.host} is not an address of this machine`;
  return `cannot listen on ${where}: ${err.message}`;
}

async function main(): Promise<void> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (err) {
    // `npm start --port N` hands npm the flag and us a bare value: say where flags go.
    refuse(`${(err as Error).message}: see --help for the options (through npm, put them after --: npm start -- --port 4600)`);
  }
  if (config === 'help') return void process.stdout.write(usage);
  if (config === 'version') return void process.stdout.write(`${version}\n`);

  let emulator: Emulator;
  try {
    checkConfig(config);
    emulator = createEmulator(config);
  } catch (err) {
    refuse((err as Error).message);
  }
  let server: RunningServer;
  try {
    server = await serve(emulator, { port: config.port, host: config.host });
  } catch (err) {
    await emulator.stop().catch(() => undefined);
    refuse((err as NodeJS.ErrnoException).syscall === 'listen' || (err as NodeJS.ErrnoException).code === 'ENOTFOUND' ? listenProblem(err as NodeJS.ErrnoException, config) : (err as Error).message);
  }
  // The console's address follows the endpoint after a space, so `ready on (\S+)` still reads the endpoint alone.
  const consoleUrl = `${server.endpoint}/_rekognition/console/${config.controlToken ? '?token=<control token>' : ''}`;
  process.stdout.write(`rekognition-local ready on ${server.endpoint} (web console: ${consoleUrl})\n`);
  // The line to wait for before the first call (Testcontainers' log wait, CI scripts); GET /_rekognition/ready says the same.
  void emulator.control.ready(Number.MAX_SAFE_INTEGER).then((report) => {
    if (report.modelsLoad === 'ready') process.stdout.write(`rekognition-local models ready in ${report.seconds} s\n`);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    emulator.runtime.log.info(`${signal}: shutting down`);
    // Jobs stay unfinished in the data dir and resume at the next start; indexes are saved on close.
    setTimeout(() => refuse('shutdown took longer than 10 s; stopped anyway', 1), 10_000).unref();
    server.close().then(
      () => process.exit(0),
      (err: Error) => refuse(`shutdown failed: ${err.message}`, 1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => refuse(err instanceof ConfigError ? err.message : `failed to start: ${err.message}`, 1));
