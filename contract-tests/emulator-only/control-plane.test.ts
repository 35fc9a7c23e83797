/** The /_rekognition/ control plane: health, reset, id seeding and result pinning. Emulator only. */
import { ListCollectionsCommand, SearchFacesByImageCommand, type RekognitionClient } from '@aws-sdk/client-rekognition';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixtureBytes, isEmulator, rekognitionClient, s3Image } from '../support/client';
import { controlPlane, emulatorFetch, post, type HttpResult } from '../support/emulator';
import { repoRoot } from '../support/target';
import { JSON_11 } from '../support/wire-check';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const IMAGE = 'images/chelsea.png';

/** A valid SearchFacesByImageResponse, in AWS's key order, with values no analysis would produce. */
const PINNED = {
  SearchedFaceBoundingBox: { Width: 0.25, Height: 0.5, Left: 0.125, Top: 0.0625 },
  SearchedFaceConfidence: 99.98765563964844,
  FaceMatches: [
    {
      Similarity: 97.5,
      Face: {
        FaceId: '11111111-2222-4333-8444-555555555555',
        BoundingBox: { Width: 0.25, Height: 0.5, Left: 0.125, Top: 0.0625 },
        ImageId: '66666666-7777-3888-9999-000000000000',
        ExternalImageId: 'pinned-person',
        Confidence: 99.5,
        IndexFacesModelVersion: '7.0',
      },
    },
  ],
  FaceModelVersion: '7.0',
};

let client: RekognitionClient;

/**
 * The search the pins are tried on. Unpinned it must fail: the collection does not exist (or the
 * operation is not implemented yet, or the S3 object is missing), so only a pin can make it a 200.
 */
function search(image: Record<string, unknown>): Promise<HttpResult> {
  return post('SearchFacesByImage', { CollectionId: 'no-such-collection', Image: image });
}

function expectUnpinned(res: HttpResult): void {
  expect([400, 501], res.body).toContain(res.status);
  expect(['ResourceNotFoundException', 'NotImplementedException', 'InvalidS3ObjectException'], res.body).toContain(res.json?.__type);
}

