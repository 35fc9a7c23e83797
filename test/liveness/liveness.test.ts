/**
 * Face Liveness, in process: the frame and session rules (src/analysis/liveness.ts) on hand-made
 * measurements; the session lifecycle (creation, idempotency, expiry after 3 minutes, unknown ids,
 * interrupted analyses); and real analyses with human's antispoof and liveness nets on real photos,
 * a cat photo and a short H.264 video, with images returned as bytes or written to S3.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RekognitionError } from '../../src/api/errors';
import { judgeFrame, judgeSession, LIVENESS_RULES, spread, type FaceMeasurement, type FrameMeasurement } from '../../src/analysis/liveness';
import { ffmpegPath } from '../../src/media/probe';
import type { Scope } from '../../src/runtime/scope';
import { chooseChallenge, SESSION_TTL_MS } from '../../src/providers/liveness/sessions';
import { livenessObjectKey, LivenessSubmissionError } from '../../src/providers/liveness/submission';
import type { ModelsClient } from '../../models/client';
import { sharedModels } from '../support/models';
import { testEmulator, type TestEmulator } from '../support/emulator';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'liveness-'));
const s3Dir = path.join(tmp, 's3');
mkdirSync(path.join(s3Dir, 'liveness-out'), { recursive: true });

const inference = sharedModels;
const emulators: TestEmulator[] = [];

afterAll(async () => {
  for (const t of emulators) await t.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** An emulator whose worker pool starts on the first model call: the rule and lifecycle tests need none. */
function liveness(config: { dataDir?: string } = {}, run: ModelsClient['run'] = (...args) => inference().run(...args)): TestEmulator {
  const lazyPool = { size: 1, run, broadcast: async () => undefined, close: async () => undefined, background: () => lazyPool } as unknown as ModelsClient;
  const t = testEmulator({ s3Dir, ...config }, { inference: lazyPool });
  emulators.push(t);
  return t;
}

const callerOf = (account = '111122223333', region = 'eu-west-1'): Scope => ({ account, region });

async function failure(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(Error);
  return err as Error;
}

// ---------------------------------------------------------------------------------------------

function face(overrides: Partial<FaceMeasurement> = {}): FaceMeasurement {
  return {
    box: { Width: 0.4, Height: 0.5, Left: 0.3, Top: 0.2 },
    pose: { roll: 0, yaw: 0, pitch: 0 },
    sharpness: 80,
    brightness: 50,
    confidence: 99.9,
    faceScore: 1,
    real: 0.81,
    live: 0.64,
    sizeFraction: 0.4,
    sizePixels: 200,
    outside: 0,
    ...overrides,
  };
}
const frame = (...faces: FaceMeasurement[]): FrameMeasurement => ({ width: 640, height: 480, faces });

describe('the frame rules', () => {
  it('use a frame with one frontal face of fair size, its evidence the geometric mean of the two nets', () => {
    const judged = judgeFrame(frame(face()));
    expect(judged.usable).toBe(true);
    expect(judged.evidence).toBeCloseTo(Math.sqrt(0.81 * 0.64), 12);
  });

  it('refuse frames without a face, with two faces, or with a small, turned or cut-off face', () => {
    expect(judgeFrame(frame()).problem).toBe('NO_FACE');
    // a detection below the mesh-confidence cut is no face
    expect(judgeFrame(frame(face({ faceScore: LIVENESS_RULES.minFaceScore - 0.01 }))).problem).toBe('NO_FACE');
    expect(judgeFrame(frame(face(), face({ box: { Width: 0.2, Height: 0.25, Left: 0.75, Top: 0.1 } }))).problem).toBe('MULTIPLE_FACES');
    expect(judgeFrame(frame(face({ sizeFraction: 0.09 }))).problem).toBe('FACE_TOO_SMALL');
    expect(judgeFrame(frame(face({ sizePixels: 60 }))).problem).toBe('FACE_TOO_SMALL');
    expect(judgeFrame(frame(face({ pose: { roll: 0, yaw: 35, pitch: 0 } }))).problem).toBe('FACE_NOT_FRONTAL');
    expect(judgeFrame(frame(face({ pose: { roll: 0, yaw: 0, pitch: -31 } }))).problem).toBe('FACE_NOT_FRONTAL');
    expect(judgeFrame(frame(face({ outside: 0.2 }))).problem).toBe('FACE_CUT_OFF');
    for (const f of [frame(), frame(face({ outside: 0.2 }))]) expect(judgeFrame(f).evidence).toBe(0);
  });

  it('count one face found twice (boxes mostly overlapping) once', () => {
    const twice = frame(face(), face({ faceScore: 0.9, box: { Width: 0.38, Height: 0.48, Left: 0.31, Top: 0.21 } }));
    expect(judgeFrame(twice).usable).toBe(true);
  });
});

