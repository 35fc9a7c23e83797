/**
 * Measures DetectProtectiveEquipment's evidence rules on real photos of people and on the same
 * photos with a synthetic face mask or hard hat drawn over the face geometry the face model finds.
 * Usage: tsx scripts/measure-ppe.ts [--endpoint http://127.0.0.1:4599] IMAGE... (e.g. the shared face
 * photos); without --endpoint the task runs in this process. Prints one line per
 * image and variant, then the counts that docs/IMAGE-ANALYSIS.md quotes.
 */
import sharp from 'sharp';
import { detectFaces, visionTasks } from '../models/tasks/vision';
import type { ProtectiveEquipmentPerson } from '../src/api/generated/types';
import { FACE_CURVE } from '../src/analysis/calibration';
import { PPE_CURVES, toPpePersons } from '../src/analysis/ppe';

const ctx = { reportModelState: () => {} };
type Rgb = { data: Uint8Array; width: number; height: number };

async function load(file: string): Promise<Rgb> {
  const { data, info } = await sharp(file).rotate().resize(1024, 1024, { fit: 'inside', withoutEnlargement: true }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Draws a mask (nose bridge to chin) or a hard hat (dome above the brows) from the face's eye line. */
export async function overlay(rgb: Rgb, kind: 'mask' | 'hat', colour: string): Promise<Rgb | undefined> {
  const face = (await detectFaces(rgb, FACE_CURVE))[0];
  if (!face?.eyes) return undefined;
  const [a, b] = face.eyes.map((p) => ({ x: p.x * rgb.width, y: p.y * rgb.height }));
  const d = Math.hypot(a.x - b.x, a.y - b.y);
  const m = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  const chinY = face.chin ? face.chin.y * rgb.height : m.y + 1.7 * d;
  const shape =
    kind === 'mask'
      ? `<rect x="${m.x - 1.05 * d}" y="${m.y + 0.3 * d}" width="${2.1 * d}" height="${chinY - m.y - 0.2 * d}" rx="${0.35 * d}" fill="${colour}"/>`
      : `<path d="M ${m.x - 1.4 * d} ${m.y - 0.75 * d} A ${1.4 * d} ${1.2 * d} 0 0 1 ${m.x + 1.4 * d} ${m.y - 0.75 * d} Z" fill="${colour}"/><rect x="${m.x - 1.6 * d}" y="${m.y - 0.8 * d}" width="${3.2 * d}" height="${0.15 * d}" fill="${colour}"/>`;
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${rgb.width}" height="${rgb.height}">${shape}</svg>`);
  const data = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } }).composite([{ input: svg }]).removeAlpha().raw().toBuffer();
  return { data, width: rgb.width, height: rgb.height };
}

/** With --endpoint URL, through a running server's DetectProtectiveEquipment (the faces module's landmarks). */
const endpoint = (() => {
  const i = process.argv.indexOf('--endpoint');
  return i > 0 ? process.argv.splice(i, 2)[1] : undefined;
})();

export async function ppe(rgb: Rgb): Promise<ProtectiveEquipmentPerson[]> {
  if (endpoint) {
    const png = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } }).png().toBuffer();
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'RekognitionService.DetectProtectiveEquipment' },
      body: JSON.stringify({ Image: { Bytes: png.toString('base64') } }),
    });
    return ((await res.json()) as { Persons: ProtectiveEquipmentPerson[] }).Persons;
  }
  const pixels = rgb.data.buffer.slice(rgb.data.byteOffset, rgb.data.byteOffset + rgb.data.byteLength) as ArrayBuffer;
  return toPpePersons(await visionTasks['vision.ppe']({ pixels, width: rgb.width, height: rgb.height, curves: PPE_CURVES }, ctx));
}

const worn = (persons: ProtectiveEquipmentPerson[], type: string) => persons.some((p) => p.BodyParts?.some((b) => b.EquipmentDetections?.some((e) => e.Type === type && (e.Confidence ?? 0) >= 50)));

async function main(): Promise<void> {
  const counts: Record<string, [number, number]> = {};
  const tally = (key: string, ok: boolean) => {
    counts[key] ??= [0, 0];
    counts[key][0] += ok ? 1 : 0;
    counts[key][1]++;
  };
  const maskColours = ['#a8c8e8', '#f2f2f2', '#2a2a2a'];
  const hatColours = ['#f5c518', '#fafafa', '#ff7f00'];
  for (const [i, file] of process.argv.slice(2).entries()) {
    const rgb = await load(file);
    const plain = await ppe(rgb);
    const face = plain.some((p) => p.BodyParts?.some((b) => b.Name === 'FACE'));
    tally('face found (plain)', face);
    tally('no FACE_COVER (plain)', !worn(plain, 'FACE_COVER'));
    tally('no HEAD_COVER (plain)', !worn(plain, 'HEAD_COVER'));
    const line = [`${file.split('/').slice(-2).join('/')}: plain face=${face} face_cover=${worn(plain, 'FACE_COVER')} head_cover=${worn(plain, 'HEAD_COVER')} hand_cover=${worn(plain, 'HAND_COVER')}`];
    const masked = await overlay(rgb, 'mask', maskColours[i % 3]);
    if (masked) {
      const r = await ppe(masked);
      tally('FACE_COVER found (synthetic mask)', worn(r, 'FACE_COVER'));
      line.push(`mask(${maskColours[i % 3]})=${worn(r, 'FACE_COVER')}`);
    }
    const hatted = await overlay(rgb, 'hat', hatColours[i % 3]);
    if (hatted) {
      const r = await ppe(hatted);
      tally('HEAD_COVER found (synthetic hard hat)', worn(r, 'HEAD_COVER'));
      line.push(`hat(${hatColours[i % 3]})=${worn(r, 'HEAD_COVER')}`);
    }
    console.log(line.join(' '));
  }
  for (const [key, [ok, n]] of Object.entries(counts)) console.log(`${key}: ${ok}/${n}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
