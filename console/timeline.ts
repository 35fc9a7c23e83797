/** A video job's results as tracks over time: one row per label, person, face, celebrity, text or segment type. */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Mark {
  startMs: number;
  endMs: number;
  title: string;
}

export interface Track {
  name: string;
  marks: Mark[];
}

/** The most tracks shown; the rest are counted. */
export const MAX_TRACKS = 40;

function trackName(item: Json): string {
  if (item.Label) return item.Label.Name;
  if (item.Celebrity) return item.Celebrity.Name;
  if (item.ModerationLabel) return item.ModerationLabel.Name;
  if (item.TextDetection) return `text: ${item.TextDetection.DetectedText}`;
  if (item.Person) return `person ${item.Person.Index}`;
  if (item.Face) return 'faces';
  if (item.FaceMatches) return 'face matches';
  if (item.Type === 'SHOT') return 'shots';
  if (item.Type === 'TECHNICAL_CUE') return `cue: ${item.TechnicalCueSegment?.Type ?? ''}`;
  return 'results';
}

export function tracksOf(items: Json[]): { tracks: Track[]; hidden: number; durationMs: number } {
  const byName = new Map<string, Mark[]>();
  let durationMs = 0;
  for (const item of items) {
    const startMs = Number(item.StartTimestampMillis ?? item.Timestamp ?? 0);
    const endMs = Number(item.EndTimestampMillis ?? startMs);
    durationMs = Math.max(durationMs, endMs);
    const timecode = item.StartTimecodeSMPTE ? `${item.StartTimecodeSMPTE} – ${item.EndTimecodeSMPTE}` : `${(startMs / 1000).toFixed(3)} s`;
    const confidence = item.Label?.Confidence ?? item.Celebrity?.Confidence ?? item.ModerationLabel?.Confidence ?? item.ShotSegment?.Confidence ?? item.TechnicalCueSegment?.Confidence;
    const name = trackName(item);
    const marks = byName.get(name) ?? [];
    marks.push({ startMs, endMs, title: `${name} · ${timecode}${confidence === undefined ? '' : ` · ${Number(confidence).toFixed(1)}%`}` });
    byName.set(name, marks);
  }
  const all = [...byName.entries()].map(([name, marks]) => ({ name, marks })).sort((a, b) => b.marks.length - a.marks.length || a.name.localeCompare(b.name));
  return { tracks: all.slice(0, MAX_TRACKS), hidden: Math.max(0, all.length - MAX_TRACKS), durationMs };
}
