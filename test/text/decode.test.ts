import { describe, expect, it } from 'vitest';
import { buildCharset, ctcGreedy, normaliseKey, SPACE_HINT } from '../../models/text/decode';

// A tiny dictionary in the keys file's style: class 0 is blank, then these, then space.
const keys = ['a', 'b', '(', '（', '中', 'Ｇ', 'G', '。', 'é'];
const charset = buildCharset(keys);
const cls = (key: string) => keys.indexOf(key) + 1;
const SPACE = keys.length + 1;

/** Softmax rows from (class, probability) pairs; the rest of each row goes to blank. */
function rows(...steps: [number, number][][]): Float32Array {
  const out = new Float32Array(steps.length * charset.classCount);
  steps.forEach((step, t) => {
    let rest = 1;
    for (const [c, p] of step) {
      out[t * charset.classCount + c] = p;
      rest -= p;
    }
    out[t * charset.classCount] += Math.max(0, rest);
  });
  return out;
}

const text = (probs: Float32Array) => ctcGreedy(probs, 0, probs.length / charset.classCount, charset).map((c) => c.text).join('');

describe('character set', () => {
  it('folds full-width and CJK punctuation to Latin', () => {
    expect(normaliseKey('（')).toBe('(');
    expect(normaliseKey('Ｇ')).toBe('G');
    expect(normaliseKey('。')).toBe('.');
  });

  it('groups classes that read the same and leaves out ideographs', () => {
    const texts = charset.groups.map((g) => g.text);
    expect(texts).toContain('é');
    expect(texts).not.toContain('中');
    expect(charset.groups.find((g) => g.text === '(')!.classes).toEqual([cls('('), cls('（')]);
    expect(charset.groups.find((g) => g.text === ' ')!.classes).toEqual([SPACE]);
    expect(charset.classCount).toBe(keys.length + 2);
  });
});

describe('greedy CTC', () => {
  it('collapses repeats and needs a blank between double letters', () => {
    expect(text(rows([[cls('a'), 0.9]], [[cls('a'), 0.9]], [[cls('b'), 0.8]]))).toBe('ab');
    expect(text(rows([[cls('a'), 0.9]], [], [[cls('a'), 0.9]]))).toBe('aa');
  });

  it('sums the classes of one character and ignores excluded ones', () => {
    // "G" wins with 0.3 + 0.3 over the ideograph's 0.4, which is not decodable.
    expect(text(rows([[cls('中'), 0.4], [cls('G'), 0.3], [cls('Ｇ'), 0.3]]))).toBe('G');
    expect(text(rows([[cls('中'), 0.9]]))).toBe('');
  });

  it('keeps the best probability and the timesteps of each character', () => {
    const chars = ctcGreedy(rows([], [[cls('a'), 0.6]], [[cls('a'), 0.95]], [], [[cls('b'), 0.7]]), 0, 5, charset);
    expect(chars).toHaveLength(2);
    expect(chars[0]).toMatchObject({ text: 'a', start: 1, end: 2 });
    expect(chars[0].prob).toBeCloseTo(0.95);
    expect(chars[1]).toMatchObject({ text: 'b', start: 4, end: 4 });
  });

  it('restores a space the model left blank when the gap leans towards space', () => {
    const hinted = rows([[cls('a'), 0.9]], [[SPACE, SPACE_HINT / 2 + 0.01]], [[SPACE, SPACE_HINT / 2 + 0.01]], [[cls('b'), 0.9]]);
    expect(text(hinted)).toBe('a b');
    const letterGap = rows([[cls('a'), 0.9]], [[SPACE, 0.005]], [[SPACE, 0.005]], [[cls('b'), 0.9]]);
    expect(text(letterGap)).toBe('ab');
    expect(text(rows([[cls('a'), 0.9]], [[SPACE, 0.8]], [[cls('b'), 0.9]]))).toBe('a b');
  });
});
