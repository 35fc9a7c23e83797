/** The layer rule in eslint.config.js: an upward import fails lint, a downward one passes. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restricted(filePath: string, source: string): Promise<boolean> {
  const [result] = await eslint.lintText(source, { filePath });
  return result.messages.some((m) => m.ruleId === 'no-restricted-imports');
}

describe('layer boundaries', () => {
  it.each([
    ['server/x.ts', "import { errors } from '../src/providers/tags';"],
    ['server/x.ts', "import { ModelsClient } from '../models/client';"],
    ['src/runtime/x.ts', "import { createEmulator } from '../emulator';"],
    ['models/x.ts', "import { buildLabels } from '../src/analysis/labels';"],
    ['src/store/x.ts', "import { analyseLabels } from '../analysis/detect-labels';"],
    ['src/analysis/x.ts', "import { createTagsProvider } from '../providers/tags';"],
    ['src/providers/tags/x.ts', "import { createEmulator } from '../../emulator';"],
  ])('refuses %s importing upward: %s', async (file, source) => {
    expect(await restricted(file, `${source}\nexport {};\n`)).toBe(true);
  });

  it.each([
    ['server/x.ts', "import { createEmulator } from '../src/emulator';"],
    ['server/x.ts', "import { errors } from '../src/api/errors';"],
    ['src/providers/tags/x.ts', "import { parseArn } from '../../runtime/scope';"],
    ['src/analysis/x.ts', "import type { ModelsClient } from '../../models/client';"],
  ])('lets %s import downward: %s', async (file, source) => {
    expect(await restricted(file, `${source}\nexport {};\n`)).toBe(false);
  });
});
