/**
 * Builds the Custom Labels fixture dataset (fixtures/custom-labels/): synthetic photos of three
 * shape classes — `circle`, `square`, `stripes` (a striped square patch) — in random colours, sizes,
 * positions and rotations, on plain, gradient or noisy backgrounds or on blurred crops of real photos
 * from fixtures/images/, plus a `portrait` class made of the real face photos already in fixtures/.
 * Writes the images, three Ground Truth manifests (train, test, holdout; image-classification
 * attributes, source-refs `s3://fixtures/<path under fixtures/>`) and the list the contract suite
 * uploads (contract-tests/custom-labels-fixtures.ts).
 *
 * Deterministic (fixed seed). Run once: `npx tsx scripts/make-custom-labels-fixtures.ts`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const out = join(fixtures, 'custom-labels');
const SEED = 20261107;
const SPLITS = { train: 16, test: 6, holdout: 10 } as const;
type Split = keyof typeof SPLITS;
export const SHAPES = ['circle', 'square', 'stripes'] as const;

/** Backgrounds taken from the scikit-image sample photos (crops, blurred as a shallow depth of field would). */
const PHOTOS = ['images/chelsea.png', 'images/coffee.png', 'images/motorcycle_left.png', 'images/rocket.jpg', 'images/hubble_deep_field.jpg'];

/** The real face photos of fixtures/ (all already uploaded by the contract suite), in a fixed order. */
const PORTRAITS = [
  'faces/johns/John_Salley/000179_02159509.jpg',
  'faces/bbt/leonard/leonard1.png',
  'face-search/alex_lacamoire/1.png',
  'faces/johns/John_Savage/000264_01099001.jpg',
  'faces/bbt/penny/penny1.png',
  'face-search/barack_obama/2.jpg',
  'faces/johns/John_Simm/000288_00470387.jpg',
  'faces/bbt/bernadette/bernadette1.png',
  'face-search/joe_biden/1.jpg',
  'faces/johns/John_Salley/000183_02159543.jpg',
  'faces/bbt/leonard/leonard2.png',
  'face-search/kit_harington/1.jpg',
  'faces/johns/John_Savage/000274_01099061.jpg',
  'faces/bbt/penny/penny2.png',
  'face-search/lin_manuel_miranda/1.png',
  'faces/johns/John_Simm/000297_00470170.jpg',
  'faces/bbt/bernadette/bernadette2.png',
  'face-search/rose_leslie/1.jpg',
  'celebrities/barack_obama/1.jpg',
  'faces/bbt/leonard/leonard3.png',
  // test
  'faces/johns/John_Salley/000186_02159346.jpg',
  'faces/bbt/penny/penny3.png',
  'face-search/alex_lacamoire/3.jpg',
  'faces/johns/John_Savage/000277_01099000.jpg',
  'celebrities/joe_biden/2.jpg',
  'faces/bbt/leonard/leonard4.png',
  // holdout
  'faces/johns/John_Simm/000300_00470148.jpg',
  'faces/bbt/bernadette/bernadette3.png',
  'face-search/barack_obama/4.jpg',
  'face-search/kit_harington/2.jpeg',
  'face-search/rose_leslie/2.jpg',
  'celebrities/barack_obama/3.jpg',
  'celebrities/kit_harington/3.jpeg',
  'faces/bbt/leonard/leonard5.png',
  'faces/fr/alex_lacamoire/2.jpg',
];
const PORTRAIT_SPLITS: Record<Split, [number, number]> = { train: [0, 20], test: [20, 26], holdout: [26, PORTRAITS.length] };

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rgb = [number, number, number];
const css = ([r, g, b]: Rgb) => `rgb(${r},${g},${b})`;
const luminance = ([r, g, b]: Rgb) => 0.299 * r + 0.587 * g + 0.114 * b;

async function background(r: () => number, width: number, height: number): Promise<{ image: Buffer; tone: number }> {
  const colour = (): Rgb => [Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)];
  const kind = r();
  if (kind < 0.35) {
    const c = colour();
    return { image: await sharp({ create: { width, height, channels: 3, background: css(c) } }).png().toBuffer(), tone: luminance(c) };
  }
  if (kind < 0.65) {
    const a = colour();
    const b = colour();
    const angle = Math.floor(r() * 360);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" gradientTransform="rotate(${angle} 0.5 0.5)"><stop offset="0" stop-color="${css(a)}"/><stop offset="1" stop-color="${css(b)}"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`;
    return { image: await sharp(Buffer.from(svg)).png().toBuffer(), tone: (luminance(a) + luminance(b)) / 2 };
  }
  const photo = readFileSync(join(fixtures, PHOTOS[Math.floor(r() * PHOTOS.length)]));
  const meta = await sharp(photo).metadata();
  const scale = 0.35 + r() * 0.5;
  const w = Math.max(32, Math.floor(meta.width! * scale));
  const h = Math.max(32, Math.floor(Math.min(meta.height!, (w * height) / width)));
  const left = Math.floor(r() * (meta.width! - w));
  const top = Math.floor(r() * (meta.height! - h));
  const crop = sharp(photo).extract({ left, top, width: w, height: h }).resize(width, height, { fit: 'fill' }).removeAlpha().blur(1.5 + r() * 2.5);
  const { data } = await crop.clone().resize(1, 1).raw().toBuffer({ resolveWithObject: true });
  return { image: await crop.png().toBuffer(), tone: luminance([data[0], data[1], data[2]]) };
}

