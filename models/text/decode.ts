/**
 * CTC greedy decoding of the PP-OCR recogniser's output, restricted to the scripts Rekognition
 * reads. The model's classes are: 0 = CTC blank, 1..n = the keys file's lines, n+1 = space.
 */

export interface CharGroup {
  /** What these classes read as once normalised (full-width forms folded to ASCII, etc.). */
  text: string;
  classes: number[];
}

export interface Charset {
  classCount: number;
  groups: CharGroup[];
}

/** Punctuation that NFKC leaves as CJK forms; fold it to the Latin equivalent. */
const FOLD: Record<string, string> = { '。': '.', '、': ',', '∶': ':', '﹑': ',', '〔': '(', '〕': ')', '【': '[', '】': ']' };

/**
 * Rekognition's DetectText reads Latin-script text (English and western European languages), so
 * only Latin letters, digits and common punctuation and symbols are decodable. The keys file is
 * mostly Chinese: excluding those classes stops texture or stray marks from reading as ideographs.
 */
function allowed(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const ok =
      (c >= 0x21 && c <= 0x7e) ||
      (c >= 0xa1 && c <= 0x24f && c !== 0xad) ||
      (c >= 0x2010 && c <= 0x2030) ||
      c === 0x20ac;
    if (!ok) return false;
  }
  return text.length > 0;
}

export function normaliseKey(key: string): string {
  const folded = FOLD[key] ?? key.normalize('NFKC');
  return folded.trim() === '' ? '' : folded;
}

/** Builds the decodable character groups from the keys file's entries (one per line). */
export function buildCharset(keys: string[]): Charset {
  const byText = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const text = normaliseKey(key);
    if (!allowed(text)) return;
    const list = byText.get(text) ?? [];
    list.push(i + 1);
    byText.set(text, list);
  });
  byText.set(' ', [keys.length + 1]);
  return { classCount: keys.length + 2, groups: [...byText].map(([text, classes]) => ({ text, classes })) };
}

export interface DecodedChar {
  text: string;
  /** Probability of this character at its most confident timestep, 0-1. */
  prob: number;
  /** First and last timestep (inclusive) of the run that produced it. */
  start: number;
  end: number;
  /** The space class's probability summed over the blank timesteps just before it (evidence of a word gap). */
  spaceBefore?: number;
}

/**
 * The recogniser often leaves a word space blank instead of emitting the space class, but the
 * space class still gets weight there while inside words it stays near 0 (measured on book text
 * and rendered fonts: word gaps sum to 0.1-0.8 over their blank timesteps, letter gaps to <0.01):
 * a blank stretch between two characters whose space probabilities sum above this reads as a space.
 */
export const SPACE_HINT = 0.08;

/**
 * Greedy CTC over `steps` timesteps of softmax output (row-major, `charset.classCount` per step):
 * at each step the best of blank and each character group (its classes' probabilities summed),
 * repeats collapsed, blanks dropped, hinted spaces restored.
 */
export function ctcGreedy(probs: Float32Array, offset: number, steps: number, charset: Charset): DecodedChar[] {
  const { classCount, groups } = charset;
  const spaceGroup = groups.findIndex((g) => g.text === ' ');
  const spaceClass = spaceGroup >= 0 ? groups[spaceGroup].classes[0] : -1;
  const out: DecodedChar[] = [];
  let prev = -1;
  let hint = 0;
  let peak = 0;
  let hintAt = 0;
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classCount;
    let best = -1;
    let bestP = probs[row];
    for (let g = 0; g < groups.length; g++) {
      const classes = groups[g].classes;
      let p = 0;
      for (let k = 0; k < classes.length; k++) p += probs[row + classes[k]];
      if (p > bestP) {
        bestP = p;
        best = g;
      }
    }
    if (best < 0) {
      if (spaceClass >= 0) {
        const p = probs[row + spaceClass];
        if (p > peak) {
          peak = p;
          hintAt = t;
        }
        hint += p;
      }
    } else if (best === prev) {
      const last = out[out.length - 1];
      last.end = t;
      if (bestP > last.prob) last.prob = bestP;
    } else {
      const last = out[out.length - 1];
      if (best !== spaceGroup && last && last.text !== ' ' && hint > SPACE_HINT) {
        out.push({ text: ' ', prob: Math.min(1, hint), start: hintAt, end: hintAt });
      }
      out.push({ text: groups[best].text, prob: Math.min(1, bestP), start: t, end: t, spaceBefore: hint });
    }
    if (best >= 0) hint = peak = 0;
    prev = best;
  }
  return out;
}
