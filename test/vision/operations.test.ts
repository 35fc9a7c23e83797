/**
 * DetectLabels, DetectModerationLabels and DetectProtectiveEquipment through the emulator's
 * dispatch with a fake models client: which tasks each request runs and how the answers are put
 * together (the real models' answers are checked in contract-tests/vision.test.ts), and the
 * label analysis video frames use.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskName } from '../../models/client';
import { analyseLabels } from '../../src/analysis/detect-labels';
import { calibratedConfidence, OBJECT_CALIBRATION } from '../../src/analysis/object-calibration';

/** The cup the fake finds, as every view sees it. */
const cupConfidence = () =>
  calibratedConfidence({ coco: 'cup', box: { Left: 0.1, Top: 0.1, Width: 0.5, Height: 0.5 }, scores: Object.fromEntries(OBJECT_CALIBRATION.views.map((v) => [v.name, 0.6])) });
const objectTasks = OBJECT_CALIBRATION.views.map(() => 'vision.objects');
import { ApiError, testEmulator, type TestEmulator } from '../support/emulator';
import { scriptedModels, type TaskScript } from '../support/scripted-models';

/** Canned task results; `ran` lists what ran. */
function fakeModels(nsfw = { Drawing: 0, Hentai: 0, Neutral: 1, Porn: 0, Sexy: 0 }, torsoSkin = 0) {
  const results: TaskScript = {
    // The same cup in every view (the views differ only in size and mirroring).
    'vision.objects': (payload) => ({
      objects: [{ coco: 'cup', score: 0.6, box: { Left: 0.1, Top: 0.1, Width: 0.5, Height: 0.5 } }],
      properties: payload.properties ? { quality: { Brightness: 50, Sharpness: 60, Contrast: 20 }, colors: [] } : undefined,
    }),
    'vision.faces': () => [],
    'text.read': () => [],
    'vision.nsfw': () => nsfw,
    'vision.torsoSkin': () => torsoSkin,
    'vision.ppe': () => [],
    'faces.detect': () => ({ faces: [], padded: false }),
  };
  return scriptedModels(results);
}

/** The tasks a fake has run, in order. */
const tasksOf = (fake: { ran: { task: TaskName }[] }) => fake.ran.map((r) => r.task);

let png: string;
beforeAll(async () => {
  png = (await sharp({ create: { width: 120, height: 100, channels: 3, background: '#7a9' } }).png().toBuffer()).toString('base64');
});

describe('DetectLabels', () => {
  const fake = fakeModels();
  const api: TestEmulator = testEmulator({}, { inference: fake.models });
  afterAll(() => api.close());

  it('runs objects, faces and OCR for GENERAL_LABELS and names the objects', async () => {
    fake.ran.length = 0;
    const out = await api.call('DetectLabels', { Image: { Bytes: png } });
    expect(tasksOf(fake).sort()).toEqual(['text.read', 'vision.faces', ...objectTasks]);
    expect(out.LabelModelVersion).toBe('3.0');
    expect(out.Labels.map((l: { Name: string }) => l.Name)).toEqual(['Cup']);
    expect(out.Labels[0].Confidence).toBeCloseTo(cupConfidence(), 3);
    expect(out.ImageProperties).toBeUndefined();
  });

  it('runs only the objects task for IMAGE_PROPERTIES alone, and answers no labels', async () => {
    fake.ran.length = 0;
    const out = await api.call('DetectLabels', { Image: { Bytes: png }, Features: ['IMAGE_PROPERTIES'] });
    expect(tasksOf(fake)).toEqual(['vision.objects']);
    expect(out).toEqual({ Labels: [], LabelModelVersion: '3.0', ImageProperties: { Quality: { Brightness: 50, Sharpness: 60, Contrast: 20 }, DominantColors: [] } });
  });

  it('refuses an image with neither bytes nor an S3 object', async () => {
    const err = await api.call('DetectLabels', { Image: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).type).toBe('InvalidParameterException');
  });
});

describe('the label analysis of video frames', () => {
  it('runs no OCR and no plugins when asked not to', async () => {
    const fake = fakeModels();
    const frame = { data: new Uint8Array(64 * 48 * 3), width: 64, height: 48 };
    const { labels, imageProperties } = await analyseLabels(fake.models, frame, { minConfidence: 50, generalLabels: true, readText: false, plugins: false });
    expect(tasksOf(fake).sort()).toEqual(['vision.faces', ...objectTasks]);
    expect(labels.map((l) => l.Name)).toEqual(['Cup']);
    expect(imageProperties).toBeUndefined();
  });
});

