/** The celebrity gallery: catalogue from the fixture folder, recognition with synthetic faces shown by a fake models client. */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { celebrityIdFor, displayName, scanGallery, stripScheme } from '../../src/faces/celebrities';
import { Logger } from '../../src/runtime/logger';
import { testEmulator } from '../support/emulator';
import { FakeFaceModels, syntheticFace } from './fake-models';
import { pngBytes, tempDir } from './helpers';
import { photoOf, rng, unitVector } from './synthetic';

const gallery = fileURLToPath(new URL('../../fixtures/celebrities', import.meta.url));
const box = (size: number) => ({ Width: size, Height: size, Left: 0.1, Top: 0.1 });
const log = new Logger('error');

describe('celebrity catalogue', () => {
  it('reads names, derived ids, scheme-less urls and genders from the fixture gallery', async () => {
    const entries = await scanGallery(gallery, log);
    expect(entries.map((e) => [e.name, e.urls, e.knownGender, e.images.length])).toEqual([
      ['Barack Obama', ['www.wikidata.org/wiki/Q76'], 'Male', 2],
      ['Joe Biden', ['www.wikidata.org/wiki/Q6279'], 'Male', 1],
      ['Kit Harington', [], undefined, 1],
    ]);
    for (const e of entries) {
      expect(e.id).toMatch(/^[0-9A-Za-z]{8}$/);
      expect(e.id).toBe(celebrityIdFor(e.name));
    }
    expect(new Set(entries.map((e) => e.id)).size).toBe(3);
  });

  it('takes Id and Name from meta.json, skips unreadable meta and duplicate ids', async () => {
    const dir = tempDir();
    const add = (folder: string, meta?: string) => {
      mkdirSync(join(dir, folder));
      writeFileSync(join(dir, folder, 'a.jpg'), '');
      if (meta !== undefined) writeFileSync(join(dir, folder, 'meta.json'), meta);
    };
    add('ada_lovelace', JSON.stringify({ Id: '3Ir0du6', Name: 'Ada King', Urls: ['http://example.org/ada', 'www.imdb.com/x'], KnownGender: 'female' }));
    add('broken', '{');
    add('copy', JSON.stringify({ Id: '3Ir0du6' }));
    add('Grace Hopper');
    const entries = await scanGallery(dir, log);
    // Folders in code-point order: 'Grace Hopper' before 'ada_lovelace'; 'copy' reuses Ada's id.
    expect(entries.map((e) => [e.id, e.name, e.urls, e.knownGender])).toEqual([
      [celebrityIdFor('Grace Hopper'), 'Grace Hopper', [], undefined],
      ['3Ir0du6', 'Ada King', ['example.org/ada', 'www.imdb.com/x'], 'Female'],
    ]);
    expect(displayName('lin_manuel_miranda')).toBe('Lin Manuel Miranda');
  });

  it('does not follow a meta.json link out of the gallery folder', async () => {
    const dir = tempDir();
    const outside = join(tempDir(), 'meta.json');
    writeFileSync(outside, JSON.stringify({ Name: 'Read From Outside' }));
    mkdirSync(join(dir, 'linked'));
    writeFileSync(join(dir, 'linked', 'a.jpg'), '');
    symlinkSync(outside, join(dir, 'linked', 'meta.json'));
    expect(await scanGallery(dir, log)).toEqual([]);
    expect(stripScheme('https://www.wikidata.org/wiki/Q76')).toBe('www.wikidata.org/wiki/Q76');
  });
});

describe('GetCelebrityInfo and RecognizeCelebrities', () => {
  it('answers from the gallery and names a matching face', async () => {
    const models = new FakeFaceModels();
    const random = rng(5);
    const identity = new Map<string, number[]>();
    // Every gallery photo gets a synthetic face of its folder's identity.
    for (const folder of readdirSync(gallery)) {
      identity.set(folder, unitVector(random));
      for (const file of readdirSync(join(gallery, folder)).filter((f) => /\.(jpe?g|png)$/.test(f))) {
        await models.show(readFileSync(join(gallery, folder, file)), [syntheticFace(photoOf(identity.get(folder)!, random, 0.01), box(0.4))]);
      }
    }
    const t = testEmulator({ celebritiesDir: gallery }, { inference: models.pool });
    const obamaId = celebrityIdFor('Barack Obama');
    expect(await t.call('GetCelebrityInfo', { Id: obamaId })).toEqual({ Urls: ['www.wikidata.org/wiki/Q76'], Name: 'Barack Obama', KnownGender: { Type: 'Male' } });
    expect(await t.call('GetCelebrityInfo', { Id: celebrityIdFor('Kit Harington') })).toEqual({ Urls: [], Name: 'Kit Harington' });
    await expect(t.call('GetCelebrityInfo', { Id: 'nobody12' })).rejects.toMatchObject({ type: 'ResourceNotFoundException' });

    const bytes = await pngBytes(77);
    await models.show(bytes, [
      syntheticFace(photoOf(identity.get('barack_obama')!, random, 0.01), box(0.5)),
      syntheticFace(unitVector(random), box(0.2)),
    ]);
    const out = await t.call('RecognizeCelebrities', { Image: { Bytes: bytes.toString('base64') } });
    expect(Object.keys(out)).toEqual(['CelebrityFaces', 'UnrecognizedFaces']);
    expect(out.CelebrityFaces).toHaveLength(1);
    const [celebrity] = out.CelebrityFaces;
    expect(Object.keys(celebrity)).toEqual(['Urls', 'Name', 'Id', 'Face', 'MatchConfidence', 'KnownGender']);
    expect(celebrity).toMatchObject({ Name: 'Barack Obama', Id: obamaId, Urls: ['www.wikidata.org/wiki/Q76'], KnownGender: { Type: 'Male' } });
    expect(celebrity.MatchConfidence).toBeGreaterThanOrEqual(80);
    expect(Object.keys(celebrity.Face)).toEqual(['BoundingBox', 'Confidence', 'Landmarks', 'Pose', 'Quality']);
    expect(out.UnrecognizedFaces).toHaveLength(1);
    expect(out.UnrecognizedFaces[0].BoundingBox.Width).toBe(Math.fround(0.2));

    const empty = await pngBytes(78);
    expect(await t.call('RecognizeCelebrities', { Image: { Bytes: empty.toString('base64') } })).toEqual({ CelebrityFaces: [], UnrecognizedFaces: [] });
    await t.close();
  });
});
