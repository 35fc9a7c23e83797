/**
 * The web console under /_rekognition/console: one HTML page (its script, bundled from console/ by
 * esbuild, inlined; nothing is loaded from elsewhere) and the read-only JSON routes it uses. The
 * page's API calls go through POST api/call, which hands the request to emulator.dispatch exactly
 * as POST / does (load shedding, body limit, faults, validation); pins, faults and reset use the
 * control plane's own routes. Every route needs the control token when the control plane does.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { errors, RekognitionError } from '../src/api/errors';
import type { Emulator } from '../src/emulator';
import { requireControlToken } from './control-plane';
import { admission, operationName, send } from './protocol';
import { version } from './version';

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** The page's script: bundled from console/main.ts when esbuild is there (a clone), else the copy `npm run build` wrote to dist/. */
async function bundlePage(): Promise<string> {
  const entry = fileURLToPath(new URL('../console/main.ts', import.meta.url));
  try {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true, write: false, logLevel: 'silent' });
    return result.outputFiles[0].text;
  } catch (err) {
    try {
      return await readFile(fileURLToPath(new URL('../dist/console.js', import.meta.url)), 'utf8');
    } catch {
      throw new Error(`the console page could not be built (${(err as Error).message}) and no prebuilt dist/console.js was found: run npm ci, or npm run build`);
    }
  }
}

function page(script: string): string {
  // '</script' cannot appear in an inline script; esbuild output escapes it in strings, this makes sure.
  const safe = script.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>rekognition-local console</title></head>
<body><div id="app">Loading the console…</div><script>${safe}</script></body></html>`;
}

/** The account and region a console route acts in: ?account= and ?region=, else the emulator's defaults. */
function scopeOf(req: Request, emulator: Emulator): { account: string; region: string } | string {
  const { defaultAccount, defaultRegion } = emulator.runtime.config;
  const account = typeof req.query.account === 'string' && req.query.account !== '' ? req.query.account : defaultAccount;
  const region = typeof req.query.region === 'string' && req.query.region !== '' ? req.query.region : defaultRegion;
  if (!ACCOUNT.test(account)) return `'account' must be 12 digits`;
  if (!REGION.test(region)) return `'region' must be a region name such as us-east-1`;
  return { account, region };
}

export function consoleRoutes(emulator: Emulator): Router {
  const { state, requests } = emulator.console;
  const { config } = emulator.runtime;
  const router = express.Router();
  router.use(requireControlToken(config, { acceptQuery: true }));
  // The page and its answers stay on this origin: nothing may load from or talk to anywhere else.
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });

  // Bundled once, on first request, and kept by this router (one per app, so per emulator).
  let html: Promise<{ text: string; scriptHash: string }> | undefined;
  const pageHtml = () =>
    (html ??= bundlePage().then((script) => ({ text: page(script), scriptHash: createHash('sha256').update(script.replace(/<\/script/gi, '<\\/script')).digest('base64') })));

  router.get('/', (req, res, next) => {
    // The page's own links are relative to /_rekognition/console/.
    if (!req.originalUrl.split('?')[0].endsWith('/')) {
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      return res.redirect(302, `${req.baseUrl}/${query}`);
    }
    pageHtml().then(({ text, scriptHash }) => {
      res.set(
        'Content-Security-Policy',
        `default-src 'none'; script-src 'sha256-${scriptHash}'; style-src 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      );
      res.type('html').send(text);
    }, next);
  });

  const api = express.Router();
  router.use('/api', api);
  const scoped = (handler: (scope: { account: string; region: string }, req: Request, res: Response) => unknown) => (req: Request, res: Response, next: NextFunction) => {
    const scope = scopeOf(req, emulator);
    if (typeof scope === 'string') return void res.status(400).json({ error: scope });
    Promise.resolve()
      .then(() => handler(scope, req, res))
      .catch(next);
  };
  const found = (res: Response, value: unknown, what: string) => (value === undefined ? res.status(404).json({ error: `no such ${what}` }) : res.json(value));

  api.get('/info', (_req, res) => {
    res.json({
      version,
      defaultAccount: config.defaultAccount,
      defaultRegion: config.defaultRegion,
      strictAuth: config.strictAuth,
      operations: [...emulator.operations().keys()],
    });
  });
  api.get('/scopes', (_req, res) => res.json({ scopes: state.scopes() }));
  api.get('/requests', (_req, res) => res.json({ requests: requests.list() }));
  api.get('/requests/:seq', (req, res) => found(res, requests.get(Number(req.params.seq)), 'request in the log'));

  api.get('/state/collections', scoped((scope, _req, res) => res.json({ collections: state.collections(scope) })));
  api.get('/state/collections/:id', scoped((scope, req, res) => found(res, state.collection(scope, req.params.id), 'collection')));
  api.get(
    '/state/collections/:id/faces/:faceId/thumbnail',
    scoped((scope, req, res) => {
      const jpeg = state.thumbnail(scope, req.params.id, req.params.faceId);
      if (!jpeg) return res.status(404).json({ error: 'no thumbnail for this face' });
      res.type('image/jpeg').send(jpeg);
    }),
  );
  api.get('/state/video-jobs', scoped((scope, _req, res) => res.json({ jobs: state.videoJobs(scope) })));
  api.get('/state/video-jobs/:id', scoped((scope, req, res) => found(res, state.videoJob(scope, req.params.id), 'video job')));
  api.get(
    '/state/video-jobs/:id/frame',
    scoped(async (scope, req, res) => {
      const ms = Number(req.query.ms ?? 0);
      if (!Number.isFinite(ms) || ms < 0) return res.status(400).json({ error: `'ms' must be a time in milliseconds` });
      const jpeg = await state.videoFrame(scope, req.params.id, ms);
      if (!jpeg) return res.status(404).json({ error: 'no such video job' });
      res.type('image/jpeg').send(jpeg);
    }),
  );
  api.get('/state/media-analysis-jobs', scoped(async (scope, _req, res) => res.json({ jobs: await state.mediaAnalysisJobs(scope) })));
  api.get('/state/custom-labels', scoped(async (scope, _req, res) => res.json({ projects: await state.customLabels(scope) })));
  api.get('/state/stream-processors', scoped(async (scope, _req, res) => res.json({ processors: await state.streamProcessors(scope) })));

  // The page's API calls: the Rekognition protocol's body and X-Amz-Target, in the chosen account
  // and region, through the same admission, body limit and dispatch as POST /.
  api.post(
    '/call',
    admission(emulator),
    express.raw({ type: () => true, limit: config.maxBodyBytes }),
    scoped(async (scope, req, res) => {
      send(res, await emulator.dispatch(operationName(req.get('x-amz-target')), Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), scope));
    }),
  );

  api.use((_req, res) => res.status(404).json({ error: 'unknown console path' }));
  // Failures of the console's own routes: JSON, never HTML.
  router.use((err: { status?: number; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.status === 413) return send(res, emulator.errorResponse(errors.requestTooLarge(config.maxBodyBytes)));
    if (err instanceof RekognitionError) return res.status(err.status).json({ error: err.message, type: err.type });
    res.status(err.status ?? 500).json({ error: String(err.message ?? err) });
  });
  return router;
}
