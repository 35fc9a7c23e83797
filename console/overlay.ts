/**
 * What the page draws over an image for each operation's answer: boxes, polygons and points in the
 * API's ratios of the image's width and height, each with its caption. Pure: the browser test and
 * the drawing share it.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Box {
  Left: number;
  Top: number;
  Width: number;
  Height: number;
}

export type Shape =
  | { kind: 'box'; box: Box; kindClass: string; caption?: string; image: 0 | 1 }
  | { kind: 'polygon'; points: { X: number; Y: number }[]; kindClass: string; caption?: string; image: 0 | 1 }
  | { kind: 'point'; X: number; Y: number; kindClass: string; caption?: string; image: 0 | 1 };

const pct = (n: number | undefined) => (n === undefined ? '' : `${n.toFixed(1)}%`);

const box = (b: Json | undefined, kindClass: string, caption?: string, image: 0 | 1 = 0): Shape[] =>
  b && typeof b.Left === 'number' ? [{ kind: 'box', box: { Left: b.Left, Top: b.Top, Width: b.Width, Height: b.Height }, kindClass, caption, image }] : [];

/** The main attributes of a FaceDetail in one line. */
export function faceSummary(face: Json): string {
  const parts: string[] = [];
  if (face.AgeRange) parts.push(`age ${face.AgeRange.Low}–${face.AgeRange.High}`);
  if (face.Gender) parts.push(`${face.Gender.Value} ${pct(face.Gender.Confidence)}`);
  const emotion = [...(face.Emotions ?? [])].sort((a: Json, b: Json) => b.Confidence - a.Confidence)[0];
  if (emotion) parts.push(`${emotion.Type} ${pct(emotion.Confidence)}`);
  for (const name of ['Smile', 'Eyeglasses', 'Sunglasses', 'Beard', 'Mustache', 'EyesOpen', 'MouthOpen', 'FaceOccluded']) {
    if (face[name]?.Value === true) parts.push(name);
  }
  if (face.Pose) parts.push(`yaw ${Math.round(face.Pose.Yaw)}° pitch ${Math.round(face.Pose.Pitch)}°`);
  if (face.Quality) parts.push(`brightness ${Math.round(face.Quality.Brightness)} sharpness ${Math.round(face.Quality.Sharpness)}`);
  return parts.join(' · ');
}

function faces(list: Json[] | undefined, kindClass: string, image: 0 | 1 = 0, caption = (f: Json, i: number) => `face ${i + 1} ${pct(f.Confidence)}`): Shape[] {
  return (list ?? []).flatMap((f, i) => [
    ...box(f.BoundingBox, kindClass, caption(f, i), image),
    ...(f.Landmarks ?? []).map((l: Json): Shape => ({ kind: 'point', X: l.X, Y: l.Y, kindClass: 'landmark', caption: l.Type, image })),
  ]);
}

