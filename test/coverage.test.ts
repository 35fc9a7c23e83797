/** docs/COVERAGE.md must match what scripts/coverage.ts generates from the model and the served handlers. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { operations } from '../src/api/generated/model';
import { servedOperations } from '../src/emulator';
import { coveragePath, families, renderCoverage } from '../scripts/coverage';

describe('docs/COVERAGE.md', () => {
  it('is up to date (run `npm run coverage:api` after adding or changing a handler)', () => {
    expect(readFileSync(coveragePath, 'utf8')).toBe(renderCoverage());
  });

  it('puts each of the 75 operations in exactly one family', () => {
    const listed = families.flatMap((f) => f.operations);
    expect(listed).toHaveLength(75);
    expect([...listed].sort()).toEqual(Object.keys(operations).sort());
  });

  it('counts what the emulator serves', () => {
    const text = renderCoverage();
    const implemented = servedOperations().size;
    expect(text).toContain(`**${implemented} of 75 operations implemented; ${75 - implemented} not implemented.**`);
    expect(text.match(/^\| `\w+` \| implemented \|/gm)?.length ?? 0).toBe(implemented);
    expect(text.match(/^\| `\w+` \| not implemented /gm)?.length ?? 0).toBe(75 - implemented);
  });
});