describe('the session rules', () => {
  it('average the evidence over every analysed frame, unusable frames counting zero', () => {
    const frames = [frame(face({ real: 0.9, live: 0.9 })), frame(), frame(face({ real: 0.5, live: 0.8 })), frame(face(), face({ box: { Width: 0.1, Height: 0.1, Left: 0.85, Top: 0.85 } }))];
    const judged = judgeSession(frames, 0);
    expect(judged.status).toBe('SUCCEEDED');
    expect(judged.confidence).toBeCloseTo((100 * (0.9 + Math.sqrt(0.4))) / 4, 10);
    expect(judged.audits).toEqual([]);
  });

  it('FAIL when no frame is usable, naming the most frequent problem', () => {
    const judged = judgeSession([frame(), frame(face({ sizeFraction: 0.05 })), frame(face({ sizeFraction: 0.05 }))], 2);
    expect(judged).toMatchObject({ status: 'FAILED', problem: 'FACE_TOO_SMALL', audits: [] });
    expect(judged.confidence).toBeUndefined();
    expect(judged.reference).toBeUndefined();
  });

  it('take the sharpest, most frontal face as reference and spread the audit frames over the session', () => {
    const frames = [0, 1, 2, 3, 4, 5, 6].map((i) => frame(face({ sharpness: i === 4 ? 95 : 60, pose: { roll: 0, yaw: i === 2 ? 0 : 10, pitch: 0 } })));
    const judged = judgeSession(frames, 3);
    expect(judged.reference).toBe(4);
    expect(judged.audits).toEqual([0, 3, 6]);
    expect(spread([1, 5, 9], 1)).toEqual([5]);
    expect(spread([1, 5], 4)).toEqual([1, 5]);
    // fewer usable frames than the limit: best effort, the reference frame included
    expect(judgeSession([frame(face())], 4).audits).toEqual([0]);
  });

  it('choose the challenge from the preferences and refuse ranges it cannot meet', () => {
    expect(chooseChallenge(undefined)).toEqual({ Type: 'FaceMovementAndLightChallenge', Version: '1.0.0' });
    expect(chooseChallenge([{ Type: 'FaceMovementChallenge' }])).toEqual({ Type: 'FaceMovementChallenge', Version: '1.0.0' });
    expect(chooseChallenge([{ Type: 'FaceMovementAndLightChallenge', Versions: { Minimum: '2.0.0' } }, { Type: 'FaceMovementChallenge', Versions: { Maximum: '1.0.0' } }]).Type).toBe('FaceMovementChallenge');
    expect(() => chooseChallenge([{ Type: 'FaceMovementChallenge', Versions: { Minimum: '1.0.1' } }])).toThrow(RekognitionError);
    expect(livenessObjectKey('audits', 'S', 'reference.jpg')).toBe('audits/S/reference.jpg');
    expect(livenessObjectKey('audits/', 'S', 'reference.jpg')).toBe('audits/S/reference.jpg');
    expect(livenessObjectKey(undefined, 'S', 'reference.jpg')).toBe('S/reference.jpg');
  });
});

