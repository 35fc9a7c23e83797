/**
 * DetectFaces and CompareFaces against the fixtures' ground truth (fixtures/faces/ground-truth.json):
 * every labelled face found and none on the cat, the coffee cup or the ice cream with sprinkles, the wire shape of DEFAULT and ALL
 * (AWS-BEHAVIOUR.md §3.1), attribute accuracy where labels exist, measurable behaviour on edited
 * photos (sunglasses and a mask drawn on, blur, darkening, mirroring), and CompareFaces on the
 * identity photos (every same/different pair is in compare-faces.accuracy.test.ts). Runs on both
 * targets; values that are the emulator's own choices are asserted under `isEmulator`.
 */
import { CompareFacesCommand, DetectFacesCommand, type FaceDetail, type RekognitionClient } from '@aws-sdk/client-rekognition';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectServiceError, fixtureBytes, isEmulator, rawRequest, rekognitionClient } from './support/client';
import { fixturesDir, type FixtureName } from './support/target';

interface Truth {
  path: FixtureName;
  identity: string | null;
  faces: number;
  gender?: 'Male' | 'Female';
  beard?: boolean;
  mustache?: boolean;
  eyeglasses?: boolean;
  smile?: boolean;
  mouthOpen?: boolean;
}

const truth = (JSON.parse(readFileSync(join(fixturesDir, 'faces', 'ground-truth.json'), 'utf8')) as { images: Truth[] }).images;
const image = (name: FixtureName) => ({ Bytes: fixtureBytes(name) });

const DEFAULT_KEYS = ['BoundingBox', 'Landmarks', 'Pose', 'Quality', 'Confidence'];
const ALL_KEYS = ['BoundingBox', 'AgeRange', 'Smile', 'Eyeglasses', 'Sunglasses', 'Gender', 'Beard', 'Mustache', 'EyesOpen', 'MouthOpen', 'Emotions', 'Landmarks', 'Pose', 'Quality', 'Confidence', 'FaceOccluded', 'EyeDirection'];
const LANDMARKS_30 = [
  'eyeLeft', 'eyeRight', 'mouthLeft', 'mouthRight', 'nose', 'leftEyeBrowLeft', 'leftEyeBrowRight', 'leftEyeBrowUp', 'rightEyeBrowLeft', 'rightEyeBrowRight',
  'rightEyeBrowUp', 'leftEyeLeft', 'leftEyeRight', 'leftEyeUp', 'leftEyeDown', 'rightEyeLeft', 'rightEyeRight', 'rightEyeUp', 'rightEyeDown', 'noseLeft',
  'noseRight', 'mouthUp', 'mouthDown', 'leftPupil', 'rightPupil', 'upperJawlineLeft', 'midJawlineLeft', 'chinBottom', 'midJawlineRight', 'upperJawlineRight',
];
const EMOTIONS = ['ANGRY', 'CALM', 'CONFUSED', 'DISGUSTED', 'FEAR', 'HAPPY', 'SAD', 'SURPRISED'];

let client: RekognitionClient;
/** DetectFaces ALL of every ground-truth photo, filled by the first test that needs it. */
const detailsOf = new Map<FixtureName, FaceDetail[]>();

async function detectAll(name: FixtureName): Promise<FaceDetail[]> {
  let details = detailsOf.get(name);
  if (!details) {
    details = (await client.send(new DetectFacesCommand({ Image: image(name), Attributes: ['ALL'] }))).FaceDetails ?? [];
    detailsOf.set(name, details);
  }
  return details;
}

async function detectBytes(bytes: Buffer, attributes: ('ALL' | 'DEFAULT')[] = ['ALL']): Promise<FaceDetail[]> {
  return (await client.send(new DetectFacesCommand({ Image: { Bytes: bytes }, Attributes: attributes }))).FaceDetails ?? [];
}

const point = (d: FaceDetail, type: string, w: number, h: number): [number, number] => {
  const l = d.Landmarks?.find((x) => x.Type === type);
  if (!l) throw new Error(`no ${type} landmark`);
  return [l.X! * w, l.Y! * h];
};

