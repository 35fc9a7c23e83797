/**
 * Sunglasses drawn on a photographed face, for training the Sunglasses head (bench/face-heads.ts
 * `collect-drawn`): the labelled set holds too few real sunglasses to fit on. Two lenses sit over
 * the eyes the mesh found, shaped, tinted and framed at random (dark, brown, green, grey, mirrored
 * blue, silver or gold, pink; round, oval, square or aviator; a rim, a bridge and the start of the
 * temples), with a glint of reflected light and, when a reflection is given, a scene mirrored in
 * the lenses (real lenses reflect buildings, sky and trees; smooth drawn lenses alone taught the
 * head that sunglasses are smooth). Pure: returns an SVG of the image's size, to be composited over
 * the photo; test/bench/draw-sunglasses.test.ts checks it darkens the eyes.
 */

type Point = [number, number];

/** A deterministic random source from a 32-bit seed (mulberry32), so a drawing can be made again. */
export { rng as seededRandom } from '../test/faces/synthetic';

/** Lens tints: top and bottom colour of the gradient, and the opacity range (light tints show the eye through). Most lenses are dark, so those come first and are picked more often. */
const TINTS = [
  { top: '#0b0b0c', bottom: '#2a2a2e', opacity: [0.85, 0.97] },
  { top: '#1f140c', bottom: '#5a3b22', opacity: [0.75, 0.95] },
  { top: '#0f1a12', bottom: '#3a4f3c', opacity: [0.75, 0.95] },
  { top: '#1a1a1a', bottom: '#6b6b6b', opacity: [0.7, 0.92] },
  { top: '#14345e', bottom: '#9cc7ef', opacity: [0.8, 0.97] },
  { top: '#5e6469', bottom: '#e3e7ea', opacity: [0.8, 0.97] },
  { top: '#6b4a12', bottom: '#f2d27a', opacity: [0.8, 0.97] },
  { top: '#5a1c2e', bottom: '#d98aa0', opacity: [0.6, 0.85] },
] as const;

const FRAME_COLOURS = ['#050505', '#1b1b1b', '#3b2414', '#6e4b2a', '#b8962e', '#c9c9c9', '#f4f4f4', '#8a1e1e'];

const SHAPES = ['round', 'oval', 'square', 'aviator'] as const;

const at = (mesh: readonly number[], i: number): Point => [mesh[3 * i], mesh[3 * i + 1]];
const mid = (a: Point, b: Point): Point => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);
const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];
const between = (lo: number, hi: number, random: () => number) => lo + (hi - lo) * random();
const f = (v: number) => v.toFixed(1);

/** The outline of one lens, centred on the origin, half width w and half height h, as an SVG path. */
function lensPath(shape: (typeof SHAPES)[number], w: number, h: number, outer: 1 | -1): string {
  if (shape === 'round' || shape === 'oval') return `M ${f(-w)} 0 A ${f(w)} ${f(h)} 0 1 0 ${f(w)} 0 A ${f(w)} ${f(h)} 0 1 0 ${f(-w)} 0 Z`;
  if (shape === 'square') {
    const r = 0.3 * Math.min(w, h);
    return `M ${f(-w + r)} ${f(-h)} H ${f(w - r)} Q ${f(w)} ${f(-h)} ${f(w)} ${f(-h + r)} V ${f(h - r)} Q ${f(w)} ${f(h)} ${f(w - r)} ${f(h)} H ${f(-w + r)} Q ${f(-w)} ${f(h)} ${f(-w)} ${f(h - r)} V ${f(-h + r)} Q ${f(-w)} ${f(-h)} ${f(-w + r)} ${f(-h)} Z`;
  }
  // aviator: flat top, a drop that hangs lower toward the temple (outer = +1: the temple is at +x)
  const o = outer * w, i = -outer * w;
  return `M ${f(i)} ${f(-h * 0.8)} L ${f(o)} ${f(-h)} C ${f(o * 1.1)} ${f(h * 0.6)} ${f(o * 0.4)} ${f(h * 1.25)} ${f(0)} ${f(h)} C ${f(i * 0.8)} ${f(h * 0.8)} ${f(i * 1.05)} ${f(0)} ${f(i)} ${f(-h * 0.8)} Z`;
}

/** A picture to mirror in the lenses: an image as a data URL, and its aspect (width over height). */
export interface Reflection {
  href: string;
  aspect: number;
}

/**
 * An SVG (width x height) drawing sunglasses on the face whose 478-point mesh (x, y, z per point,
 * image pixels) is given. Both lenses follow the eye line's angle; each is sized on its own eye,
 * so a turned face's far lens comes out narrower.
 */