describe('a liveness session', () => {
  const t = liveness();
  const ctx = callerOf();
  const call = (operation: string, input: Record<string, unknown>, caller: Scope) => t.call(operation, input, caller);
  const submit = t.emulator.control.submitLivenessMedia;
  afterEach(() => vi.useRealTimers());

  it('is created with a UUID SessionId and answers CREATED, without a challenge yet', async () => {
    const { SessionId } = await call('CreateFaceLivenessSession', {}, ctx);
    expect(SessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await call('GetFaceLivenessSessionResults', { SessionId }, ctx)).toEqual({ SessionId, Status: 'CREATED' });
  });

  it('returns the same session for a repeated ClientRequestToken, and refuses the token with other settings', async () => {
    const input = { ClientRequestToken: 'tok-1', Settings: { AuditImagesLimit: 2 }, KmsKeyId: 'alias/liveness' };
    const first = await call('CreateFaceLivenessSession', input, ctx);
    expect(await call('CreateFaceLivenessSession', input, ctx)).toEqual(first);
    const err = await failure(call('CreateFaceLivenessSession', { ...input, Settings: { AuditImagesLimit: 3 } }, ctx));
    expect(err).toMatchObject({ type: 'IdempotentParameterMismatchException' });
  });

  it('is SessionNotFoundException for an unknown id and for another account or region', async () => {
    const unknown = await failure(call('GetFaceLivenessSessionResults', { SessionId: '00000000-0000-4000-8000-000000000000' }, ctx));
    expect(unknown).toMatchObject({ type: 'SessionNotFoundException', message: 'The session id: 00000000-0000-4000-8000-000000000000 does not exist' });
    const { SessionId } = await call('CreateFaceLivenessSession', {}, ctx);
    for (const other of [callerOf('999988887777'), callerOf('111122223333', 'us-east-1')]) {
      expect(await failure(call('GetFaceLivenessSessionResults', { SessionId }, other))).toMatchObject({ type: 'SessionNotFoundException' });
    }
  });

  it('EXPIRES 3 minutes after creation without media, and then refuses media', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date('2026-03-01T10:00:00Z');
    vi.setSystemTime(t0);
    const { SessionId } = await call('CreateFaceLivenessSession', {}, ctx);
    vi.setSystemTime(t0.getTime() + SESSION_TTL_MS - 1);
    expect((await call('GetFaceLivenessSessionResults', { SessionId }, ctx)).Status).toBe('CREATED');
    vi.setSystemTime(t0.getTime() + SESSION_TTL_MS);
    expect(await call('GetFaceLivenessSessionResults', { SessionId }, ctx)).toEqual({ SessionId, Status: 'EXPIRED' });
    const err = await failure(submit(SessionId as string, { frames: [fixture('images/astronaut.png')] }));
    expect(err).toBeInstanceOf(LivenessSubmissionError);
    expect((err as LivenessSubmissionError).status).toBe(409);
    expect(err.message).toMatch(/EXPIRED/);
  });

  it('refuses media for unknown sessions, empty or undecodable media, and leaves the session usable', async () => {
    const { SessionId } = await call('CreateFaceLivenessSession', {}, ctx);
    const id = SessionId as string;
    expect(((await failure(submit('00000000-0000-4000-8000-000000000000', { frames: [fixture('images/astronaut.png')] }))) as LivenessSubmissionError).status).toBe(404);
    expect(((await failure(submit(id, { frames: [] }))) as LivenessSubmissionError).status).toBe(400);
    expect(((await failure(submit(id, {}))) as LivenessSubmissionError).status).toBe(400);
    const bad = (await failure(submit(id, { frames: [Buffer.from('not an image')] }))) as LivenessSubmissionError;
    expect(bad.status).toBe(422);
    expect(bad.message).toMatch(/^frame 0 /);
    expect(((await failure(submit(id, { video: Buffer.from('not a video at all') }))) as LivenessSubmissionError).status).toBe(422);
    expect((await call('GetFaceLivenessSessionResults', { SessionId }, ctx)).Status).toBe('CREATED');
  });

  it('FAILS a session whose analysis a restart interrupted', async () => {
    const dataDir = path.join(tmp, 'restart');
    // The models never answer: the analysis is still running when the emulator stops.
    const first = liveness({ dataDir }, () => new Promise(() => undefined));
    const { SessionId } = await first.call('CreateFaceLivenessSession', {}, ctx);
    void first.emulator.control.submitLivenessMedia(SessionId as string, { frames: [fixture('images/astronaut.png')] }).catch(() => undefined);
    await vi.waitFor(async () => expect((await first.call('GetFaceLivenessSessionResults', { SessionId }, ctx)).Status).toBe('IN_PROGRESS'), { timeout: 10_000 });
    await first.close();
    const second = liveness({ dataDir });
    expect(await second.call('GetFaceLivenessSessionResults', { SessionId }, ctx)).toEqual({ SessionId, Status: 'FAILED', Challenge: { Type: 'FaceMovementAndLightChallenge', Version: '1.0.0' } });
  });
});

