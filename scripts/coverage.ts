/**
 * Writes docs/COVERAGE.md: every operation of the API model, grouped by family, with whether
 * rekognition-local implements it and the notes of its handler. `npm run coverage:api`
 * regenerates it; test/coverage.test.ts fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { apiVersion, operations, type OperationName } from '../src/api/generated/model';
import type { Operation } from '../src/api/handlers';
import { JobRunner } from '../src/jobs/runner';
import '../src/operations/index';
import { handlerFor, registeredOperations } from '../src/operations/registry';
import { createProviders } from '../src/providers';
import { defaultConfig } from '../src/runtime/config';
import { createRuntime } from '../src/runtime/context';
import { createStores } from '../src/store';
import { WorkerPool } from '../models/pool';

export const coveragePath = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'COVERAGE.md');

/** The API families, in the order the document shows them; every model operation is in exactly one. */
export const families: { name: string; operations: OperationName[] }[] = [
  {
    name: 'Image analysis',
    operations: ['DetectFaces', 'CompareFaces', 'DetectLabels', 'DetectModerationLabels', 'DetectText', 'DetectProtectiveEquipment', 'RecognizeCelebrities', 'GetCelebrityInfo'],
  },
  {
    name: 'Collections and faces',
    operations: ['CreateCollection', 'DescribeCollection', 'ListCollections', 'DeleteCollection', 'IndexFaces', 'ListFaces', 'DeleteFaces', 'SearchFaces', 'SearchFacesByImage'],
  },
  { name: 'Users', operations: ['CreateUser', 'DeleteUser', 'ListUsers', 'AssociateFaces', 'DisassociateFaces', 'SearchUsers', 'SearchUsersByImage'] },
  {
    name: 'Stored video',
    operations: [
      'StartLabelDetection',
      'GetLabelDetection',
      'StartFaceDetection',
      'GetFaceDetection',
      'StartFaceSearch',
      'GetFaceSearch',
      'StartCelebrityRecognition',
      'GetCelebrityRecognition',
      'StartContentModeration',
      'GetContentModeration',
      'StartPersonTracking',
      'GetPersonTracking',
      'StartSegmentDetection',
      'GetSegmentDetection',
      'StartTextDetection',
      'GetTextDetection',
    ],
  },
  {
    name: 'Custom Labels',
    operations: [
      'CreateProject',
      'DescribeProjects',
      'DeleteProject',
      'CreateDataset',
      'DescribeDataset',
      'DeleteDataset',
      'ListDatasetEntries',
      'ListDatasetLabels',
      'UpdateDatasetEntries',
      'DistributeDatasetEntries',
      'CreateProjectVersion',
      'DescribeProjectVersions',
      'StartProjectVersion',
      'StopProjectVersion',
      'DeleteProjectVersion',
      'CopyProjectVersion',
      'DetectCustomLabels',
      'PutProjectPolicy',
      'ListProjectPolicies',
      'DeleteProjectPolicy',
    ],
  },
  {
    name: 'Stream processors',
    operations: [
      'CreateStreamProcessor',
      'DescribeStreamProcessor',
      'ListStreamProcessors',
      'StartStreamProcessor',
      'StopStreamProcessor',
      'UpdateStreamProcessor',
      'DeleteStreamProcessor',
    ],
  },
  { name: 'Face Liveness', operations: ['CreateFaceLivenessSession', 'GetFaceLivenessSessionResults'] },
  { name: 'Media analysis (bulk)', operations: ['StartMediaAnalysisJob', 'GetMediaAnalysisJob', 'ListMediaAnalysisJobs'] },
  { name: 'Tagging', operations: ['TagResource', 'UntagResource', 'ListTagsForResource'] },
];

/** Throws unless every model operation is in exactly one family (a new model version must be sorted in). */
function checkFamilies(): void {
  const seen = new Map<string, string>();
  for (const family of families) {
    for (const op of family.operations) {
      if (!Object.prototype.hasOwnProperty.call(operations, op)) throw new Error(`${family.name} lists ${op}, which the model does not define`);
      if (seen.has(op)) throw new Error(`${op} is in both ${seen.get(op)} and ${family.name}`);
      seen.set(op, family.name);
    }
  }
  const missing = Object.keys(operations).filter((op) => !seen.has(op));
  if (missing.length) throw new Error(`operations in no family (add them in scripts/coverage.ts): ${missing.join(', ')}`);
}

/** Every implemented operation with its notes: the providers' handler tables, then the legacy registry. */
export function implementedOperations(): Map<OperationName, string> {
  const runtime = createRuntime(defaultConfig);
  const stores = createStores();
  try {
    // Assembled only to read the tables: nothing starts, and the pool starts no worker until a task runs.
    const providers = createProviders({ runtime, stores, models: new WorkerPool(1), jobs: new JobRunner(runtime.log) });
    const notes = new Map<OperationName, string>();
    for (const provider of providers) {
      for (const [op, entry] of Object.entries(provider.handlers)) notes.set(op as OperationName, (entry as Operation<OperationName>).notes ?? '');
    }
    for (const op of registeredOperations()) if (!notes.has(op)) notes.set(op, handlerFor(op)!.notes);
    return notes;
  } finally {
    stores.close();
  }
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ').trim();

/** The document's text; deterministic (no dates), so it can be compared with the committed file. */
export function renderCoverage(): string {
  checkFamilies();
  const total = Object.keys(operations).length;
  const notes = implementedOperations();
  const implemented = (op: OperationName) => notes.has(op);
  const count = (ops: OperationName[]) => ops.filter(implemented).length;
  const done = count(Object.keys(operations) as OperationName[]);

  const lines: string[] = [
    '# API coverage',
    '',
    `<!-- Generated by \`npm run coverage:api\` (scripts/coverage.ts). Do not edit: test/coverage.test.ts fails when this file is stale. -->`,
    '',
    `Every operation of the Amazon Rekognition API model (\`rekognition\` ${apiVersion}, ${total} operations) and`,
    'what rekognition-local does with it. An operation that is not implemented answers HTTP 501 with',
    '`{"__type":"NotImplementedException",…}` naming it — never a made-up success. Notes come from the',
    'handlers (`registerHandler(operation, handler, notes)` in `src/operations/`).',
    '',
    `**${done} of ${total} operations implemented; ${total - done} not implemented.**`,
    '',
    '| family | implemented | not implemented |',
    '| --- | ---: | ---: |',
    ...families.map((f) => `| [${f.name}](#${anchor(f.name)}) | ${count(f.operations)} | ${f.operations.length - count(f.operations)} |`),
    `| **total** | **${done}** | **${total - done}** |`,
  ];
  for (const family of families) {
    lines.push('', `## ${family.name}`, '', `${count(family.operations)} of ${family.operations.length} implemented.`, '', '| operation | state | notes |', '| --- | --- | --- |');
    for (const op of family.operations) {
      const state = implemented(op) ? 'implemented' : 'not implemented (answers `NotImplementedException`)';
      lines.push(`| \`${op}\` | ${state} | ${cell(notes.get(op) ?? '')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** GitHub's heading anchor: lower case, spaces to dashes, punctuation dropped. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  writeFileSync(coveragePath, renderCoverage());
  process.stdout.write(`wrote ${coveragePath}\n`);
}
