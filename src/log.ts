/** Minimal leveled logger writing one line per event to stderr (stdout carries the ready line). */
const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type Level = keyof typeof levels;

let threshold: number = levels.info;

export function setLogLevel(level: Level): void {
  threshold = levels[level];
}

function emit(level: Level, message: string, extra?: Record<string, unknown>): void {
  if (levels[level] < threshold) return;
  const suffix = extra ? ` ${JSON.stringify(extra)}` : '';
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}${suffix}\n`);
}

export const log = {
  debug: (m: string, e?: Record<string, unknown>) => emit('debug', m, e),
  info: (m: string, e?: Record<string, unknown>) => emit('info', m, e),
  warn: (m: string, e?: Record<string, unknown>) => emit('warn', m, e),
  error: (m: string, e?: Record<string, unknown>) => emit('error', m, e),
};
