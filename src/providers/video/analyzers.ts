/**
 * The stored-video analyses. Each is an adapter for the video jobs (./jobs.ts): Start* queues a
 * job, Get* pages its results. An adapter samples frames (src/analysis/video-frames.ts), runs the
 * same analysis as the image operation on each, and stores one item per detection.
 *
 * Sampling rates (a choice; AWS-BEHAVIOUR §3.12): moderation and people at 5 fps (people move);
 * faces and labels every 500 ms, as AWS's face timestamps (467, 967) suggest and as keeps the
 * two-model label analysis faster than real time; text at 1 fps, OCR being the costliest model.
 */
import type { CelebrityRecognition, ContentModerationDetection, FaceDetail, LabelDetection, ModerationLabel, PersonMatch } from '../../api/generated/types';
import { boxContains, clampBox, type DetectedObject, type FaceEvidence } from '../../analysis/evidence';
import { detectFaces, VIDEO_FACE_ATTRIBUTES, type DetectedFace } from '../../analysis/faces';
import { analyseLabels } from '../../analysis/detect-labels';
import { dedupePersons, LABEL_MODEL_VERSION } from '../../analysis/labels';
import { analyseModeration } from '../../analysis/moderate-image';
import { MODERATION_MODEL_VERSION } from '../../analysis/moderation';
import { detectSegments } from '../../analysis/segments';
import { analyseText, TEXT_MODEL_VERSION } from '../../analysis/read-text';
import { regionPolygons } from '../../analysis/text-results';
import { objectConfidence } from '../../analysis/calibration';
import { personFromFace } from '../../analysis/ppe';
import { trackDetections, type Box, type Detection, type TrackedFrame } from '../../analysis/tracking';
import { colourHistogram, histogramSimilarity } from '../../analysis/appearance';
import { analyzeSampledFrames, detectionSegments, frameImage, sampleIntervalMs } from '../../analysis/video-frames';
import type { Frame } from '../../media/frames';
import { bestCelebrity, type Gallery } from '../../faces/celebrities';
import { DEFAULT_FACE_MATCH_THRESHOLD, searchCollection } from '../../faces/matches';
import type { ProviderDeps } from '../deps';
import type { VideoAnalyzers, VideoJob } from './analyzer';

/** StartLabelDetection and StartContentModeration report from 50 when MinConfidence is absent (API reference). */
const VIDEO_MIN_CONFIDENCE = 50;
const FACE_FPS = 2;
const LABEL_FPS = 2;
const TEXT_FPS = 1;
/** Collection faces listed per person and sample in GetFaceSearch (AWS documents no number; our choice). */
const MAX_SEARCH_MATCHES = 10;
/** A person box needs this calibrated confidence to be tracked. */
const PERSON_MIN_CONFIDENCE = 50;

async function objectsOf(frame: Frame, job: VideoJob): Promise<DetectedObject[]> {
  return (await job.models.run('vision.objects', { image: frame })).objects;
}

/** A face in a video frame, with its identity embedding (to tell people apart across cuts). */
type SeenFace = FaceEvidence & { embedding?: number[] };

/** The faces GetFaceDetection and GetFaceSearch find (the DetectFaces analysis), with embeddings. */
async function facesWithEmbeddings(frame: Frame, job: VideoJob): Promise<SeenFace[]> {
  const faces = await detectFaces(frameImage(frame), { inference: job.models }, { embeddings: true });
  return faces.map((f) => ({ box: f.detail.BoundingBox as Box, confidence: f.detail.Confidence ?? 0, embedding: f.embedding }));
}

/** Share of a person box's width and height left off each side when taking its colours: the person, not the background. */
const PERSON_COLOUR_INSET = 0.2;
/** Consecutive samples whose colours are less similar than this lie on either side of a cut. */
const CUT_SIMILARITY = 0.8;

/** Marks the samples that start a new shot (their colours differ from the previous sample's). */
function markCuts<T>(frames: (TrackedFrame<T> & { colours: number[] })[]): TrackedFrame<T>[] {
  return frames.map((f, i) => ({ timestamp: f.timestamp, detections: f.detections, cut: i > 0 && histogramSimilarity(frames[i - 1].colours, f.colours) < CUT_SIMILARITY }));
}

const parallelism = (job: VideoJob) => Math.max(1, job.models.size);

/**
 * People in a frame: centernet's person boxes (duplicates merged) and, for a face outside all of
 * them (centernet misses small or cut-off people), a body box grown from the face. Each carries
 * the face inside it, if any.
 */
