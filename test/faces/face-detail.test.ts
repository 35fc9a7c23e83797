/**
 * Building Rekognition's FaceDetail from the face task's raw output (src/analysis/faces.ts), on a
 * real face recorded by test/faces/record-face.ts (fixtures/images/astronaut.png) and on edited
 * copies of its mesh and pixel statistics whose effect is known.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ageRange, buildFace, confirmedFace, GREY_VERIFY_GATE, keptFaces, decide, detectorScoreFor, faceConfidence, profileConfidence, resolveAttributes, FACE_ATTRIBUTES, MIN_DETECTOR_SCORE, PROFILE_GATE, VERIFY_GATE } from '../../src/analysis/faces';
import { headAngles, meshAxes } from '../../models/tasks/faces';
import type { RawFace } from '../../models/tasks/faces';

const recorded = JSON.parse(readFileSync(new URL('./astronaut-face.json', import.meta.url), 'utf8')) as { width: number; height: number; face: RawFace };
const { width, height } = recorded;
const copy = (): RawFace => structuredClone(recorded.face);
const ALL = resolveAttributes(['ALL']);
const DEFAULT = resolveAttributes(undefined);

/** Moves mesh point `i` to `target`'s position plus an offset. */
function movePoint(face: RawFace, i: number, target: number, dx = 0, dy = 0): void {
  face.mesh[3 * i] = face.mesh[3 * target] + dx;
  face.mesh[3 * i + 1] = face.mesh[3 * target + 1] + dy;
}

