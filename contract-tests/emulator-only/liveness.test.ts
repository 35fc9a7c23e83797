/**
 * The emulator's stand-in for AWS's Face Liveness streaming API: POST /_rekognition/liveness/<SessionId>
 * with JSON frames or a raw image, then GetFaceLivenessSessionResults through the SDK (so its answer
 * is checked on the wire against the model). Refusals: unknown session, second upload, bad body.
 */
import { CreateFaceLivenessSessionCommand, GetFaceLivenessSessionResultsCommand } from '@aws-sdk/client-rekognition';
import { describe, expect, it } from 'vitest';
import { fixtureBytes, isEmulator, rekognitionClient } from '../support/client';
import { controlPlane, emulatorFetch } from '../support/emulator';

describe.skipIf(!isEmulator)('Face Liveness media through the control plane', () => {
  const client = rekognitionClient();
  const create = async (settings = {}) => (await client.send(new CreateFaceLivenessSessionCommand({ Settings: settings }))).SessionId!;

  it('analyses JSON frames and the session SUCCEEDS with a reference image and its face box', async () => {
    const id = await create({ AuditImagesLimit: 1 });
    const upload = await controlPlane('POST', `liveness/${id}`, { frames: [fixtureBytes('images/astronaut.png').toString('base64')] });
    expect(upload.status).toBe(200);
    expect(upload.json).toMatchObject({ SessionId: id, Status: 'SUCCEEDED', referenceFrame: 0, auditFrames: [0] });
    const result = await client.send(new GetFaceLivenessSessionResultsCommand({ SessionId: id }));
    expect(result.Status).toBe('SUCCEEDED');
    expect(result.Confidence).toBeCloseTo(upload.json!.Confidence as number, 4);
    expect(Buffer.from(result.ReferenceImage!.Bytes!).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const box = result.ReferenceImage!.BoundingBox!;
    expect(box.Width! > 0.1 && box.Height! > 0.1 && box.Left! > 0 && box.Top! > 0).toBe(true);
    expect(result.AuditImages).toHaveLength(1);
    expect(result.Challenge).toEqual({ Type: 'FaceMovementAndLightChallenge', Version: '1.0.0' });
  });

  it('takes a raw JPEG body, and a session takes one upload', async () => {
    const id = await create();
    const jpeg = fixtureBytes('face-search/barack_obama/2.jpg');
    const upload = await emulatorFetch(`/_rekognition/liveness/${id}`, { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: jpeg });
    expect(upload.status).toBe(200);
    expect(upload.json).toMatchObject({ Status: 'SUCCEEDED', frames: [{ index: 0, usable: true, faces: 1 }] });
    const again = await emulatorFetch(`/_rekognition/liveness/${id}`, { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: jpeg });
    expect(again.status).toBe(409);
    expect(again.json!.error).toMatch(/is SUCCEEDED: a session takes one video/);
  });

  it('FAILS a session whose frames show no face (a cat)', async () => {
    const id = await create();
    const upload = await controlPlane('POST', `liveness/${id}`, { frames: [fixtureBytes('images/chelsea.png').toString('base64')] });
    expect(upload.json).toMatchObject({ Status: 'FAILED', reason: 'no face was found on any frame' });
    const result = await client.send(new GetFaceLivenessSessionResultsCommand({ SessionId: id }));
    expect(result.Status).toBe('FAILED');
    expect(result.Confidence).toBeUndefined();
  });

  it('refuses unknown sessions and bodies that hold no media', async () => {
    const unknown = await controlPlane('POST', 'liveness/3f0a3b1e-8a44-4c1d-9d3e-2b7f5e6a9c10', { frames: [fixtureBytes('images/astronaut.png').toString('base64')] });
    expect(unknown.status).toBe(404);
    const id = await create();
    for (const body of [{}, { frames: 'abc' }, { frames: [42] }, { video: '' }, { frames: ['aGk='], video: 'aGk=' }]) {
      const res = await controlPlane('POST', `liveness/${id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(typeof res.json!.error).toBe('string');
    }
    expect((await client.send(new GetFaceLivenessSessionResultsCommand({ SessionId: id }))).Status).toBe('CREATED');
  });
});