function peopleIn(objects: DetectedObject[], faces: SeenFace[]): Detection<SeenFace>[] {
  const persons = dedupePersons(
    objects.filter((o) => o.coco === 'person').map((o) => ({ box: clampBox(o.box), confidence: objectConfidence(o.score) })).filter((p) => p.confidence >= PERSON_MIN_CONFIDENCE),
    faces,
  );
  const centre = (f: FaceEvidence) => ({ x: f.box.Left + f.box.Width / 2, y: f.box.Top + f.box.Height / 2 });
  const people: Detection<SeenFace>[] = persons.map((p) => ({ ...p, data: faces.find((f) => boxContains(p.box, centre(f))) }));
  for (const face of faces) {
    if (face.confidence < PERSON_MIN_CONFIDENCE || persons.some((p) => boxContains(p.box, centre(face)))) continue;
    people.push({ box: personFromFace(face), confidence: face.confidence, data: face });
  }
  return people;
}

/** The analyses; face search reaches collections and their faces through the stores, celebrities the shared gallery. */
export function createVideoAnalyzers(deps: ProviderDeps, gallery: () => Gallery): VideoAnalyzers {
  return {
    StartSegmentDetection: {
      start: 'StartSegmentDetection',
      get: 'GetSegmentDetection',
      resultsKey: 'Segments',
      metadataLists: true,
      async run(input, job) {
        const { segments, selected } = await detectSegments(job.file, job.info, { types: input.SegmentTypes, filters: input.Filters, signal: job.signal, checkpoint: job.checkpoint, progress: job.progress });
        return { items: segments.map((s) => ({ item: s as Record<string, unknown>, ts: s.StartTimestampMillis ?? 0 })), extra: { SelectedSegmentTypes: selected } };
      },
      notes:
        'Frame-accurate shots (change of 8x8 block colours against an adaptive threshold, and entries into and exits from black) and technical cues: BlackFrames (honours the BlackFrame filter), ColorBars, Slate and OpeningCredits (text cards in the leader), EndCredits (text on dark to the end), Content. StudioLogo and credits over picture are not detected.',
    },

    StartLabelDetection: {
      start: 'StartLabelDetection',
      get: 'GetLabelDetection',
      resultsKey: 'Labels',
      modelVersion: { key: 'LabelModelVersion', value: LABEL_MODEL_VERSION },
      sortBy: { default: 'TIMESTAMP', orders: { TIMESTAMP: 'TIMESTAMP', NAME: 'NAME' } },
      aggregate: true,
      async run(input, job) {
        const minConfidence = input.MinConfidence ?? VIDEO_MIN_CONFIDENCE;
        const items = await analyzeSampledFrames(
          job,
          async (frame) => {
            const { labels } = await analyseLabels(job.models, frame, { minConfidence, settings: input.Settings?.GeneralLabels, generalLabels: true, readText: false, plugins: true });
            return labels.map((Label) => ({
              item: { Timestamp: frame.timestampMs, Label } as Record<string, unknown>,
              ts: frame.timestampMs,
              name: Label.Name,
              confidence: Label.Confidence,
            }));
          },
          { fps: LABEL_FPS, parallel: parallelism(job) },
        );
        // A segment's label has no Instances.
        const segments = detectionSegments(items, sampleIntervalMs(job.info, LABEL_FPS), (best) => {
          const { Instances: _instances, ...label } = (best as LabelDetection).Label!;
          return { Label: label };
        });
        return { items, segments };
      },
      notes:
        'Every 500 ms: the DetectLabels analysis without OCR (COCO objects with Instances, face-based Person/Face/age/gender labels, People/Crowd, and the --model-config plugins). MinConfidence filters labels, not their Instances. AggregateBy SEGMENTS joins consecutive detections of a label.',
    },

    StartContentModeration: {
      start: 'StartContentModeration',
      get: 'GetContentModeration',
      resultsKey: 'ModerationLabels',
      modelVersion: { key: 'ModerationModelVersion', value: MODERATION_MODEL_VERSION },
      sortBy: { default: 'TIMESTAMP', orders: { TIMESTAMP: 'TIMESTAMP', NAME: 'NAME' } },
      aggregate: true,
      async run(input, job) {
        const minConfidence = input.MinConfidence ?? VIDEO_MIN_CONFIDENCE;
        const items = await analyzeSampledFrames(
          job,
          async (frame) => {
            const { labels, contentTypes: types } = await analyseModeration(job.models, frame, minConfidence);
            return labels.map((label: ModerationLabel) => ({
              item: { Timestamp: frame.timestampMs, ModerationLabel: label, ContentTypes: types } as Record<string, unknown>,
              ts: frame.timestampMs,
              name: label.Name,
              confidence: label.Confidence,
            }));
          },
          { parallel: parallelism(job) },
        );
        const segments = detectionSegments(items, sampleIntervalMs(job.info), (best) => {
          const { ModerationLabel, ContentTypes } = best as ContentModerationDetection;
          return { ModerationLabel, ContentTypes };
        });
        return { items, segments };
      },
      notes: 'Every 200 ms: the DetectModerationLabels analysis (nsfwjs classes mapped to taxonomy v7, ContentTypes). AggregateBy SEGMENTS joins consecutive detections of a label.',
    },

    StartFaceDetection: {
      start: 'StartFaceDetection',
      get: 'GetFaceDetection',
      resultsKey: 'Faces',
      async run(input, job) {
        const attributes = input.FaceAttributes === 'ALL' ? ['ALL'] : undefined;
        const items = await analyzeSampledFrames(
          job,
          async (frame) =>
            (await detectFaces(frameImage(frame), { inference: job.models }, { attributes, available: VIDEO_FACE_ATTRIBUTES })).map((face) => ({
              item: { Timestamp: frame.timestampMs, Face: face.detail } as Record<string, unknown>,
              ts: frame.timestampMs,
              confidence: face.detail.Confidence,
            })),
          { fps: FACE_FPS, parallel: parallelism(job) },
        );
        return { items };
      },
      notes: 'Every 500 ms: the DetectFaces analysis (FaceAttributes DEFAULT or ALL), without FaceOccluded and EyeDirection, which AWS does not support for video.',
    },

    StartTextDetection: {
      start: 'StartTextDetection',
      get: 'GetTextDetection',
      resultsKey: 'TextDetections',
      modelVersion: { key: 'TextModelVersion', value: TEXT_MODEL_VERSION },
      check(input) {
        // Bad regions of interest are refused at Start, as DetectText refuses them before reading.
        regionPolygons(input.Filters);
      },
      async run(input, job) {
        const items = await analyzeSampledFrames(
          job,
          async (frame) => {
            const detections = await analyseText(job.models, frame, input.Filters);
            return detections.map((detection) => ({
              item: { Timestamp: frame.timestampMs, TextDetection: detection } as Record<string, unknown>,
              ts: frame.timestampMs,
              confidence: detection.Confidence,
            }));
          },
          { fps: TEXT_FPS, parallel: parallelism(job) },
        );
        return { items };
      },
      notes: 'Every second: the DetectText analysis (PP-OCRv4 lines and words in the worker pool; WordFilter and RegionsOfInterest honoured).',
    },

    StartPersonTracking: {
      start: 'StartPersonTracking',
      get: 'GetPersonTracking',
      resultsKey: 'Persons',
      sortBy: { default: 'TIMESTAMP', orders: { TIMESTAMP: 'TIMESTAMP', INDEX: 'INDEX' } },
      async run(_input, job) {
        const perFrame = await analyzeSampledFrames(
          job,
          async (frame) => {
            const [objects, faces] = await Promise.all([objectsOf(frame, job), facesWithEmbeddings(frame, job)]);
            const persons = peopleIn(objects, faces).map((p) => ({
              ...p,
              appearance: { face: p.data?.embedding, colours: colourHistogram(frame, p.box, PERSON_COLOUR_INSET) },
            }));
            return [{ item: { detections: persons, colours: colourHistogram(frame) }, ts: frame.timestampMs }];
          },
          { parallel: parallelism(job) },
        );
        const frames = markCuts(perFrame.map((f) => ({ timestamp: f.ts, ...(f.item as { detections: Detection<SeenFace>[]; colours: number[] }) })));
        const items = trackDetections(frames).map((d) => ({
          item: { Timestamp: d.timestamp, Person: { Index: d.index, BoundingBox: d.box, ...(d.data ? { Face: { BoundingBox: d.data.box, Confidence: d.data.confidence } } : {}) } } as Record<string, unknown>,
          ts: d.timestamp,
          idx: d.index,
          confidence: d.confidence,
        }));
        return { items };
      },
      notes:
        'Every 200 ms: centernet person boxes (plus a body box around any face outside them) and the DetectFaces faces inside them, linked across frames by a tracker (within a shot: constant-velocity prediction, IoU and centre distance, Hungarian assignment, refused when the face or colours differ; across cuts and gaps: the face embedding, or the colours of the box when no face is seen); Index is stable per person for the whole video, numbered by first appearance, and a person who comes back gets their old Index. People Pathing was discontinued by AWS on 2025-10-31.',
    },

    StartFaceSearch: {
      start: 'StartFaceSearch',
      get: 'GetFaceSearch',
      resultsKey: 'Persons',
      sortBy: { default: 'TIMESTAMP', orders: { TIMESTAMP: 'TIMESTAMP', INDEX: 'INDEX' } },
      check(input, scope) {
        deps.stores.collections.in(scope).require(input.CollectionId);
      },
      async run(input, job) {
        const threshold = input.FaceMatchThreshold ?? DEFAULT_FACE_MATCH_THRESHOLD;
        const perFrame = await analyzeSampledFrames(
          job,
          async (frame) => {
            const faces = await detectFaces(frameImage(frame), { inference: job.models }, { embeddings: true });
            const detections: Detection<DetectedFace>[] = faces.map((face) => ({
              box: face.detail.BoundingBox as Box,
              confidence: face.detail.Confidence ?? 0,
              data: face,
              appearance: { face: face.embedding },
            }));
            return [{ item: { detections, colours: colourHistogram(frame) }, ts: frame.timestampMs }];
          },
          { fps: FACE_FPS, parallel: parallelism(job) },
        );
        // Faces linked across samples, and across cuts by their embeddings, make the persons; each sample of a person is searched.
        const frames = markCuts(perFrame.map((f) => ({ timestamp: f.ts, ...(f.item as { detections: Detection<DetectedFace>[]; colours: number[] }) })));
        deps.stores.collections.in(job).require(input.CollectionId);
        const stored = deps.stores.faces.in(job);
        const items = trackDetections(frames, { minHits: 1 }).map((d) => {
          const face = d.data!;
          const matches = face.embedding?.length ? searchCollection(stored, input.CollectionId, face.embedding, { threshold, limit: MAX_SEARCH_MATCHES }) : [];
          const item: PersonMatch = { Timestamp: d.timestamp, Person: { Index: d.index, BoundingBox: d.box, Face: face.detail as FaceDetail }, FaceMatches: matches };
          return { item: item as Record<string, unknown>, ts: d.timestamp, idx: d.index, confidence: d.confidence };
        });
        return { items };
      },
      notes:
        'Every 500 ms: faces (DetectFaces, default attributes) linked into persons by the tracker (box motion within a shot; identity embeddings across cuts and gaps, so a person who comes back keeps their Index) and searched in the collection as SearchFacesByImage does; persons without a match have FaceMatches [].',
    },

    StartCelebrityRecognition: {
      start: 'StartCelebrityRecognition',
      get: 'GetCelebrityRecognition',
      resultsKey: 'Celebrities',
      sortBy: { default: 'TIMESTAMP', orders: { TIMESTAMP: 'TIMESTAMP', ID: 'ID' } },
      async run(_input, job) {
        const indexed = await gallery().ready;
        const items = await analyzeSampledFrames(
          job,
          async (frame) =>
            (await detectFaces(frameImage(frame), { inference: job.models }, { embeddings: true })).flatMap((face) => {
              const match = face.embedding?.length ? bestCelebrity(indexed, face.embedding) : undefined;
              if (!match) return [];
              const item: CelebrityRecognition = {
                Timestamp: frame.timestampMs,
                Celebrity: {
                  Urls: match.entry.urls,
                  Name: match.entry.name,
                  Id: match.entry.id,
                  Confidence: match.similarity,
                  BoundingBox: face.detail.BoundingBox,
                  Face: face.detail,
                  KnownGender: match.entry.knownGender ? { Type: match.entry.knownGender } : undefined,
                },
              };
              return [{ item: item as Record<string, unknown>, ts: frame.timestampMs, name: match.entry.id, confidence: match.similarity }];
            }),
          { fps: FACE_FPS, parallel: parallelism(job) },
        );
        return { items };
      },
      notes: 'Every 500 ms: faces matched against the --celebrities-dir gallery as RecognizeCelebrities does; only recognised celebrities are listed.',
    },
  };
}
