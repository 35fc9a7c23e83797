import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layer boundaries: imports flow downward only,
 *   server -> src/emulator -> src/providers -> domain modules -> (store, media, models client, api) -> src/runtime.
 * Each entry forbids, for the files it names, imports whose path matches one of its patterns.
 */
const upward = (message, ...regexes) => regexes.map((regex) => ({ regex, message }));
const boundaries = [
  {
    files: ['server/**/*.ts'],
    patterns: upward('server/ talks to the emulator (src/emulator.ts) and the API layer (src/api/) only', '^\\.\\./src/(?!emulator$|api/)', '^\\.\\./models/'),
  },
  {
    files: ['console/**/*.ts'],
    patterns: upward('console/ is the web page: it runs in the browser and imports nothing else of the project', '^\\.\\./'),
  },
  {
    files: ['src/runtime/**/*.ts'],
    patterns: upward('src/runtime/ is the kernel: it imports nothing else of the project', '^\\.\\./', '/models/'),
  },
  {
    files: ['models/**/*.ts'],
    patterns: upward('models/ runs in workers and returns evidence: it imports nothing from src/', '(^|/)src/'),
  },
  {
    files: ['src/api/**/*.ts', 'src/store/**/*.ts', 'src/media/**/*.ts', 'src/jobs/**/*.ts'],
    patterns: upward(
      'the lower layers (api, store, media, jobs) must not import domain modules, providers or the emulator',
      '^\\.\\./(providers|analysis|faces|control)(/|$)',
      '^\\.\\./emulator$',
      '(^|/)server/',
    ),
  },
  {
    files: ['src/analysis/**/*.ts', 'src/faces/**/*.ts'],
    patterns: upward('domain modules must not import providers, the emulator or the server', '^\\.\\./providers(/|$)', '^\\.\\./emulator$', '(^|/)server/'),
  },
  {
    files: ['src/console/**/*.ts'],
    patterns: upward('the console views must not import the emulator or the server', '^\\.\\./emulator$', '(^|/)server/'),
  },
  {
    files: ['src/providers/**/*.ts'],
    patterns: upward('providers must not import the emulator or the server', '^(\\.\\./)+emulator$', '(^|/)server/'),
  },
].map(({ files, patterns }) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } }));

export default tseslint.config(
  { ignores: ['node_modules/', 'src/api/generated/', '.cache/', 'data/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...boundaries,
);
