/**
 * The /_rekognition/ control plane: health, reset, id seeding and result pinning. Emulator-only;
 * real Rekognition has none of it.
 */
import express, { type Router } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { operations } from '../src/api/generated/model';
import { ControlError, type Config, type Emulator, type FaultSpec, type LivenessMedia, type PinSelector } from '../src/emulator';
import { version } from './version';

/** The longest a readiness request waits for the models. */
const MAX_READY_WAIT_S = 300;

function badRequest(res: express.Response, message: string): void {
  res.status(400).json({ error: message });
}

/** A refused request answers its own status; anything else was logged by the emulator and is a 500. */
function failure(res: express.Response, what: string, err: unknown): void {
  if (err instanceof ControlError) return void res.status(err.status).json({ error: err.message });
  res.status(500).json({ error: `${what}: ${err instanceof Error ? err.message : String(err)}` });
}

function selectorFrom(body: Record<string, unknown>): PinSelector | string {
  const operation = body.operation;
  if (typeof operation !== 'string' || !Object.prototype.hasOwnProperty.call(operations, operation)) {
    return `'operation' must name one of the ${Object.keys(operations).length} Rekognition operations`;
  }
  if (typeof body.sha256 === 'string') {
    if (!/^[0-9a-fA-F]{64}$/.test(body.sha256)) return `'sha256' must be 64 hex characters`;
    return { operation, sha256: body.sha256 };
  }
  if (typeof body.bucket === 'string' && typeof body.key === 'string') return { operation, bucket: body.bucket, key: body.key };
  return `give either 'sha256' (of the image bytes) or 'bucket' and 'key' (of the S3 object)`;
}

/**
 * The control token check: open when no token is set (closed under --strict-auth), else the token
 * as a Bearer header. `acceptQuery` also takes it as `?token=` (the console's page, which a browser
 * opens by its address and so cannot send a header).
 */
export function requireControlToken({ controlToken, strictAuth }: Config, { acceptQuery = false } = {}): express.RequestHandler {
  const expected = controlToken === undefined ? undefined : createHash('sha256').update(controlToken).digest();
  return (req, res, next) => {
    if (expected === undefined) {
      if (!strictAuth) return next();
      return void res.status(403).json({ error: 'the control plane is closed under --strict-auth: start the emulator with --control-token to open it' });
    }
    const inQuery = acceptQuery && typeof req.query.token === 'string' ? req.query.token : undefined;
    const given = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? inQuery;
    // Hashes of equal length, so the comparison takes the same time whatever was sent.
    if (given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), expected)) return next();
    const hint = acceptQuery ? ' (or open the page as /_rekognition/console/?token=<token>)' : '';
    res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: `send the control token as 'Authorization: Bearer <token>'${hint}` });
  };
}