describe.skipIf(!isEmulator)('control plane', () => {
  beforeAll(() => {
    client = rekognitionClient();
  });

  afterAll(async () => {
    await controlPlane('POST', 'seed', { seed: null });
    await controlPlane('POST', 'reset');
    client.destroy();
  });

  describe('GET /_rekognition/health', () => {
    it('answers 200 JSON with status, version, uptime, persistence and models', async () => {
      const res = await controlPlane('GET', 'health');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json!;
      expect(Object.keys(body)).toEqual(['status', 'version', 'uptimeSeconds', 'persistence', 'modelsReady', 'modelsLoad', 'models', 'load']);
      expect(body.status).toBe('ok');
      expect(body.version).toBe((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
      expect(Number.isInteger(body.uptimeSeconds) && (body.uptimeSeconds as number) >= 0).toBe(true);
      expect(body.persistence).toBe('memory');
      expect(Array.isArray(body.models)).toBe(true);
    });
  });

  describe('POST /_rekognition/reset', () => {
    it('drops every collection and every pin', async () => {
      await post('CreateCollection', { CollectionId: 'before-reset' });
      const sha256 = createHash('sha256').update(fixtureBytes(IMAGE)).digest('hex');
      expect((await controlPlane('PUT', 'pins', { operation: 'SearchFacesByImage', sha256, response: PINNED })).status).toBe(200);

      const res = await controlPlane('POST', 'reset');
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ reset: true, pinsCleared: 1 });
      const list = await client.send(new ListCollectionsCommand({}));
      expect(list.CollectionIds).toEqual([]);
      expect((await controlPlane('GET', 'pins')).json).toEqual({ pins: [] });
    });
  });

  describe('POST /_rekognition/seed', () => {
    /** A fixed sequence of calls (successes and errors); returns the x-amzn-RequestId of each. */
    async function scenario(): Promise<string[]> {
      const responses = [
        await post('ListCollections', {}),
        await post('CreateCollection', { CollectionId: 'seeded' }),
        await post('DescribeCollection', { CollectionId: 'seeded' }),
        await post('DescribeCollection', { CollectionId: 'not-there' }),
        await post('CreateCollection', { CollectionId: 'bad id!' }),
        await post('DeleteCollection', { CollectionId: 'seeded' }),
        await post('Nope', {}),
      ];
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 400, 400, 200, 400]);
      return responses.map((r) => r.headers['x-amzn-requestid']);
    }

    beforeEach(async () => {
      await controlPlane('POST', 'reset');
    });

    it('makes the request ids of two identical runs identical', async () => {
      expect((await controlPlane('POST', 'seed', { seed: 'contract-seed' })).json).toEqual({ seed: 'contract-seed' });
      const first = await scenario();
      expect((await controlPlane('POST', 'seed', { seed: 'contract-seed' })).json).toEqual({ seed: 'contract-seed' });
      const second = await scenario();
      expect(second).toEqual(first);
      expect(new Set(first).size).toBe(first.length);
      for (const id of first) expect(id).toMatch(UUID_V4);

      await controlPlane('POST', 'seed', { seed: 'another-seed' });
      const other = await scenario();
      expect(other.filter((id, i) => id === first[i])).toEqual([]);
    });

    it('accepts a number and reads it as text', async () => {
      expect((await controlPlane('POST', 'seed', { seed: 42 })).json).toEqual({ seed: '42' });
      const a = await scenario();
      await controlPlane('POST', 'seed', { seed: '42' });
      expect(await scenario()).toEqual(a);
    });

    it('goes back to random ids with seed null', async () => {
      expect((await controlPlane('POST', 'seed', { seed: null })).json).toEqual({ seed: null });
      const a = await scenario();
      await controlPlane('POST', 'seed', { seed: null });
      const b = await scenario();
      expect(b.filter((id, i) => id === a[i])).toEqual([]);
    });

    it('refuses a seed that is not a string, number or null', async () => {
      const res = await controlPlane('POST', 'seed', { seed: { a: 1 } });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ error: "'seed' must be a string, a number or null" });
    });
  });

  describe('/_rekognition/pins', () => {
    const bytes = () => fixtureBytes(IMAGE);
    const sha256 = () => createHash('sha256').update(bytes()).digest('hex');

    beforeEach(async () => {
      await controlPlane('DELETE', 'pins');
    });

    it('pins a response by the SHA-256 of the image bytes: the operation answers exactly it', async () => {
      const put = await controlPlane('PUT', 'pins', { operation: 'SearchFacesByImage', sha256: sha256(), response: PINNED });
      expect(put.status).toBe(200);
      expect(put.json).toEqual({ pinned: { operation: 'SearchFacesByImage', sha256: sha256() } });

      const res = await search({ Bytes: bytes().toString('base64') });
      expect(res.status).toBe(200);
      expect(res.body).toBe(JSON.stringify(PINNED));
      expect(res.headers['content-type']).toBe(JSON_11);
      expect(res.headers['x-amzn-requestid']).toMatch(UUID_V4);

      // Through the SDK too, with the wire check on the response.
      const out = await client.send(new SearchFacesByImageCommand({ CollectionId: 'no-such-collection', Image: { Bytes: bytes() } }));
      expect(out.FaceMatches?.[0]?.Face?.ExternalImageId).toBe('pinned-person');
      expect(out.SearchedFaceConfidence).toBe(99.98765563964844);
    });

    it('matches the hash in upper case too, and only that image and that operation', async () => {
      await controlPlane('PUT', 'pins', { operation: 'SearchFacesByImage', sha256: sha256().toUpperCase(), response: PINNED });
      expect((await search({ Bytes: bytes().toString('base64') })).body).toBe(JSON.stringify(PINNED));
      expectUnpinned(await search({ Bytes: Buffer.concat([bytes(), Buffer.from([0])]).toString('base64') }));

      await controlPlane('DELETE', 'pins');
      await controlPlane('PUT', 'pins', { operation: 'DetectLabels', sha256: sha256(), response: { Labels: [], LabelModelVersion: '3.0' } });
      expectUnpinned(await search({ Bytes: bytes().toString('base64') }));
    });

    it('pins a response by S3 bucket and key', async () => {
      const { S3Object } = s3Image(IMAGE);
      const put = await controlPlane('PUT', 'pins', { operation: 'SearchFacesByImage', bucket: S3Object.Bucket, key: S3Object.Name, response: PINNED });
      expect(put.json).toEqual({ pinned: { operation: 'SearchFacesByImage', bucket: S3Object.Bucket, key: S3Object.Name } });
      expect((await search({ S3Object })).body).toBe(JSON.stringify(PINNED));
      expectUnpinned(await search({ S3Object: { ...S3Object, Name: `${S3Object.Name}.other` } }));
    });

    it('lists pins, deletes one by its selector, then all', async () => {
      const { S3Object } = s3Image(IMAGE);
      await controlPlane('PUT', 'pins', { operation: 'SearchFacesByImage', sha256: sha256(), response: PINNED });
      await controlPlane('PUT', 'pins', { operation: 'SearchFacesByImage', bucket: S3Object.Bucket, key: S3Object.Name, response: PINNED });
      expect((await controlPlane('GET', 'pins')).json).toEqual({
        pins: [
          { operation: 'SearchFacesByImage', sha256: sha256(), response: PINNED },
          { operation: 'SearchFacesByImage', bucket: S3Object.Bucket, key: S3Object.Name, response: PINNED },
        ],
      });

      expect((await controlPlane('DELETE', 'pins', { operation: 'SearchFacesByImage', sha256: sha256() })).json).toEqual({ deleted: 1 });
      expect((await controlPlane('DELETE', 'pins', { operation: 'SearchFacesByImage', sha256: sha256() })).json).toEqual({ deleted: 0 });
      expectUnpinned(await search({ Bytes: bytes().toString('base64') }));
      expect((await search({ S3Object })).body).toBe(JSON.stringify(PINNED));

      expect((await controlPlane('DELETE', 'pins')).json).toEqual({ deleted: 1 });
      expect((await controlPlane('GET', 'pins')).json).toEqual({ pins: [] });
      expectUnpinned(await search({ S3Object }));
    });

    it('refuses a response that does not fit the output shape, with 400 and the problems', async () => {
      const cases: [unknown, string][] = [
        [{ Labels: 'x' }, "'response' does not fit DetectLabels's output: $.Labels: expected a list"],
        [{ Labels: [{ Name: 'Cat', Confidence: '99' }] }, "'response' does not fit DetectLabels's output: $.Labels[0].Confidence: expected a number"],
        [{ Lables: [] }, "'response' does not fit DetectLabels's output: $: Lables is not a member of DetectLabelsResponse"],
        [
          { Labels: [], ImageProperties: { Quality: { Brightness: 1 }, DominantColors: [{ Red: 1.5 }] } },
          "'response' does not fit DetectLabels's output: $.ImageProperties.DominantColors[0].Red: expected an integer",
        ],
        [[], "'response' must be the operation's output as a JSON object"],
      ];
      for (const [response, error] of cases) {
        const res = await controlPlane('PUT', 'pins', { operation: 'DetectLabels', sha256: sha256(), response });
        expect(res.status).toBe(400);
        expect(res.json).toEqual({ error });
      }
      expect((await controlPlane('GET', 'pins')).json).toEqual({ pins: [] });
    });

    it('refuses bad selectors with 400', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ operation: 'Nope', sha256: sha256() }, "'operation' must name one of the 75 Rekognition operations"],
        [{ operation: 'DetectLabels', sha256: 'abc' }, "'sha256' must be 64 hex characters"],
        [{ operation: 'DetectLabels', bucket: 'b' }, "give either 'sha256' (of the image bytes) or 'bucket' and 'key' (of the S3 object)"],
      ];
      for (const [selector, error] of cases) {
        const res = await controlPlane('PUT', 'pins', { ...selector, response: { Labels: [] } });
        expect(res.status).toBe(400);
        expect(res.json).toEqual({ error });
      }
    });
  });

  describe('errors of the control plane itself', () => {
    it('answers an unknown path with 404 JSON', async () => {
      const res = await controlPlane('GET', 'nothing-here');
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: 'unknown control-plane path' });
    });

    it('answers malformed JSON with 400 JSON, not HTML', async () => {
      const res = await emulatorFetch('/_rekognition/pins', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{bad' });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.json!)).toEqual(['error']);
      expect(res.body).not.toMatch(/<html|<pre|at .*\.js:/i);
    });
  });
});
