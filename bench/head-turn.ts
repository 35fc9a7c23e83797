/**
 * Synthetic head turns for the similarity and pose benches: the face's mesh (human's 468 points),
 * widened by two rings (one that turns with the head, carrying hair, ears and neck; one that stays
 * put), rotated about a vertical axis (a turn) or a horizontal one (a nod) behind the face and
 * rendered back over the photo with a depth buffer. The turned side shows nothing new (it is the
 * frontal texture stretched) and the far side is hidden, as in a real turn; real profiles show more
 * (ears, the cheek's outline).
 */
import { getHuman } from '../models/runtime/human';

export type Rgb = { data: Uint8Array; width: number; height: number };

/** MediaPipe's face oval, clockwise from the forehead. */
const FACE_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109];
const MESH_POINTS = 468;
/** The mesh's depth is in its own units: faces are drawn this deep, in face widths. */
const FACE_DEPTH = 0.45;
/** The head turns about an axis this far behind the face's mean depth, in face widths. */
const AXIS_DEPTH = 0.6;

type Vec3 = [number, number, number];

/**
 * `rgb` with the head whose mesh is given (x, y, z per point) turned `degrees` about the vertical
 * (positive: to the image's right) or, for `axis` 'horizontal', nodded (positive: chin up).
 */
export async function turnHead(rgb: Rgb, mesh: readonly number[], degrees: number, axis: 'vertical' | 'horizontal' = 'vertical'): Promise<Rgb> {
  const triangles = Array.from((await getHuman()).faceTriangulation as ArrayLike<number>);
  const points: Vec3[] = [];
  for (let i = 0; i < MESH_POINTS; i++) points.push([mesh[3 * i], mesh[3 * i + 1], mesh[3 * i + 2]]);
  const span = (k: 0 | 2) => Math.max(...points.map((p) => p[k])) - Math.min(...points.map((p) => p[k]));
  const width = span(0);
  const depthScale = (FACE_DEPTH * width) / (span(2) || 1);
  for (const p of points) p[2] *= depthScale;
  const mean = (k: number) => points.reduce((s, p) => s + p[k], 0) / points.length;
  const cx = mean(0), cy = mean(1), axisZ = mean(2) + AXIS_DEPTH * width;
  const angle = (degrees * Math.PI) / 180, cos = Math.cos(angle), sin = Math.sin(angle);
  // the coordinate the turn moves with depth: x for a turn, y for a nod
  const k = axis === 'vertical' ? 0 : 1, centre = k === 0 ? cx : cy;
  /** Where a point goes when the head turns, `share` of the way. */
  const turned = (p: Vec3, share = 1): Vec3 => {
    const u = p[k] - centre, z = p[2] - axisZ;
    const moved: Vec3 = [...p];
    moved[k] = centre + share * (u * cos + z * sin) + (1 - share) * u;
    moved[2] = axisZ + share * (-u * sin + z * cos) + (1 - share) * z;
    return moved;
  };
  const vertices = points.map((p) => ({ from: p, to: turned(p) }));
  const ring = (scale: number, share: number, behind: number) =>
    FACE_OVAL.map((i) => {
      const p = points[i];
      const q: Vec3 = [cx + scale * (p[0] - cx), cy + scale * (p[1] - cy), p[2] + behind * width];
      vertices.push({ from: q, to: turned(q, share) });
      return vertices.length - 1;
    });
  const moving = ring(1.35, 1, 0.25), still = ring(1.9, 0, 0.5);
  const strip = (inner: number[], outer: number[]) => {
    for (let k = 0; k < inner.length; k++) {
      const next = (k + 1) % inner.length;
      triangles.push(inner[k], inner[next], outer[k], inner[next], outer[next], outer[k]);
    }
  };
  strip(FACE_OVAL, moving);
  strip(moving, still);

  const { data, width: W, height: H } = rgb;
  const out = new Uint8Array(data);
  const depth = new Float32Array(W * H).fill(Infinity);
  const sample = (x: number, y: number, o: number) => {
    x = Math.min(W - 1, Math.max(0, x));
    y = Math.min(H - 1, Math.max(0, y));
    const x0 = Math.floor(x), y0 = Math.floor(y), x1 = Math.min(W - 1, x0 + 1), y1 = Math.min(H - 1, y0 + 1), wx = x - x0, wy = y - y0;
    for (let c = 0; c < 3; c++) {
      const top = data[(y0 * W + x0) * 3 + c] * (1 - wx) + data[(y0 * W + x1) * 3 + c] * wx;
      const bottom = data[(y1 * W + x0) * 3 + c] * (1 - wx) + data[(y1 * W + x1) * 3 + c] * wx;
      out[o + c] = Math.round(top * (1 - wy) + bottom * wy);
    }
  };
  for (let t = 0; t < triangles.length; t += 3) {
    const [a, b, c] = [vertices[triangles[t]], vertices[triangles[t + 1]], vertices[triangles[t + 2]]];
    const det = (b.to[1] - c.to[1]) * (a.to[0] - c.to[0]) + (c.to[0] - b.to[0]) * (a.to[1] - c.to[1]);
    if (Math.abs(det) < 1e-9) continue;
    const x0 = Math.max(0, Math.floor(Math.min(a.to[0], b.to[0], c.to[0]))), x1 = Math.min(W - 1, Math.ceil(Math.max(a.to[0], b.to[0], c.to[0])));
    const y0 = Math.max(0, Math.floor(Math.min(a.to[1], b.to[1], c.to[1]))), y1 = Math.min(H - 1, Math.ceil(Math.max(a.to[1], b.to[1], c.to[1])));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        // barycentric weights of (x, y) in the turned triangle
        const wa = ((b.to[1] - c.to[1]) * (x - c.to[0]) + (c.to[0] - b.to[0]) * (y - c.to[1])) / det;
        const wb = ((c.to[1] - a.to[1]) * (x - c.to[0]) + (a.to[0] - c.to[0]) * (y - c.to[1])) / det;
        const wc = 1 - wa - wb;
        if (wa < -1e-6 || wb < -1e-6 || wc < -1e-6) continue;
        const z = wa * a.to[2] + wb * b.to[2] + wc * c.to[2];
        const k = y * W + x;
        if (z >= depth[k]) continue;
        depth[k] = z;
        sample(wa * a.from[0] + wb * b.from[0] + wc * c.from[0], wa * a.from[1] + wb * b.from[1] + wc * c.from[1], 3 * k);
      }
    }
  }
  return { data: out, width: W, height: H };
}