describe('face confidence', () => {
  it('is 90 at the detector cut, 99+ for a clear detection, and rises with the detector score', () => {
    expect(faceConfidence(MIN_DETECTOR_SCORE)).toBeCloseTo(90, 6);
    expect(faceConfidence(0.6)).toBeGreaterThan(99);
    expect(faceConfidence(0.87)).toBeGreaterThan(99.9);
    expect(faceConfidence(1)).toBeLessThanOrEqual(100);
    expect(faceConfidence(0.5)).toBeLessThan(faceConfidence(0.55));
  });

  it('comes from the detector, not the mesh: the recorded face with a weak detector score drops', () => {
    const weak = copy();
    weak.boxScore = 0.45;
    expect(buildFace(weak, width, height, DEFAULT).detail.Confidence!).toBeLessThan(96);
    expect(buildFace(copy(), width, height, DEFAULT).detail.Confidence!).toBeGreaterThan(99.9);
  });

  it('of a face FaceBoxes found comes from its second-look score, and its box is FaceBoxes\' box', () => {
    expect(profileConfidence(PROFILE_GATE.secondLook)).toBeCloseTo(90, 6);
    expect(profileConfidence(0.9)).toBeGreaterThan(99);
    expect(profileConfidence(0.85)).toBeLessThan(profileConfidence(0.88));
    const found = copy();
    found.detector = 'faceboxes';
    found.boxScore = 0.85;
    found.box = [100, 120, 160, 200];
    const { detail } = buildFace(found, width, height, DEFAULT);
    expect(detail.Confidence).toBeCloseTo(profileConfidence(0.85), 4);
    expect(detail.BoundingBox).toEqual({ Width: 60 / width, Height: 80 / height, Left: 100 / width, Top: 120 / height });
    // the same measurements with blazeface's score keep blazeface's scale and the mesh box
    expect(buildFace(copy(), width, height, DEFAULT).detail.BoundingBox).not.toEqual(detail.BoundingBox);
  });

  it('a face FaceBoxes does not confirm is kept only where centernet sees a person; unchecked faces are kept', () => {
    const face = (secondOpinion?: number, person?: number): RawFace => ({ ...copy(), secondOpinion, person });
    expect(confirmedFace(face())).toBe(true);
    expect(confirmedFace(face(VERIFY_GATE.enough))).toBe(true);
    expect(confirmedFace(face(VERIFY_GATE.enough - 0.01, 0))).toBe(false);
    expect(confirmedFace(face(0.2, VERIFY_GATE.person))).toBe(true);
    expect(confirmedFace(face(0.2, VERIFY_GATE.person / 2))).toBe(false);
    // a black-and-white photo: a second look that is enough in colour is not, and a person must hold the face
    expect(confirmedFace(face(0.95, 0), GREY_VERIFY_GATE)).toBe(false);
    expect(confirmedFace(face(0.95, GREY_VERIFY_GATE.person), GREY_VERIFY_GATE)).toBe(true);
    expect(confirmedFace(face(GREY_VERIFY_GATE.enough, 0), GREY_VERIFY_GATE)).toBe(true);
    expect(confirmedFace(face(0.2, VERIFY_GATE.person), GREY_VERIFY_GATE)).toBe(false);
  });

  it('a face only a person vouches for is dropped just below another face (a chest under the head), and kept elsewhere', () => {
    // the recorded face moved by (dx, dy) and scaled by `scale` about the mesh's first point
    const placed = (dx: number, dy: number, scale: number, secondOpinion?: number): RawFace => {
      const face = { ...copy(), secondOpinion, person: secondOpinion === undefined ? undefined : 0.3 };
      const [x0, y0] = face.mesh;
      face.mesh = face.mesh.map((v, i) => (i % 3 === 0 ? x0 + (v - x0) * scale + dx : i % 3 === 1 ? y0 + (v - y0) * scale + dy : v));
      return face;
    };
    const xs = copy().mesh.filter((_, i) => i % 3 === 0), ys = copy().mesh.filter((_, i) => i % 3 === 1);
    const w = Math.max(...xs) - Math.min(...xs), h = Math.max(...ys) - Math.min(...ys);
    const head = placed(0, 0, 1, 0.95);
    // a "face" 1.5 times wider, its top 0.6 face heights below the chin, centred under the head
    const chest = (secondOpinion: number, dx = 0, gap = 0.6) => placed(-0.25 * w + dx, h * (1 + gap), 1.5, secondOpinion);
    expect(keptFaces([head, chest(0.4)])).toEqual([head]);
    // FaceBoxes confirms it: a face (a child held in front of an adult)
    expect(keptFaces([head, chest(0.9)])).toHaveLength(2);
    // beside the head, or far below it: another person
    expect(keptFaces([head, chest(0.4, 2 * w)])).toHaveLength(2);
    expect(keptFaces([head, chest(0.4, 0, 2)])).toHaveLength(2);
    // faces that fail the checks stay out
    expect(keptFaces([head, { ...chest(0.4), person: 0 }])).toEqual([head]);
  });

  it('head angles from a mesh (as human computes them): a face turned about the vertical axis reads that yaw', () => {
    const mesh: number[][] = [];
    for (let i = 0; i < 468; i++) mesh.push([100 + (i % 20), 100 + Math.floor(i / 20), 0]);
    const turned = (deg: number) => {
      const a = (deg * Math.PI) / 180;
      const m = mesh.map((p) => [...p]);
      // forehead 10, chin 152, cheeks 234 / 454 (80 px apart), turned by a about the vertical axis (z in crop pixels)
      m[10] = [150, 100, 0];
      m[152] = [150, 200, 0];
      m[234] = [150 - 40 * Math.cos(a), 150, -100 * Math.sin(a)];
      m[454] = [150 + 40 * Math.cos(a), 150, 100 * Math.sin(a)];
      return m;
    };
    const angles = (m: number[][]) => headAngles(meshAxes(m, 192));
    expect(Math.abs(angles(turned(0)).yaw)).toBeLessThan(1e-6);
    expect(Math.sign(angles(turned(40)).yaw)).toBe(-Math.sign(angles(turned(-40)).yaw));
    expect(Math.abs(angles(turned(40)).yaw)).toBeGreaterThan(0.2);
    // the same face in a photo lying on its side, or upside down: the same yaw, the roll of the photo
    for (const deg of [30, 90, -90, 180]) {
      const a = (deg * Math.PI) / 180;
      const rolled = turned(40).map(([x, y, z]) => [150 + (x - 150) * Math.cos(a) - (y - 150) * Math.sin(a), 150 + (x - 150) * Math.sin(a) + (y - 150) * Math.cos(a), z]);
      expect(angles(rolled).yaw).toBeCloseTo(angles(turned(40)).yaw, 6);
      expect(Math.abs(angles(rolled).pitch)).toBeLessThan(1e-6);
      expect(Math.cos(angles(rolled).roll - a)).toBeCloseTo(1, 6);
    }
  });

  it('inverts for fakes', () => {
    for (const c of [90, 95, 99.5]) expect(faceConfidence(detectorScoreFor(c))).toBeCloseTo(c, 6);
  });
});

