/**
 * Renders the synthetic text fixtures (fixtures/images/text-*.png, scene-sign.jpg) with sharp from
 * SVG, in the DejaVu fonts Debian ships, and writes each one's ground truth beside it as JSON.
 * Run once: `npx tsx scripts/make-text-fixtures.ts [photo]`; the photo behind the signs defaults to
 * fixtures/images/motorcycle_left.png (scikit-image sample data).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const out = fileURLToPath(new URL('../fixtures/images/', import.meta.url));
const photo = process.argv[2] ?? join(out, 'motorcycle_left.png');

interface Line {
  text: string;
  x: number;
  y: number;
  size: number;
  family?: string;
  weight?: string;
  style?: string;
  fill?: string;
  /** Degrees, clockwise, about (x, y). */
  rotate?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function textSvg(l: Line): string {
  const transform = l.rotate ? ` transform="rotate(${l.rotate} ${l.x} ${l.y})"` : '';
  return `<text x="${l.x}" y="${l.y}" font-family="${l.family ?? 'DejaVu Sans'}" font-size="${l.size}" font-weight="${l.weight ?? 'normal'}" font-style="${l.style ?? 'normal'}" fill="${l.fill ?? '#111'}"${transform}>${esc(l.text)}</text>`;
}

async function render(name: string, width: number, height: number, background: string, lines: Line[], description: string): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${background}${lines.map(textSvg).join('')}</svg>`;
  await sharp(Buffer.from(svg)).png().toFile(join(out, `${name}.png`));
  writeGroundTruth(name, `${name}.png`, description, lines.map((l) => l.text));
}

function writeGroundTruth(name: string, file: string, description: string, lines: string[]): void {
  const truth = { file, description, source: 'synthetic, rendered by scripts/make-text-fixtures.ts', lines };
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(truth, null, 2)}\n`);
}

await render(
  'text-fonts',
  900,
  620,
  '<rect width="100%" height="100%" fill="#ffffff"/>',
  [
    { text: 'Quarterly Sales Report', x: 40, y: 70, size: 44 },
    { text: 'The quick brown fox jumps over the lazy dog', x: 40, y: 140, size: 30, family: 'DejaVu Serif' },
    { text: 'Invoice 2024-0193 total 418.50 EUR', x: 40, y: 200, size: 24, family: 'DejaVu Sans Mono' },
    { text: 'OPEN DAILY 9AM TO 5PM', x: 40, y: 265, size: 34, weight: 'bold' },
    { text: 'Please keep this door closed at all times', x: 40, y: 320, size: 22, family: 'DejaVu Sans Condensed' },
    { text: 'Welcome to the annual meeting', x: 40, y: 380, size: 28, family: 'DejaVu Serif', style: 'italic' },
    { text: 'Light strokes remain readable here', x: 40, y: 440, size: 32, family: 'DejaVu Sans', weight: '200' },
    { text: 'Small print: terms and conditions apply to every order', x: 40, y: 490, size: 15 },
    { text: 'Bold serif headline for the weekend edition', x: 40, y: 560, size: 26, family: 'DejaVu Serif', weight: 'bold' },
  ],
  'white page, nine lines in DejaVu Sans, Serif, Sans Mono, Condensed, bold, italic and light, 15-44 px',
);

await render(
  'text-rotated',
  900,
  700,
  '<rect width="100%" height="100%" fill="#f1efe8"/>',
  [
    { text: 'Rotated text is still text', x: 80, y: 120, size: 40, rotate: 15 },
    { text: 'Turning the other way', x: 120, y: 560, size: 38, rotate: -28, family: 'DejaVu Serif' },
    { text: 'Almost vertical words', x: 780, y: 90, size: 36, rotate: 80, weight: 'bold' },
  ],
  'off-white, three lines rotated by 15, -28 and 80 degrees',
);

await render(
  'text-colour',
  960,
  540,
  `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1d3a8a"/><stop offset="1" stop-color="#8a1d6e"/></linearGradient></defs>
   <rect width="100%" height="100%" fill="url(#g)"/><rect x="60" y="330" width="840" height="120" rx="14" fill="#e8b21c"/>`,
  [
    { text: 'Summer Music Festival', x: 90, y: 120, size: 64, weight: 'bold', fill: '#ffffff' },
    { text: 'Live bands every Friday night', x: 90, y: 200, size: 38, fill: '#ffe066' },
    { text: 'Tickets from 25 dollars', x: 90, y: 270, size: 36, family: 'DejaVu Serif', fill: '#d6f5ff' },
    { text: 'BOOK NOW AT THE BOX OFFICE', x: 100, y: 408, size: 44, weight: 'bold', fill: '#3a1200' },
  ],
  'blue-to-purple gradient and a yellow banner; white, yellow, pale blue and dark brown text',
);

// A real photo with street signs composited on it: the "scene with a sign" of the benchmark.
{
  const { data: base, info } = await sharp(photo).resize(1200).png().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const signs = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <g transform="rotate(-6 300 120)">
      <rect x="120" y="70" width="420" height="110" rx="12" fill="#0b6b3a" stroke="#ffffff" stroke-width="6"/>
      <text x="150" y="148" font-family="DejaVu Sans" font-weight="bold" font-size="60" fill="#ffffff">Maple Ave</text>
    </g>
    <g transform="translate(850 60) skewY(4)">
      <rect x="0" y="0" width="250" height="200" rx="8" fill="#fbfbf7" stroke="#222" stroke-width="5"/>
      <text x="35" y="70" font-family="DejaVu Sans" font-weight="bold" font-size="50" fill="#c1121f">NO</text>
      <text x="20" y="125" font-family="DejaVu Sans" font-weight="bold" font-size="40" fill="#c1121f">PARKING</text>
      <text x="30" y="178" font-family="DejaVu Sans Condensed" font-weight="bold" font-size="36" fill="#111">ANY TIME</text>
    </g>
    <g transform="rotate(4 640 300)">
      <rect x="470" y="250" width="360" height="80" fill="#1b1b1b"/>
      <text x="490" y="305" font-family="DejaVu Serif" font-size="40" fill="#f5d76e">Fresh Coffee</text>
    </g>
  </svg>`;
  await sharp(base)
    .composite([{ input: Buffer.from(signs) }])
    .jpeg({ quality: 85 })
    .toFile(join(out, 'scene-sign.jpg'));
  writeGroundTruth(
    'scene-sign',
    'scene-sign.jpg',
    'photo of a motorcycle in a garage (scikit-image motorcycle_left.png, enlarged to 1200 px) with three signs composited on it; the photo\'s own tiny "YAMAHA" badges are not counted',
    ['Maple Ave', 'NO', 'PARKING', 'ANY TIME', 'Fresh Coffee'],
  );
}