/** A colour whose luminance differs from the background's by at least 60 (objects people photograph stand out). */
function contrasting(r: () => number, tone: number): Rgb {
  for (;;) {
    const c: Rgb = [Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)];
    if (Math.abs(luminance(c) - tone) >= 60) return c;
  }
}

async function shapeImage(shape: (typeof SHAPES)[number], r: () => number): Promise<Buffer> {
  const width = 200 + Math.floor(r() * 120);
  const height = 170 + Math.floor(r() * 110);
  const { image, tone } = await background(r, width, height);
  const fill = css(contrasting(r, tone));
  const side = Math.min(width, height) * (0.35 + r() * 0.35);
  const cx = side / 2 + r() * (width - side);
  const cy = side / 2 + r() * (height - side);
  const rotation = Math.floor(r() * 90);
  let body: string;
  if (shape === 'circle') {
    body = `<circle cx="${cx}" cy="${cy}" r="${side / 2}" fill="${fill}"/>`;
  } else if (shape === 'square') {
    body = `<rect x="${cx - side / 2}" y="${cy - side / 2}" width="${side}" height="${side}" fill="${fill}" transform="rotate(${rotation} ${cx} ${cy})"/>`;
  } else {
    const stripe = 5 + r() * 8;
    let bars = '';
    for (let x = -side; x < side * 2; x += stripe * 2) bars += `<rect x="${cx - side / 2 + x}" y="${cy - side}" width="${stripe}" height="${side * 2}" fill="${fill}"/>`;
    body = `<defs><clipPath id="c"><rect x="${cx - side / 2}" y="${cy - side / 2}" width="${side}" height="${side}" transform="rotate(${rotation} ${cx} ${cy})"/></clipPath></defs><g clip-path="url(#c)"><g transform="rotate(${Math.floor(r() * 180)} ${cx} ${cy})">${bars}</g></g>`;
  }
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);
  return sharp(image).composite([{ input: svg }]).jpeg({ quality: 88 }).toBuffer();
}

/** One Ground Truth image-classification line, as a labeling job named `shapes-and-portraits` writes it. */
function line(path: string, label: string, classId: number, date: string): string {
  return JSON.stringify({
    'source-ref': `s3://fixtures/${path}`,
    'shape-class': classId,
    'shape-class-metadata': { confidence: 1, 'class-name': label, 'human-annotated': 'yes', 'creation-date': date, type: 'groundtruth/image-classification', 'job-name': 'labeling-job/shapes-and-portraits' },
  });
}

async function main(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  const r = rng(SEED);
  const manifests: Record<Split, string[]> = { train: [], test: [], holdout: [] };
  const files: string[] = [];
  const labels = [...SHAPES, 'portrait'];
  for (const split of Object.keys(SPLITS) as Split[]) {
    for (const shape of SHAPES) {
      mkdirSync(join(out, split, shape), { recursive: true });
      for (let i = 1; i <= SPLITS[split]; i++) {
        const path = `custom-labels/${split}/${shape}/${String(i).padStart(2, '0')}.jpg`;
        writeFileSync(join(fixtures, path), await shapeImage(shape, r));
        files.push(path);
        manifests[split].push(line(path, shape, labels.indexOf(shape), '2026-11-07T10:00:00.000000'));
      }
    }
    const [from, to] = PORTRAIT_SPLITS[split];
    for (const path of PORTRAITS.slice(from, to)) manifests[split].push(line(path, 'portrait', labels.indexOf('portrait'), '2026-11-07T10:00:00.000000'));
  }
  for (const split of Object.keys(manifests) as Split[]) writeFileSync(join(out, `${split}.manifest`), `${manifests[split].join('\n')}\n`);
  files.push('custom-labels/train.manifest', 'custom-labels/test.manifest', 'custom-labels/holdout.manifest');
  const list = `/**
 * Generated by scripts/make-custom-labels-fixtures.ts: the Custom Labels fixtures (paths under
 * fixtures/) the contract suite places in S3 (spread into FIXTURES in support/target.ts). The
 * portraits the manifests use are already in FIXTURES.
 */
export const CUSTOM_LABELS_FIXTURES = [
${files.map((f) => `  '${f}',`).join('\n')}
] as const;
`;
  writeFileSync(fileURLToPath(new URL('../contract-tests/custom-labels-fixtures.ts', import.meta.url)), list);
  process.stdout.write(`wrote ${files.length} files under ${out}\n`);
}

await main();
