/**
 * A leveled logger writing one line per event to stderr (stdout carries the ready lines): text
 * (`TIME LEVEL message {fields}`) or, with `--log-format json`, pino's JSON lines.
 */
import { pino, type Logger as Pino } from 'pino';

const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof levels;

export type LogFields = Record<string, unknown>;
export type LogFormat = 'text' | 'json';

export class Logger {
  private readonly threshold: number;
  private readonly json?: Pino;

  constructor(
    level: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
    format: LogFormat = 'text',
  ) {
    this.threshold = levels[level];
    if (format === 'json') this.json = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, { write: (line: string) => this.write(line) });
  }

  debug(message: string, fields?: LogFields): void {
    this.emit('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.emit('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.emit('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.emit('error', message, fields);
  }

  private emit(level: LogLevel, message: string, fields?: LogFields): void {
    if (levels[level] < this.threshold) return;
    if (this.json) return this.json[level](fields ?? {}, message);
    const suffix = fields ? ` ${JSON.stringify(fields)}` : '';
    this.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}${suffix}\n`);
  }
}

/** The error's stack, or its text: for log fields. */
export const describeError = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));
