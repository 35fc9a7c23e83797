/** A video job's progress as the page writes it: "42% (120/286 frames)". */

export interface JobProgress {
  Fraction: number;
  FramesDone?: number;
  FramesTotal?: number;
}

/**
 * Empty while the job knows no frame count yet; a failed job says where it stopped. Only a finished
 * job shows 100% (a running one stops at 99%, e.g. while it links what its frames found).
 */
export function progressText(status: string, progress: JobProgress | null | undefined): string {
  if (!progress) return '';
  const percent = status === 'SUCCEEDED' ? 100 : Math.min(99, Math.round(progress.Fraction * 100));
  const frames = progress.FramesTotal !== undefined ? ` (${progress.FramesDone}/${progress.FramesTotal} frames)` : '';
  return `${status === 'FAILED' ? 'stopped at ' : ''}${percent}%${frames}`;
}