export function sunglassesSvg(mesh: readonly number[], width: number, height: number, random: () => number, reflection?: Reflection): string {
  const eyes = [
    { corners: [at(mesh, 33), at(mesh, 133)] as [Point, Point] },
    { corners: [at(mesh, 362), at(mesh, 263)] as [Point, Point] },
  ].map(({ corners }) => ({ centre: mid(corners[0], corners[1]), width: dist(corners[0], corners[1]) }));
  eyes.sort((a, b) => a.centre[0] - b.centre[0]);
  const [left, right] = eyes;
  const angle = (Math.atan2(right.centre[1] - left.centre[1], right.centre[0] - left.centre[0]) * 180) / Math.PI;
  const shape = pick(SHAPES, random);
  // half the lenses from the first three (dark grey, brown, green), the rest from all
  const tint = random() < 0.5 ? pick(TINTS.slice(0, 3), random) : pick(TINTS, random);
  const opacity = between(tint.opacity[0], tint.opacity[1], random);
  const frame = pick(FRAME_COLOURS, random);
  const aspect = shape === 'round' ? 1 : shape === 'oval' ? between(0.7, 0.85, random) : between(0.72, 0.95, random);
  const size = between(1.8, 2.3, random);
  const rim = between(0.04, 0.14, random);
  const drop = between(0.05, 0.2, random);
  // the scene shows through the tint on some lenses, faintly or strongly
  const mirrored = reflection && random() < 0.6 ? between(0.25, 0.75, random) : 0;
  const eyeSpan = dist(left.centre, right.centre);
  const parts: string[] = [
    `<defs><linearGradient id="tint" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${tint.top}"/><stop offset="1" stop-color="${tint.bottom}"/></linearGradient></defs>`,
  ];
  const scene = (path: string, w: number, h: number, side: number) => {
    if (!reflection || !mirrored) return '';
    // both lenses show one scene, each its own half
    const sceneHeight = 2.2 * h, sceneWidth = sceneHeight * reflection.aspect;
    const x = -sceneWidth / 2 + (side === 0 ? -0.25 : 0.25) * sceneWidth;
    return `<clipPath id="lens${side}"><path d="${path}"/></clipPath><image href="${reflection.href}" x="${f(x)}" y="${f(-sceneHeight / 2)}" width="${f(sceneWidth)}" height="${f(sceneHeight)}" preserveAspectRatio="none" clip-path="url(#lens${side})" opacity="${mirrored.toFixed(2)}"/>`;
  };
  const lenses = eyes.map((eye, side) => {
    const w = (size * eye.width) / 2, h = w * aspect;
    const outer = side === 0 ? -1 : 1;
    const path = lensPath(shape, w, h, outer);
    const stroke = rim * 2 * w;
    const glint = `<ellipse cx="${f(-0.35 * w)}" cy="${f(-0.4 * h)}" rx="${f(0.35 * w)}" ry="${f(0.12 * h)}" transform="rotate(-25)" fill="#ffffff" opacity="${between(0.08, 0.45, random).toFixed(2)}"/>`;
    const temple = `<line x1="${f(outer * w)}" y1="${f(-0.6 * h)}" x2="${f(outer * (w + 0.5 * eye.width))}" y2="${f(-0.55 * h)}" stroke="${frame}" stroke-width="${f(stroke)}"/>`;
    parts.push(
      `<g transform="translate(${f(eye.centre[0])} ${f(eye.centre[1] + drop * eye.width)}) rotate(${angle.toFixed(2)})">` +
        `<path d="${path}" fill="url(#tint)" opacity="${opacity.toFixed(2)}"/>${scene(path, w, h, side)}${glint}` +
        `<path d="${path}" fill="none" stroke="${frame}" stroke-width="${f(stroke)}"/>${temple}</g>`,
    );
    return { w, stroke };
  });
  // the bridge between the lenses' inner edges, a little above the eye line
  const [cx, cy] = mid(left.centre, right.centre);
  const gap = Math.max(0, eyeSpan / 2 - lenses[0].w);
  parts.push(
    `<g transform="translate(${f(cx)} ${f(cy + drop * left.width)}) rotate(${angle.toFixed(2)})"><path d="M ${f(-gap - 2)} ${f(-0.3 * lenses[0].w)} Q 0 ${f(-0.55 * lenses[0].w)} ${f(gap + 2)} ${f(-0.3 * lenses[0].w)}" fill="none" stroke="${frame}" stroke-width="${f(lenses[0].stroke)}"/></g>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}
