/**
 * Face Liveness sessions on both targets: CreateFaceLivenessSession, the state of a session that got
 * no video yet, unknown session ids and the model's limits. The selfie video itself reaches AWS over
 * its streaming API and the emulator over its control plane (emulator-only/liveness.test.ts).
 */
import { CreateFaceLivenessSessionCommand, GetFaceLivenessSessionResultsCommand } from '@aws-sdk/client-rekognition';
import { describe, expect, it } from 'vitest';
import { expectServiceError, isEmulator, rekognitionClient, uniqueName } from './support/client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Face Liveness sessions', () => {
  const client = rekognitionClient();

  it('creates a session with a UUID SessionId that is CREATED until video arrives', async () => {
    const { SessionId } = await client.send(new CreateFaceLivenessSessionCommand({ Settings: { AuditImagesLimit: 2 } }));
    expect(SessionId).toMatch(UUID);
    const result = await client.send(new GetFaceLivenessSessionResultsCommand({ SessionId }));
    expect(result.SessionId).toBe(SessionId);
    expect(result.Status).toBe('CREATED');
    expect(result.Confidence).toBeUndefined();
    expect(result.ReferenceImage).toBeUndefined();
  });

  it('returns the same session for a repeated ClientRequestToken', async () => {
    const token = uniqueName('liveness').replace(/[^a-zA-Z0-9-_]/g, '-');
    const first = await client.send(new CreateFaceLivenessSessionCommand({ ClientRequestToken: token }));
    const second = await client.send(new CreateFaceLivenessSessionCommand({ ClientRequestToken: token }));
    expect(second.SessionId).toBe(first.SessionId);
  });

  it('answers SessionNotFoundException for a session that does not exist', async () => {
    const id = '3f0a3b1e-8a44-4c1d-9d3e-2b7f5e6a9c10';
    await expectServiceError(
      client.send(new GetFaceLivenessSessionResultsCommand({ SessionId: id })),
      'SessionNotFoundException',
      isEmulator ? { message: `The session id: ${id} does not exist`, status: 400 } : { status: 400 },
    );
  });

  it('refuses an AuditImagesLimit above 4 and a SessionId that is not a UUID', async () => {
    await expectServiceError(client.send(new CreateFaceLivenessSessionCommand({ Settings: { AuditImagesLimit: 5 } })), 'ValidationException', { status: 400 });
    await expectServiceError(client.send(new GetFaceLivenessSessionResultsCommand({ SessionId: 'not-a-session-id-not-a-session-id-xx' })), 'ValidationException', { status: 400 });
  });
});