export function shapesFor(operation: string, r: Json): Shape[] {
  switch (operation) {
    case 'DetectFaces':
      return faces(r.FaceDetails, 'face');
    case 'DetectLabels':
      return (r.Labels ?? []).flatMap((l: Json) => (l.Instances ?? []).flatMap((i: Json) => box(i.BoundingBox, 'label', `${l.Name} ${pct(i.Confidence)}`)));
    case 'DetectText':
      return (r.TextDetections ?? []).map(
        (t: Json): Shape => ({ kind: 'polygon', points: t.Geometry?.Polygon ?? [], kindClass: t.Type === 'LINE' ? 'line' : 'word', caption: t.Type === 'LINE' ? t.DetectedText : undefined, image: 0 }),
      );
    case 'DetectProtectiveEquipment':
      return (r.Persons ?? []).flatMap((p: Json) => [
        ...box(p.BoundingBox, 'person', `person ${p.Id} ${pct(p.Confidence)}`),
        ...(p.BodyParts ?? []).flatMap((part: Json) =>
          (part.EquipmentDetections ?? []).flatMap((e: Json) =>
            box(e.BoundingBox, e.CoversBodyPart?.Value ? 'equipment' : 'equipment uncovered', `${e.Type} on ${part.Name}${e.CoversBodyPart?.Value ? ' (covers)' : ' (does not cover)'}`),
          ),
        ),
      ]);
    case 'RecognizeCelebrities':
      return [
        ...(r.CelebrityFaces ?? []).flatMap((c: Json) => faces([c.Face], 'celebrity', 0, () => `${c.Name} ${pct(c.MatchConfidence)}`)),
        ...faces(r.UnrecognizedFaces, 'face'),
      ];
    case 'CompareFaces':
      return [
        ...box(r.SourceImageFace?.BoundingBox, 'face', `source face ${pct(r.SourceImageFace?.Confidence)}`, 0),
        ...faces((r.FaceMatches ?? []).map((m: Json) => ({ ...m.Face, Similarity: m.Similarity })), 'match', 1, (f) => `match ${pct(f.Similarity)}`),
        ...faces(r.UnmatchedFaces, 'unmatched', 1, () => 'no match'),
      ];
    case 'IndexFaces':
      return [
        ...faces((r.FaceRecords ?? []).map((f: Json) => ({ ...f.FaceDetail, FaceId: f.Face.FaceId })), 'face', 0, (f) => `indexed ${String(f.FaceId).slice(0, 8)}`),
        ...faces((r.UnindexedFaces ?? []).map((f: Json) => ({ ...f.FaceDetail, Reasons: f.Reasons })), 'unmatched', 0, (f) => `not indexed: ${(f.Reasons ?? []).join(', ')}`),
      ];
    case 'SearchFacesByImage':
      return box(r.SearchedFaceBoundingBox, 'face', `searched face: ${(r.FaceMatches ?? []).length} match(es)`);
    default:
      return [];
  }
}

/** The captions of an answer that has no place on the image (moderation labels, image properties, labels without instances). */
export function listedFor(operation: string, r: Json): string[] {
  switch (operation) {
    case 'DetectModerationLabels':
      return (r.ModerationLabels ?? []).map((l: Json) => `${l.ParentName ? `${l.ParentName} › ` : ''}${l.Name} ${pct(l.Confidence)}`);
    case 'DetectLabels': {
      const labels = (r.Labels ?? []).map((l: Json) => `${l.Name} ${pct(l.Confidence)}${l.Categories?.length ? ` (${l.Categories.map((c: Json) => c.Name).join(', ')})` : ''}`);
      const q = r.ImageProperties?.Quality;
      const props = q ? [`image quality: brightness ${Math.round(q.Brightness)}, sharpness ${Math.round(q.Sharpness)}, contrast ${Math.round(q.Contrast)}`] : [];
      const colours = (r.ImageProperties?.DominantColors ?? []).map((c: Json) => `dominant colour ${c.HexCode} ${c.SimplifiedColor} ${pct(c.PixelPercent)}`);
      return [...labels, ...props, ...colours];
    }
    case 'DetectFaces':
      return (r.FaceDetails ?? []).map((f: Json, i: number) => `face ${i + 1}: ${faceSummary(f)}`);
    case 'SearchFacesByImage':
      return (r.FaceMatches ?? []).map((m: Json) => `${m.Face.FaceId}${m.Face.ExternalImageId ? ` (${m.Face.ExternalImageId})` : ''} similarity ${pct(m.Similarity)}`);
    case 'RecognizeCelebrities':
      return (r.CelebrityFaces ?? []).map((c: Json) => `${c.Name} ${pct(c.MatchConfidence)} ${(c.Urls ?? []).join(' ')}`);
    case 'DetectProtectiveEquipment':
    {
      const ids = (list: number[] | undefined) => (list?.length ? list.map((id) => `person ${id}`).join(', ') : 'none');
      const summary = r.Summary;
      return summary
        ? [
            `with the required equipment: ${ids(summary.PersonsWithRequiredEquipment)}`,
            `without it: ${ids(summary.PersonsWithoutRequiredEquipment)}`,
            `indeterminate: ${ids(summary.PersonsIndeterminate)}`,
          ]
        : [];
    }
    default:
      return [];
  }
}
