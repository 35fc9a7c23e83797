/** Flags and their environment twins that need more than a lookup. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/cli';
import { defaultConfig } from '../../src/emulator';

const parse = (args: string[]) => {
  const config = parseConfig(args);
  if (typeof config === 'string') throw new Error(`unexpected ${config}`);
  return config;
};

describe('--user-update-delay', () => {
  it('defaults to a couple of seconds and takes 0 or fractions from the flag or REKOGNITION_LOCAL_USER_UPDATE_DELAY', () => {
    expect(parse([]).userUpdateDelaySeconds).toBe(defaultConfig.userUpdateDelaySeconds);
    expect(defaultConfig.userUpdateDelaySeconds).toBeGreaterThan(0);
    expect(parse(['--user-update-delay', '0']).userUpdateDelaySeconds).toBe(0);
    expect(parse(['--user-update-delay', '0.25']).userUpdateDelaySeconds).toBe(0.25);
    const saved = process.env.REKOGNITION_LOCAL_USER_UPDATE_DELAY;
    try {
      process.env.REKOGNITION_LOCAL_USER_UPDATE_DELAY = '3';
      expect(parse([]).userUpdateDelaySeconds).toBe(3);
      expect(parse(['--user-update-delay', '1']).userUpdateDelaySeconds).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.REKOGNITION_LOCAL_USER_UPDATE_DELAY;
      else process.env.REKOGNITION_LOCAL_USER_UPDATE_DELAY = saved;
    }
  });

  it('refuses a negative, empty or non-numeric delay', () => {
    for (const bad of ['-1', '', 'soon', 'Infinity']) expect(() => parse([`--user-update-delay=${bad}`])).toThrow(`invalid --user-update-delay ${bad}`);
  });
});