export function controlPlane(emulator: Emulator): Router {
  const { control } = emulator;
  const { maxBodyBytes } = emulator.runtime.config;
  const router = express.Router();
  router.use(express.json({ limit: maxBodyBytes }));

  router.get('/health', (_req, res) => {
    res.json(control.health(version));
  });

  // 200 once every model is loaded; else waits up to ?wait=SECONDS (at most 300) and answers 503.
  router.get('/ready', (req, res) => {
    const wait = Math.min(MAX_READY_WAIT_S, Math.max(0, Number(req.query.wait ?? 0) || 0));
    void control.ready(wait * 1000).then((report) => res.status(report.ready ? 200 : 503).json(report));
  });

  // Everything below health and ready needs the control token when one is set, and is closed under
  // --strict-auth without one: reset, pins and seeding would otherwise be open to any caller.
  router.use(requireControlToken(emulator.runtime.config));

  router.post('/reset', (_req, res) => {
    res.json(control.reset());
  });

  router.post('/seed', (req, res) => {
    const seed = req.body?.seed;
    if (seed !== null && typeof seed !== 'string' && typeof seed !== 'number') return badRequest(res, `'seed' must be a string, a number or null`);
    res.json(control.seed(seed === null ? undefined : String(seed)));
  });

  router.get('/pins', (_req, res) => res.json({ pins: control.pins.list() }));

  router.put('/pins', (req, res) => {
    const selector = selectorFrom(req.body ?? {});
    if (typeof selector === 'string') return badRequest(res, selector);
    const response = req.body.response;
    if (!response || typeof response !== 'object' || Array.isArray(response)) return badRequest(res, `'response' must be the operation's output as a JSON object`);
    const problem = control.pins.set({ ...selector, response });
    if (problem) return badRequest(res, problem);
    res.json({ pinned: selector });
  });

  router.delete('/pins', (req, res) => {
    if (!req.body || Object.keys(req.body).length === 0) return res.json({ deleted: control.pins.delete() });
    const selector = selectorFrom(req.body);
    if (typeof selector === 'string') return badRequest(res, selector);
    res.json({ deleted: control.pins.delete(selector) });
  });

  // ---- Fault injection: chosen operations fail with a chosen AWS error or answer late (src/control/faults.ts).
  router.get('/faults', (_req, res) => res.json({ faults: control.faults.list() }));

  router.post('/faults', (req, res) => {
    const body: unknown = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return badRequest(res, 'send the fault as a JSON object');
    const fault = control.faults.add(body as FaultSpec);
    if (typeof fault === 'string') return badRequest(res, fault);
    res.json({ fault });
  });

  router.delete('/faults', (req, res) => {
    const id = req.query.id === undefined ? undefined : Number(req.query.id);
    if (id !== undefined && !Number.isInteger(id)) return badRequest(res, `'id' must be a fault's id`);
    res.json({ cleared: control.faults.clear(id) });
  });

  // ---- Face Liveness: the selfie video or frames that AWS receives over its streaming API --------
  // (StartFaceLivenessSession, not in this API model). Analysis and session rules live in
  // src/providers/liveness/; documented in docs/LIVENESS.md and the README's control-plane table.
  router.post(
    '/liveness/:sessionId',
    express.raw({ type: ['video/*', 'image/*', 'application/octet-stream'], limit: maxBodyBytes }),
    (req, res) => {
      const media = livenessMediaFrom(req);
      if (typeof media === 'string') return badRequest(res, media);
      control.submitLivenessMedia(req.params.sessionId, media).then(
        (report) => res.json(report),
        (err: unknown) => failure(res, 'the liveness analysis failed', err),
      );
    },
  );

  // ---- Stream processors: video fed "as if it arrived on the Kinesis video stream", and what came out.
  // Kinesis Video Streams has no offline implementation; the processing lives in src/providers/stream-processors/
  // (feed.ts documents both routes); the README's control-plane table lists them.
  const streamFailure = (res: express.Response, err: unknown) => failure(res, 'the stream processor could not analyse the video', err);
  router.post('/stream-processors/:name/video', (req, res) => {
    control.feedStreamProcessor(req.params.name, req.body).then((report) => res.json(report), (err: unknown) => streamFailure(res, err));
  });
  router.get('/stream-processors/:name/results', (req, res) => {
    try {
      res.json(control.streamProcessorResults(req.params.name, req.query));
    } catch (err) {
      streamFailure(res, err);
    }
  });

  router.use((_req, res) => res.status(404).json({ error: 'unknown control-plane path' }));
  return router;
}

// ---- Face Liveness upload parsing (used by the /liveness route above) -------------------------

/**
 * Liveness media from a control-plane request: JSON `{"frames": [base64 JPEG/PNG, ...]}` or
 * `{"video": base64 MP4}`, or the raw bytes with Content-Type video/mp4 (a video) or image/jpeg,
 * image/png (one frame). A string is what is wrong with the request.
 */
function livenessMediaFrom(req: express.Request): LivenessMedia | string {
  if (Buffer.isBuffer(req.body)) {
    if (req.body.length === 0) return 'the request body is empty';
    return req.is('image/*') ? { frames: [req.body] } : { video: req.body };
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const base64 = (value: unknown): Buffer | undefined => (typeof value === 'string' && /^[A-Za-z0-9+/=_\-\s]+$/.test(value) ? Buffer.from(value, 'base64') : undefined);
  if (body.frames !== undefined && body.video !== undefined) return `give either 'frames' or 'video', not both`;
  if (body.video !== undefined) {
    const video = base64(body.video);
    return video ? { video } : `'video' must be the video file's bytes in base64`;
  }
  if (Array.isArray(body.frames)) {
    const frames = body.frames.map(base64);
    return frames.every((f): f is Buffer => f !== undefined) ? { frames } : `'frames' must be a list of base64-encoded JPEG or PNG images`;
  }
  return `send JSON {"frames": [base64 JPEG/PNG, ...]} or {"video": base64 MP4}, or the raw file with Content-Type video/mp4, image/jpeg or image/png`;
}
