/** A leveled logger writing one line per event to stderr (stdout carries the ready line). */
const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof levels;

export type LogFields = Record<string, unknown>;

export class Logger {
  private readonly threshold: number;

  constructor(
    level: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    this.threshold = levels[level];
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
    const suffix = fields ? ` ${JSON.stringify(fields)}` : '';
    this.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}${suffix}\n`);
  }
}

/** The error's stack, or its text: for log fields. */
export const describeError = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));
