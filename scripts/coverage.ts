/**
 * Writes docs/COVERAGE.md: every operation of the API model, grouped by family, with whether
 * rekognition-local implements it, the file whose handler table lists it, and the handler's notes.
 * `npm run coverage:api` regenerates it; test/coverage.test.ts fails when the committed file is stale.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { apiVersion, operations, type OperationName } from '../src/api/generated/model';
import { createEmulator } from '../src/emulator';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const coveragePath = join(root, 'docs', 'COVERAGE.md');

/** The operations an emulator serves, with their notes. */
export function servedOperations(): Map<OperationName, { notes: string }> {
  const emulator = createEmulator({ logLevel: 'error' });
  const served = emulator.operations();
  void emulator.stop();
  return served;
}

/** Source files under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The file that declares each operation's handler: a provider's table entry (`Operation: {` or `Operation: start(…)`). */
function handlerFiles(): Map<string, string> {
  const files = new Map<string, string>();
  // Each provider's table is in its index.ts: those files first.
  const ordered = sources(join(root, 'src', 'providers')).sort((a, b) => Number(!a.endsWith('index.ts')) - Number(!b.endsWith('index.ts')));
  for (const file of ordered) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s+([A-Z][A-Za-z]+): (?:\{|start\(|get\()/gm)) {
      const op = m[1];
      if (Object.prototype.hasOwnProperty.call(operations, op) && !files.has(op)) files.set(op, relative(root, file));
    }
  }
  return files;
}

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

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ').trim();

/** The document's text; deterministic (no dates), so it can be compared with the committed file. */
export function renderCoverage(): string {
  checkFamilies();
  const total = Object.keys(operations).length;
  const served = servedOperations();
  const files = handlerFiles();
  const implemented = (op: OperationName) => served.has(op);
  const count = (ops: OperationName[]) => ops.filter(implemented).length;
  const done = count(Object.keys(operations) as OperationName[]);

  const lines: string[] = [
    '# API coverage',
    '',
    `<!-- Generated by \`npm run coverage:api\` (scripts/coverage.ts). Do not edit: test/coverage.test.ts fails when this file is stale. -->`,
    '',
    `Every operation of the Amazon Rekognition API model (\`rekognition\` ${apiVersion}, ${total} operations) and`,
    'what rekognition-local does with it. An operation that is not implemented answers HTTP 501 with',
    '`{"__type":"NotImplementedException",…}` naming it — never a made-up success. Each provider lists',
    'its operations in one handler table (`src/providers/<family>/`); the file column names it, and the',
    'notes come from its entries.',
    '',
    `**${done} of ${total} operations implemented; ${total - done} not implemented.**`,
    '',
    '| family | implemented | not implemented |',
    '| --- | ---: | ---: |',
    ...families.map((f) => `| [${f.name}](#${anchor(f.name)}) | ${count(f.operations)} | ${f.operations.length - count(f.operations)} |`),
    `| **total** | **${done}** | **${total - done}** |`,
  ];
  for (const family of families) {
    lines.push('', `## ${family.name}`, '', `${count(family.operations)} of ${family.operations.length} implemented.`, '', '| operation | state | handled in | notes |', '| --- | --- | --- | --- |');
    for (const op of family.operations) {
      const info = served.get(op);
      const state = info ? 'implemented' : 'not implemented (answers `NotImplementedException`)';
      const file = info && files.get(op) ? `\`${files.get(op)}\`` : '';
      lines.push(`| \`${op}\` | ${state} | ${file} | ${cell(info?.notes ?? '')} |`);
    }
  }
  lines.push('', ...GUESSED_MESSAGES);
  return `${lines.join('\n')}\n`;
}

/**
 * ResourceNotFoundException messages no recorded AWS response shows (AWS-BEHAVIOUR §2 and §9):
 * the type is AWS's, the wording the emulator's choice. Kept by hand beside the code that throws them.
 */
const GUESSED_MESSAGES = [
  '## Error messages that are guesses',
  '',
  'Recorded AWS responses show the ResourceNotFoundException message for a missing collection in',
  'SearchFacesByImage, ListFaces and DeleteCollection (`The collection id: <id> does not exist`) and in',
  'DescribeCollection (`Collection:<id> not found!`). The messages below have the exception type AWS',
  'documents, but no AWS response with their wording was found; they may differ on AWS.',
  '',
  '| resource not found | operations | message |',
  '| --- | --- | --- |',
  '| collection | every other operation that names a collection (IndexFaces, SearchFaces, DeleteFaces, the user operations, face search video and stream processors) | `The collection id: <id> does not exist` |',
  '| user | DeleteUser, AssociateFaces, DisassociateFaces, SearchUsers | `The user id: <id> does not exist` |',
  '| stored-video or media analysis job | the Get* of stored video, GetMediaAnalysisJob | `The job id: <id> does not exist` |',
  '| stream processor | the stream processor operations | `The stream processor <name> does not exist.` |',
  '| project, dataset, model version | Custom Labels operations | `The project <arn> does not exist.`, `The dataset <arn> does not exist.`, `The model version <arn> does not exist.` |',
  '| project policy | DeleteProjectPolicy | `The project policy <name> does not exist.` |',
  '| adapter version | DetectModerationLabels with ProjectVersion | `The project version <arn> does not exist.` |',
  '| tagged resource | TagResource, UntagResource, ListTagsForResource | `The resource <arn> does not exist.` |',
  '| celebrity | GetCelebrityInfo | `The celebrity id: <id> does not exist` |',
];

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
