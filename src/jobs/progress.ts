/**
 * A job's progress, written to its store at a bounded rate: analyses report after every frame,
 * while a write is a SQLite UPDATE (synchronous and fsynced under --data-dir), so the first report
 * is written at once and later ones at most every `everyMs`; `flush` writes the last one.
 */

/** Progress writes of one job are at least this far apart (ms), fresh enough for a page that refreshes. */
export const PROGRESS_WRITE_MS = 500;

export interface ProgressRecorder {
  /** Takes a report; writes it if none was written in the last `everyMs`. */
  report: (done: number, total: number) => void;
  /** Writes the last report if it was not written yet. */
  flush: () => void;
}

export function progressRecorder(write: (progress: { done: number; total: number }) => void, now: () => number, everyMs = PROGRESS_WRITE_MS): ProgressRecorder {
  let latest: { done: number; total: number } | undefined;
  let written: { done: number; total: number } | undefined;
  let writtenAt = -Infinity;
  const flush = () => {
    if (!latest || latest === written) return;
    write(latest);
    written = latest;
    writtenAt = now();
  };
  return {
    report(done, total) {
      latest = { done, total };
      if (now() - writtenAt >= everyMs) flush();
    },
    flush,
  };
}