beforeAll(() => {
  client = rekognitionClient();
});

afterAll(() => client.destroy());

describe('DetectFaces', () => {
  it('finds every labelled face, and none on the cat, the coffee cup or the sprinkles', { timeout: 600_000 }, async () => {
    const wrong: string[] = [];
    for (const t of truth) {
      const found = (await detectAll(t.path)).length;
      if (found !== t.faces) wrong.push(`${t.path}: ${found} faces, expected ${t.faces}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers exactly {"FaceDetails":[]} when there is no face', async () => {
    const res = await rawRequest('DetectFaces', { Image: { Bytes: fixtureBytes('images/chelsea.png').toString('base64') } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"FaceDetails":[]}');
  });

  it('DEFAULT: BoundingBox, the first 5 landmarks, Pose, Quality, Confidence, in wire order', async () => {
    const res = await rawRequest('DetectFaces', { Image: { Bytes: fixtureBytes('images/astronaut.png').toString('base64') } });
    const [face] = (res.json.FaceDetails as Record<string, unknown>[]) ?? [];
    expect(Object.keys(face)).toEqual(DEFAULT_KEYS);
    expect(Object.keys(face.BoundingBox as object)).toEqual(['Width', 'Height', 'Left', 'Top']);
    expect(Object.keys(face.Pose as object)).toEqual(['Roll', 'Yaw', 'Pitch']);
    expect(Object.keys(face.Quality as object)).toEqual(['Brightness', 'Sharpness']);
    expect((face.Landmarks as { Type: string }[]).map((l) => l.Type)).toEqual(LANDMARKS_30.slice(0, 5));
    expect(Object.keys((face.Landmarks as object[])[0])).toEqual(['Type', 'X', 'Y']);
  });

  it('ALL: every attribute in wire order, 30 landmarks in the fixed order, 8 emotions sorted', async () => {
    const res = await rawRequest('DetectFaces', { Image: { Bytes: fixtureBytes('images/astronaut.png').toString('base64') }, Attributes: ['ALL'] });
    const [face] = res.json.FaceDetails as Record<string, unknown>[];
    const keys = Object.keys(face);
    // AWS's order, whichever optional members it sends (EyeDirection's presence is unknown, §6)
    expect(keys).toEqual(ALL_KEYS.filter((k) => keys.includes(k)));
    if (isEmulator) expect(keys).toEqual(ALL_KEYS);
    expect(Object.keys(face.AgeRange as object)).toEqual(['Low', 'High']);
    for (const k of ['Smile', 'Eyeglasses', 'Sunglasses', 'Gender', 'Beard', 'Mustache', 'EyesOpen', 'MouthOpen', 'FaceOccluded']) expect(Object.keys(face[k] as object)).toEqual(['Value', 'Confidence']);
    const landmarks = face.Landmarks as { Type: string; X: number; Y: number }[];
    expect(landmarks.map((l) => l.Type)).toEqual(LANDMARKS_30);
    const at = (t: string) => landmarks.find((l) => l.Type === t)!;
    expect([at('leftPupil').X, at('leftPupil').Y]).toEqual([at('eyeLeft').X, at('eyeLeft').Y]);
    expect([at('rightPupil').X, at('rightPupil').Y]).toEqual([at('eyeRight').X, at('eyeRight').Y]);
    // left and right are the image's: the left eye is further left, the chin below the nose
    expect(at('eyeLeft').X).toBeLessThan(at('eyeRight').X);
    expect(at('mouthLeft').X).toBeLessThan(at('mouthRight').X);
    expect(at('chinBottom').Y).toBeGreaterThan(at('nose').Y);
    const emotions = face.Emotions as { Type: string; Confidence: number }[];
    expect(emotions.map((e) => e.Type).sort()).toEqual(EMOTIONS);
    const confidences = emotions.map((e) => e.Confidence);
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    if (isEmulator) expect(Object.keys(face.EyeDirection as object)).toEqual(['Yaw', 'Pitch', 'Confidence']);
  });

  it('an individual attribute comes on top of the defaults', async () => {
    const res = await rawRequest('DetectFaces', { Image: { Bytes: fixtureBytes('images/astronaut.png').toString('base64') }, Attributes: ['EMOTIONS'] });
    const [face] = res.json.FaceDetails as Record<string, unknown>[];
    expect(Object.keys(face)).toEqual(['BoundingBox', 'Emotions', 'Landmarks', 'Pose', 'Quality', 'Confidence']);
    expect((face.Landmarks as object[]).length).toBe(5);
  });

  it('boxes and landmarks lie on the face: landmarks inside the box, eyes above the mouth, real faces 99+', { timeout: 600_000 }, async () => {
    const confidences: number[] = [];
    for (const t of truth.filter((x) => x.faces === 1)) {
      const [face] = await detectAll(t.path);
      const b = face.BoundingBox!;
      for (const l of face.Landmarks!) {
        // ratios may leave 0-1 for faces cut by the edge, but stay near the box
        expect(l.X!, `${t.path} ${l.Type}`).toBeGreaterThan(b.Left! - 0.1 * b.Width!);
        expect(l.X!, `${t.path} ${l.Type}`).toBeLessThan(b.Left! + 1.1 * b.Width!);
        expect(l.Y!, `${t.path} ${l.Type}`).toBeGreaterThan(b.Top! - 0.1 * b.Height!);
        expect(l.Y!, `${t.path} ${l.Type}`).toBeLessThan(b.Top! + 1.1 * b.Height!);
      }
      const y = (type: string) => face.Landmarks!.find((l) => l.Type === type)!.Y!;
      expect(y('eyeLeft'), t.path).toBeLessThan(y('mouthLeft'));
      expect(face.Confidence!, t.path).toBeGreaterThan(90);
      confidences.push(face.Confidence!);
    }
    // real faces: AWS answers 99+; allow a few doubtful ones, never most
    confidences.sort((a, b) => a - b);
    expect(confidences[Math.floor(confidences.length / 2)]).toBeGreaterThanOrEqual(99);
  });

  it('attributes agree with the labels: gender of known people, the astronaut smiling, glasses, beards', { timeout: 600_000 }, async () => {
    const tally = new Map<string, { right: number; total: number; misses: string[] }>();
    const count = (attr: string, ok: boolean, path: string) => {
      const t = tally.get(attr) ?? { right: 0, total: 0, misses: [] };
      t.total++;
      if (ok) t.right++;
      else t.misses.push(path);
      tally.set(attr, t);
    };
    for (const t of truth.filter((x) => x.faces === 1)) {
      const [face] = await detectAll(t.path);
      if (t.gender) count('Gender', face.Gender?.Value === t.gender, t.path);
      if (t.smile !== undefined) count('Smile', face.Smile?.Value === t.smile, t.path);
      if (t.eyeglasses !== undefined) count('Eyeglasses', face.Eyeglasses?.Value === t.eyeglasses, t.path);
      if (t.beard !== undefined) count('Beard', face.Beard?.Value === t.beard, t.path);
      if (t.mustache !== undefined) count('Mustache', face.Mustache?.Value === t.mustache, t.path);
      if (t.mouthOpen !== undefined) count('MouthOpen', face.MouthOpen?.Value === t.mouthOpen, t.path);
      count('EyesOpen', face.EyesOpen?.Value === true, t.path);
      count('Sunglasses', face.Sunglasses?.Value === false, t.path);
    }
    console.log(
      'DetectFaces attribute accuracy on the fixtures:\n' +
        [...tally].map(([k, v]) => `  ${k.padEnd(11)} ${v.right}/${v.total} (${((100 * v.right) / v.total).toFixed(1)}%)${v.misses.length ? ` missed: ${v.misses.join(', ')}` : ''}`).join('\n'),
    );
    const accuracy = (k: string) => tally.get(k)!.right / tally.get(k)!.total;
    expect(accuracy('Gender')).toBeGreaterThanOrEqual(0.95);
    expect(accuracy('Smile')).toBeGreaterThanOrEqual(0.9);
    expect(accuracy('Eyeglasses')).toBeGreaterThanOrEqual(0.9);
    expect(accuracy('Beard')).toBeGreaterThanOrEqual(0.85);
    expect(accuracy('Mustache')).toBeGreaterThanOrEqual(0.85);
    expect(accuracy('MouthOpen')).toBeGreaterThanOrEqual(0.9);
    expect(accuracy('EyesOpen')).toBeGreaterThanOrEqual(0.95);
    expect(accuracy('Sunglasses')).toBe(1);
    const [astronaut] = await detectAll('images/astronaut.png');
    expect(astronaut.Smile).toMatchObject({ Value: true });
    expect(astronaut.Gender).toMatchObject({ Value: 'Female' });
    expect(astronaut.Emotions![0].Type).toBe('HAPPY');
    expect(astronaut.AgeRange!.Low!).toBeLessThanOrEqual(astronaut.AgeRange!.High!);
  });

  it('drawn-on sunglasses make Sunglasses and FaceOccluded true; a drawn-on mask makes FaceOccluded true', async () => {
    const bytes = fixtureBytes('celebrities/barack_obama/1.jpg');
    const { width: w, height: h } = await sharp(bytes).metadata();
    const [face] = await detectAll('celebrities/barack_obama/1.jpg');
    expect(face.Sunglasses?.Value).toBe(false);
    expect(face.FaceOccluded?.Value).toBe(false);
    const [l, r] = [point(face, 'eyeLeft', w!, h!), point(face, 'eyeRight', w!, h!)];
    const eyes = Math.hypot(r[0] - l[0], r[1] - l[1]);
    const lens = ([x, y]: number[]) => `<ellipse cx="${x}" cy="${y}" rx="${eyes * 0.42}" ry="${eyes * 0.3}" fill="#111"/>`;
    const sunglasses = `<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">${lens(l)}${lens(r)}<line x1="${l[0]}" y1="${l[1]}" x2="${r[0]}" y2="${r[1]}" stroke="#111" stroke-width="${eyes * 0.06}"/></svg>`;
    const [shaded] = await detectBytes(await sharp(bytes).composite([{ input: Buffer.from(sunglasses) }]).jpeg().toBuffer());
    expect(shaded.Sunglasses?.Value).toBe(true);
    expect(shaded.FaceOccluded?.Value).toBe(true);

    const jaw = ['upperJawlineLeft', 'midJawlineLeft', 'chinBottom', 'midJawlineRight', 'upperJawlineRight'].map((t) => point(face, t, w!, h!));
    const bridge = [(l[0] + r[0]) / 2, (l[1] + r[1]) / 2 + eyes * 0.35];
    const polygon = [jaw[0], bridge, jaw[4], jaw[3], jaw[2], jaw[1]].map((p) => p.join(',')).join(' ');
    const mask = `<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg"><polygon points="${polygon}" fill="#9cc3e6"/></svg>`;
    const [masked] = await detectBytes(await sharp(bytes).composite([{ input: Buffer.from(mask) }]).jpeg().toBuffer());
    expect(masked.FaceOccluded?.Value).toBe(true);
  });

  it('blur lowers Sharpness and darkening lowers Brightness', async () => {
    const bytes = fixtureBytes('images/astronaut.png');
    const [base] = await detectAll('images/astronaut.png');
    const [blurred] = await detectBytes(await sharp(bytes).blur(4).png().toBuffer(), ['DEFAULT']);
    const [dark] = await detectBytes(await sharp(bytes).linear(0.4, 0).png().toBuffer(), ['DEFAULT']);
    expect(blurred.Quality!.Sharpness!).toBeLessThan(base.Quality!.Sharpness! * 0.6);
    expect(dark.Quality!.Brightness!).toBeLessThan(base.Quality!.Brightness! * 0.6);
  });

  it('a mirrored photo of a turned head flips the sign of Yaw and Roll', async () => {
    const name = 'celebrities/kit_harington/3.jpeg';
    const [face] = await detectAll(name);
    const [mirrored] = await detectBytes(await sharp(fixtureBytes(name)).flop().jpeg().toBuffer(), ['DEFAULT']);
    expect(Math.abs(face.Pose!.Yaw!)).toBeGreaterThan(10);
    expect(Math.sign(mirrored.Pose!.Yaw!)).toBe(-Math.sign(face.Pose!.Yaw!));
    expect(Math.sign(mirrored.Pose!.Roll!)).toBe(-Math.sign(face.Pose!.Roll!));
  });
});

describe('CompareFaces', () => {
  it('gives Similarity 100 for identical images, with the source face and no unmatched faces', async () => {
    const out = await client.send(new CompareFacesCommand({ SourceImage: image('images/astronaut.png'), TargetImage: image('images/astronaut.png') }));
    expect(out.FaceMatches).toHaveLength(1);
    expect(out.FaceMatches![0].Similarity).toBe(100);
    expect(out.UnmatchedFaces).toEqual([]);
    expect(out.SourceImageFace?.Confidence).toBeGreaterThan(90);
    expect(out.FaceMatches![0].Face?.Landmarks).toHaveLength(5);
  });

  it('refuses a source or a target without a face with InvalidParameterException', async () => {
    const message = isEmulator ? 'Request has invalid parameters' : undefined;
    await expectServiceError(client.send(new CompareFacesCommand({ SourceImage: image('images/chelsea.png'), TargetImage: image('images/astronaut.png') })), 'InvalidParameterException', { message, status: 400 });
    await expectServiceError(client.send(new CompareFacesCommand({ SourceImage: image('images/astronaut.png'), TargetImage: image('images/coffee.png') })), 'InvalidParameterException', { message, status: 400 });
  });

  it('finds the source person among four faces, the other three unmatched', async () => {
    const tiles: FixtureName[] = ['celebrities/joe_biden/2.jpg', 'celebrities/barack_obama/3.jpg', 'face-search/rose_leslie/2.jpg', 'face-search/alex_lacamoire/3.jpg'];
    const side = 400;
    const parts = await Promise.all(tiles.map((t) => sharp(fixtureBytes(t)).resize(side, side, { fit: 'cover', position: 'top' }).toBuffer()));
    const collage = await sharp({ create: { width: 2 * side, height: 2 * side, channels: 3, background: '#808080' } })
      .composite(parts.map((input, i) => ({ input, left: (i % 2) * side, top: Math.floor(i / 2) * side })))
      .jpeg()
      .toBuffer();
    const out = await client.send(new CompareFacesCommand({ SourceImage: image('celebrities/barack_obama/1.jpg'), TargetImage: { Bytes: collage } }));
    expect(out.FaceMatches).toHaveLength(1);
    expect(out.UnmatchedFaces).toHaveLength(3);
    const box = out.FaceMatches![0].Face!.BoundingBox!;
    // Obama's tile is the top right one
    expect(box.Left! + box.Width! / 2).toBeGreaterThan(0.5);
    expect(box.Top! + box.Height! / 2).toBeLessThan(0.5);
    const all = await client.send(new CompareFacesCommand({ SourceImage: image('celebrities/barack_obama/1.jpg'), TargetImage: { Bytes: collage }, SimilarityThreshold: 0 }));
    expect(all.FaceMatches).toHaveLength(4);
    expect(all.UnmatchedFaces).toEqual([]);
    const scores = all.FaceMatches!.map((m) => m.Similarity!);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it.runIf(isEmulator)('QualityFilter HIGH drops a dark source face (bars are the emulator choice)', async () => {
    const poor = await sharp(fixtureBytes('images/astronaut.png')).linear(0.3, 0).png().toBuffer();
    const ok = await client.send(new CompareFacesCommand({ SourceImage: { Bytes: poor }, TargetImage: image('images/astronaut.png') }));
    expect(ok.SourceImageFace).toBeDefined();
    await expectServiceError(
      client.send(new CompareFacesCommand({ SourceImage: { Bytes: poor }, TargetImage: image('images/astronaut.png'), QualityFilter: 'HIGH' })),
      'InvalidParameterException',
      { message: 'Request has invalid parameters', status: 400 },
    );
  });
});
