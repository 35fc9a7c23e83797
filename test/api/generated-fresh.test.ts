import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateApi } from '../../scripts/generate-api';

const generatedDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'api', 'generated');

describe('src/api/generated/', () => {
  const expected = generateApi();

  it('holds exactly the files the generator writes', () => {
    expect(readdirSync(generatedDir).sort(), 'src/api/generated/ is stale: run `npm run generate:api`').toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))('%s is what service-2.json and model-patches.json generate', (name) => {
    const committed = readFileSync(join(generatedDir, name), 'utf8');
    // A plain boolean assertion: a diff of a 5000-line file would bury the message.
    expect(committed === expected[name], `src/api/generated/${name} is stale: run \`npm run generate:api\``).toBe(true);
  });
});