describe('resolveAttributes', () => {
  it('gives the defaults only for no list and for DEFAULT', () => {
    expect(resolveAttributes(undefined)).toEqual({ attributes: new Set(), allLandmarks: false });
    expect(resolveAttributes(['DEFAULT'])).toEqual({ attributes: new Set(), allLandmarks: false });
  });

  it('gives everything for ALL, also next to DEFAULT', () => {
    expect(resolveAttributes(['DEFAULT', 'ALL'])).toEqual({ attributes: new Set(FACE_ATTRIBUTES), allLandmarks: true });
  });

  it('adds named attributes to the defaults', () => {
    expect(resolveAttributes(['DEFAULT', 'FACE_OCCLUDED'])).toEqual({ attributes: new Set(['FACE_OCCLUDED']), allLandmarks: false });
    expect(resolveAttributes(['SMILE', 'GENDER']).attributes).toEqual(new Set(['SMILE', 'GENDER']));
  });
});

describe('buildFace', () => {
  it('DEFAULT has BoundingBox, 5 landmarks, Pose, Quality and Confidence, in wire order', () => {
    const { detail } = buildFace(copy(), width, height, DEFAULT);
    expect(Object.keys(detail)).toEqual(['BoundingBox', 'Landmarks', 'Pose', 'Quality', 'Confidence']);
    expect(detail.Landmarks!.map((l) => l.Type)).toEqual(['eyeLeft', 'eyeRight', 'mouthLeft', 'mouthRight', 'nose']);
  });

  it('ALL has every member in wire order, 30 landmarks with the pupils on the eyes, 8 emotions summing to 100', () => {
    const { detail } = buildFace(copy(), width, height, ALL);
    expect(Object.keys(detail)).toEqual([
      'BoundingBox', 'AgeRange', 'Smile', 'Eyeglasses', 'Sunglasses', 'Gender', 'Beard', 'Mustache', 'EyesOpen', 'MouthOpen',
      'Emotions', 'Landmarks', 'Pose', 'Quality', 'Confidence', 'FaceOccluded', 'EyeDirection',
    ]);
    const lm = Object.fromEntries(detail.Landmarks!.map((l) => [l.Type, l]));
    expect(detail.Landmarks).toHaveLength(30);
    expect(lm.leftPupil).toEqual({ ...lm.eyeLeft, Type: 'leftPupil' });
    expect(lm.rightPupil).toEqual({ ...lm.eyeRight, Type: 'rightPupil' });
    expect(lm.eyeLeft.X!).toBeLessThan(lm.eyeRight.X!);
    expect(lm.leftEyeLeft.X!).toBeLessThan(lm.leftEyeRight.X!);
    expect(lm.leftEyeUp.Y!).toBeLessThan(lm.leftEyeDown.Y!);
    expect(lm.mouthUp.Y!).toBeLessThan(lm.mouthDown.Y!);
    expect(lm.upperJawlineLeft.X!).toBeLessThan(lm.midJawlineLeft.X!);
    const emotions = detail.Emotions!;
    expect(emotions).toHaveLength(8);
    expect(emotions.reduce((s, e) => s + e.Confidence!, 0)).toBeCloseTo(100, 6);
    expect(emotions.map((e) => e.Confidence)).toEqual(emotions.map((e) => e.Confidence).sort((a, b) => b! - a!));
    expect(detail.AgeRange!.Low!).toBeLessThanOrEqual(detail.AgeRange!.High!);
  });

  it('measures the box in image ratios from the mesh, negative where the face leaves the image', () => {
    const face = copy();
    const box = buildFace(face, width, height, DEFAULT).detail.BoundingBox!;
    for (let i = 0; i < face.mesh.length; i += 3) face.mesh[i] -= 0.5 * width;
    const shifted = buildFace(face, width, height, DEFAULT).detail.BoundingBox!;
    expect(shifted.Left!).toBeCloseTo(box.Left! - 0.5, 9);
    expect(shifted.Left!).toBeLessThan(0);
    expect(shifted.Width!).toBeCloseTo(box.Width!, 9);
  });

  it('closed eyelids turn EyesOpen false; the open original is true', () => {
    expect(buildFace(copy(), width, height, ALL).detail.EyesOpen!.Value).toBe(true);
    const face = copy();
    // upper lid onto the lower lid, both eyes
    for (const [up, down] of [[159, 145], [158, 153], [160, 144], [386, 374], [385, 380], [387, 373]]) movePoint(face, up, down, 0, -1);
    const eyes = buildFace(face, width, height, ALL).detail.EyesOpen!;
    expect(eyes.Value).toBe(false);
    expect(eyes.Confidence!).toBeGreaterThan(90);
  });

  it('parted lips turn MouthOpen true, closed lips false', () => {
    const closed = copy();
    movePoint(closed, 14, 13);
    expect(buildFace(closed, width, height, ALL).detail.MouthOpen!.Value).toBe(false);
    const open = copy();
    const mouthWidth = Math.abs(open.mesh[3 * 291] - open.mesh[3 * 61]);
    movePoint(open, 14, 13, 0, 0.4 * mouthWidth);
    expect(buildFace(open, width, height, ALL).detail.MouthOpen!.Value).toBe(true);
  });

  it('the rules: a dark jaw and upper lip make Beard and Mustache true; dark eye sockets make Sunglasses and FaceOccluded true', () => {
    // rules only: trained heads answer Beard and Mustache by default (face-heads.test.ts)
    const rules = {};
    const bare = buildFace(copy(), width, height, ALL, rules).detail;
    expect([bare.Beard!.Value, bare.Mustache!.Value, bare.Sunglasses!.Value, bare.FaceOccluded!.Value]).toEqual([false, false, false, false]);
    const face = copy();
    const skin = (face.regions.cheekL.mean + face.regions.cheekR.mean) / 2;
    for (const r of ['jawL', 'jawR', 'upperLip']) face.regions[r].mean = 0.4 * skin;
    for (const r of ['socketL', 'socketR']) face.regions[r].p90 = 0.2 * skin;
    const d = buildFace(face, width, height, ALL, rules).detail;
    expect([d.Beard!.Value, d.Mustache!.Value, d.Sunglasses!.Value, d.FaceOccluded!.Value]).toEqual([true, true, true, true]);
    // nobody can tell open eyes behind dark lenses
    expect(d.EyesOpen!.Confidence!).toBeLessThan(bare.EyesOpen!.Confidence!);
  });

  it('a mouth without edges (covered) makes FaceOccluded true, except on a face FaceBoxes found (its mesh does not place the lips)', () => {
    const face = copy();
    face.regions.mouth.laplacian = 0.02 * face.regions.face.laplacian;
    expect(buildFace(face, width, height, ALL).detail.FaceOccluded!.Value).toBe(true);
    expect(buildFace({ ...face, detector: 'faceboxes' }, width, height, ALL).detail.FaceOccluded!.Value).toBe(false);
  });

  it('thin dark lines over the nose bridge and cheeks make Eyeglasses true (the rule, when the head lacks its features)', () => {
    const face = copy();
    delete face.eyeBand;
    delete face.faceres;
    const skin = (face.regions.cheekL.mean + face.regions.cheekR.mean) / 2;
    face.regions.bridge.hLine = 0.3 * skin;
    face.regions.cheekL.hLine = face.regions.cheekR.hLine = 0.15 * skin;
    expect(buildFace(face, width, height, ALL).detail.Eyeglasses!.Value).toBe(true);
  });

  it('rotating the face in the image adds the angle to Roll and leaves the eyes in image order', () => {
    const face = copy();
    const roll = buildFace(face, width, height, DEFAULT).detail.Pose!.Roll!;
    const t = (10 * Math.PI) / 180, cx = width / 2, cy = height / 2;
    for (let i = 0; i < face.mesh.length; i += 3) {
      const x = face.mesh[i] - cx, y = face.mesh[i + 1] - cy;
      face.mesh[i] = cx + x * Math.cos(t) - y * Math.sin(t);
      face.mesh[i + 1] = cy + x * Math.sin(t) + y * Math.cos(t);
    }
    const rotated = buildFace(face, width, height, DEFAULT).detail;
    expect(rotated.Pose!.Roll!).toBeCloseTo(roll + 10, 6);
    const [left, right] = rotated.Landmarks!;
    expect(left.Type).toBe('eyeLeft');
    expect(left.X!).toBeLessThan(right.X!);
  });

  it('one raised eyebrow moves emotion mass to CONFUSED when the net is unsure', () => {
    const face = copy();
    face.emotion = [0.2, 0.05, 0.1, 0.25, 0.15, 0.1, 0.15];
    const confused = (f: RawFace) => buildFace(f, width, height, ALL).detail.Emotions!.find((e) => e.Type === 'CONFUSED')!.Confidence!;
    const level = confused(face);
    const eyeWidth = Math.abs(face.mesh[3 * 133] - face.mesh[3 * 33]);
    for (const i of [70, 63, 105, 66, 107]) face.mesh[3 * i + 1] -= 0.5 * eyeWidth;
    expect(confused(face)).toBeGreaterThan(level + 20);
  });

  it('sharpens the emotion net as Rekognition answers (a clear top emotion), keeping its order', () => {
    const face = copy();
    // angry, disgust, fear, happy, sad, surprise, neutral: the net 60% sure of happy
    face.emotion = [0.05, 0.02, 0.03, 0.6, 0.1, 0.05, 0.15];
    const list = buildFace(face, width, height, ALL).detail.Emotions!;
    expect(list[0].Type).toBe('HAPPY');
    expect(list[0].Confidence!).toBeGreaterThan(85);
    expect(list.slice(0, 3).map((e) => e.Type)).toEqual(['HAPPY', 'CALM', 'SAD']);
    expect(list.reduce((s, e) => s + e.Confidence!, 0)).toBeCloseTo(100, 6);
  });

  it('reports sizeRatio as the box shorter side over the image shorter side', () => {
    const built = buildFace(copy(), width, height, DEFAULT);
    const box = built.detail.BoundingBox!;
    expect(built.quality.sizeRatio).toBeCloseTo(Math.min(box.Width! * width, box.Height! * height) / Math.min(width, height), 9);
    expect(built.quality.confidence).toBe(built.detail.Confidence);
  });
});

describe('ageRange', () => {
  it('spans a quarter of the estimate on each side, outward to whole years', () => {
    expect(ageRange(40)).toEqual({ Low: 30, High: 50 });
    expect(ageRange(33.3)).toEqual({ Low: 24, High: 42 });
  });

  it('is narrow for children and never negative', () => {
    expect(ageRange(5)).toEqual({ Low: 3, High: 7 });
    expect(ageRange(-1)).toEqual({ Low: 0, High: 0 });
  });
});

describe('decide', () => {
  it('is 50% at the threshold and grows with the margin on either side', () => {
    expect(decide(0.5, 0.5, 0.1)).toEqual({ Value: true, Confidence: 50 });
    const a = decide(0.55, 0.5, 0.1), b = decide(0.7, 0.5, 0.1), c = decide(0.2, 0.5, 0.1);
    expect(a.Confidence).toBeLessThan(b.Confidence);
    expect(c).toMatchObject({ Value: false });
    expect(c.Confidence).toBeGreaterThan(95);
    expect(b.Confidence).toBeLessThan(100);
  });
});