describe('liveness analysis with the models', () => {
  const t = liveness();
  const ctx = callerOf();
  const call = (operation: string, input: Record<string, unknown>, caller: Scope) => t.call(operation, input, caller);
  const submit = t.emulator.control.submitLivenessMedia;
  const session = async (settings: Record<string, unknown> = {}) => (await call('CreateFaceLivenessSession', { Settings: settings }, ctx)).SessionId as string;

  it('SUCCEEDS on a real photo with the face box, a JPEG reference image and a confidence computed from both nets', async () => {
    const id = await session({ AuditImagesLimit: 1 });
    const bytes = fixture('images/astronaut.png');
    const report = await submit(id, { frames: [bytes] });
    expect(report.Status).toBe('SUCCEEDED');

    // The nets' scores straight from the task on the same pixels: the session's Confidence is their geometric mean.
    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const raw = await inference().run('liveness.analyze', { image: { data, width: info.width, height: info.height } });
    expect(raw.faces).toHaveLength(1);
    const { real, live } = raw.faces[0];
    expect(report.frames[0]).toMatchObject({ usable: true, faces: 1, real, live });

    const result = await call('GetFaceLivenessSessionResults', { SessionId: id }, ctx);
    expect(result.Status).toBe('SUCCEEDED');
    expect(result.Confidence as number).toBeCloseTo(100 * Math.sqrt(real * live), 4);
    expect(result.Challenge).toEqual({ Type: 'FaceMovementAndLightChallenge', Version: '1.0.0' });
    const reference = result.ReferenceImage as { Bytes: string; BoundingBox: Record<string, number> };
    const jpeg = Buffer.from(reference.Bytes, 'base64');
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(jpeg.length).toBeLessThanOrEqual(204_800);
    expect(await sharp(jpeg).metadata()).toMatchObject({ width: 512, height: 512 });
    // the astronaut's face: upper middle of the photo (fixtures/faces: DetectFaces finds it at about this place)
    const box = reference.BoundingBox;
    expect(box.Left).toBeGreaterThan(0.25);
    expect(box.Left + box.Width).toBeLessThan(0.65);
    expect(box.Top).toBeGreaterThan(0.05);
    expect(box.Top + box.Height).toBeLessThan(0.45);
    expect(result.AuditImages).toEqual([reference]);
  });

  it('gives another face another confidence, each from its own model scores', async () => {
    const id = await session();
    const report = await submit(id, { frames: [fixture('faces/bbt/penny/penny1.png')] });
    expect(report.Status).toBe('SUCCEEDED');
    const { real, live } = report.frames[0];
    expect(report.Confidence).toBeCloseTo(100 * Math.sqrt(real! * live!), 10);
    const astronaut = await submit(await session(), { frames: [fixture('images/astronaut.png')] });
    expect(Math.abs(report.Confidence! - astronaut.Confidence!)).toBeGreaterThan(1);
    expect((await call('GetFaceLivenessSessionResults', { SessionId: id }, ctx)).AuditImages).toEqual([]);
  });

  it('FAILS on a cat photo for lack of a face, with no confidence and no images', async () => {
    const id = await session({ AuditImagesLimit: 4 });
    const report = await submit(id, { frames: [fixture('images/chelsea.png')] });
    expect(report).toMatchObject({ Status: 'FAILED', reason: 'no face was found on any frame', auditFrames: [] });
    expect(report.frames[0]).toMatchObject({ usable: false, problem: 'NO_FACE', faces: 0 });
    expect(await call('GetFaceLivenessSessionResults', { SessionId: id }, ctx)).toEqual({
      SessionId: id,
      Status: 'FAILED',
      Challenge: { Type: 'FaceMovementAndLightChallenge', Version: '1.0.0' },
    });
    // a session takes one submission
    expect(((await failure(submit(id, { frames: [fixture('images/astronaut.png')] }))) as LivenessSubmissionError).status).toBe(409);
  });

  it('samples a selfie video and writes the reference and audit images under OutputConfig', async () => {
    // 1.2 s of the astronaut panning slowly, H.264 in MP4, 480x480 at 10 fps
    const video = path.join(tmp, 'selfie.mp4');
    await promisify(execFile)(ffmpegPath(), [
      '-v', 'error', '-y', '-loop', '1', '-framerate', '10', '-t', '1.2', '-i', fileURLToPathOf('images/astronaut.png'),
      '-vf', "crop=440:440:'20+t*20':20,scale=480:480", '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', video,
    ]);
    const id = await session({ AuditImagesLimit: 3, OutputConfig: { S3Bucket: 'liveness-out', S3KeyPrefix: 'checks' }, ChallengePreferences: [{ Type: 'FaceMovementChallenge' }] });
    const report = await submit(id, { video: readFileSync(video) });
    expect(report.Status).toBe('SUCCEEDED');
    expect(report.frames.length).toBeGreaterThanOrEqual(5);
    expect(report.frames.map((f) => f.timestampMs)).toEqual([...report.frames.map((f) => f.timestampMs)].sort((a, b) => a! - b!));
    expect(report.frames.every((f) => f.usable && f.width === 480)).toBe(true);

    const result = await call('GetFaceLivenessSessionResults', { SessionId: id }, ctx);
    expect(result.Challenge).toEqual({ Type: 'FaceMovementChallenge', Version: '1.0.0' });
    const reference = result.ReferenceImage as { S3Object: { Bucket: string; Name: string }; Bytes?: string };
    expect(reference.Bytes).toBeUndefined();
    expect(reference.S3Object).toEqual({ Bucket: 'liveness-out', Name: `checks/${id}/reference.jpg` });
    const audits = result.AuditImages as { S3Object: { Name: string } }[];
    expect(audits.map((a) => a.S3Object.Name)).toEqual([1, 2, 3].map((n) => `checks/${id}/audit_images/${n}.jpg`));
    for (const name of [reference.S3Object.Name, ...audits.map((a) => a.S3Object.Name)]) {
      const written = readFileSync(path.join(s3Dir, 'liveness-out', name));
      expect(await sharp(written).metadata()).toMatchObject({ format: 'jpeg', width: 480, height: 480 });
    }
  });

  it('FAILS when the images cannot be written to the OutputConfig bucket', async () => {
    const id = await session({ OutputConfig: { S3Bucket: 'no-such-bucket' } });
    const report = await submit(id, { frames: [fixture('images/astronaut.png')] });
    expect(report.Status).toBe('FAILED');
    expect(report.reason).toMatch(/could not be written to OutputConfig: .*bucket no-such-bucket does not exist/);
    expect((await call('GetFaceLivenessSessionResults', { SessionId: id }, ctx)).Status).toBe('FAILED');
  });
});

function fileURLToPathOf(name: string): string {
  return new URL(`../../fixtures/${name}`, import.meta.url).pathname;
}