describe('DetectModerationLabels', () => {
  const fake = fakeModels({ Drawing: 0, Hentai: 0, Neutral: 0.01, Porn: 0.99, Sexy: 0 });
  const api = testEmulator({}, { inference: fake.models });
  afterAll(() => api.close());

  it('maps the scores to the v7 chain and starts a human loop when a label is returned', async () => {
    const out = await api.call('DetectModerationLabels', { Image: { Bytes: png }, HumanLoopConfig: { HumanLoopName: 'loop-1', FlowDefinitionArn: 'arn:aws:sagemaker:us-east-1:123456789012:flow-definition/f' } });
    expect(out.ModerationModelVersion).toBe('7.0');
    expect(out.ModerationLabels.map((l: { Name: string; ParentName: string }) => [l.Name, l.ParentName])).toEqual([
      ['Explicit Nudity', 'Explicit'],
      ['Explicit', ''],
    ]);
    expect(out.ContentTypes).toEqual([]);
    expect(out.HumanLoopActivationOutput.HumanLoopArn).toBe('arn:aws:sagemaker:us-east-1:123456789012:human-loop/loop-1');
    expect(out.HumanLoopActivationOutput.HumanLoopActivationReasons).toEqual(['ConditionsEvaluation']);
  });

  it('refuses any ProjectVersion before reading the image', async () => {
    fake.ran.length = 0;
    const err = await api.call('DetectModerationLabels', { Image: { Bytes: png }, ProjectVersion: 'arn:aws:rekognition:us-east-1:123456789012:project/p/version/v/1' }).catch((e: unknown) => e);
    expect((err as ApiError).type).toBe('ResourceNotFoundException');
    expect(tasksOf(fake)).toEqual([]);
  });
});

describe('DetectModerationLabels on clothed people', () => {
  const sexy = { Drawing: 0, Hentai: 0, Neutral: 0.01, Porn: 0, Sexy: 0.99 };

  it('says Swimwear or Underwear only when the torso band shows bare skin', async () => {
    const covered = fakeModels(sexy, 0.1);
    const kit = testEmulator({}, { inference: covered.models });
    const bare = fakeModels(sexy, 0.6);
    const beach = testEmulator({}, { inference: bare.models });
    try {
      expect((await kit.call('DetectModerationLabels', { Image: { Bytes: png } })).ModerationLabels).toEqual([]);
      expect(tasksOf(covered)).toEqual(['vision.nsfw', 'vision.torsoSkin']);
      const out = await beach.call('DetectModerationLabels', { Image: { Bytes: png } });
      expect(out.ModerationLabels.map((l: { Name: string }) => l.Name)).toEqual(['Swimwear or Underwear']);
    } finally {
      await Promise.all([kit.close(), beach.close()]);
    }
  });

  it('measures no skin when the Sexy score could not reach MinConfidence', async () => {
    const fake = fakeModels({ Drawing: 0, Hentai: 0, Neutral: 0.5, Porn: 0, Sexy: 0.5 }, 0.9);
    const api = testEmulator({}, { inference: fake.models });
    try {
      expect((await api.call('DetectModerationLabels', { Image: { Bytes: png } })).ModerationLabels).toEqual([]);
      expect(tasksOf(fake)).toEqual(['vision.nsfw']);
    } finally {
      await api.close();
    }
  });
});

describe('DetectProtectiveEquipment', () => {
  const fake = fakeModels();
  const api = testEmulator({}, { inference: fake.models });
  afterAll(() => api.close());

  it('answers the PPE model version, the persons and the summary asked for', async () => {
    fake.ran.length = 0;
    const out = await api.call('DetectProtectiveEquipment', { Image: { Bytes: png }, SummarizationAttributes: { MinConfidence: 80, RequiredEquipmentTypes: ['FACE_COVER'] } });
    expect(out.ProtectiveEquipmentModelVersion).toBe('1.0');
    expect(out.Persons).toEqual([]);
    expect(out.Summary).toEqual({ PersonsWithRequiredEquipment: [], PersonsWithoutRequiredEquipment: [], PersonsIndeterminate: [] });
    // Faces come from the faces module (DetectFaces' detector), persons and equipment from the PPE task.
    expect(tasksOf(fake).sort()).toEqual(['faces.detect', 'vision.ppe']);
  });
});
